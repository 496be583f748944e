#include "services/progress/health.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace duban::progress {
namespace {

using plan::v1::Direction;

// Lower is worse.
int StatusRank(v1::ReportStatus status) {
  switch (status) {
    case v1::DELAYED:
      return 0;
    case v1::AT_RISK:
      return 1;
    case v1::NOT_STARTED:
      return 2;
    case v1::ON_TRACK:
      return 3;
    case v1::COMPLETED:
      return 4;
    default:
      return 5;
  }
}

int64_t Seconds(const google::protobuf::Timestamp& t) { return t.seconds(); }

std::string UnitId(absl::string_view unit) {
  const std::size_t slash = unit.rfind('/');
  return std::string(slash == absl::string_view::npos ? unit
                                                      : unit.substr(slash + 1));
}

// A unit as reasons name it: as the item prints it, else by its id.
std::string UnitLabel(const ItemFacts& facts, const std::string& unit) {
  auto it = facts.unit_labels.find(unit);
  if (it != facts.unit_labels.end() && !it->second.empty()) return it->second;
  return UnitId(unit);
}

// A schedule's periods with their names and due dates, worked out once
// per call rather than once per duty.
struct DuePeriod {
  std::string name;
  absl::CivilDay due;
};

std::vector<DuePeriod> DuePeriods(const ScheduleView& schedule) {
  std::vector<DuePeriod> periods;
  periods.reserve(schedule.periods.size());
  for (const Period& period : schedule.periods) {
    periods.push_back({PeriodName(period), DueDate(period, schedule.due_days)});
  }
  return periods;
}

}  // namespace

ReportIndex IndexReports(const std::vector<v1::Report>& reports) {
  ReportIndex index;
  index.reserve(reports.size());
  for (const v1::Report& r : reports) {
    index[ReportKey(r.unit(), r.item(), r.period())] = &r;
  }
  return index;
}

int DaysBetween(absl::CivilDay from, absl::CivilDay to) {
  return static_cast<int>(to - from);
}

std::vector<v1::OverdueEntry> FindOverdue(const std::vector<Duty>& duties,
                                          const ScheduleView& schedule,
                                          const ReportIndex& reports,
                                          absl::CivilDay as_of) {
  std::vector<v1::OverdueEntry> entries;
  const std::vector<DuePeriod> periods = DuePeriods(schedule);
  for (const Duty& duty : duties) {
    for (const auto& [name, due] : periods) {
      auto it = reports.find(ReportKey(duty.unit, duty.item, name));
      const v1::Report* report = it == reports.end() ? nullptr : it->second;
      v1::OverdueEntry entry;
      if (report == nullptr) {
        if (!(due < as_of)) continue;
        entry.set_reason(v1::MISSING);
      } else if (report->latest().review_state() == v1::RETURNED) {
        entry.set_reason(v1::RETURNED_NOT_RESUBMITTED);
        entry.set_report(report->name());
      } else {
        continue;
      }
      entry.set_unit(duty.unit);
      entry.set_item(duty.item);
      entry.set_period(name);
      entry.set_role(duty.role);
      *entry.mutable_due_date() = ToDate(due);
      entry.set_days_overdue(std::max(0, DaysBetween(due, as_of)));
      entries.push_back(std::move(entry));
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const v1::OverdueEntry& a, const v1::OverdueEntry& b) {
              return std::make_tuple(-a.days_overdue(), a.unit(), a.item(),
                                     a.period()) <
                     std::make_tuple(-b.days_overdue(), b.unit(), b.item(),
                                     b.period());
            });
  return entries;
}

v1::UnitScorecard ScoreUnit(absl::string_view unit,
                            const std::vector<Duty>& duties,
                            const ScheduleView& schedule,
                            const ReportIndex& reports, absl::CivilDay as_of) {
  v1::UnitScorecard card;
  card.set_unit(std::string(unit));
  const std::vector<DuePeriod> periods = DuePeriods(schedule);
  for (const Duty& duty : duties) {
    if (duty.unit != unit) continue;
    card.set_assigned_items(card.assigned_items() + 1);
    const v1::Report* latest = nullptr;
    for (const auto& [name, due] : periods) {
      auto it = reports.find(ReportKey(duty.unit, duty.item, name));
      const v1::Report* report = it == reports.end() ? nullptr : it->second;
      if (report != nullptr) {
        latest = report;
        if (report->latest().review_state() == v1::ACCEPTED) {
          card.set_accepted(card.accepted() + 1);
        } else if (report->latest().review_state() == v1::RETURNED) {
          card.set_returned(card.returned() + 1);
        }
      }
      if (!(due < as_of)) continue;
      card.set_reports_due(card.reports_due() + 1);
      if (report == nullptr) {
        card.set_missing(card.missing() + 1);
      } else if (report->submitted_late()) {
        card.set_late(card.late() + 1);
      } else {
        card.set_on_time(card.on_time() + 1);
      }
    }
    if (latest != nullptr && latest->latest().status() == v1::COMPLETED) {
      card.set_completed_items(card.completed_items() + 1);
    }
  }
  card.set_on_time_rate(card.reports_due() == 0
                            ? 1.0
                            : static_cast<double>(card.on_time()) /
                                  card.reports_due());
  return card;
}

double PacePercent(absl::CivilDay start, absl::CivilDay deadline,
                   absl::CivilDay as_of) {
  const double span = static_cast<double>(deadline - start);
  if (span <= 0) return 100;
  const double passed = static_cast<double>(as_of - start);
  return std::clamp(100 * passed / span, 0.0, 100.0);
}

double PercentOfTarget(Direction direction, double target, double value) {
  double percent = 0;
  switch (direction) {
    case Direction::AT_MOST:
      percent = value <= target ? 100 : (value > 0 ? 100 * target / value : 0);
      break;
    case Direction::TO_ZERO:
      percent =
          target <= 0 ? (value <= 0 ? 100 : 0) : 100 * (1 - value / target);
      break;
    default:  // AT_LEAST and unspecified
      percent = target <= 0 ? 100 : 100 * value / target;
      break;
  }
  return std::clamp(percent, 0.0, 100.0);
}

v1::Health WorseHealth(v1::Health a, v1::Health b) {
  return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

v1::ItemRollup RollUpItem(const ItemFacts& facts) {
  v1::ItemRollup rollup;
  const plan::v1::Item& item = *facts.item;
  rollup.set_item(item.name());
  rollup.set_number(item.number());
  rollup.set_title(item.title());
  *rollup.mutable_deadline() = ToDate(facts.deadline);
  rollup.set_overdue_reports(static_cast<int32_t>(facts.overdue.size()));

  // The latest report (by period) of each assigned unit.
  std::map<std::string, const v1::Report*> latest;
  for (const v1::Report* r : facts.reports) {
    if (std::find(facts.units.begin(), facts.units.end(), r->unit()) ==
        facts.units.end()) {
      continue;
    }
    const v1::Report*& slot = latest[r->unit()];
    if (slot == nullptr || slot->period() < r->period()) slot = r;
  }
  bool completed = !facts.units.empty();
  int worst_rank = 99;
  int percent = 100;
  for (const std::string& unit : facts.units) {
    auto it = latest.find(unit);
    if (it == latest.end()) {
      completed = false;
      continue;
    }
    const v1::Revision& rev = it->second->latest();
    if (rev.status() != v1::COMPLETED) completed = false;
    if (StatusRank(rev.status()) < worst_rank) {
      worst_rank = StatusRank(rev.status());
      rollup.set_latest_status(rev.status());
    }
    percent = std::min(percent, rev.percent_complete());
  }
  rollup.set_percent_complete(latest.empty() ? 0 : percent);

  const double pace = PacePercent(facts.start, facts.deadline, facts.as_of);

  // Indicator progress from ACCEPTED latest revisions, newest submission
  // first.
  std::vector<const v1::Report*> accepted;
  for (const v1::Report* r : facts.reports) {
    if (r->latest().review_state() == v1::ACCEPTED) accepted.push_back(r);
  }
  std::sort(accepted.begin(), accepted.end(),
            [](const v1::Report* a, const v1::Report* b) {
              return Seconds(a->latest().submitted().time()) >
                     Seconds(b->latest().submitted().time());
            });
  double worst_lag = 0;
  std::string worst_indicator;
  for (const plan::v1::Indicator& indicator : item.indicators()) {
    v1::IndicatorProgress* p = rollup.add_indicators();
    p->set_indicator_id(indicator.id());
    p->set_text(indicator.text());
    p->set_target(indicator.value());
    p->set_unit(indicator.unit());
    p->set_direction(plan::v1::Direction_Name(indicator.direction()));
    for (const v1::Report* r : accepted) {
      for (const v1::IndicatorValue& v : r->latest().indicator_values()) {
        if (v.indicator_id() == indicator.id() && !p->has_value()) {
          p->set_has_value(true);
          p->set_value(v.value());
        }
      }
      if (p->has_value()) break;
    }
    if (!p->has_value()) continue;
    p->set_percent_of_target(
        PercentOfTarget(indicator.direction(), indicator.value(), p->value()));
    const double lag = pace - p->percent_of_target();
    if (lag > worst_lag) {
      worst_lag = lag;
      worst_indicator = indicator.id();
    }
  }

  // The rules, in order.
  auto reason = [&](v1::Health h, std::string why) {
    rollup.set_health(WorseHealth(rollup.health(), h));
    rollup.add_health_reasons(std::move(why));
  };
  if (completed) {
    rollup.set_health(v1::GREEN);
    rollup.add_health_reasons("every assigned unit reports COMPLETED");
    return rollup;
  }
  for (const auto& [unit, report] : latest) {
    const v1::ReportStatus status = report->latest().status();
    if (status == v1::DELAYED || status == v1::AT_RISK) {
      reason(status == v1::DELAYED ? v1::RED : v1::AMBER,
             absl::StrCat("unit ", UnitLabel(facts, unit), " reports ",
                          v1::ReportStatus_Name(status), " for ",
                          report->period()));
    }
  }
  if (facts.deadline < facts.as_of) {
    reason(v1::RED,
           absl::StrCat("deadline ", absl::FormatCivilTime(facts.deadline),
                        " has passed and the item is not completed"));
  }
  int max_days = -1;
  for (const v1::OverdueEntry& e : facts.overdue) {
    max_days = std::max(max_days, e.days_overdue());
  }
  if (max_days >= 0) {
    reason(max_days > kRedDaysOverdue ? v1::RED : v1::AMBER,
           absl::StrCat(facts.overdue.size(), " report(s) overdue, up to ",
                        max_days, " day(s)"));
  }
  if (worst_lag > kIndicatorAmberPoints) {
    reason(worst_lag > kIndicatorRedPoints ? v1::RED : v1::AMBER,
           absl::StrFormat("indicator %s is %.0f points behind pace",
                           worst_indicator, worst_lag));
  }
  if (!latest.empty() &&
      pace - rollup.percent_complete() > kPercentAmberPoints) {
    reason(v1::AMBER, absl::StrFormat("%d%% complete against a pace of %.0f%%",
                                      rollup.percent_complete(), pace));
  }
  if (rollup.health() == v1::HEALTH_UNSPECIFIED) rollup.set_health(v1::GREEN);
  return rollup;
}

}  // namespace duban::progress
