#include "services/progress/periods.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"

namespace duban::progress {

int PeriodsPerYear(v1::Cadence cadence) {
  switch (cadence) {
    case v1::MONTHLY:
      return 12;
    case v1::QUARTERLY:
      return 4;
    case v1::HALF_YEARLY:
      return 2;
    default:
      return 0;
  }
}

namespace {

int MonthsPerPeriod(v1::Cadence cadence) {
  const int n = PeriodsPerYear(cadence);
  return n == 0 ? 0 : 12 / n;
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<Period> ParsePeriod(absl::string_view field,
                                   absl::string_view text,
                                   v1::Cadence cadence) {
  const char* form = cadence == v1::MONTHLY     ? "YYYY-MM (2020-03)"
                     : cadence == v1::QUARTERLY ? "YYYY-Qn (2020-Q2)"
                                                : "YYYY-Hn (2020-H1)";
  auto bad = [&] {
    return InvalidField(
        field, text,
        absl::StrCat("must be a period of the schedule's ",
                     v1::Cadence_Name(cadence), " cadence, ", form));
  };
  if (PeriodsPerYear(cadence) == 0) return bad();
  if (text.size() < 7 || text[4] != '-') return bad();
  Period period;
  period.cadence = cadence;
  if (!AllDigits(text.substr(0, 4)) ||
      !absl::SimpleAtoi(text.substr(0, 4), &period.year) ||
      period.year < 2000 || period.year > 2099) {
    return bad();
  }
  absl::string_view rest = text.substr(5);
  if (cadence == v1::MONTHLY) {
    if (rest.size() != 2 || !AllDigits(rest)) return bad();
  } else {
    const char letter = cadence == v1::QUARTERLY ? 'Q' : 'H';
    if (rest.size() != 2 || rest[0] != letter) return bad();
    rest.remove_prefix(1);
    if (!AllDigits(rest)) return bad();
  }
  if (!absl::SimpleAtoi(rest, &period.index) || period.index < 1 ||
      period.index > PeriodsPerYear(cadence)) {
    return bad();
  }
  return period;
}

std::string PeriodName(const Period& period) {
  switch (period.cadence) {
    case v1::MONTHLY:
      return absl::StrFormat("%04d-%02d", period.year, period.index);
    case v1::QUARTERLY:
      return absl::StrFormat("%04d-Q%d", period.year, period.index);
    case v1::HALF_YEARLY:
      return absl::StrFormat("%04d-H%d", period.year, period.index);
    default:
      return "";
  }
}

absl::CivilDay PeriodStart(const Period& period) {
  const int months = MonthsPerPeriod(period.cadence);
  return absl::CivilDay(period.year, (period.index - 1) * months + 1, 1);
}

absl::CivilDay PeriodEnd(const Period& period) {
  const int months = MonthsPerPeriod(period.cadence);
  // The day before the first day of the next period.
  return absl::CivilDay(
             absl::CivilMonth(period.year, period.index * months + 1)) -
         1;
}

Period NextPeriod(const Period& period) {
  Period next = period;
  if (++next.index > PeriodsPerYear(period.cadence)) {
    next.index = 1;
    ++next.year;
  }
  return next;
}

Period FirstPeriodOfYear(v1::Cadence cadence, int year) {
  return Period{cadence, year, 1};
}

Period LastPeriodOfYear(v1::Cadence cadence, int year) {
  return Period{cadence, year, PeriodsPerYear(cadence)};
}

std::vector<Period> PeriodsBetween(const Period& first, const Period& last) {
  std::vector<Period> periods;
  if (PeriodsPerYear(first.cadence) == 0) return periods;
  for (Period p = first; !(last < p); p = NextPeriod(p)) periods.push_back(p);
  return periods;
}

absl::CivilDay DueDate(const Period& period, int due_days_after_period_end) {
  return PeriodEnd(period) + due_days_after_period_end;
}

absl::CivilDay ChinaDay(absl::Time time) {
  static const absl::TimeZone kChina = absl::FixedTimeZone(8 * 60 * 60);
  return absl::ToCivilDay(time, kChina);
}

absl::CivilDay ToCivilDay(const type::v1::Date& date) {
  return absl::CivilDay(date.year(), date.month(), date.day());
}

type::v1::Date ToDate(absl::CivilDay day) {
  type::v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::CivilDay LastDayOf(const type::v1::Date& date) {
  if (date.month() == 0) return absl::CivilDay(date.year(), 12, 31);
  if (date.day() == 0) {
    return absl::CivilDay(absl::CivilMonth(date.year(), date.month()) + 1) - 1;
  }
  return ToCivilDay(date);
}

}  // namespace duban::progress
