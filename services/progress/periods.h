// Reporting periods (2020-03, 2020-Q2, 2020-H1) and the calendar they live
// on: parsing in a cadence's form, first and last days, due dates, and the
// China Standard Time day of an instant. Pure functions.
#ifndef DUBAN_SERVICES_PROGRESS_PERIODS_H_
#define DUBAN_SERVICES_PROGRESS_PERIODS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "duban/progress/v1/progress.pb.h"
#include "duban/type/v1/types.pb.h"

namespace duban::progress {

// One period of a cadence: `index` is the month (1-12), quarter (1-4) or
// half (1-2) of `year`.
struct Period {
  v1::Cadence cadence = v1::CADENCE_UNSPECIFIED;
  int year = 0;
  int index = 0;

  bool operator==(const Period& o) const {
    return cadence == o.cadence && year == o.year && index == o.index;
  }
  bool operator<(const Period& o) const {
    return year != o.year ? year < o.year : index < o.index;
  }
};

// Periods per year of a cadence: 12, 4, 2.
int PeriodsPerYear(v1::Cadence cadence);

// Parses `text` in `cadence`'s form (2020-03, 2020-Q2, 2020-H1; years
// 2000-2099). INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<Period> ParsePeriod(absl::string_view field,
                                   absl::string_view text, v1::Cadence cadence);
std::string PeriodName(const Period& period);

absl::CivilDay PeriodStart(const Period& period);
absl::CivilDay PeriodEnd(const Period& period);
Period NextPeriod(const Period& period);
// The first and last period of a year.
Period FirstPeriodOfYear(v1::Cadence cadence, int year);
Period LastPeriodOfYear(v1::Cadence cadence, int year);
// `first` … `last` inclusive (empty when last < first).
std::vector<Period> PeriodsBetween(const Period& first, const Period& last);
// The last day a report on `period` is on time.
absl::CivilDay DueDate(const Period& period, int due_days_after_period_end);

// The calendar day of `time` in China Standard Time (UTC+8).
absl::CivilDay ChinaDay(absl::Time time);
absl::CivilDay ToCivilDay(const type::v1::Date& date);
type::v1::Date ToDate(absl::CivilDay day);
// The last day a partial date denotes: {2020} → 2020-12-31, {2020, 6} →
// 2020-06-30; a full date is itself.
absl::CivilDay LastDayOf(const type::v1::Date& date);

}  // namespace duban::progress

#endif  // DUBAN_SERVICES_PROGRESS_PERIODS_H_
