// The progress service's pure rules: periods, due dates, the overdue list,
// scorecards and item health (services/progress/{periods,health}.h).
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/progress/health.h"
#include "services/progress/periods.h"

namespace duban::progress {
namespace {

using ::testing::HasSubstr;

TEST(PeriodTest, ParsesEachCadenceFormAndRejectsOthers) {
  struct Case {
    v1::Cadence cadence;
    std::string text;
    bool ok;
  };
  const std::vector<Case> cases = {
      {v1::MONTHLY, "2020-03", true},      {v1::MONTHLY, "2020-12", true},
      {v1::MONTHLY, "2020-13", false},     {v1::MONTHLY, "2020-3", false},
      {v1::MONTHLY, "2020-Q1", false},     {v1::QUARTERLY, "2020-Q2", true},
      {v1::QUARTERLY, "2020-Q5", false},   {v1::QUARTERLY, "2020-q2", false},
      {v1::HALF_YEARLY, "2020-H1", true},  {v1::HALF_YEARLY, "2020-H3", false},
      {v1::HALF_YEARLY, "1999-H1", false}, {v1::QUARTERLY, "", false},
  };
  for (const Case& c : cases) {
    auto p = ParsePeriod("period", c.text, c.cadence);
    EXPECT_EQ(p.ok(), c.ok) << c.text;
    if (p.ok()) {
      EXPECT_EQ(PeriodName(*p), c.text);
    } else {
      EXPECT_THAT(p.status().message(), HasSubstr("period"));
    }
  }
}

TEST(PeriodTest, BoundsAndDueDates) {
  const Period q1{v1::QUARTERLY, 2020, 1};
  EXPECT_EQ(PeriodStart(q1), absl::CivilDay(2020, 1, 1));
  EXPECT_EQ(PeriodEnd(q1), absl::CivilDay(2020, 3, 31));
  EXPECT_EQ(DueDate(q1, 5), absl::CivilDay(2020, 4, 5));
  const Period feb{v1::MONTHLY, 2020, 2};
  EXPECT_EQ(PeriodEnd(feb), absl::CivilDay(2020, 2, 29));  // leap year
  const Period h2{v1::HALF_YEARLY, 2020, 2};
  EXPECT_EQ(PeriodEnd(h2), absl::CivilDay(2020, 12, 31));
  EXPECT_EQ(NextPeriod(h2), (Period{v1::HALF_YEARLY, 2021, 1}));
  EXPECT_EQ(PeriodsBetween(Period{v1::MONTHLY, 2020, 11},
                           Period{v1::MONTHLY, 2021, 2})
                .size(),
            4u);
}

TEST(PeriodTest, ChinaDayIsUtcPlusEight) {
  // 2020-04-05T17:00Z is 2020-04-06 01:00 in Beijing.
  EXPECT_EQ(ChinaDay(absl::FromCivil(absl::CivilSecond(2020, 4, 5, 17, 0, 0),
                                     absl::UTCTimeZone())),
            absl::CivilDay(2020, 4, 6));
}

v1::Report MakeReport(const std::string& unit, const std::string& item,
                      const std::string& period, v1::ReportStatus status,
                      int percent, v1::ReviewState review, bool late = false) {
  v1::Report r;
  r.set_name(item + "/reports/" + unit + "~" + period);
  r.set_unit(unit);
  r.set_item(item);
  r.set_period(period);
  r.set_submitted_late(late);
  r.set_revision_count(1);
  r.mutable_latest()->set_status(status);
  r.mutable_latest()->set_percent_complete(percent);
  r.mutable_latest()->set_review_state(review);
  return r;
}

ScheduleView Quarterly2020() {
  return ScheduleView{PeriodsBetween(Period{v1::QUARTERLY, 2020, 1},
                                     Period{v1::QUARTERLY, 2020, 4}),
                      5};
}

TEST(OverdueTest, ListsMissingPastDueAndReturnedReportsMostOverdueFirst) {
  const std::vector<Duty> duties = {{"u1", "i1", "LEAD"}, {"u2", "i1", "CO"}};
  std::vector<v1::Report> reports = {
      MakeReport("u1", "i1", "2020-Q1", v1::ON_TRACK, 20, v1::ACCEPTED),
      MakeReport("u1", "i1", "2020-Q2", v1::ON_TRACK, 40, v1::RETURNED),
  };
  const auto entries =
      FindOverdue(duties, Quarterly2020(), IndexReports(reports),
                  absl::CivilDay(2020, 7, 10));
  // u2 missed Q1 (due 04-05: 96 days) and Q2 (due 07-05: 5 days); u1's Q2
  // was returned (5 days past due). Q3 is not due yet.
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].unit(), "u2");
  EXPECT_EQ(entries[0].period(), "2020-Q1");
  EXPECT_EQ(entries[0].days_overdue(), 96);
  EXPECT_EQ(entries[0].reason(), v1::MISSING);
  EXPECT_EQ(entries[1].unit(), "u1");
  EXPECT_EQ(entries[1].reason(), v1::RETURNED_NOT_RESUBMITTED);
  EXPECT_EQ(entries[1].days_overdue(), 5);
  EXPECT_EQ(entries[2].unit(), "u2");
  EXPECT_EQ(entries[2].period(), "2020-Q2");
}

TEST(OverdueTest, NothingIsOverdueOnTheDueDateItself) {
  const auto entries = FindOverdue({{"u1", "i1", "LEAD"}}, Quarterly2020(), {},
                                   absl::CivilDay(2020, 4, 5));
  EXPECT_TRUE(entries.empty());
  EXPECT_EQ(FindOverdue({{"u1", "i1", "LEAD"}}, Quarterly2020(), {},
                        absl::CivilDay(2020, 4, 6))
                .size(),
            1u);
}

TEST(ScorecardTest, CountsDueOnTimeLateMissingAndReviews) {
  const std::vector<Duty> duties = {
      {"u1", "i1", "LEAD"}, {"u1", "i2", "CO"}, {"u2", "i1", "CO"}};
  std::vector<v1::Report> reports = {
      MakeReport("u1", "i1", "2020-Q1", v1::ON_TRACK, 30, v1::ACCEPTED),
      MakeReport("u1", "i1", "2020-Q2", v1::COMPLETED, 100, v1::PENDING_REVIEW,
                 /*late=*/true),
      MakeReport("u1", "i2", "2020-Q1", v1::AT_RISK, 10, v1::RETURNED, true),
  };
  const auto card =
      ScoreUnit("u1", duties, Quarterly2020(), IndexReports(reports),
                absl::CivilDay(2020, 7, 10));
  EXPECT_EQ(card.assigned_items(), 2);
  EXPECT_EQ(card.reports_due(), 4);  // Q1 and Q2 of both items
  EXPECT_EQ(card.on_time(), 1);
  EXPECT_EQ(card.late(), 2);
  EXPECT_EQ(card.missing(), 1);
  EXPECT_EQ(card.accepted(), 1);
  EXPECT_EQ(card.returned(), 1);
  EXPECT_EQ(card.completed_items(), 1);
  EXPECT_DOUBLE_EQ(card.on_time_rate(), 0.25);

  const auto none =
      ScoreUnit("u3", duties, Quarterly2020(), {}, absl::CivilDay(2020, 7, 10));
  EXPECT_EQ(none.reports_due(), 0);
  EXPECT_DOUBLE_EQ(none.on_time_rate(), 1.0);
}

TEST(IndicatorTest, PercentOfTargetByDirection) {
  struct Case {
    plan::v1::Direction direction;
    double target, value, percent;
  };
  const std::vector<Case> cases = {
      {plan::v1::AT_LEAST, 64, 32, 50}, {plan::v1::AT_LEAST, 64, 80, 100},
      {plan::v1::AT_MOST, 5, 4, 100},   {plan::v1::AT_MOST, 5, 10, 50},
      {plan::v1::TO_ZERO, 271, 0, 100}, {plan::v1::TO_ZERO, 271, 271, 0},
      {plan::v1::AT_LEAST, 0, 0, 100},
  };
  for (const Case& c : cases) {
    EXPECT_DOUBLE_EQ(PercentOfTarget(c.direction, c.target, c.value), c.percent)
        << plan::v1::Direction_Name(c.direction) << " " << c.value;
  }
  EXPECT_DOUBLE_EQ(
      PacePercent(absl::CivilDay(2020, 1, 1), absl::CivilDay(2020, 12, 31),
                  absl::CivilDay(2020, 7, 1)),
      100.0 * 182 / 365);
}

// The facts of `item` in the plan year 2020 (deadline its last day) for
// `units`, as of `as_of`.
ItemFacts YearFacts(const plan::v1::Item& item, absl::CivilDay as_of,
                    std::vector<std::string> units) {
  ItemFacts facts;
  facts.item = &item;
  facts.start = absl::CivilDay(2020, 1, 1);
  facts.deadline = absl::CivilDay(2020, 12, 31);
  facts.as_of = as_of;
  facts.units = std::move(units);
  return facts;
}

// One item with an AT_LEAST indicator of 100, units u1 and u2, deadline
// year end; as of 2020-07-01 (pace ~50%).
struct HealthCase {
  std::string name;
  std::vector<v1::Report> reports;
  std::vector<v1::OverdueEntry> overdue;
  absl::CivilDay as_of;  // default (1970-01-01): 2020-07-01
  v1::Health want;
  std::string reason;  // a substring of some health reason
};

TEST(HealthTest, RulesInOrder) {
  auto with_value = [](v1::Report r, double value) {
    auto* v = r.mutable_latest()->add_indicator_values();
    v->set_indicator_id("i1");
    v->set_value(value);
    return r;
  };
  v1::OverdueEntry late5;
  late5.set_days_overdue(5);
  v1::OverdueEntry late40;
  late40.set_days_overdue(40);
  const auto on = [](const std::string& u, int pct) {
    return MakeReport(u, "plans/p/items/1", "2020-Q2", v1::ON_TRACK, pct,
                      v1::PENDING_REVIEW);
  };
  const std::vector<HealthCase> cases = {
      {"on track and on pace",
       {on("u1", 50), on("u2", 60)},
       {},
       {},
       v1::GREEN,
       ""},
      {"all completed",
       {MakeReport("u1", "plans/p/items/1", "2020-Q2", v1::COMPLETED, 100,
                   v1::PENDING_REVIEW),
        MakeReport("u2", "plans/p/items/1", "2020-Q1", v1::COMPLETED, 100,
                   v1::ACCEPTED)},
       {late40},
       absl::CivilDay(2021, 3, 1),
       v1::GREEN,
       "COMPLETED"},
      {"one unit delayed",
       {on("u1", 50), MakeReport("u2", "plans/p/items/1", "2020-Q2",
                                 v1::DELAYED, 50, v1::PENDING_REVIEW)},
       {},
       {},
       v1::RED,
       "DELAYED"},
      {"one unit at risk",
       {on("u1", 50), MakeReport("u2", "plans/p/items/1", "2020-Q2",
                                 v1::AT_RISK, 50, v1::PENDING_REVIEW)},
       {},
       {},
       v1::AMBER,
       "AT_RISK"},
      {"deadline passed, not completed",
       {on("u1", 90), on("u2", 90)},
       {},
       absl::CivilDay(2021, 1, 2),
       v1::RED,
       "deadline"},
      {"overdue a few days",
       {on("u1", 50), on("u2", 50)},
       {late5},
       {},
       v1::AMBER,
       "overdue"},
      {"overdue over 30 days",
       {on("u1", 50), on("u2", 50)},
       {late40},
       {},
       v1::RED,
       "overdue"},
      {"indicator 15 points behind pace",
       {with_value(MakeReport("u1", "plans/p/items/1", "2020-Q2", v1::ON_TRACK,
                              50, v1::ACCEPTED),
                   35),
        on("u2", 50)},
       {},
       {},
       v1::AMBER,
       "indicator i1"},
      {"indicator 40 points behind pace",
       {with_value(MakeReport("u1", "plans/p/items/1", "2020-Q2", v1::ON_TRACK,
                              50, v1::ACCEPTED),
                   10),
        on("u2", 50)},
       {},
       {},
       v1::RED,
       "indicator i1"},
      {"unaccepted indicator values do not count",
       {with_value(on("u1", 50), 10), on("u2", 50)},
       {},
       {},
       v1::GREEN,
       ""},
      {"percent far behind pace",
       {on("u1", 10), on("u2", 60)},
       {},
       {},
       v1::AMBER,
       "pace"},
  };
  plan::v1::Item item;
  item.set_name("plans/p/items/1");
  auto* indicator = item.add_indicators();
  indicator->set_id("i1");
  indicator->set_value(100);
  indicator->set_direction(plan::v1::AT_LEAST);
  for (const HealthCase& c : cases) {
    ItemFacts facts = YearFacts(
        item,
        c.as_of == absl::CivilDay() ? absl::CivilDay(2020, 7, 1) : c.as_of,
        {"u1", "u2"});
    for (const auto& r : c.reports) facts.reports.push_back(&r);
    facts.overdue = c.overdue;
    const v1::ItemRollup rollup = RollUpItem(facts);
    EXPECT_EQ(rollup.health(), c.want) << c.name;
    if (!c.reason.empty()) {
      std::string all;
      for (const auto& r : rollup.health_reasons()) all += r + "; ";
      EXPECT_THAT(all, HasSubstr(c.reason)) << c.name;
    }
  }
}

TEST(HealthTest, LatestStatusIsTheWorstAndPercentTheLowest) {
  plan::v1::Item item;
  item.set_name("plans/p/items/1");
  const v1::Report a = MakeReport("u1", "plans/p/items/1", "2020-Q2",
                                  v1::ON_TRACK, 60, v1::PENDING_REVIEW);
  // u1's older period does not count: the latest period does.
  const v1::Report old = MakeReport("u1", "plans/p/items/1", "2020-Q1",
                                    v1::DELAYED, 5, v1::ACCEPTED);
  const v1::Report b = MakeReport("u2", "plans/p/items/1", "2020-Q2",
                                  v1::AT_RISK, 40, v1::PENDING_REVIEW);
  ItemFacts facts = YearFacts(item, absl::CivilDay(2020, 5, 1), {"u1", "u2"});
  facts.reports = {&old, &a, &b};
  const v1::ItemRollup rollup = RollUpItem(facts);
  EXPECT_EQ(rollup.latest_status(), v1::AT_RISK);
  EXPECT_EQ(rollup.percent_complete(), 40);
  EXPECT_EQ(rollup.health(), v1::AMBER);
}

TEST(HealthTest, ReasonsNameUnitsAsTheItemPrintsThem) {
  plan::v1::Item item;
  item.set_name("plans/p/items/1");
  const std::string jjk = "organizations/o/units/unit-1e8a";
  const std::string zjk = "organizations/o/units/zjk";
  const v1::Report a = MakeReport(jjk, "plans/p/items/1", "2020-Q2",
                                  v1::DELAYED, 10, v1::PENDING_REVIEW);
  const v1::Report b = MakeReport(zjk, "plans/p/items/1", "2020-Q2",
                                  v1::AT_RISK, 40, v1::PENDING_REVIEW);
  ItemFacts facts = YearFacts(item, absl::CivilDay(2020, 7, 10), {jjk, zjk});
  facts.unit_labels = {{jjk, "基教科"}, {zjk, ""}};
  facts.reports = {&a, &b};
  const v1::ItemRollup rollup = RollUpItem(facts);
  EXPECT_EQ(rollup.health(), v1::RED);
  EXPECT_THAT(
      rollup.health_reasons(),
      ::testing::IsSupersetOf({"unit 基教科 reports DELAYED for 2020-Q2",
                               "unit zjk reports AT_RISK for 2020-Q2"}));
}

}  // namespace
}  // namespace duban::progress
