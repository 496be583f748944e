// The progress domain on the in-memory store, with fake plan and unit
// services and a fixed clock: validation, who may report, idempotent
// submission, revisions, review, views, events, and the caches.
#include "services/progress/progress_domain.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/progress/directory.h"
#include "services/progress/memory_store.h"

namespace duban::progress {
namespace {

using ::testing::HasSubstr;
namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;

constexpr char kItem[] = "plans/p2020/items/1";
constexpr char kUnit[] = "organizations/o/units/jjk";
constexpr char kOther[] = "organizations/o/units/zjk";

class FakePlans : public PlanDirectory {
 public:
  FakePlans() {
    auto s = std::make_shared<PlanSnapshot>();
    s->plan.set_name("plans/p2020");
    s->plan.set_year(2020);
    s->plan.set_state(pv1::Plan::ISSUED);
    auto* section = s->plan.add_sections();
    section->set_id("1");
    section->set_label("一");
    pv1::Item item;
    item.set_name(kItem);
    item.set_section_id("1");
    item.set_title("新建幼儿园");
    auto* ind = item.add_indicators();
    ind->set_id("i1");
    ind->set_value(64);
    ind->set_direction(pv1::AT_LEAST);
    s->items.push_back(item);
    snapshot = s;
  }
  absl::StatusOr<std::shared_ptr<const PlanSnapshot>> GetPlan(
      absl::string_view name) override {
    ++calls;
    if (name == snapshot->plan.name()) {
      return std::shared_ptr<const PlanSnapshot>(snapshot);
    }
    auto it = others.find(std::string(name));
    if (it == others.end()) return absl::NotFoundError("name: plan not found");
    return std::shared_ptr<const PlanSnapshot>(it->second);
  }
  // Another issued plan of 2020, `plans/{id}`, issued by `organization`.
  void AddPlan(const std::string& id, const std::string& organization) {
    auto s = std::make_shared<PlanSnapshot>(*snapshot);
    s->plan.set_name("plans/" + id);
    s->plan.set_issuing_organization(organization);
    others["plans/" + id] = s;
  }
  std::shared_ptr<PlanSnapshot> snapshot;
  std::map<std::string, std::shared_ptr<PlanSnapshot>> others;
  int calls = 0;
};

class FakeAssignments : public UnitAssignments {
 public:
  absl::StatusOr<Duties> ItemAssignments(absl::string_view item) override {
    ++calls;
    std::vector<uv1::Assignment> out;
    for (const auto& a : active) {
      if (a.item() == item) out.push_back(a);
    }
    return MakeDuties(out);
  }
  absl::StatusOr<Duties> PlanAssignments(absl::string_view) override {
    ++calls;
    return MakeDuties(active);
  }
  void Assign(const std::string& unit, const std::string& item) {
    uv1::Assignment a;
    a.set_unit(unit);
    a.set_item(item);
    a.set_role(uv1::LEAD);
    a.set_state(uv1::Assignment::ACTIVE);
    active.push_back(a);
  }
  std::vector<uv1::Assignment> active;
  int calls = 0;
};

absl::Time At(int y, int m, int d) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, 10, 0, 0),
                         absl::FixedTimeZone(8 * 3600));
}

// The p2020 plan's schedule at `cadence`, reports due 5 days after each
// period.
v1::SetScheduleRequest Schedule(v1::Cadence cadence) {
  v1::SetScheduleRequest set;
  set.mutable_schedule()->set_name("plans/p2020/schedule");
  set.mutable_schedule()->set_cadence(cadence);
  set.mutable_schedule()->set_due_days_after_period_end(5);
  return set;
}

class ProgressDomainTest : public ::testing::Test {
 protected:
  ProgressDomainTest()
      : domain_(&store_, &plans_, &assignments_, [this] { return now_; }) {
    assignments_.Assign(kUnit, kItem);
    auto s = domain_.SetSchedule(Schedule(v1::QUARTERLY));
    EXPECT_TRUE(s.ok()) << s.status();
  }

  v1::SubmitReportRequest Submit(const std::string& rid,
                                 const std::string& period = "2020-Q1") {
    v1::SubmitReportRequest r;
    r.set_request_id(rid);
    r.set_item(kItem);
    r.set_unit(kUnit);
    r.set_period(period);
    r.set_status(v1::ON_TRACK);
    r.set_percent_complete(30);
    r.set_progress("已完成选址");
    r.set_principal("基教科");
    return r;
  }
  std::vector<v1::Event> Events() {
    return *store_.ReadEvents("p2020", "", 1000, absl::ZeroDuration());
  }

  absl::Time now_ = At(2020, 4, 3);
  MemoryProgressStore store_;
  FakePlans plans_;
  FakeAssignments assignments_;
  ProgressDomain domain_;
};

// Counts the reads a submission makes before it writes.
class CountingStore : public MemoryProgressStore {
 public:
  absl::StatusOr<SubmitContext> ReadForSubmit(
      absl::string_view plan_id, absl::string_view request_id,
      absl::string_view fingerprint, absl::string_view report_id,
      int64_t known_item_version) override {
    ++reads;
    return MemoryProgressStore::ReadForSubmit(plan_id, request_id, fingerprint,
                                              report_id, known_item_version);
  }
  int reads = 0;
};

// Two replicas on one store: `a` and `b`, each with its own caches.
class SubmitReplicasTest : public ProgressDomainTest {
 protected:
  SubmitReplicasTest()
      : a_(&shared_, &plans_, &assignments_, [this] { return now_; }),
        b_(&shared_, &plans_, &assignments_, [this] { return now_; }) {
    auto s = a_.SetSchedule(Schedule(v1::QUARTERLY));
    EXPECT_TRUE(s.ok()) << s.status();
  }
  int Revisions(const std::string& report) {
    v1::ListRevisionsRequest list;
    list.set_parent(report);
    auto revisions = a_.ListRevisions(list);
    EXPECT_TRUE(revisions.ok()) << revisions.status();
    for (int i = 0; revisions.ok() && i < revisions->revisions_size(); ++i) {
      EXPECT_EQ(revisions->revisions(i).number(), i + 1);
    }
    return revisions.ok() ? revisions->revisions_size() : -1;
  }
  CountingStore shared_;
  ProgressDomain a_;
  ProgressDomain b_;
};

TEST_F(SubmitReplicasTest, NextSubmissionToAnItemSkipsTheReadUntilItChanges) {
  auto first = a_.SubmitReport(Submit("r1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(shared_.reads, 1);
  now_ = At(2020, 4, 9);
  auto second = a_.SubmitReport(Submit("r2"));
  ASSERT_TRUE(second.ok()) << second.status();
  // No read: what this replica wrote is all it needs.
  EXPECT_EQ(shared_.reads, 1);
  EXPECT_EQ(second->revision_count(), 2);
  EXPECT_TRUE(second->latest().late());
  EXPECT_FALSE(second->submitted_late());
  EXPECT_EQ(second->first_submitted().request_id(), "r1");
  EXPECT_EQ(second->latest().progress(), "已完成选址");
  // A report the item did not have yet: no read either.
  auto other_period = a_.SubmitReport(Submit("r3", "2020-Q2"));
  ASSERT_TRUE(other_period.ok()) << other_period.status();
  EXPECT_EQ(shared_.reads, 1);
  EXPECT_EQ(other_period->revision_count(), 1);
  // The other replica writes to the item; `a` finds out at its write,
  // reads, and files revision 4, not a second revision 3.
  auto elsewhere = b_.SubmitReport(Submit("r4"));
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  EXPECT_EQ(elsewhere->revision_count(), 3);
  const int reads = shared_.reads;
  auto fourth = a_.SubmitReport(Submit("r5"));
  ASSERT_TRUE(fourth.ok()) << fourth.status();
  EXPECT_EQ(shared_.reads, reads + 1);
  EXPECT_EQ(fourth->revision_count(), 4);
  EXPECT_EQ(fourth->first_submitted().request_id(), "r1");
  EXPECT_EQ(Revisions(first->name()), 4);
  // A retry through either replica answers what was stored.
  auto retry = a_.SubmitReport(Submit("r4"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->revision_count(), 3);
  EXPECT_EQ(Revisions(first->name()), 4);
}

TEST_F(SubmitReplicasTest, ASkippedReadIsMadeAfterTheScheduleChanged) {
  ASSERT_TRUE(a_.SubmitReport(Submit("r1")).ok());
  // `b` makes the schedule monthly; `a` still holds the quarterly one.
  ASSERT_TRUE(b_.SetSchedule(Schedule(v1::MONTHLY)).ok());
  auto quarterly = a_.SubmitReport(Submit("r2"));
  EXPECT_EQ(quarterly.status().code(), absl::StatusCode::kInvalidArgument)
      << quarterly.status();
  EXPECT_THAT(quarterly.status().message(), HasSubstr("period"));
  auto monthly = a_.SubmitReport(Submit("r3", "2020-03"));
  ASSERT_TRUE(monthly.ok()) << monthly.status();
  EXPECT_EQ(monthly->due_date().month(), 4);
  EXPECT_EQ(monthly->due_date().day(), 5);
}

TEST_F(SubmitReplicasTest, ARetryIsAnsweredEvenWhenItsChecksNoLongerPass) {
  auto first = a_.SubmitReport(Submit("r1"));
  ASSERT_TRUE(first.ok()) << first.status();
  plans_.snapshot->plan.set_state(pv1::Plan::ARCHIVED);
  auto retry = a_.SubmitReport(Submit("r1"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->etag(), first->etag());
  auto fresh = a_.SubmitReport(Submit("r2"));
  EXPECT_EQ(fresh.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Revisions(first->name()), 1);
}

TEST_F(ProgressDomainTest, ScheduleDefaultsToThePlanYearAndChecksEtag) {
  auto got = domain_.GetSchedule([] {
    v1::GetScheduleRequest r;
    r.set_name("plans/p2020/schedule");
    return r;
  }());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->first_period(), "2020-Q1");
  EXPECT_EQ(got->last_period(), "2020-Q4");
  EXPECT_EQ(got->etag(), "v1");
  v1::SetScheduleRequest set;
  *set.mutable_schedule() = *got;
  set.mutable_schedule()->set_etag("v9");
  EXPECT_EQ(domain_.SetSchedule(set).status().code(),
            absl::StatusCode::kAborted);
  set.mutable_schedule()->set_etag("v1");
  set.mutable_schedule()->set_cadence(v1::CADENCE_UNSPECIFIED);
  auto bad = domain_.SetSchedule(set);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("schedule.cadence"));
}

TEST_F(ProgressDomainTest, SubmitStoresRevisionOneThenResubmissionAddsTwo) {
  auto first = domain_.SubmitReport(Submit("r1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->name(), "plans/p2020/items/1/reports/jjk~2020-Q1");
  EXPECT_EQ(first->revision_count(), 1);
  EXPECT_EQ(first->latest().review_state(), v1::PENDING_REVIEW);
  EXPECT_FALSE(first->submitted_late());
  EXPECT_EQ(first->due_date().month(), 4);
  EXPECT_EQ(first->due_date().day(), 5);
  now_ = At(2020, 4, 8);
  auto second = domain_.SubmitReport(Submit("r2"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->revision_count(), 2);
  EXPECT_TRUE(second->latest().late());
  EXPECT_FALSE(second->submitted_late());  // the first one was on time
  v1::ListRevisionsRequest list;
  list.set_parent(first->name());
  auto revisions = domain_.ListRevisions(list);
  ASSERT_TRUE(revisions.ok());
  ASSERT_EQ(revisions->revisions_size(), 2);
  EXPECT_EQ(revisions->revisions(0).submitted().request_id(), "r1");
  EXPECT_EQ(revisions->revisions(1).name(), first->name() + "/revisions/2");
  const auto events = Events();
  ASSERT_GE(events.size(), 2u);
  int submitted = 0, revised = 0;
  for (const auto& e : events) {
    submitted += e.type() == v1::Event::REPORT_SUBMITTED;
    revised += e.type() == v1::Event::REPORT_REVISED;
  }
  EXPECT_EQ(submitted, 1);
  EXPECT_EQ(revised, 1);
}

TEST_F(ProgressDomainTest, RetryReturnsTheFirstResultAndReuseIsRefused) {
  auto first = domain_.SubmitReport(Submit("r1"));
  ASSERT_TRUE(first.ok());
  auto again = domain_.SubmitReport(Submit("r1"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revision_count(), 1);
  EXPECT_EQ(again->etag(), first->etag());
  auto changed = Submit("r1");
  changed.set_percent_complete(50);
  auto reused = domain_.SubmitReport(changed);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reused.status().message(), HasSubstr("request_id"));
}

TEST_F(ProgressDomainTest, EachRefusalNamesTheFieldWithTheRightCode) {
  struct Case {
    std::string name;
    std::function<void(v1::SubmitReportRequest*)> edit;
    absl::StatusCode code;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"no request id", [](auto* r) { r->clear_request_id(); },
       absl::StatusCode::kInvalidArgument, "request_id"},
      {"bad item", [](auto* r) { r->set_item("items/1"); },
       absl::StatusCode::kInvalidArgument, "item"},
      {"percent", [](auto* r) { r->set_percent_complete(101); },
       absl::StatusCode::kInvalidArgument, "percent_complete"},
      {"completed below 100",
       [](auto* r) {
         r->set_status(v1::COMPLETED);
         r->set_percent_complete(90);
       },
       absl::StatusCode::kInvalidArgument, "COMPLETED"},
      {"no progress", [](auto* r) { r->clear_progress(); },
       absl::StatusCode::kInvalidArgument, "progress"},
      {"long problems",
       [](auto* r) {
         r->set_problems(std::string(kMaxProblemsBytes + 1, 'x'));
       },
       absl::StatusCode::kInvalidArgument, "problems"},
      {"unknown indicator",
       [](auto* r) { r->add_indicator_values()->set_indicator_id("i9"); },
       absl::StatusCode::kInvalidArgument, "indicator_values[0].indicator_id"},
      {"bad evidence uri",
       [](auto* r) { r->add_evidence()->set_uri("file:///etc/passwd"); },
       absl::StatusCode::kInvalidArgument, "evidence[0].uri"},
      {"period form", [](auto* r) { r->set_period("2020-03"); },
       absl::StatusCode::kInvalidArgument, "period"},
      {"period outside schedule", [](auto* r) { r->set_period("2021-Q1"); },
       absl::StatusCode::kFailedPrecondition, "outside the schedule"},
      {"future period", [](auto* r) { r->set_period("2020-Q3"); },
       absl::StatusCode::kFailedPrecondition, "has not begun"},
      {"unassigned unit", [](auto* r) { r->set_unit(kOther); },
       absl::StatusCode::kPermissionDenied,
       "permission progress.reports.submit denied: the unit holds no active "
       "assignment on the item"},
      {"unknown item", [](auto* r) { r->set_item("plans/p2020/items/99"); },
       absl::StatusCode::kNotFound, "items/99"},
      {"unknown plan", [](auto* r) { r->set_item("plans/nope/items/1"); },
       absl::StatusCode::kNotFound, "plans/nope"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    auto request = Submit(absl::StrCat("r-case-", i));
    c.edit(&request);
    auto result = domain_.SubmitReport(request);
    EXPECT_EQ(result.status().code(), c.code)
        << c.name << ": " << result.status();
    EXPECT_THAT(result.status().message(), HasSubstr(c.text)) << c.name;
  }
}

TEST_F(ProgressDomainTest, DraftPlanAndMissingScheduleAreFailedPrecondition) {
  plans_.snapshot->plan.set_state(pv1::Plan::DRAFT);
  auto draft = domain_.SubmitReport(Submit("r1"));
  EXPECT_EQ(draft.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(draft.status().message(), HasSubstr("ISSUED"));

  plans_.snapshot->plan.set_state(pv1::Plan::ISSUED);
  MemoryProgressStore empty;
  ProgressDomain no_schedule(&empty, &plans_, &assignments_,
                             [this] { return now_; });
  auto result = no_schedule.SubmitReport(Submit("r1"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(), HasSubstr("schedule"));
}

TEST_F(ProgressDomainTest, ReviewAcceptsOrReturnsOnceWithEtag) {
  auto report = domain_.SubmitReport(Submit("r1"));
  ASSERT_TRUE(report.ok());
  v1::ReviewReportRequest review;
  review.set_name(report->name());
  review.set_decision(v1::ReviewReportRequest::RETURN);
  review.set_principal("督查室");
  auto no_comment = domain_.ReviewReport(review);
  EXPECT_EQ(no_comment.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_comment.status().message(), HasSubstr("comment"));
  review.set_comment("请补充佐证材料");
  review.set_etag("v7");
  EXPECT_EQ(domain_.ReviewReport(review).status().code(),
            absl::StatusCode::kAborted);
  review.set_etag(report->etag());
  auto returned = domain_.ReviewReport(review);
  ASSERT_TRUE(returned.ok()) << returned.status();
  EXPECT_EQ(returned->latest().review_state(), v1::RETURNED);
  EXPECT_EQ(returned->latest().review_comment(), "请补充佐证材料");
  review.clear_etag();
  auto twice = domain_.ReviewReport(review);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);

  // Returned and not resubmitted: on the overdue list even before its due
  // date; a resubmission takes it off.
  v1::ListOverdueRequest overdue;
  overdue.set_plan("plans/p2020");
  auto list = domain_.ListOverdue(overdue);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->entries_size(), 1);
  EXPECT_EQ(list->entries(0).reason(), v1::RETURNED_NOT_RESUBMITTED);
  EXPECT_EQ(list->entries(0).item_title(), "新建幼儿园");
  ASSERT_TRUE(domain_.SubmitReport(Submit("r2")).ok());
  EXPECT_EQ(domain_.ListOverdue(overdue)->entries_size(), 0);
}

TEST_F(ProgressDomainTest, ViewsCountMissingReportsAndIndicatorProgress) {
  assignments_.Assign(kOther, kItem);
  auto submit = Submit("r1");
  auto* v = submit.add_indicator_values();
  v->set_indicator_id("i1");
  v->set_value(32);
  auto report = domain_.SubmitReport(submit);
  ASSERT_TRUE(report.ok()) << report.status();
  v1::ReviewReportRequest accept;
  accept.set_name(report->name());
  accept.set_decision(v1::ReviewReportRequest::ACCEPT);
  ASSERT_TRUE(domain_.ReviewReport(accept).ok());

  v1::GetScorecardRequest score;
  score.set_plan("plans/p2020");
  score.mutable_as_of()->set_year(2020);
  score.mutable_as_of()->set_month(4);
  score.mutable_as_of()->set_day(10);
  auto cards = domain_.GetScorecard(score);
  ASSERT_TRUE(cards.ok()) << cards.status();
  ASSERT_EQ(cards->scorecards_size(), 2);
  EXPECT_EQ(cards->scorecards(0).unit(), kUnit);
  EXPECT_EQ(cards->scorecards(0).on_time(), 1);
  EXPECT_EQ(cards->scorecards(0).accepted(), 1);
  EXPECT_EQ(cards->scorecards(1).missing(), 1);

  v1::GetPlanRollupRequest roll;
  roll.set_plan("plans/p2020");
  *roll.mutable_as_of() = score.as_of();
  auto rollup = domain_.GetPlanRollup(roll);
  ASSERT_TRUE(rollup.ok()) << rollup.status();
  ASSERT_EQ(rollup->sections_size(), 1);
  const auto& item = rollup->sections(0).items(0);
  ASSERT_EQ(item.indicators_size(), 1);
  EXPECT_TRUE(item.indicators(0).has_value());
  EXPECT_DOUBLE_EQ(item.indicators(0).percent_of_target(), 50);
  EXPECT_EQ(item.health(), v1::AMBER);  // zjk's Q1 report is missing
  EXPECT_EQ(rollup->amber(), 1);
}

TEST_F(ProgressDomainTest, HealthChangesAndOverdueSweepsAreEventsOnce) {
  ASSERT_TRUE(domain_.SubmitReport(Submit("r1")).ok());
  int health = 0;
  for (const auto& e : Events()) {
    if (e.type() == v1::Event::ITEM_HEALTH_CHANGED) {
      ++health;
      EXPECT_EQ(e.health(), v1::GREEN);
    }
  }
  EXPECT_EQ(health, 1);
  assignments_.Assign(kOther, kItem);
  now_ = At(2020, 4, 20);
  EXPECT_EQ(*domain_.SweepOverdue(), 1);  // zjk's 2020-Q1
  EXPECT_EQ(*domain_.SweepOverdue(), 0);
}

TEST_F(ProgressDomainTest, ListReportsFiltersAndPages) {
  now_ = At(2020, 7, 3);
  ASSERT_TRUE(domain_.SubmitReport(Submit("r1", "2020-Q1")).ok());
  ASSERT_TRUE(domain_.SubmitReport(Submit("r2", "2020-Q2")).ok());
  ASSERT_TRUE(domain_.SubmitReport(Submit("r3", "2020-Q3")).ok());
  v1::ListReportsRequest list;
  list.set_parent("plans/p2020");
  list.set_page_size(2);
  auto page1 = domain_.ListReports(list);
  ASSERT_TRUE(page1.ok()) << page1.status();
  ASSERT_EQ(page1->reports_size(), 2);
  ASSERT_FALSE(page1->next_page_token().empty());
  list.set_page_token(page1->next_page_token());
  auto page2 = domain_.ListReports(list);
  ASSERT_EQ(page2->reports_size(), 1);
  EXPECT_EQ(page2->reports(0).period(), "2020-Q3");
  EXPECT_TRUE(page2->next_page_token().empty());
  v1::ListReportsRequest filtered;
  filtered.set_parent("plans/p2020");
  filtered.set_period("2020-Q2");
  EXPECT_EQ(domain_.ListReports(filtered)->reports_size(), 1);
  filtered.set_unit(kOther);
  EXPECT_EQ(domain_.ListReports(filtered)->reports_size(), 0);
}

TEST(DutySetTest, DutiesByItemInAssignmentOrderAndWhoHoldsThem) {
  FakeAssignments inner;
  inner.Assign(kUnit, kItem);
  inner.Assign(kOther, "plans/p/items/2");
  inner.Assign(kOther, kItem);
  inner.active.back().set_role(uv1::CO);
  const Duties duties = MakeDuties(inner.active);
  ASSERT_EQ(duties->all().size(), 3u);
  const std::vector<Duty>& of_item = duties->Of(kItem);
  ASSERT_EQ(of_item.size(), 2u);
  EXPECT_EQ(of_item[0].unit, kUnit);
  EXPECT_EQ(of_item[0].role, "LEAD");
  EXPECT_EQ(of_item[1].unit, kOther);
  EXPECT_EQ(of_item[1].role, "CO");
  EXPECT_EQ(duties->Of("plans/p/items/2").size(), 1u);
  EXPECT_TRUE(duties->Of("plans/p/items/9").empty());
  EXPECT_TRUE(duties->Holds(kOther));
  EXPECT_FALSE(duties->Holds("organizations/o/units/nobody"));
}

TEST(CacheTest, CachedAnswersAreSharedNotCopied) {
  FakeAssignments inner;
  inner.Assign(kUnit, kItem);
  CachedUnitAssignments cached(&inner);
  absl::StatusOr<Duties> first = cached.PlanAssignments("plans/p");
  absl::StatusOr<Duties> second = cached.PlanAssignments("plans/p");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(inner.calls, 1);
}

TEST(CacheTest, AnswersAreCachedForTheTtlAndFreshReloads) {
  FakeAssignments inner;
  inner.Assign(kUnit, kItem);
  absl::Time now = absl::UnixEpoch();
  CacheOptions options;
  options.ttl = absl::Seconds(15);
  options.max_entries = 2;
  options.clock = [&] { return now; };
  CachedUnitAssignments cached(&inner, options);
  ASSERT_EQ((*cached.ItemAssignments(kItem))->all().size(), 1u);
  inner.Assign(kOther, kItem);
  EXPECT_EQ((*cached.ItemAssignments(kItem))->all().size(), 1u);  // cached
  EXPECT_EQ(inner.calls, 1);
  EXPECT_EQ((*cached.ItemAssignmentsFresh(kItem))->all().size(), 2u);
  now += absl::Seconds(16);
  EXPECT_EQ((*cached.ItemAssignments(kItem))->all().size(), 2u);
  EXPECT_EQ(inner.calls, 3);
  // Bounded: a third key evicts the oldest.
  now += absl::Seconds(1);
  cached.ItemAssignments("plans/p/items/2").IgnoreError();
  now += absl::Seconds(1);
  cached.ItemAssignments("plans/p/items/3").IgnoreError();
  const int before = inner.calls;
  cached.ItemAssignments(kItem).IgnoreError();
  EXPECT_EQ(inner.calls, before + 1);
}

TEST_F(ProgressDomainTest, NewAssignmentIsHonouredDespiteTheCache) {
  CachedUnitAssignments cached(&assignments_);
  ProgressDomain domain(&store_, &plans_, &cached, [this] { return now_; });
  auto other = Submit("r1");
  other.set_unit(kOther);
  EXPECT_EQ(domain.SubmitReport(other).status().code(),
            absl::StatusCode::kPermissionDenied);
  assignments_.Assign(kOther, kItem);
  EXPECT_TRUE(domain.SubmitReport(other).ok());
}

TEST_F(ProgressDomainTest, RollupIsCachedForTodayAndFollowsEveryInput) {
  now_ = At(2020, 4, 20);  // 2020-Q1 fell due on 04-05
  v1::GetPlanRollupRequest roll;
  roll.set_plan("plans/p2020");
  auto item_of = [&]() -> v1::ItemRollup {
    auto rollup = domain_.GetPlanRollup(roll);
    EXPECT_TRUE(rollup.ok()) << rollup.status();
    if (!rollup.ok() || rollup->sections_size() == 0 ||
        rollup->sections(0).items_size() == 0) {
      return v1::ItemRollup();
    }
    return rollup->sections(0).items(0);
  };
  v1::ItemRollup first = item_of();
  EXPECT_EQ(first.health(), v1::AMBER);
  EXPECT_EQ(first.overdue_reports(), 1);

  // The entry is reused while its inputs stand: doctor the cached rollup
  // and the next call answers it.
  auto cache = store_.ReadRollupCache("p2020");
  ASSERT_TRUE(cache.ok());
  ASSERT_EQ(cache->entries.count("1"), 1u);
  std::string entry = cache->entries.at("1");
  const std::size_t sep = entry.find('\x1f');
  ASSERT_NE(sep, std::string::npos);
  EXPECT_EQ(entry.substr(0, 14), "r2|2020-04-20|");
  v1::ItemRollup doctored = first;
  doctored.set_health(v1::RED);
  ASSERT_TRUE(
      store_
          .WriteRollupCache("p2020", {{"1", entry.substr(0, sep + 1) +
                                                doctored.SerializeAsString()}})
          .ok());
  EXPECT_EQ(item_of().health(), v1::RED);

  // A report on the item: computed again.
  ASSERT_TRUE(domain_.SubmitReport(Submit("r1")).ok());
  v1::ItemRollup reported = item_of();
  EXPECT_EQ(reported.health(), v1::GREEN);
  EXPECT_EQ(reported.overdue_reports(), 0);
  EXPECT_EQ(reported.latest_status(), v1::ON_TRACK);

  // Another unit answers for it now: its missing report counts.
  assignments_.Assign(kOther, kItem);
  EXPECT_EQ(item_of().health(), v1::AMBER);

  // The plan changed (a new etag): the item's new title shows.
  plans_.snapshot->items[0].set_title("新建和改扩建幼儿园");
  plans_.snapshot->plan.set_etag("v2");
  EXPECT_EQ(item_of().title(), "新建和改扩建幼儿园");

  // The schedule changed: 2020-Q1 is due on 05-05 now, so nothing is late.
  v1::SetScheduleRequest set;
  set.mutable_schedule()->set_name("plans/p2020/schedule");
  set.mutable_schedule()->set_cadence(v1::QUARTERLY);
  set.mutable_schedule()->set_due_days_after_period_end(35);
  ASSERT_TRUE(domain_.SetSchedule(set).ok());
  EXPECT_EQ(item_of().health(), v1::GREEN);

  // Another day is computed but does not displace today's entry.
  roll.mutable_as_of()->set_year(2020);
  roll.mutable_as_of()->set_month(6);
  roll.mutable_as_of()->set_day(1);
  EXPECT_EQ(item_of().overdue_reports(), 1);  // zjk's 2020-Q1
  EXPECT_EQ(store_.ReadRollupCache("p2020")->entries.at("1").substr(0, 14),
            "r2|2020-04-20|");
}

TEST_F(ProgressDomainTest, SweepRecordsHealthTheCalendarChanged) {
  ASSERT_TRUE(domain_.SubmitReport(Submit("r1")).ok());  // GREEN on 04-03
  auto health_events = [&] {
    std::vector<v1::Event> out;
    for (const auto& e : Events()) {
      if (e.type() == v1::Event::ITEM_HEALTH_CHANGED) out.push_back(e);
    }
    return out;
  };
  ASSERT_EQ(health_events().size(), 1u);
  now_ = At(2020, 7, 20);  // 2020-Q2 missing since 07-05
  ASSERT_TRUE(domain_.SweepOverdue().ok());
  auto events = health_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].health(), v1::AMBER);
  EXPECT_EQ(events[1].previous_health(), v1::GREEN);
  EXPECT_EQ(events[1].item(), kItem);
  ASSERT_TRUE(domain_.SweepOverdue().ok());
  EXPECT_EQ(health_events().size(), 2u);  // unchanged: no event
  now_ = At(2020, 8, 10);                 // 36 days overdue
  ASSERT_TRUE(domain_.SweepOverdue().ok());
  events = health_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].health(), v1::RED);
}

TEST_F(ProgressDomainTest, OrganizationWatchFollowsItsPlansAndNewOnes) {
  plans_.snapshot->plan.set_issuing_organization("organizations/o");
  plans_.AddPlan("p2020b", "organizations/o");
  plans_.AddPlan("x2020", "organizations/x");
  auto schedule = [&](const std::string& plan) {
    v1::SetScheduleRequest set;
    set.mutable_schedule()->set_name("plans/" + plan + "/schedule");
    set.mutable_schedule()->set_cadence(v1::QUARTERLY);
    ASSERT_TRUE(domain_.SetSchedule(set).ok());
  };
  auto event = [&](const std::string& plan, const std::string& key) {
    v1::Event e;
    e.set_type(v1::Event::REPORT_OVERDUE);
    e.set_plan("plans/" + plan);
    e.set_period(key);
    ASSERT_TRUE(*store_.RecordOnce(plan, key, e));
  };
  schedule("x2020");
  event("p2020", "a1");
  event("x2020", "x1");

  v1::WatchEventsRequest watch;
  watch.set_organization("organizations/o");
  auto position = domain_.StartWatch(watch);
  ASSERT_TRUE(position.ok()) << position.status();
  auto read = [&](ProgressDomain::WatchPosition* at) {
    auto events = domain_.ReadWatch(at, 100, absl::ZeroDuration());
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<std::string> got;
    for (const auto& e : events.value_or(std::vector<v1::Event>())) {
      got.push_back(e.period());
    }
    return got;
  };
  EXPECT_THAT(read(&*position), ::testing::ElementsAre("a1"));
  EXPECT_TRUE(read(&*position).empty());

  // p2020b gets a schedule while the watch runs: it is followed from its
  // first event once the organization's plans are listed again.
  schedule("p2020b");
  event("p2020b", "b1");
  event("p2020", "a2");
  EXPECT_THAT(read(&*position), ::testing::ElementsAre("a2"));
  now_ += absl::Seconds(11);
  event("p2020b", "b2");
  auto more = domain_.ReadWatch(&*position, 100, absl::ZeroDuration());
  ASSERT_TRUE(more.ok()) << more.status();
  ASSERT_EQ(more->size(), 2u);
  EXPECT_EQ((*more)[0].period(), "b1");
  EXPECT_EQ((*more)[1].period(), "b2");

  // Resuming from a cursor answers what came after it, on every plan.
  watch.set_cursor((*more)[0].cursor());
  event("p2020", "a3");
  auto resumed = domain_.StartWatch(watch);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_THAT(read(&*resumed), ::testing::ElementsAre("b2", "a3"));

  // "$": only what comes next.
  watch.set_cursor("$");
  auto fresh = domain_.StartWatch(watch);
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(read(&*fresh).empty());
  event("p2020b", "b3");
  EXPECT_THAT(read(&*fresh), ::testing::ElementsAre("b3"));

  // Limits: at most `limit` per read, the rest on the next one.
  watch.set_cursor("");
  auto paged = domain_.StartWatch(watch);
  ASSERT_TRUE(paged.ok());
  auto two = domain_.ReadWatch(&*paged, 2, absl::ZeroDuration());
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  EXPECT_EQ(read(&*paged).size(), 4u);  // a1 a2 a3 b1 b2 b3 in all

  for (const std::string bad : {"o1:p2020", "o1:P@1-0", "1-0", "o1:p2020@x"}) {
    watch.set_cursor(bad);
    EXPECT_EQ(domain_.StartWatch(watch).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  v1::WatchEventsRequest plan_watch;
  plan_watch.set_plan("plans/p2020");
  plan_watch.set_cursor("o1:");
  EXPECT_THAT(domain_.StartWatch(plan_watch).status().message(),
              HasSubstr("organization's watch"));
}

TEST_F(ProgressDomainTest, BackdatedReportsOnlyWhereAllowedAndBelievable) {
  now_ = At(2020, 7, 20);  // Q1 was due on 04-05
  auto backdated = [&](const std::string& rid, absl::Time when,
                       const std::string& period = "2020-Q1") {
    v1::SubmitReportRequest r = Submit(rid, period);
    const int64_t micros = absl::ToUnixMicros(when);
    r.mutable_backdate_to()->set_seconds(micros / 1000000);
    r.mutable_backdate_to()->set_nanos(static_cast<int32_t>(micros % 1000000) *
                                       1000);
    return r;
  };
  auto refused = domain_.SubmitReport(backdated("b0", At(2020, 4, 2)));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("backdate_to"));
  EXPECT_THAT(refused.status().message(),
              HasSubstr("--allow_backdated_reports"));

  domain_.set_allow_backdating(true);
  for (const auto& [when, words] :
       std::vector<std::pair<absl::Time, std::string>>{
           {At(2020, 7, 21), "in the future"},
           {At(2019, 12, 31), "before period 2020-Q1 begins"}}) {
    auto bad = domain_.SubmitReport(backdated("b1", when));
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(bad.status().message(), HasSubstr("backdate_to"));
    EXPECT_THAT(bad.status().message(), HasSubstr(words));
  }

  // Filed on 04-02, before the due date: on time, though stored in July.
  auto on_time = domain_.SubmitReport(backdated("b2", At(2020, 4, 2)));
  ASSERT_TRUE(on_time.ok()) << on_time.status();
  EXPECT_FALSE(on_time->submitted_late());
  EXPECT_TRUE(on_time->latest().backdated());
  EXPECT_EQ(on_time->latest().submitted().time().seconds(),
            absl::ToUnixSeconds(At(2020, 4, 2)));
  // A revision may not go back before the one it follows.
  auto earlier = domain_.SubmitReport(backdated("b3", At(2020, 4, 1)));
  EXPECT_EQ(earlier.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(earlier.status().message(), HasSubstr("before revision 1"));
  // Filed on 07-10 for Q2 (due 07-05): late. Without backdate_to: now.
  auto late = domain_.SubmitReport(backdated("b4", At(2020, 7, 10), "2020-Q2"));
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_TRUE(late->submitted_late());
  auto plain = domain_.SubmitReport(Submit("b5", "2020-Q3"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->latest().backdated());
  EXPECT_EQ(plain->latest().submitted().time().seconds(),
            absl::ToUnixSeconds(now_));
}

}  // namespace
}  // namespace duban::progress
