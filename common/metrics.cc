#include "common/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace duban::metrics {
namespace {

[[noreturn]] void Misuse(absl::string_view what) {
  std::fprintf(stderr, "metrics: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

uint64_t DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

double BitsDouble(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// `{a="x",b="y"` without the closing brace (so "le" can be appended), or ""
// when there are no labels.
std::string OpenLabels(const std::vector<std::string>& names,
                       const std::vector<std::string>& values) {
  if (names.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    absl::StrAppend(&out, names[i], "=\"", EscapeLabelValue(values[i]), "\"");
  }
  return out;
}

std::string CloseLabels(const std::string& open) {
  return open.empty() ? "" : absl::StrCat(open, "}");
}

void AppendSeries(const std::string& name, const std::string& labels,
                  const Counter& c, std::string* out) {
  absl::StrAppend(out, name, CloseLabels(labels), " ", c.Value(), "\n");
}

void AppendSeries(const std::string& name, const std::string& labels,
                  const Gauge& g, std::string* out) {
  absl::StrAppend(out, name, CloseLabels(labels), " ", g.Value(), "\n");
}

void AppendSeries(const std::string& name, const std::string& labels,
                  const Histogram& h, std::string* out) {
  const Histogram::Snapshot s = h.Read();
  const std::string prefix = labels.empty() ? "{" : absl::StrCat(labels, ",");
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    const std::string le =
        i < s.bounds.size() ? FormatValue(s.bounds[i]) : "+Inf";
    absl::StrAppend(out, name, "_bucket", prefix, "le=\"", le, "\"} ",
                    s.cumulative[i], "\n");
  }
  absl::StrAppend(out, name, "_sum", CloseLabels(labels), " ",
                  FormatValue(s.sum), "\n");
  absl::StrAppend(out, name, "_count", CloseLabels(labels), " ", s.count, "\n");
}

template <typename T>
std::unique_ptr<T> MakeSeries(const std::vector<double>& bounds);
template <>
std::unique_ptr<Counter> MakeSeries(const std::vector<double>&) {
  return std::make_unique<Counter>();
}
template <>
std::unique_ptr<Gauge> MakeSeries(const std::vector<double>&) {
  return std::make_unique<Gauge>();
}
template <>
std::unique_ptr<Histogram> MakeSeries(const std::vector<double>& bounds) {
  return std::make_unique<Histogram>(bounds);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (std::isnan(bounds_[i]) || std::isinf(bounds_[i]) ||
        (i > 0 && bounds_[i] <= bounds_[i - 1])) {
      Misuse("histogram bounds must be finite and increasing");
    }
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    counts_[i].store(0, std::memory_order_relaxed);
  }
}

void Histogram::Observe(double value) {
  // The first bound >= value ("le" is inclusive); NaN lands in +Inf.
  const size_t i =
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  uint64_t old_bits = sum_bits_.load(std::memory_order_relaxed);
  while (!sum_bits_.compare_exchange_weak(
      old_bits, DoubleBits(BitsDouble(old_bits) + value),
      std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.bounds = bounds_;
  s.cumulative.resize(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = total;
  }
  s.count = total;
  s.sum = BitsDouble(sum_bits_.load(std::memory_order_relaxed));
  return s;
}

const std::vector<double>& LatencyBuckets() {
  static const auto* buckets = new std::vector<double>{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,   1,      2.5,   5,    10,    30,   60};
  return *buckets;
}

template <typename T>
T* Family<T>::WithLabels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    Misuse(absl::StrCat(name_, ": ", values.size(), " label values for ",
                        label_names_.size(), " labels"));
  }
  absl::MutexLock lock(&mu_);
  std::unique_ptr<T>& series = series_[values];
  if (series == nullptr) series = MakeSeries<T>(bounds_);
  return series.get();
}

template <typename T>
void Family<T>::Append(std::string* out) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [values, series] : series_) {
    AppendSeries(name_, OpenLabels(label_names_, values), *series, out);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

struct Registry::Entry {
  std::string type;
  std::string help;
  std::vector<std::string> label_names;
  std::vector<double> bounds;
  std::unique_ptr<Family<Counter>> counter;
  std::unique_ptr<Family<Gauge>> gauge;
  std::unique_ptr<Family<Histogram>> histogram;

  Family<Counter>* Get(Counter*) { return counter.get(); }
  Family<Gauge>* Get(Gauge*) { return gauge.get(); }
  Family<Histogram>* Get(Histogram*) { return histogram.get(); }
  void Set(std::unique_ptr<Family<Counter>> f) { counter = std::move(f); }
  void Set(std::unique_ptr<Family<Gauge>> f) { gauge = std::move(f); }
  void Set(std::unique_ptr<Family<Histogram>> f) { histogram = std::move(f); }
};

Registry::Registry() = default;
Registry::~Registry() = default;

template <typename T>
Family<T>* Registry::Add(absl::string_view name, absl::string_view help,
                         absl::string_view type,
                         const std::vector<std::string>& label_names,
                         const std::vector<double>& bounds) {
  if (!IsValidName(name, /*label=*/false)) {
    Misuse(absl::StrCat("invalid metric name \"", name, "\""));
  }
  for (const std::string& label : label_names) {
    if (!IsValidName(label, /*label=*/true) || label == "le") {
      Misuse(absl::StrCat(name, ": invalid label name \"", label, "\""));
    }
  }
  absl::MutexLock lock(&mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    Entry& e = *it->second;
    if (e.type != type || e.label_names != label_names || e.bounds != bounds) {
      Misuse(absl::StrCat(name, ": registered again with another type, ",
                          "labels or buckets"));
    }
    return e.Get(static_cast<T*>(nullptr));
  }
  auto entry = std::make_unique<Entry>();
  entry->type = std::string(type);
  entry->help = std::string(help);
  entry->label_names = label_names;
  entry->bounds = bounds;
  auto* family = new Family<T>(std::string(name), label_names, bounds);
  entry->Set(std::unique_ptr<Family<T>>(family));
  families_.emplace(std::string(name), std::move(entry));
  return family;
}

Family<Counter>* Registry::AddCounter(
    absl::string_view name, absl::string_view help,
    const std::vector<std::string>& label_names) {
  return Add<Counter>(name, help, "counter", label_names, {});
}

Family<Gauge>* Registry::AddGauge(absl::string_view name,
                                  absl::string_view help,
                                  const std::vector<std::string>& label_names) {
  return Add<Gauge>(name, help, "gauge", label_names, {});
}

Family<Histogram>* Registry::AddHistogram(
    absl::string_view name, absl::string_view help,
    const std::vector<std::string>& label_names,
    const std::vector<double>& bounds) {
  // Checked here too, so that a bad family fails at registration.
  Histogram check(bounds);
  (void)check;
  return Add<Histogram>(name, help, "histogram", label_names, bounds);
}

std::string Registry::Expose() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& [name, e] : families_) {
    absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(e->help), "\n");
    absl::StrAppend(&out, "# TYPE ", name, " ", e->type, "\n");
    if (e->counter) e->counter->Append(&out);
    if (e->gauge) e->gauge->Append(&out);
    if (e->histogram) e->histogram->Append(&out);
  }
  return out;
}

Registry& DefaultRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return absl::StrCat(value);
  return std::string(buf, end);
}

bool IsValidName(absl::string_view name, bool label) {
  if (name.empty()) return false;
  if (label && name.size() >= 2 && name[0] == '_' && name[1] == '_') {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       c == '_' || (!label && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

}  // namespace duban::metrics
