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

TEST_P(ProgressStoreTest, ItemBriefsFollowEveryWriteWithoutTheTexts) {
  auto none = store().ListItemBriefs("p", {"1", "10"});
  ASSERT_TRUE(none.ok()) << none.status();
  ASSERT_EQ(none->size(), 2u);
  EXPECT_EQ((*none)[0].version, 0);
  EXPECT_TRUE((*none)[0].briefs.empty());

  ASSERT_TRUE(store().WriteReport(Write("1/u~2020-Q2", 0, 1)).ok());
  ASSERT_TRUE(store().WriteReport(Write("1/u~2020-Q1", 0, 1)).ok());
  ASSERT_TRUE(store().WriteReport(Write("1/u~2020-Q1", 1, 2)).ok());
  // Item "10" shares a prefix with item "1" but not its reports.
  ASSERT_TRUE(store().WriteReport(Write("10/u~2020-Q1", 0, 1)).ok());
  auto items = store().ListItemBriefs("p", {"10", "1", "2"});
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].item_id, "10");
  EXPECT_EQ((*items)[0].version, 1);
  ASSERT_EQ((*items)[0].briefs.size(), 1u);
  const ItemBriefs& one = (*items)[1];
  EXPECT_EQ(one.version, 3);
  ASSERT_EQ(one.briefs.size(), 2u);
  EXPECT_EQ(one.briefs[0].name(), ReportName("p", "1/u~2020-Q1"));
  EXPECT_EQ(one.briefs[0].latest().number(), 2);
  EXPECT_TRUE(one.briefs[0].latest().progress().empty());
  EXPECT_EQ(one.briefs[1].name(), ReportName("p", "1/u~2020-Q2"));
  EXPECT_EQ((*items)[2].version, 0);
  // The full report keeps its texts.
  EXPECT_FALSE(store()
                   .GetReport("p", "1/u~2020-Q1")
                   ->report.latest()
                   .progress()
                   .empty());
  // A replayed request changes nothing, so the counter stays.
  ReportWrite again = Write("1/u~2020-Q1", 2, 3, "submit:x", "f");
  ASSERT_TRUE(store().WriteReport(again).ok());
  ASSERT_EQ(store().WriteReport(again)->outcome, WriteOutcome::kReplayed);
  EXPECT_EQ(store().ListItemBriefs("p", {"1"})->at(0).version, 4);
}

TEST_P(ProgressStoreTest, ReadForSubmitSkipsBriefsOnlyWhileTheItemStands) {
  ASSERT_TRUE(store().WriteReport(Write("1/u~2020-Q1", 0, 1)).ok());
  ASSERT_TRUE(store().WriteReport(Write("1/v~2020-Q1", 0, 1)).ok());
  // Unknown: the briefs are read.
  auto full = store().ReadForSubmit("p", "submit:a", "f", "1/u~2020-Q1");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_FALSE(full->briefs_unchanged);
  EXPECT_EQ(full->item.version, 2);
  EXPECT_EQ(full->item.briefs.size(), 2u);
  ASSERT_TRUE(full->report.has_value());
  EXPECT_EQ(full->report->version, 1);
  // Known at the item's counter: a store may skip them (Redis does); when
  // it does, it says so and the counter is the one given.
  auto same = store().ReadForSubmit("p", "submit:a", "f", "1/u~2020-Q1", 2);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->item.version, 2);
  if (GetParam() == Backend::kRedis) {
    EXPECT_TRUE(same->briefs_unchanged);
    EXPECT_TRUE(same->item.briefs.empty());
  } else {
    EXPECT_EQ(same->item.briefs.size(), 2u);
  }
  ASSERT_TRUE(same->report.has_value());
  EXPECT_EQ(same->report->version, 1);
  // Known at an older counter: read again, whatever the store.
  ASSERT_TRUE(store().WriteReport(Write("1/w~2020-Q1", 0, 1)).ok());
  auto stale = store().ReadForSubmit("p", "submit:a", "f", "1/u~2020-Q1", 2);
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_FALSE(stale->briefs_unchanged);
  EXPECT_EQ(stale->item.version, 3);
  EXPECT_EQ(stale->item.briefs.size(), 3u);
  // A seen request is answered as before.
  ASSERT_TRUE(
      store().WriteReport(Write("1/u~2020-Q1", 1, 2, "submit:b", "g")).ok());
  auto replay = store().ReadForSubmit("p", "submit:b", "g", "1/u~2020-Q1", 4);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->replay.has_value());
}

TEST_P(ProgressStoreTest, RollupCacheKeepsEntriesAndCounters) {
  auto empty = store().ReadRollupCache("p");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->versions.empty());
  EXPECT_TRUE(empty->entries.empty());
  ASSERT_TRUE(store().WriteReport(Write("1/u~2020-Q1", 0, 1)).ok());
  ASSERT_TRUE(store()
                  .WriteRollupCache(
                      "p", {{"1", std::string("k\x1f\0b", 4)}, {"2", "other"}})
                  .ok());
  v1::Event e;
  e.set_type(v1::Event::ITEM_HEALTH_CHANGED);
  ASSERT_TRUE(store().RecordItemHealth("p", "2", v1::AMBER, e, "fresh").ok());
  auto cache = store().ReadRollupCache("p");
  ASSERT_TRUE(cache.ok()) << cache.status();
  EXPECT_EQ(cache->versions.at("1"), 1);
  EXPECT_EQ(cache->versions.count("2"), 0u);
  EXPECT_EQ(cache->entries.at("1"), std::string("k\x1f\0b", 4));
  EXPECT_EQ(cache->entries.at("2"), "fresh");
  // An unchanged health still refreshes the entry, without an event.
  EXPECT_FALSE(*store().RecordItemHealth("p", "2", v1::AMBER, e, "newer"));
  EXPECT_EQ(store().ReadRollupCache("p")->entries.at("2"), "newer");
  EXPECT_TRUE(store().ReadRollupCache("other")->entries.empty());
}

TEST_P(ProgressStoreTest,
       ConditionalWriteAppliesOnlyWhileItemAndScheduleStand) {
  v1::Schedule schedule;
  schedule.set_cadence(v1::MONTHLY);
  ASSERT_TRUE(store().PutSchedule("p", schedule, std::nullopt).ok());
  auto since = [](ReportWrite w, int64_t item, int64_t schedule_version) {
    w.unchanged_since = ReportWrite::Unchanged{item, schedule_version};
    return w;
  };
  // Item 1 at counter 0, schedule at version 1: applied.
  auto first = store().WriteReport(
      since(Write("1/u~2020-01", 0, 1, "submit:a", "fa"), 0, 1));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->outcome, WriteOutcome::kApplied);
  // The item moved on (counter 1): nothing written.
  auto stale_item =
      store().WriteReport(since(Write("1/v~2020-01", 0, 1, "submit:b"), 0, 1));
  ASSERT_TRUE(stale_item.ok()) << stale_item.status();
  EXPECT_EQ(stale_item->outcome, WriteOutcome::kStale);
  EXPECT_EQ(store().GetReport("p", "1/v~2020-01").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(*store().FindRequest("p", "submit:b", ""));
  // The schedule moved on (version 2): nothing written.
  ASSERT_TRUE(store().PutSchedule("p", schedule, std::nullopt).ok());
  auto stale_schedule =
      store().WriteReport(since(Write("1/u~2020-01", 1, 2), 1, 1));
  ASSERT_TRUE(stale_schedule.ok()) << stale_schedule.status();
  EXPECT_EQ(stale_schedule->outcome, WriteOutcome::kStale);
  EXPECT_EQ(store().GetReport("p", "1/u~2020-01")->version, 1);
  // A request seen before is answered, stale or not.
  auto replay = store().WriteReport(
      since(Write("1/u~2020-01", 0, 1, "submit:a", "fa"), 7, 7));
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->outcome, WriteOutcome::kReplayed);
  // Both as they are now: applied.
  auto second = store().WriteReport(since(Write("1/u~2020-01", 1, 2), 1, 2));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->outcome, WriteOutcome::kApplied);
  auto events = store().ReadEvents("p", "", 100, absl::ZeroDuration());
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->size(), 2u);
}

TEST_P(ProgressStoreTest, HealthGoesWithTheWriteOnlyWhileTheItemStands) {
  auto with_health = [](ReportWrite w, int64_t item_version, v1::Health h,
                        const std::string& entry) {
    HealthWrite& health = w.health.emplace();
    health.expected_item_version = item_version;
    health.health = h;
    health.event.set_type(v1::Event::ITEM_HEALTH_CHANGED);
    health.event.set_health(h);
    health.cache_entry = entry;
    return w;
  };
  auto first = store().WriteReport(
      with_health(Write("1/u~2020-Q1", 0, 1), 0, v1::AMBER, "e1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->health_recorded);
  // Unchanged health: the entry is replaced, no event.
  auto second = store().WriteReport(
      with_health(Write("1/u~2020-Q1", 1, 2), 1, v1::AMBER, "e2"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->health_recorded);
  EXPECT_EQ(store().ReadRollupCache("p")->entries.at("1"), "e2");
  // Read at item version 1, but the item is at 2 now: left out.
  auto stale = store().WriteReport(
      with_health(Write("1/v~2020-Q1", 0, 1), 1, v1::RED, "e3"));
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_FALSE(stale->health_recorded);
  EXPECT_EQ(store().ReadRollupCache("p")->entries.at("1"), "e2");
  // Changed health: its event follows the report's.
  auto changed = store().WriteReport(
      with_health(Write("1/v~2020-Q2", 0, 1), 3, v1::RED, "e4"));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(changed->health_recorded);
  auto events = store().ReadEvents("p", "", 100, absl::ZeroDuration());
  ASSERT_TRUE(events.ok()) << events.status();
  std::vector<v1::Event::Type> types;
  for (const auto& e : *events) types.push_back(e.type());
  EXPECT_THAT(types,
              ::testing::ElementsAre(
                  v1::Event::REPORT_SUBMITTED, v1::Event::ITEM_HEALTH_CHANGED,
                  v1::Event::REPORT_REVISED, v1::Event::REPORT_SUBMITTED,
                  v1::Event::REPORT_SUBMITTED, v1::Event::ITEM_HEALTH_CHANGED));
  EXPECT_EQ(events->back().health(), v1::RED);
  EXPECT_EQ(events->back().previous_health(), v1::AMBER);
  // A plain RecordItemHealth sees what the write recorded.
  EXPECT_FALSE(*store().RecordItemHealth("p", "1", v1::RED, v1::Event()));
}

INSTANTIATE_TEST_SUITE_P(Stores, ProgressStoreTest,
                         ::testing::Values(Backend::kMemory, Backend::kRedis),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory"
                                                                 : "Redis";
                         });

// A store written before briefs were kept: the reports are there, the
// briefs and counters are not. BackfillBriefs builds them once, and never
// over a brief written since.
TEST(RedisProgressStoreTest, BackfillBuildsMissingBriefsOnce) {
  auto options = SharedTestRedis();
  ASSERT_TRUE(options.ok()) << options.status();
  RedisPool pool(*options);
  ASSERT_TRUE(pool.Command({"FLUSHALL"}).ok());
  RedisProgressStore store(&pool);
  ASSERT_TRUE(store.WriteReport(Write("1/u~2020-Q1", 0, 1)).ok());
  ASSERT_TRUE(store.WriteReport(Write("2/u~2020-Q1", 0, 1)).ok());
  EXPECT_EQ(*store.BackfillBriefs("p"), 0);  // counters exist: nothing to do
  ASSERT_TRUE(pool.Command({"DEL", "duban:progress:{plan:p}:itemv",
                            "duban:progress:{plan:p}:brief:1",
                            "duban:progress:{plan:p}:brief:2"})
                  .ok());
  EXPECT_TRUE(store.ListItemBriefs("p", {"1"})->at(0).briefs.empty());
  auto covered = store.BackfillBriefs("p");
  ASSERT_TRUE(covered.ok()) << covered.status();
  EXPECT_EQ(*covered, 2);
  auto items = store.ListItemBriefs("p", {"1", "2"});
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_EQ((*items)[0].version, 1);
  ASSERT_EQ((*items)[0].briefs.size(), 1u);
  EXPECT_EQ((*items)[0].briefs[0].name(), ReportName("p", "1/u~2020-Q1"));
  EXPECT_TRUE((*items)[0].briefs[0].latest().progress().empty());
  EXPECT_EQ(*store.BackfillBriefs("p"), 0);
  EXPECT_EQ(*store.BackfillBriefs("no-such-plan"), 0);
}

}  // namespace
}  // namespace duban::progress
