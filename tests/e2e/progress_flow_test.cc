// End to end, the progress flow across four processes (redis-server,
// unit-server, plan-server, progress-server) driven by dubanctl: the yiyang
// seed is issued, given a monthly schedule and filled with a year of demo
// reports; then the overdue list, the scorecards and the rollup are checked
// against expectations the test computes itself from `report list`, the
// assignments and the schedule. Also: `demo fill` run twice adds nothing,
// and bad reports are refused with the documented codes.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "duban/audit/v1/audit_service.pb.h"
#include "duban/plan/v1/plan_service.pb.h"
#include "duban/progress/v1/progress_service.pb.h"
#include "duban/unit/v1/unit_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/cli_stack.h"
#include "tests/support/process.h"

namespace duban {
namespace {

namespace pb = ::duban::progress::v1;
namespace ppb = ::duban::plan::v1;
namespace upb = ::duban::unit::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::Duration kTestBudget = absl::Seconds(570);
constexpr absl::Duration kCommandTimeout = absl::Seconds(20);
constexpr absl::Duration kFillTimeout = absl::Seconds(420);
const absl::CivilDay kAsOf(2020, 12, 10);

absl::CivilDay DayOf(const type::v1::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

// (unit, item, period).
using Key = std::tuple<std::string, std::string, std::string>;

class ProgressFlowTest : public CliStackTest {
 protected:
  ProgressFlowTest()
      : CliStackTest(Options("progress", kTestBudget, kCommandTimeout)
                         .WithProgress({"--allow_backdated_reports"})) {}

  void IssueYiyang() {
    ProcessResult r =
        Ctl({"org", "create", "--name", "益阳市教育局", "--level", "city",
             "--id", "yiyang-edu", "--alias", "中共益阳市委教育工作委员会"});
    ASSERT_EQ(r.exit_code, 0) << r;
    r = Ctl({"plan", "import", kYiyangFile, "--id", "yiyang-2020"});
    ASSERT_EQ(r.exit_code, 0) << r;
    r = Ctl({"units", "resolve", "--plan", "yiyang-2020", "--create-missing",
             "--accept-suggestions"});
    ASSERT_EQ(r.exit_code, 0) << r;
    r = Ctl({"plan", "issue", "yiyang-2020"});
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  void Fill() {
    const ProcessResult r = Ctl({"demo", "fill", "--plan", "yiyang-2020",
                                 "--seed", "7", "--as-of", "2020-12-10"},
                                kFillTimeout);
    ASSERT_EQ(r.exit_code, 0) << r;
  }
};

TEST_F(ProgressFlowTest, DemoYearAgreesWithOverdueScorecardAndRollup) {
  ASSERT_NO_FATAL_FAILURE(IssueYiyang());
  ProcessResult r =
      Ctl({"schedule", "set", "yiyang-2020", "--cadence", "monthly"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_NO_FATAL_FAILURE(Fill());

  pb::Schedule schedule;
  ASSERT_NO_FATAL_FAILURE(
      CtlJson({"schedule", "get", "yiyang-2020"}, &schedule));
  ASSERT_EQ(schedule.cadence(), pb::MONTHLY);
  absl::CivilMonth first;
  absl::CivilMonth last;
  ASSERT_TRUE(absl::ParseCivilTime(schedule.first_period(), &first))
      << schedule.DebugString();
  ASSERT_TRUE(absl::ParseCivilTime(schedule.last_period(), &last))
      << schedule.DebugString();
  // Period → due date.
  std::map<std::string, absl::CivilDay> due;
  for (absl::CivilMonth m = first; m <= last; ++m) {
    const absl::CivilDay last_day = absl::CivilDay(m + 1) - 1;
    due[absl::FormatCivilTime(m)] =
        last_day + schedule.due_days_after_period_end();
  }

  upb::ListAssignmentsResponse assignments;
  ASSERT_NO_FATAL_FAILURE(
      CtlJson({"assignments", "--plan", "yiyang-2020"}, &assignments));
  std::vector<std::pair<std::string, std::string>> duties;  // unit, item
  for (const auto& a : assignments.assignments()) {
    if (a.state() == upb::Assignment::ACTIVE) {
      duties.emplace_back(a.unit(), a.item());
    }
  }
  ASSERT_GT(duties.size(), 20u);

  pb::ListReportsResponse reports;
  ASSERT_NO_FATAL_FAILURE(CtlJson({"report", "list", "yiyang-2020"}, &reports));
  std::map<Key, pb::Report> by_key;
  int revisions = 0;
  for (const auto& report : reports.reports()) {
    by_key[{report.unit(), report.item(), report.period()}] = report;
    revisions += report.revision_count();
  }
  ASSERT_GT(by_key.size(), duties.size() * 6);

  // The overdue list: missing past due, or returned and not resubmitted.
  std::set<std::pair<Key, pb::OverdueReason>> expected_overdue;
  for (const auto& [unit, item] : duties) {
    for (const auto& [period, due_date] : due) {
      auto it = by_key.find({unit, item, period});
      if (it == by_key.end()) {
        if (due_date < kAsOf) {
          expected_overdue.insert({{unit, item, period}, pb::MISSING});
        }
      } else if (it->second.latest().review_state() == pb::RETURNED) {
        expected_overdue.insert(
            {{unit, item, period}, pb::RETURNED_NOT_RESUBMITTED});
      }
    }
  }
  EXPECT_FALSE(expected_overdue.empty());
  pb::ListOverdueResponse overdue;
  ASSERT_NO_FATAL_FAILURE(CtlJson(
      {"overdue", "--plan", "yiyang-2020", "--as-of", "2020-12-10"}, &overdue));
  std::set<std::pair<Key, pb::OverdueReason>> listed;
  int previous_days = 1 << 30;
  for (const auto& e : overdue.entries()) {
    listed.insert({{e.unit(), e.item(), e.period()}, e.reason()});
    EXPECT_LE(e.days_overdue(), previous_days) << "not sorted by days overdue";
    previous_days = e.days_overdue();
    const absl::CivilDay due_date = due[e.period()];
    EXPECT_EQ(DayOf(e.due_date()), due_date) << e.DebugString();
    EXPECT_EQ(e.days_overdue(),
              std::max<int>(0, static_cast<int>(kAsOf - due_date)))
        << e.DebugString();
  }
  EXPECT_EQ(listed, expected_overdue);

  // Scorecards, counted here from the reports.
  std::map<std::string, pb::UnitScorecard> expected_cards;
  for (const auto& [unit, item] : duties) {
    pb::UnitScorecard& card = expected_cards[unit];
    card.set_unit(unit);
    card.set_assigned_items(card.assigned_items() + 1);
    const pb::Report* latest = nullptr;
    for (const auto& [period, due_date] : due) {
      auto it = by_key.find({unit, item, period});
      const pb::Report* report = it == by_key.end() ? nullptr : &it->second;
      if (report != nullptr) {
        latest = report;
        if (report->latest().review_state() == pb::ACCEPTED) {
          card.set_accepted(card.accepted() + 1);
        } else if (report->latest().review_state() == pb::RETURNED) {
          card.set_returned(card.returned() + 1);
        }
      }
      if (!(due_date < kAsOf)) continue;
      card.set_reports_due(card.reports_due() + 1);
      if (report == nullptr) {
        card.set_missing(card.missing() + 1);
      } else if (report->submitted_late()) {
        card.set_late(card.late() + 1);
      } else {
        card.set_on_time(card.on_time() + 1);
      }
    }
    if (latest != nullptr && latest->latest().status() == pb::COMPLETED) {
      card.set_completed_items(card.completed_items() + 1);
    }
  }
  // The demo files on believable days: mostly on time. (Late filers are
  // the lagging units, drawn from the unit ids, which differ per run; even
  // a lagging unit files 60% on time.)
  int on_time = 0;
  int late = 0;
  for (const auto& [unit, card] : expected_cards) {
    on_time += card.on_time();
    late += card.late();
  }
  EXPECT_GT(on_time, late);
  pb::GetScorecardResponse cards;
  ASSERT_NO_FATAL_FAILURE(CtlJson(
      {"scorecard", "--plan", "yiyang-2020", "--as-of", "2020-12-10"}, &cards));
  ASSERT_EQ(static_cast<std::size_t>(cards.scorecards_size()),
            expected_cards.size());
  for (const auto& card : cards.scorecards()) {
    SCOPED_TRACE(card.unit());
    ASSERT_EQ(expected_cards.count(card.unit()), 1u);
    const pb::UnitScorecard& want = expected_cards[card.unit()];
    EXPECT_EQ(card.assigned_items(), want.assigned_items());
    EXPECT_EQ(card.reports_due(), want.reports_due());
    EXPECT_EQ(card.on_time(), want.on_time());
    EXPECT_EQ(card.late(), want.late());
    EXPECT_EQ(card.missing(), want.missing());
    EXPECT_EQ(card.accepted(), want.accepted());
    EXPECT_EQ(card.returned(), want.returned());
    EXPECT_EQ(card.completed_items(), want.completed_items());
  }
  // The table puts who needs chasing first: on-time rates never fall down
  // the rows, and the demo's late units head it.
  const ProcessResult table =
      Ctl({"scorecard", "--plan", "yiyang-2020", "--as-of", "2020-12-10"});
  ASSERT_EQ(table.exit_code, 0) << table;
  std::vector<double> rates;
  for (absl::string_view line : absl::StrSplit(table.out, '\n')) {
    // Rows end in their on-time rate; the header starts with UNIT.
    if (!absl::EndsWith(line, "%") || absl::StartsWith(line, "UNIT")) continue;
    const std::vector<absl::string_view> cells =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    double rate = 0;
    ASSERT_TRUE(absl::SimpleAtod(absl::StripSuffix(cells.back(), "%"), &rate))
        << line;
    rates.push_back(rate);
  }
  ASSERT_EQ(rates.size(), expected_cards.size()) << table;
  EXPECT_TRUE(std::is_sorted(rates.begin(), rates.end())) << table;
  EXPECT_LT(rates.front(), 100) << table;

  // The rollup: one entry per item, and the demo's troubles show.
  ppb::ListItemsResponse items;
  ASSERT_NO_FATAL_FAILURE(CtlJson({"plan", "items", "yiyang-2020"}, &items));
  std::set<std::string> item_names;
  for (const auto& item : items.items()) item_names.insert(item.name());
  pb::PlanRollup rollup;
  ASSERT_NO_FATAL_FAILURE(CtlJson(
      {"rollup", "--plan", "yiyang-2020", "--as-of", "2020-12-10"}, &rollup));
  std::set<std::string> rolled;
  int troubled = 0;
  for (const auto& section : rollup.sections()) {
    for (const auto& item : section.items()) {
      EXPECT_TRUE(rolled.insert(item.item()).second) << item.item();
      if (item.health() == pb::RED || item.health() == pb::AMBER) ++troubled;
    }
  }
  EXPECT_EQ(rolled, item_names);
  EXPECT_GT(troubled, 0);
  EXPECT_EQ(rollup.red() + rollup.amber(), troubled);

  // A second fill adds nothing.
  ASSERT_NO_FATAL_FAILURE(Fill());
  pb::ListReportsResponse again;
  ASSERT_NO_FATAL_FAILURE(CtlJson({"report", "list", "yiyang-2020"}, &again));
  int revisions_again = 0;
  for (const auto& report : again.reports()) {
    revisions_again += report.revision_count();
  }
  EXPECT_EQ(again.reports_size(), reports.reports_size());
  EXPECT_EQ(revisions_again, revisions);

  // The organization's feed, from the start: every report once as
  // REPORT_SUBMITTED, each event line with a cursor that resumes it.
  r = Ctl({"watch", "--org", "yiyang-edu", "--json"}, absl::Seconds(8));
  std::set<std::string> submitted;
  int submitted_events = 0;
  std::string last_cursor;
  // "o1:<plan>@<ms>-<seq>" → (ms, seq).
  auto position = [](const std::string& cursor) {
    std::pair<uint64_t, uint64_t> at{0, 0};
    const std::size_t a = cursor.find('@');
    const std::size_t d = cursor.find('-', a == std::string::npos ? 0 : a);
    if (a != std::string::npos && d != std::string::npos) {
      at.first = std::stoull(cursor.substr(a + 1, d - a - 1));
      at.second = std::stoull(cursor.substr(d + 1));
    }
    return at;
  };
  for (absl::string_view line :
       absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    pb::Event event;
    ASSERT_TRUE(ParseJson(std::string(line), &event)) << line;
    if (event.type() == pb::Event::REPORT_SUBMITTED) {
      submitted.insert(event.report());
      ++submitted_events;
    }
    EXPECT_EQ(event.plan(), "plans/yiyang-2020");
    EXPECT_GT(position(event.cursor()), position(last_cursor))
        << "out of order: " << event.cursor() << " after " << last_cursor;
    last_cursor = event.cursor();
  }
  EXPECT_EQ(submitted.size(), by_key.size()) << r.err;
  EXPECT_EQ(submitted_events, static_cast<int>(by_key.size()));
  EXPECT_EQ(last_cursor.rfind("o1:yiyang-2020@", 0), 0u) << last_cursor;
  r = Ctl({"watch"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--plan and --org")) << r;

  // Refusals, with the server's codes.
  const auto& [unit, item] = duties.front();
  const std::string item_id = item.substr(item.rfind('/') + 1);
  r = Ctl({"report", "submit", "yiyang-2020", item_id, "--unit", unit,
           "--period", "2020-12", "--status", "on-track", "--percent", "120",
           "--progress", "进展"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: INVALID_ARGUMENT: ")) << r;
  EXPECT_THAT(r.err, HasSubstr("percent")) << r;

  std::set<std::string> assigned_to_item;
  for (const auto& [u, i] : duties) {
    if (i == item) assigned_to_item.insert(u);
  }
  std::string stranger;
  for (const auto& [u, i] : duties) {
    if (assigned_to_item.count(u) == 0) stranger = u;
  }
  ASSERT_FALSE(stranger.empty());
  r = Ctl({"report", "submit", "yiyang-2020", item_id, "--unit", stranger,
           "--period", "2020-12", "--status", "on-track", "--percent", "50",
           "--progress", "进展"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: PERMISSION_DENIED: ")) << r;
}

// `dubanctl audit` shows the changes of the flow, as each server recorded
// them: the issue (with the assignments unit-server made for it), the
// schedule and a report, and not a refused submission.
TEST_F(ProgressFlowTest, AuditShowsTheIssueAndTheSubmittedReport) {
  ASSERT_NO_FATAL_FAILURE(IssueYiyang());
  ProcessResult r =
      Ctl({"schedule", "set", "yiyang-2020", "--cadence", "monthly"});
  ASSERT_EQ(r.exit_code, 0) << r;
  upb::ListAssignmentsResponse assignments;
  ASSERT_NO_FATAL_FAILURE(
      CtlJson({"assignments", "--plan", "yiyang-2020"}, &assignments));
  ASSERT_GT(assignments.assignments_size(), 0);
  const upb::Assignment& duty = assignments.assignments(0);
  const std::string item_id = duty.item().substr(duty.item().rfind('/') + 1);
  r = Ctl({"report", "submit", "yiyang-2020", item_id, "--unit", duty.unit(),
           "--period", "2020-03", "--status", "on-track", "--percent", "30",
           "--progress", "已完成选址", "--request-id", "e2e-report-1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"report", "submit", "yiyang-2020", item_id, "--unit", duty.unit(),
           "--period", "2020-04", "--status", "on-track", "--percent", "130",
           "--progress", "进展"});
  ASSERT_EQ(r.exit_code, 1) << r;

  r = Ctl({"audit", "--org", "yiyang-edu", "--wide"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("IssuePlan")) << r;
  EXPECT_THAT(r.out, HasSubstr("issued plan plans/yiyang-2020")) << r;
  EXPECT_THAT(r.out, HasSubstr("SubmitReport")) << r;
  EXPECT_THAT(r.out, HasSubstr("e2e-report-1")) << r;
  EXPECT_THAT(r.out, HasSubstr("revision 1, ON_TRACK 30%")) << r;

  audit::v1::ListAuditRecordsResponse submitted;
  ASSERT_NO_FATAL_FAILURE(
      CtlJson({"audit", "--org", "organizations/yiyang-edu", "--method",
               "SubmitReport", "--server", "progress"},
              &submitted));
  ASSERT_EQ(submitted.records_size(), 1);  // the refused one is not there
  EXPECT_EQ(submitted.records(0).request_id(), "e2e-report-1");
  EXPECT_EQ(submitted.records(0).service(), "progress-server");
  EXPECT_EQ(submitted.records(0).principal(), "anonymous");
  EXPECT_EQ(submitted.records(0).organization(), "organizations/yiyang-edu");
  EXPECT_EQ(submitted.records(0).resource().rfind(
                absl::StrCat(duty.item(), "/reports/"), 0),
            0u)
      << submitted.records(0).resource();

  audit::v1::ListAuditRecordsResponse issued;
  ASSERT_NO_FATAL_FAILURE(CtlJson(
      {"audit", "--org", "yiyang-edu", "--resource", "plans/yiyang-2020",
       "--limit", "2", "--since", "2000-01-01T00:00:00Z"},
      &issued));
  EXPECT_EQ(issued.records_size(), 2);

  r = Ctl({"audit", "--org", "yiyang-edu", "--since", "yesterday"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--since")) << r;
  r = Ctl({"audit", "--org", "yiyang-edu", "--method", "Nonsense"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: INVALID_ARGUMENT: method")) << r;
}

}  // namespace
}  // namespace duban
