// One suite for every ProgressStore: the in-memory store the domain tests
// use and the Redis store the service runs on, so the two cannot drift
// apart.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/progress/memory_store.h"
#include "services/progress/redis_store.h"
#include "tests/support/redis_fixture.h"

namespace duban::progress {
namespace {

using ::testing::HasSubstr;

ReportWrite Write(const std::string& report_id, int64_t expected, int revision,
                  const std::string& rid = "", const std::string& fp = "") {
  ReportWrite w;
  w.plan_id = "p";
  w.report_id = report_id;
  w.expected_version = expected;
  w.report.set_name(ReportName("p", report_id));
  w.report.set_revision_count(revision);
  w.report.mutable_latest()->set_number(revision);
  // Bytes that a text protocol would mangle.
  w.report.mutable_latest()->set_progress(std::string("进展\0\r\n\x1f", 10));
  w.append_revision = true;
  w.request_id = rid;
  w.fingerprint = fp;
  w.event.set_type(revision == 1 ? v1::Event::REPORT_SUBMITTED
                                 : v1::Event::REPORT_REVISED);
  w.event.set_report(w.report.name());
  w.event.set_revision(revision);
  return w;
}

enum class Backend { kMemory, kRedis };

class ProgressStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      store_ = std::make_unique<MemoryProgressStore>();
    } else {
      auto options = SharedTestRedis();
      ASSERT_TRUE(options.ok()) << options.status();
      pool_ = std::make_unique<RedisPool>(*options);
      ASSERT_TRUE(pool_->Command({"FLUSHALL"}).ok());
      store_ = std::make_unique<RedisProgressStore>(pool_.get());
    }
  }
  ProgressStore& store() { return *store_; }

  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<ProgressStore> store_;
};

TEST_P(ProgressStoreTest, ScheduleVersionsAndConditionalPut) {
  EXPECT_EQ(store().GetSchedule("p").status().code(),
            absl::StatusCode::kNotFound);
  v1::Schedule s;
  s.set_cadence(v1::QUARTERLY);
  EXPECT_EQ(store().PutSchedule("p", s, 1).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(*store().PutSchedule("p", s, 0), 1);
  EXPECT_EQ(*store().PutSchedule("p", s, std::nullopt), 2);
  EXPECT_EQ(store().PutSchedule("p", s, 1).status().code(),
            absl::StatusCode::kAborted);
  auto got = store().GetSchedule("p");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->schedule.cadence(), v1::QUARTERLY);
  EXPECT_THAT(*store().ListSchedulePlans(), ::testing::ElementsAre("p"));
}

TEST_P(ProgressStoreTest, WritesKeepEveryRevisionAndEmitOneEventEach) {
  auto first = store().WriteReport(Write("1/u~2020-Q1", 0, 1, "submit:a", "f"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->outcome, WriteOutcome::kApplied);
  EXPECT_EQ(first->stored.version, 1);
  EXPECT_EQ(store().WriteReport(Write("1/u~2020-Q1", 0, 2)).status().code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(store().WriteReport(Write("1/u~2020-Q1", 1, 2)).ok());
  // A review replaces the last revision only.
  ReportWrite review = Write("1/u~2020-Q1", 2, 2);
  review.append_revision = false;
  review.report.mutable_latest()->set_review_state(v1::ACCEPTED);
  ASSERT_TRUE(store().WriteReport(review).ok());

  auto revisions = store().ListRevisions("p", "1/u~2020-Q1");
  ASSERT_TRUE(revisions.ok());
  ASSERT_EQ(revisions->size(), 2u);
  EXPECT_EQ((*revisions)[0].number(), 1);
  EXPECT_EQ((*revisions)[0].progress(), std::string("进展\0\r\n\x1f", 10));
  EXPECT_EQ((*revisions)[1].review_state(), v1::ACCEPTED);
  auto got = store().GetReport("p", "1/u~2020-Q1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version, 3);
  EXPECT_EQ(store().GetReport("p", "2/u~2020-Q1").status().code(),
            absl::StatusCode::kNotFound);
  auto events = store().ReadEvents("p", "", 100, absl::ZeroDuration());
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].cursor(), first->cursor);
  EXPECT_EQ((*events)[1].type(), v1::Event::REPORT_REVISED);
  auto after =
      store().ReadEvents("p", (*events)[1].cursor(), 100, absl::ZeroDuration());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(*store().LastCursor("p"), (*events)[2].cursor());
}

TEST_P(ProgressStoreTest, RequestIdReplaysTheFirstAnswerOrIsRefused) {
  ASSERT_TRUE(
      store().WriteReport(Write("1/u~2020-Q1", 0, 1, "submit:a", "f")).ok());
  // A retry built on a stale read still replays (checked before version).
  auto again = store().WriteReport(Write("1/u~2020-Q1", 0, 1, "submit:a", "f"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->outcome, WriteOutcome::kReplayed);
  EXPECT_EQ(again->stored.version, 1);
  EXPECT_EQ(again->stored.report.revision_count(), 1);
  auto reused =
      store().WriteReport(Write("1/u~2020-Q1", 1, 2, "submit:a", "g"));
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reused.status().message(), HasSubstr("\"a\""));
  auto found = store().FindRequest("p", "submit:a", "f");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->report.latest().progress(),
            std::string("进展\0\r\n\x1f", 10));
  EXPECT_FALSE(store().FindRequest("p", "submit:b", "f")->has_value());
  EXPECT_EQ(store().FindRequest("p", "submit:a", "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store().ReadEvents("p", "", 100, absl::ZeroDuration())->size(), 1u);
}

TEST_P(ProgressStoreTest, ConcurrentWritersOfOneRequestStoreOneRevision) {
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<WriteResult>> results(8, absl::UnknownError(""));
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      results[i] =
          store().WriteReport(Write("1/u~2020-Q1", 0, 1, "submit:same", "f"));
    });
  }
  for (auto& t : threads) t.join();
  int applied = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    applied += r->outcome == WriteOutcome::kApplied;
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(store().ListRevisions("p", "1/u~2020-Q1")->size(), 1u);
}

TEST_P(ProgressStoreTest, HealthAndOnceRecordEventsOnlyOnChange) {
  v1::Event e;
  e.set_type(v1::Event::ITEM_HEALTH_CHANGED);
  e.set_health(v1::GREEN);
  EXPECT_TRUE(*store().RecordItemHealth("p", "1", v1::GREEN, e));
  EXPECT_FALSE(*store().RecordItemHealth("p", "1", v1::GREEN, e));
  e.set_health(v1::RED);
  EXPECT_TRUE(*store().RecordItemHealth("p", "1", v1::RED, e));
  v1::Event overdue;
  overdue.set_type(v1::Event::REPORT_OVERDUE);
  EXPECT_TRUE(*store().RecordOnce("p", "u|1|2020-Q1|MISSING", overdue));
  EXPECT_FALSE(*store().RecordOnce("p", "u|1|2020-Q1|MISSING", overdue));
  auto events = store().ReadEvents("p", "", 100, absl::ZeroDuration());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].previous_health(), v1::HEALTH_UNSPECIFIED);
  EXPECT_EQ((*events)[1].previous_health(), v1::GREEN);
  EXPECT_EQ((*events)[1].health(), v1::RED);
  EXPECT_EQ((*events)[2].type(), v1::Event::REPORT_OVERDUE);
}

TEST_P(ProgressStoreTest, ReadEventsWaitsForTheNextEventAndRejectsBadCursor) {
  EXPECT_EQ(
      store().ReadEvents("p", "nope", 10, absl::ZeroDuration()).status().code(),
      absl::StatusCode::kInvalidArgument);
  const std::string last = *store().LastCursor("p");
  EXPECT_EQ(last, "0-0");
  const absl::Time start = absl::Now();
  auto none = store().ReadEvents("p", last, 10, absl::Milliseconds(200));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
  std::thread writer([&] {
    absl::SleepFor(absl::Milliseconds(100));
    ASSERT_TRUE(store().WriteReport(Write("1/u~2020-Q1", 0, 1)).ok());
  });
  auto one = store().ReadEvents("p", last, 10, absl::Seconds(1));
  writer.join();
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->size(), 1u);
}

TEST_P(ProgressStoreTest, ListReportsIsOrderedById) {
  ASSERT_TRUE(store().WriteReport(Write("2/u~2020-Q1", 0, 1)).ok());
  ASSERT_TRUE(store().WriteReport(Write("1/u~2020-Q2", 0, 1)).ok());
  ASSERT_TRUE(store().WriteReport(Write("1/u~2020-Q1", 0, 1)).ok());
  auto all = store().ListReports("p");
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].report.name(), ReportName("p", "1/u~2020-Q1"));
  EXPECT_EQ((*all)[2].report.name(), ReportName("p", "2/u~2020-Q1"));
  EXPECT_EQ((*all)[0].version, 1);
  EXPECT_TRUE(store().ListReports("other")->empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, ProgressStoreTest,
                         ::testing::Values(Backend::kMemory, Backend::kRedis),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory"
                                                                 : "Redis";
                         });

}  // namespace
}  // namespace duban::progress
