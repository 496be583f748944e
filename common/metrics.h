// A small Prometheus metrics registry: counters, gauges and histograms with
// fixed buckets, in families with labels, written in the text exposition
// format 0.0.4.
//
// A family creates each labelled series once (under the family's lock) and
// hands out a pointer that stays valid as long as the registry; updating a
// series is then a few relaxed atomic operations and takes no lock. Callers
// on hot paths look a series up once and keep the pointer.
//
// Names and label sets are fixed by the code, so misuse (an invalid name, a
// name registered twice with another type or other labels, the wrong number
// of label values) is a bug: it aborts with a message.
#ifndef DUBAN_COMMON_METRICS_H_
#define DUBAN_COMMON_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace duban::metrics {

// A monotonically increasing count.
class Counter {
 public:
  void Increment(uint64_t n = 1) {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (open streams, connections).
class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations counted into fixed buckets (upper bounds, increasing; +Inf is
// implicit), with their sum.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    // Cumulative counts per bound, then +Inf (bounds.size() + 1 entries).
    std::vector<uint64_t> cumulative;
    // Equal to cumulative.back().
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double> bounds_;
  // Per bucket, not cumulative; the last one is +Inf.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  // The bits of a double, updated by compare-and-swap.
  std::atomic<uint64_t> sum_bits_{0};
};

// Latency buckets in seconds, 0.5 ms to 60 s.
const std::vector<double>& LatencyBuckets();

class Registry;

// All series of one metric: one per distinct list of label values.
template <typename T>
class Family {
 public:
  // The series for `values` (one per label name, in order), created on first
  // use. The pointer stays valid as long as the registry.
  T* WithLabels(const std::vector<std::string>& values);

 private:
  friend class Registry;
  Family(std::string name, std::vector<std::string> label_names,
         std::vector<double> bounds)
      : name_(std::move(name)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}
  void Append(std::string* out) const;

  const std::string name_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;  // histograms only
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_
      ABSL_GUARDED_BY(mu_);
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The family named `name`, created on first use; later calls with the
  // same name, type and labels return the same family.
  Family<Counter>* AddCounter(absl::string_view name, absl::string_view help,
                              const std::vector<std::string>& label_names);
  Family<Gauge>* AddGauge(absl::string_view name, absl::string_view help,
                          const std::vector<std::string>& label_names);
  Family<Histogram>* AddHistogram(absl::string_view name,
                                  absl::string_view help,
                                  const std::vector<std::string>& label_names,
                                  const std::vector<double>& bounds);

  // Every family, in name order, in the text exposition format 0.0.4. A
  // family with no series yet writes only its HELP and TYPE lines.
  std::string Expose() const;

 private:
  struct Entry;
  template <typename T>
  Family<T>* Add(absl::string_view name, absl::string_view help,
                 absl::string_view type,
                 const std::vector<std::string>& label_names,
                 const std::vector<double>& bounds);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> families_
      ABSL_GUARDED_BY(mu_);
};

// The process's registry, served on --metrics_listen.
Registry& DefaultRegistry();

// The content type of Expose()'s output.
inline constexpr char kExpositionContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// Exposition helpers, exposed for tests.
// A label value with \, " and newline escaped.
std::string EscapeLabelValue(absl::string_view value);
// HELP text with \ and newline escaped.
std::string EscapeHelp(absl::string_view help);
// A sample value: shortest round-trip decimal, +Inf, -Inf or NaN.
std::string FormatValue(double value);
// Whether `name` is a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, with
// `label`, a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting "__").
bool IsValidName(absl::string_view name, bool label);

}  // namespace duban::metrics

#endif  // DUBAN_COMMON_METRICS_H_
