// The metrics registry (common/metrics.h): series identity, concurrent
// updates, and the text exposition format 0.0.4 (escaping, histogram lines).
#include "common/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, SameLabelsGiveTheSameSeries) {
  Registry r;
  Family<Counter>* f = r.AddCounter("x_total", "X.", {"a"});
  EXPECT_EQ(r.AddCounter("x_total", "X.", {"a"}), f);
  Counter* one = f->WithLabels({"1"});
  EXPECT_EQ(f->WithLabels({"1"}), one);
  EXPECT_NE(f->WithLabels({"2"}), one);
}

TEST(MetricsTest, ConcurrentIncrementsAreAllCounted) {
  Registry r;
  Counter* c = r.AddCounter("c_total", "C.", {})->WithLabels({});
  Histogram* h = r.AddHistogram("h_seconds", "H.", {}, {1, 2})->WithLabels({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c->Increment();
        h->Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c->Value(), 40000u);
  Histogram::Snapshot s = h->Read();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_DOUBLE_EQ(s.sum, 20000.0);
}

TEST(MetricsTest, CounterAndGaugeLines) {
  Registry r;
  r.AddCounter("b_total", "Things done.", {"service", "code"})
      ->WithLabels({"plan-server", "OK"})
      ->Increment(3);
  Gauge* g = r.AddGauge("a_open", "Open now.", {})->WithLabels({});
  g->Add(5);
  g->Add(-2);
  // Families in name order; HELP and TYPE before the samples.
  EXPECT_EQ(r.Expose(),
            "# HELP a_open Open now.\n"
            "# TYPE a_open gauge\n"
            "a_open 3\n"
            "# HELP b_total Things done.\n"
            "# TYPE b_total counter\n"
            "b_total{service=\"plan-server\",code=\"OK\"} 3\n");
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.AddCounter("e_total", "Back\\slash and\nnewline \"quoted\"", {"v"})
      ->WithLabels({"a\\b\"c\nd"})
      ->Increment();
  const std::string text = r.Expose();
  // HELP escapes backslash and newline only; label values also quotes.
  EXPECT_THAT(text, HasSubstr("# HELP e_total Back\\\\slash and\\nnewline "
                              "\"quoted\"\n"));
  EXPECT_THAT(text, HasSubstr("e_total{v=\"a\\\\b\\\"c\\nd\"} 1\n"));
  EXPECT_EQ(EscapeLabelValue("plain ü"), "plain ü");
  EXPECT_EQ(EscapeLabelValue("\\\"\n"), "\\\\\\\"\\n");
  EXPECT_EQ(EscapeHelp("a\"b"), "a\"b");
}

TEST(MetricsTest, HistogramLinesAreCumulativeWithSumAndCount) {
  Registry r;
  Histogram* h =
      r.AddHistogram("lat_seconds", "Latency.", {"m"}, {0.25, 0.5, 1})
          ->WithLabels({"Get"});
  h->Observe(0.125);
  h->Observe(0.25);  // "le" is inclusive
  h->Observe(0.375);
  h->Observe(3);
  EXPECT_EQ(r.Expose(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{m=\"Get\",le=\"0.25\"} 2\n"
            "lat_seconds_bucket{m=\"Get\",le=\"0.5\"} 3\n"
            "lat_seconds_bucket{m=\"Get\",le=\"1\"} 3\n"
            "lat_seconds_bucket{m=\"Get\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{m=\"Get\"} 3.75\n"
            "lat_seconds_count{m=\"Get\"} 4\n");
}

TEST(MetricsTest, HistogramWithoutLabels) {
  Registry r;
  r.AddHistogram("h", "H.", {}, {1})->WithLabels({})->Observe(2);
  EXPECT_THAT(r.Expose(), HasSubstr("h_bucket{le=\"1\"} 0\n"
                                    "h_bucket{le=\"+Inf\"} 1\n"
                                    "h_sum 2\n"
                                    "h_count 1\n"));
}

TEST(MetricsTest, FamilyWithoutSeriesWritesOnlyItsHeader) {
  Registry r;
  r.AddGauge("idle", "Nothing yet.", {"service"});
  EXPECT_EQ(r.Expose(), "# HELP idle Nothing yet.\n# TYPE idle gauge\n");
}

TEST(MetricsTest, FormatValue) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(1e-7), "1e-07");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(MetricsTest, Names) {
  EXPECT_TRUE(IsValidName("duban_rpc_requests_total", false));
  EXPECT_TRUE(IsValidName("ns:sub_metric", false));
  EXPECT_FALSE(IsValidName("", false));
  EXPECT_FALSE(IsValidName("9lives", false));
  EXPECT_FALSE(IsValidName("has-dash", false));
  EXPECT_TRUE(IsValidName("service", true));
  EXPECT_FALSE(IsValidName("a:b", true));
  EXPECT_FALSE(IsValidName("__reserved", true));
}

TEST(MetricsDeathTest, MisuseAborts) {
  Registry r;
  r.AddCounter("dup_total", "D.", {"a"});
  EXPECT_DEATH(r.AddGauge("dup_total", "D.", {"a"}), "registered again");
  EXPECT_DEATH(r.AddCounter("dup_total", "D.", {"b"}), "registered again");
  EXPECT_DEATH(r.AddCounter("bad-name", "B.", {}), "invalid metric name");
  EXPECT_DEATH(r.AddCounter("ok_total", "B.", {"le"}), "invalid label name");
  EXPECT_DEATH(r.AddHistogram("h", "H.", {}, {2, 1}), "increasing");
  EXPECT_DEATH(r.AddCounter("dup_total", "D.", {"a"})->WithLabels({"1", "2"}),
               "2 label values for 1 labels");
}

TEST(MetricsTest, LatencyBucketsIncrease) {
  const std::vector<double>& b = LatencyBuckets();
  ASSERT_FALSE(b.empty());
  for (size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
  EXPECT_THAT(b, Not(::testing::Contains(0.0)));
}

}  // namespace
}  // namespace duban::metrics
