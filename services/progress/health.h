// The progress service's derived views as pure functions, table-tested on
// their own: the overdue list (催办), unit scorecards, and item health with
// indicator progress. Each rule is documented here and on the matching
// message in progress.proto.
#ifndef DUBAN_SERVICES_PROGRESS_HEALTH_H_
#define DUBAN_SERVICES_PROGRESS_HEALTH_H_

#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "duban/plan/v1/plan.pb.h"
#include "duban/progress/v1/progress.pb.h"
#include "services/progress/periods.h"

namespace duban::progress {

// Health thresholds (points of percent behind the straight-line pace, days
// overdue).
inline constexpr double kIndicatorAmberPoints = 10;
inline constexpr double kIndicatorRedPoints = 25;
inline constexpr double kPercentAmberPoints = 25;
inline constexpr int kRedDaysOverdue = 30;

// An ACTIVE assignment: `unit` answers for `item` as `role` ("LEAD"/"CO").
struct Duty {
  std::string unit;  // organizations/{org}/units/{unit}
  std::string item;  // plans/{plan}/items/{item}
  std::string role;
  // The unit's name as the item prints it (基教科), when known.
  std::string printed_name = "";
};

// The periods a schedule owes reports for, and their due-date offset.
struct ScheduleView {
  std::vector<Period> periods;
  int due_days = 0;
};

// Reports by (unit, item, period). The keys view the reports' own strings
// (and a lookup's, the caller's): an index lives no longer than the reports
// it was built from. Built and searched without copying a string, since a
// submission rolls its item up on every call.
using ReportKey =
    std::tuple<absl::string_view, absl::string_view, absl::string_view>;
using ReportIndex = absl::flat_hash_map<ReportKey, const v1::Report*>;
ReportIndex IndexReports(const std::vector<v1::Report>& reports);

// Whole days from `from` to `to` (negative when `to` is earlier).
int DaysBetween(absl::CivilDay from, absl::CivilDay to);

// The overdue list: for each duty and each schedule period due before
// `as_of`, MISSING when no report exists; and for each duty's report whose
// latest revision is RETURNED, RETURNED_NOT_RESUBMITTED (listed at once;
// days_overdue counts from the due date, 0 before it). Ordered by days
// overdue (most first), then unit, item and period. item_title is left
// empty (the caller knows the items).
std::vector<v1::OverdueEntry> FindOverdue(const std::vector<Duty>& duties,
                                          const ScheduleView& schedule,
                                          const ReportIndex& reports,
                                          absl::CivilDay as_of);

// The scorecard of `unit` over its `duties` (see UnitScorecard in
// progress.proto for each count).
v1::UnitScorecard ScoreUnit(absl::string_view unit,
                            const std::vector<Duty>& duties,
                            const ScheduleView& schedule,
                            const ReportIndex& reports, absl::CivilDay as_of);

// The share of the time from `start` to `deadline` that has passed on
// `as_of`, as a percent 0-100 (100 when the deadline is not after start).
double PacePercent(absl::CivilDay start, absl::CivilDay deadline,
                   absl::CivilDay as_of);

// How much of an indicator's target `value` reaches, 0-100 (see
// IndicatorProgress.percent_of_target).
double PercentOfTarget(plan::v1::Direction direction, double target,
                       double value);

// What the health rules look at for one item.
struct ItemFacts {
  const plan::v1::Item* item = nullptr;
  // The start of the plan year and the item's deadline (the plan year's
  // end when the item names none).
  absl::CivilDay start;
  absl::CivilDay deadline;
  absl::CivilDay as_of;
  // Units with an ACTIVE assignment on the item.
  std::vector<std::string> units;
  // How reasons name a unit: its name as the item prints it, where known
  // (else the unit's id).
  absl::flat_hash_map<std::string, std::string> unit_labels;
  // Every report on the item.
  std::vector<const v1::Report*> reports;
  // Its entries on the overdue list as of as_of.
  std::vector<v1::OverdueEntry> overdue;
};

// Health, latest status and percent, and indicator progress of an item, by
// the rules documented on ItemRollup.health:
//   GREEN  when every assigned unit's latest report (the one of its latest
//          period) is COMPLETED;
//   RED    when a latest report says DELAYED, the deadline has passed and
//          the item is not completed, a report is more than
//          kRedDaysOverdue days overdue, or an indicator is more than
//          kIndicatorRedPoints behind pace;
//   AMBER  when a latest report says AT_RISK, a report is overdue, an
//          indicator is more than kIndicatorAmberPoints behind pace, or the
//          item's percent is more than kPercentAmberPoints behind pace;
//   GREEN  otherwise.
// Indicator values count only from reports whose latest revision is
// ACCEPTED: the most recently submitted one that gives a value.
v1::ItemRollup RollUpItem(const ItemFacts& facts);

// The worse of two healths (RED > AMBER > GREEN > unset).
v1::Health WorseHealth(v1::Health a, v1::Health b);

}  // namespace duban::progress

#endif  // DUBAN_SERVICES_PROGRESS_HEALTH_H_
