// The progress service over real gRPC on loopback, with real plan and unit
// services in-process, all on a real redis-server: a seed plan imported,
// its units created, issued, scheduled; then every progress call and its
// error codes, idempotency under concurrent retries, and the event feed
// resumed across a disconnect and across two progress servers, with the
// watchers gauge following the open streams.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/metrics.h"
#include "common/observability.h"
#include "duban/progress/v1/progress_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/redis_fixture.h"
#include "tests/support/service_stack.h"

namespace duban::progress {
namespace {

using ::testing::HasSubstr;

// The `service` label of this test's metrics.
constexpr char kProgram[] = "progress-service-test";

class ProgressServiceTest : public ::testing::Test {
 protected:
  // Plan and unit services, and two progress replicas, on one Redis; the
  // Yiyang plan issued and scheduled quarterly.
  void SetUp() override {
    auto options = SharedTestRedis();
    ASSERT_TRUE(options.ok()) << options.status();
    ServiceStackOptions stack_options;
    stack_options.progress_replicas = 2;
    stack_options.program = kProgram;
    stack_options.clock = SeedNow;
    stack_ = std::make_unique<ServiceStack>(*options, stack_options);
    ASSERT_TRUE(stack_->ok());
    ASSERT_TRUE(stack_->pool().Command({"FLUSHALL"}).ok());
    stub_ = stack_->progress(0);
    YiyangSeed seed;
    ASSERT_NO_FATAL_FAILURE(SeedYiyang(*stack_, "", &seed));
    item_ = seed.item;
    unit_ = seed.unit;
    other_unit_ = seed.other_unit;
  }

  // item_'s rollup as GetPlanRollup answers it today.
  v1::ItemRollup ItemRollup() {
    v1::GetPlanRollupRequest roll;
    roll.set_plan("plans/yy2020");
    v1::PlanRollup rollup;
    grpc::ClientContext c;
    grpc::Status s = stub_->GetPlanRollup(&c, roll, &rollup);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const auto& section : rollup.sections()) {
      for (const auto& item : section.items()) {
        if (item.item() == item_) return item;
      }
    }
    ADD_FAILURE() << item_ << " not in the rollup";
    return v1::ItemRollup();
  }

  v1::SubmitReportRequest Submit(const std::string& rid,
                                 const std::string& period = "2020-Q1") {
    v1::SubmitReportRequest r;
    r.set_request_id(rid);
    r.set_item(item_);
    r.set_unit(unit_);
    r.set_period(period);
    r.set_status(v1::ON_TRACK);
    r.set_percent_complete(40);
    r.set_progress("按计划推进");
    r.set_principal("unit-system");
    return r;
  }
  grpc::Status Call(const v1::SubmitReportRequest& r, v1::Report* out,
                    v1::ProgressService::Stub* stub = nullptr) {
    grpc::ClientContext c;
    return (stub ? stub : stub_)->SubmitReport(&c, r, out);
  }

  std::unique_ptr<ServiceStack> stack_;
  v1::ProgressService::Stub* stub_ = nullptr;
  std::string item_, unit_, other_unit_;
};

TEST_F(ProgressServiceTest, SubmitReviewAndReadBack) {
  v1::Report report;
  grpc::Status s = Call(Submit("r1"), &report);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(report.name(), HasSubstr("/reports/"));
  EXPECT_EQ(report.unit(), unit_);
  EXPECT_TRUE(report.submitted_late());  // filed 2020-07-10, due 04-05

  v1::ReviewReportRequest review;
  review.set_name(report.name());
  review.set_etag(report.etag());
  review.set_decision(v1::ReviewReportRequest::RETURN);
  review.set_comment("请补充数据");
  v1::Report reviewed;
  {
    grpc::ClientContext c;
    ASSERT_TRUE(stub_->ReviewReport(&c, review, &reviewed).ok());
  }
  EXPECT_EQ(reviewed.latest().review_state(), v1::RETURNED);
  {
    grpc::ClientContext c;
    EXPECT_EQ(stub_->ReviewReport(&c, review, &reviewed).error_code(),
              grpc::StatusCode::ABORTED);  // stale etag
  }
  ASSERT_TRUE(Call(Submit("r2"), &report).ok());
  EXPECT_EQ(report.revision_count(), 2);

  v1::GetReportRequest get;
  get.set_name(report.name());
  v1::Report got;
  {
    grpc::ClientContext c;
    ASSERT_TRUE(stack_->progress(1)->GetReport(&c, get, &got).ok());
  }
  EXPECT_EQ(got.etag(), report.etag());
  v1::ListRevisionsRequest revs;
  revs.set_parent(report.name());
  v1::ListRevisionsResponse revisions;
  {
    grpc::ClientContext c;
    ASSERT_TRUE(stub_->ListRevisions(&c, revs, &revisions).ok());
  }
  ASSERT_EQ(revisions.revisions_size(), 2);
  EXPECT_EQ(revisions.revisions(0).review_state(), v1::RETURNED);
  EXPECT_EQ(revisions.revisions(1).review_state(), v1::PENDING_REVIEW);

  v1::ListReportsRequest list;
  list.set_parent("plans/yy2020");
  list.set_unit(unit_);
  v1::ListReportsResponse listed;
  {
    grpc::ClientContext c;
    ASSERT_TRUE(stub_->ListReports(&c, list, &listed).ok());
  }
  EXPECT_EQ(listed.reports_size(), 1);
}

TEST_F(ProgressServiceTest, ErrorCodesNameTheField) {
  struct Case {
    std::function<void(v1::SubmitReportRequest*)> edit;
    grpc::StatusCode code;
    std::string text;
  };
  const std::vector<Case> cases = {
      {[](auto* r) { r->set_percent_complete(-1); },
       grpc::StatusCode::INVALID_ARGUMENT, "percent_complete"},
      {[](auto* r) { r->set_period("2020-Q4"); },
       grpc::StatusCode::FAILED_PRECONDITION, "has not begun"},
      {[&](auto* r) { r->set_unit(other_unit_); },
       grpc::StatusCode::PERMISSION_DENIED, "holds no active assignment"},
      {[](auto* r) { r->set_item("plans/yy2020/items/999"); },
       grpc::StatusCode::NOT_FOUND, "items/999"},
      {[](auto* r) { r->add_indicator_values()->set_indicator_id("zz"); },
       grpc::StatusCode::INVALID_ARGUMENT, "indicator_id"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto r = Submit(absl::StrCat("bad-", i));
    cases[i].edit(&r);
    v1::Report out;
    grpc::Status s = Call(r, &out);
    EXPECT_EQ(s.error_code(), cases[i].code) << i << " " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(cases[i].text)) << i;
  }
  v1::GetReportRequest get;
  get.set_name("plans/yy2020/items/1/reports/nobody~2020-Q1");
  v1::Report out;
  grpc::ClientContext c;
  EXPECT_EQ(stub_->GetReport(&c, get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ProgressServiceTest, ConcurrentRetriesStoreOneRevision) {
  std::vector<std::thread> threads;
  std::vector<grpc::Status> statuses(8);
  std::vector<v1::Report> reports(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] = Call(Submit("same"), &reports[i], stack_->progress(i % 2));
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(reports[i].etag(), reports[0].etag());
    EXPECT_EQ(reports[i].revision_count(), 1);
  }
  auto changed = Submit("same");
  changed.set_percent_complete(41);
  v1::Report out;
  EXPECT_EQ(Call(changed, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ProgressServiceTest, ConcurrentWritesToOneItemLeaveItsHealthRight) {
  // Revisions of two reports of one item from 12 threads through both
  // replicas. Each write records the health it computed from what it read
  // (or reads the item again when another write got there first); however
  // they interleave, the item's recorded rollup must equal one computed
  // afresh from the stored reports.
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 4; ++i) {
        auto r = Submit(absl::StrCat("c", t, "-", i),
                        (t + i) % 2 == 0 ? "2020-Q1" : "2020-Q2");
        r.set_status((t * 4 + i) % 3 == 0 ? v1::DELAYED : v1::ON_TRACK);
        r.set_percent_complete(t * 4 + i);
        v1::Report out;
        if (!Call(r, &out, stack_->progress(t % 2)).ok()) {
          ++failed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  // And one more revision alone, which replaces its report's brief.
  auto last = Submit("c-last", "2020-Q2");
  last.set_percent_complete(77);
  v1::Report out;
  ASSERT_TRUE(Call(last, &out).ok());

  const v1::ItemRollup recorded = ItemRollup();
  // Without the cached rollups the answer is computed from the reports.
  ASSERT_TRUE(stack_->pool()
                  .Command({"DEL", "duban:progress:{plan:yy2020}:rollup"})
                  .ok());
  const v1::ItemRollup fresh = ItemRollup();
  EXPECT_EQ(recorded.health(), fresh.health());
  EXPECT_EQ(recorded.percent_complete(), fresh.percent_complete());
  EXPECT_EQ(recorded.DebugString(), fresh.DebugString());
  EXPECT_EQ(fresh.latest_status(), v1::ON_TRACK);
}

TEST_F(ProgressServiceTest, AReplicaRereadsAnItemAnotherReplicaChanged) {
  // Replica 0 keeps the briefs its submission left the item with; replica
  // 1 then changes the item, so replica 0's next submission must read the
  // item again before it computes and records the health.
  auto first = Submit("x1", "2020-Q1");
  first.set_status(v1::ON_TRACK);
  v1::Report out;
  ASSERT_TRUE(Call(first, &out, stack_->progress(0)).ok());
  auto second = Submit("x2", "2020-Q2");
  second.set_status(v1::DELAYED);
  ASSERT_TRUE(Call(second, &out, stack_->progress(1)).ok());
  auto third = Submit("x3", "2020-Q1");
  third.set_status(v1::AT_RISK);
  third.set_percent_complete(35);
  ASSERT_TRUE(Call(third, &out, stack_->progress(0)).ok());

  const v1::ItemRollup recorded = ItemRollup();
  ASSERT_TRUE(stack_->pool()
                  .Command({"DEL", "duban:progress:{plan:yy2020}:rollup"})
                  .ok());
  const v1::ItemRollup fresh = ItemRollup();
  EXPECT_EQ(recorded.DebugString(), fresh.DebugString());
  // Replica 1's DELAYED report is part of it.
  EXPECT_EQ(fresh.health(), v1::RED);
}

TEST_F(ProgressServiceTest, OverdueScorecardAndRollup) {
  v1::Report report;
  ASSERT_TRUE(Call(Submit("r1"), &report).ok());
  v1::ListOverdueRequest overdue;
  overdue.set_plan("plans/yy2020");
  overdue.set_unit(unit_);
  v1::ListOverdueResponse list;
  {
    grpc::ClientContext c;
    grpc::Status s = stub_->ListOverdue(&c, overdue, &list);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // As of 2020-07-10 Q1 and Q2 are due; Q1 of item_ is filed.
  for (const auto& e : list.entries()) {
    EXPECT_FALSE(e.item() == item_ && e.period() == "2020-Q1");
    EXPECT_EQ(e.reason(), v1::MISSING);
  }
  EXPECT_GE(list.entries_size(), 1);
  v1::GetScorecardRequest score;
  score.set_plan("plans/yy2020");
  score.set_unit(unit_);
  v1::GetScorecardResponse cards;
  {
    grpc::ClientContext c;
    ASSERT_TRUE(stub_->GetScorecard(&c, score, &cards).ok());
  }
  ASSERT_EQ(cards.scorecards_size(), 1);
  EXPECT_EQ(cards.scorecards(0).late(), 1);
  EXPECT_EQ(cards.scorecards(0).missing() + 1,
            cards.scorecards(0).reports_due());
  v1::GetPlanRollupRequest roll;
  roll.set_plan("plans/yy2020");
  v1::PlanRollup rollup;
  {
    grpc::ClientContext c;
    ASSERT_TRUE(stub_->GetPlanRollup(&c, roll, &rollup).ok());
  }
  EXPECT_EQ(rollup.sections_size(), 9);
  EXPECT_GT(rollup.amber() + rollup.red(), 0);
}

// Reads `n` events (or until the deadline) from a watch of the plan, or of
// `organization` when given.
std::vector<v1::Event> Watch(v1::ProgressService::Stub* stub,
                             const std::string& cursor, std::size_t n,
                             const std::string& organization = "") {
  v1::WatchEventsRequest request;
  if (organization.empty()) {
    request.set_plan("plans/yy2020");
  } else {
    request.set_organization(organization);
  }
  request.set_cursor(cursor);
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto reader = stub->WatchEvents(&c, request);
  std::vector<v1::Event> events;
  v1::Event e;
  while (events.size() < n && reader->Read(&e)) events.push_back(e);
  c.TryCancel();
  reader->Finish().IgnoreError();
  return events;
}

TEST_F(ProgressServiceTest, WatchResumesFromItsCursorAcrossReplicas) {
  // Two reports through replica 0 while a watcher on replica 1 reads.
  std::vector<v1::Event> first;
  std::thread watcher([&] { first = Watch(stack_->progress(1), "", 2); });
  absl::SleepFor(absl::Milliseconds(300));
  v1::Report report;
  ASSERT_TRUE(Call(Submit("w1", "2020-Q1"), &report).ok());
  watcher.join();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].type(), v1::Event::REPORT_SUBMITTED);
  EXPECT_EQ(first[0].report(), report.name());

  // Disconnected: more events happen meanwhile.
  ASSERT_TRUE(Call(Submit("w2", "2020-Q2"), &report).ok());
  ASSERT_TRUE(Call(Submit("w3", "2020-Q2"), &report, stack_->progress(1)).ok());
  // Everything from the start, for comparison.
  const std::vector<v1::Event> all = Watch(stack_->progress(0), "", 100);
  ASSERT_GE(all.size(), 4u);
  const std::vector<v1::Event> resumed =
      Watch(stack_->progress(0), first.back().cursor(), all.size() - 2);
  ASSERT_EQ(resumed.size(), all.size() - 2);
  for (std::size_t i = 0; i < resumed.size(); ++i) {
    EXPECT_EQ(resumed[i].cursor(), all[i + 2].cursor());  // no gap, no repeat
  }
  int revised = 0;
  for (const auto& e : resumed)
    revised += e.type() == v1::Event::REPORT_REVISED;
  EXPECT_EQ(revised, 1);

  v1::WatchEventsRequest bad;
  bad.set_plan("plans/yy2020");
  bad.set_cursor("garbage");
  grpc::ClientContext c;
  auto reader = stub_->WatchEvents(&c, bad);
  v1::Event e;
  EXPECT_FALSE(reader->Read(&e));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ProgressServiceTest, WatchOfAnOrganizationResumesAcrossReplicas) {
  // The plan was issued by organizations/yy (found by its printed name).
  std::vector<v1::Event> first;
  std::thread watcher(
      [&] { first = Watch(stack_->progress(1), "", 2, "organizations/yy"); });
  absl::SleepFor(absl::Milliseconds(300));
  v1::Report report;
  ASSERT_TRUE(Call(Submit("o1", "2020-Q1"), &report).ok());
  watcher.join();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].type(), v1::Event::REPORT_SUBMITTED);
  EXPECT_EQ(first[0].report(), report.name());
  EXPECT_EQ(first[1].cursor().rfind("o1:yy2020@", 0), 0u) << first[1].cursor();

  ASSERT_TRUE(Call(Submit("o2", "2020-Q2"), &report).ok());
  ASSERT_TRUE(Call(Submit("o3", "2020-Q2"), &report, stack_->progress(1)).ok());
  const std::vector<v1::Event> all = Watch(stack_->progress(0), "", 100);
  ASSERT_GE(all.size(), 4u);
  const std::vector<v1::Event> resumed =
      Watch(stack_->progress(0), first.back().cursor(), all.size() - 2,
            "organizations/yy");
  ASSERT_EQ(resumed.size(), all.size() - 2);
  for (std::size_t i = 0; i < resumed.size(); ++i) {
    EXPECT_EQ(resumed[i].type(), all[i + 2].type());  // no gap, no repeat
    EXPECT_EQ(resumed[i].report(), all[i + 2].report());
    EXPECT_EQ(resumed[i].revision(), all[i + 2].revision());
  }
  // An organization that issued nothing here has nothing to send.
  EXPECT_TRUE(Watch(stub_, "", 1, "organizations/elsewhere").empty());

  // Cursors do not cross between the two kinds of watch.
  for (const auto& [organization, cursor] :
       std::vector<std::pair<std::string, std::string>>{
           {"organizations/yy", all[0].cursor()},
           {"", first.back().cursor()},
           {"organizations/yy", "o1:yy2020"},
           {"organizations/Bad Name", ""}}) {
    v1::WatchEventsRequest bad;
    if (organization.empty()) {
      bad.set_plan("plans/yy2020");
    } else {
      bad.set_organization(organization);
    }
    bad.set_cursor(cursor);
    grpc::ClientContext c;
    auto reader = stub_->WatchEvents(&c, bad);
    v1::Event e;
    EXPECT_FALSE(reader->Read(&e));
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << organization << " " << cursor;
    EXPECT_THAT(
        status.error_message(),
        HasSubstr(organization == "organizations/Bad Name" ? "organization"
                                                           : "cursor"));
  }
}

TEST_F(ProgressServiceTest, WatchersBeyondTheCapAreRefusedUntilOneLeaves) {
  v1::Report report;
  ASSERT_TRUE(Call(Submit("cap", "2020-Q1"), &report).ok());
  // The replicas serve 4 watchers each. Every watch reads its first event,
  // so its handler is running when the next one starts.
  struct Open {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::Event>> reader;
  };
  auto open = [&](Open* w) {
    v1::WatchEventsRequest request;
    request.set_plan("plans/yy2020");
    w->context.set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(20));
    w->reader = stub_->WatchEvents(&w->context, request);
    v1::Event e;
    return w->reader->Read(&e);
  };
  std::vector<std::unique_ptr<Open>> watches;
  for (int i = 0; i < 4; ++i) {
    watches.push_back(std::make_unique<Open>());
    ASSERT_TRUE(open(watches.back().get())) << "watch " << i;
  }
  Open refused;
  EXPECT_FALSE(open(&refused));
  grpc::Status status = refused.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("4 watchers"));
  // The other replica still has room.
  EXPECT_EQ(Watch(stack_->progress(1), "", 1).size(), 1u);

  // One leaves; its slot is free again once its handler has ended.
  watches[0]->context.TryCancel();
  watches[0]->reader->Finish().IgnoreError();
  watches.erase(watches.begin());
  bool reopened = false;
  for (int attempt = 0; attempt < 50 && !reopened; ++attempt) {
    auto w = std::make_unique<Open>();
    reopened = open(w.get());
    if (reopened) {
      watches.push_back(std::move(w));
    } else {
      w->reader->Finish().IgnoreError();
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  EXPECT_TRUE(reopened);
  for (auto& w : watches) {
    w->context.TryCancel();
    w->reader->Finish().IgnoreError();
  }
}

// Polls `condition` until it holds or 10 s pass (the server notices a
// cancelled watch within one poll_wait).
template <typename Fn>
bool Eventually(Fn condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

TEST_F(ProgressServiceTest, WatchersGaugeFollowsOpenStreams) {
  metrics::Gauge* gauge = WatchersGauge(kProgram);
  // Watches of earlier tests end within a poll.
  ASSERT_TRUE(Eventually([&] { return gauge->Value() == 0; }));
  const std::string cancelled = absl::StrCat(
      "duban_rpc_requests_total{service=\"", kProgram,
      "\",method=\"duban.progress.v1.ProgressService/WatchEvents\",code=\""
      "CANCELLED\"} ");
  auto count_cancelled = [&] {
    const std::string text = metrics::DefaultRegistry().Expose();
    const size_t at = text.find(cancelled);
    if (at == std::string::npos) return 0;
    return std::stoi(text.substr(at + cancelled.size()));
  };
  const int cancelled_before = count_cancelled();

  v1::WatchEventsRequest request;
  request.set_plan("plans/yy2020");
  grpc::ClientContext first_context;
  auto first = stack_->progress(0)->WatchEvents(&first_context, request);
  grpc::ClientContext second_context;
  auto second = stack_->progress(1)->WatchEvents(&second_context, request);
  ASSERT_TRUE(Eventually([&] { return gauge->Value() == 2; }));
  EXPECT_THAT(metrics::DefaultRegistry().Expose(),
              HasSubstr(absl::StrCat("duban_watchers{service=\"", kProgram,
                                     "\"} 2\n")));

  first_context.TryCancel();
  first->Finish().IgnoreError();
  ASSERT_TRUE(Eventually([&] { return gauge->Value() == 1; }));
  second_context.TryCancel();
  second->Finish().IgnoreError();
  ASSERT_TRUE(Eventually([&] { return gauge->Value() == 0; }));
  // Each stream is counted once, when it ends.
  EXPECT_TRUE(
      Eventually([&] { return count_cancelled() == cancelled_before + 2; }));
  EXPECT_EQ(count_cancelled(), cancelled_before + 2);
}

}  // namespace
}  // namespace duban::progress
