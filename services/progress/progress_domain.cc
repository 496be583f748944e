#include "services/progress/progress_domain.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/api.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/status.h"

namespace duban::progress {
namespace {

namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;

constexpr int kConflictAttempts = 5;

std::string LastSegment(absl::string_view name) {
  const std::size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name
                                                      : name.substr(slash + 1));
}

absl::StatusOr<std::string> ParseScheduleName(absl::string_view field,
                                              absl::string_view name) {
  absl::string_view rest = name;
  if (!absl::ConsumeSuffix(&rest, "/schedule")) {
    return InvalidField(field, name, "must be \"plans/{plan}/schedule\"");
  }
  auto plan = ParsePlanName(field, rest);
  if (!plan.ok()) {
    return InvalidField(field, name, "must be \"plans/{plan}/schedule\"");
  }
  return plan;
}

absl::Status ValidateDate(absl::string_view field, const type::v1::Date& d) {
  const absl::CivilDay day(d.year(), d.month(), d.day());
  if (d.year() < 2000 || d.year() > 2099 || day.month() != d.month() ||
      day.day() != d.day()) {
    return InvalidField(field,
                        absl::StrCat(d.year(), "-", d.month(), "-", d.day()),
                        "must be a full calendar date between 2000 and 2099");
  }
  return absl::OkStatus();
}

absl::Status ValidateEvidence(int i, const v1::Evidence& e) {
  const std::string prefix = absl::StrCat("evidence[", i, "]");
  DUBAN_RETURN_IF_ERROR(ValidateText(absl::StrCat(prefix, ".uri"), e.uri(),
                                     kMaxEvidenceUriBytes, true));
  if (!absl::StartsWith(e.uri(), "http://") &&
      !absl::StartsWith(e.uri(), "https://")) {
    return InvalidField(absl::StrCat(prefix, ".uri"), e.uri(),
                        "must be an http or https URI");
  }
  DUBAN_RETURN_IF_ERROR(ValidateText(absl::StrCat(prefix, ".title"), e.title(),
                                     kMaxEvidenceTitleBytes, false));
  if (!e.sha256().empty()) {
    bool hex = e.sha256().size() == 64;
    for (char c : e.sha256()) {
      hex = hex && (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'));
    }
    if (!hex) {
      return InvalidField(absl::StrCat(prefix, ".sha256"), e.sha256(),
                          "must be 64 lower-case hex characters");
    }
  }
  return absl::OkStatus();
}

// The periods of a stored schedule.
absl::StatusOr<ScheduleView> PeriodsOf(const v1::Schedule& schedule) {
  DUBAN_ASSIGN_OR_RETURN(
      Period first, ParsePeriod("schedule.first_period",
                                schedule.first_period(), schedule.cadence()));
  DUBAN_ASSIGN_OR_RETURN(
      Period last, ParsePeriod("schedule.last_period", schedule.last_period(),
                               schedule.cadence()));
  ScheduleView view;
  view.periods = PeriodsBetween(first, last);
  view.due_days = schedule.due_days_after_period_end();
  return view;
}

std::string Fingerprint(const google::protobuf::Message& request) {
  return Sha256Hex(request.SerializeAsString());
}

v1::Report WithEtag(StoredReport stored) {
  stored.report.set_etag(EtagOf(stored.version));
  return std::move(stored.report);
}

absl::CivilDay YearStart(const pv1::Plan& plan, const ScheduleView& periods) {
  if (plan.year() > 0) return absl::CivilDay(plan.year(), 1, 1);
  if (!periods.periods.empty()) {
    return absl::CivilDay(periods.periods.front().year, 1, 1);
  }
  return absl::CivilDay(2000, 1, 1);
}

absl::CivilDay DeadlineOf(const pv1::Item& item, absl::CivilDay year_start) {
  if (item.has_deadline() && item.deadline().date().year() > 0) {
    return LastDayOf(item.deadline().date());
  }
  return absl::CivilDay(year_start.year(), 12, 31);
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> ParseReportName(
    absl::string_view field, absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  const auto bad = [&] {
    return InvalidField(
        field, name,
        "must be \"plans/{plan}/items/{item}/reports/{unit}~{period}\"");
  };
  if (parts.size() != 6 || parts[4] != "reports") return bad();
  auto item = ParseItemName(field, absl::StrCat(parts[0], "/", parts[1], "/",
                                                parts[2], "/", parts[3]));
  if (!item.ok()) return bad();
  std::vector<absl::string_view> id = absl::StrSplit(parts[5], '~');
  if (id.size() != 2 || !ValidateResourceId(field, id[0]).ok() ||
      id[1].empty() || id[1].size() > 16) {
    return bad();
  }
  return std::make_pair(item->first, absl::StrCat(item->second, "/", parts[5]));
}

absl::StatusOr<std::string> ParseUnitId(absl::string_view field,
                                        absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "organizations" || parts[2] != "units" ||
      !ValidateResourceId(field, parts[1]).ok() ||
      !ValidateResourceId(field, parts[3]).ok()) {
    return InvalidField(field, name,
                        "must be \"organizations/{org}/units/{unit}\"");
  }
  return std::string(parts[3]);
}

ProgressDomain::ProgressDomain(ProgressStore* store, PlanDirectory* plans,
                               UnitAssignments* assignments, Clock clock)
    : store_(store),
      plans_(plans),
      assignments_(assignments),
      clock_(std::move(clock)) {}

absl::CivilDay ProgressDomain::Today() const { return ChinaDay(clock_()); }

absl::StatusOr<absl::CivilDay> ProgressDomain::AsOf(
    const type::v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return Today();
  DUBAN_RETURN_IF_ERROR(ValidateDate("as_of", date));
  return ToCivilDay(date);
}

absl::StatusOr<std::shared_ptr<const PlanSnapshot>> ProgressDomain::GetPlan(
    absl::string_view field, absl::string_view plan_id) {
  const std::string name = absl::StrCat("plans/", plan_id);
  auto plan = plans_->GetPlan(name);
  if (plan.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(
        absl::StrCat(field, ": plan \"", name, "\" not found"));
  }
  return plan;
}

absl::StatusOr<StoredSchedule> ProgressDomain::RequireSchedule(
    absl::string_view field, absl::string_view plan_id) {
  auto schedule = store_->GetSchedule(plan_id);
  if (schedule.status().code() == absl::StatusCode::kNotFound) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": plan \"plans/", plan_id,
        "\" has no reporting schedule; the supervisor sets it with "
        "SetSchedule"));
  }
  return schedule;
}

// --- schedule ---------------------------------------------------------------

absl::StatusOr<v1::Schedule> ProgressDomain::SetSchedule(
    const v1::SetScheduleRequest& request) {
  v1::Schedule schedule = request.schedule();
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParseScheduleName("schedule.name", schedule.name()));
  if (PeriodsPerYear(schedule.cadence()) == 0) {
    return InvalidField("schedule.cadence",
                        v1::Cadence_Name(schedule.cadence()),
                        "must be MONTHLY, QUARTERLY or HALF_YEARLY");
  }
  if (schedule.due_days_after_period_end() < 0 ||
      schedule.due_days_after_period_end() > 90) {
    return InvalidField("schedule.due_days_after_period_end",
                        absl::StrCat(schedule.due_days_after_period_end()),
                        "must be 0 to 90");
  }
  DUBAN_RETURN_IF_ERROR(ValidateText("principal", request.principal(),
                                     kMaxPrincipalBytes, false));
  int64_t sent_version = 0;
  if (!schedule.etag().empty()) {
    DUBAN_ASSIGN_OR_RETURN(sent_version,
                           ParseEtag("schedule.etag", schedule.etag()));
  }
  DUBAN_ASSIGN_OR_RETURN(auto plan, GetPlan("schedule.name", plan_id));
  if (plan->plan.state() == pv1::Plan::ARCHIVED) {
    return absl::FailedPreconditionError(
        absl::StrCat("schedule.name: plan \"plans/", plan_id,
                     "\" is ARCHIVED; its schedule can no longer change"));
  }
  const int year = plan->plan.year();
  if ((schedule.first_period().empty() || schedule.last_period().empty()) &&
      year == 0) {
    return InvalidField("schedule.first_period", schedule.first_period(),
                        "required: the plan has no year to default to");
  }
  Period first = FirstPeriodOfYear(schedule.cadence(), year);
  Period last = LastPeriodOfYear(schedule.cadence(), year);
  if (!schedule.first_period().empty()) {
    DUBAN_ASSIGN_OR_RETURN(
        first, ParsePeriod("schedule.first_period", schedule.first_period(),
                           schedule.cadence()));
  }
  if (!schedule.last_period().empty()) {
    DUBAN_ASSIGN_OR_RETURN(
        last, ParsePeriod("schedule.last_period", schedule.last_period(),
                          schedule.cadence()));
  }
  if (last < first) {
    return InvalidField(
        "schedule.last_period", PeriodName(last),
        absl::StrCat("must not be before first_period ", PeriodName(first)));
  }
  if (PeriodsBetween(first, last).size() > kMaxSchedulePeriods) {
    return InvalidField("schedule.last_period", PeriodName(last),
                        absl::StrCat("at most ", kMaxSchedulePeriods,
                                     " periods after first_period"));
  }
  schedule.set_first_period(PeriodName(first));
  schedule.set_last_period(PeriodName(last));
  schedule.clear_etag();
  schedule.mutable_updated()->set_principal(request.principal());
  SetTimestamp(clock_(), schedule.mutable_updated()->mutable_time());

  return WithRetryOnConflict(
      kConflictAttempts, [&]() -> absl::StatusOr<v1::Schedule> {
        std::optional<int64_t> expected;
        if (!request.schedule().etag().empty()) {
          int64_t current = 0;
          auto stored = store_->GetSchedule(plan_id);
          if (stored.ok()) {
            current = stored->version;
          } else if (stored.status().code() != absl::StatusCode::kNotFound) {
            return stored.status();
          }
          DUBAN_RETURN_IF_ERROR(CheckEtag("schedule.etag",
                                          request.schedule().etag(), current,
                                          schedule.name()));
          expected = sent_version;
        }
        DUBAN_ASSIGN_OR_RETURN(
            int64_t version, store_->PutSchedule(plan_id, schedule, expected));
        v1::Schedule out = schedule;
        out.set_etag(EtagOf(version));
        return out;
      });
}

absl::StatusOr<v1::Schedule> ProgressDomain::GetSchedule(
    const v1::GetScheduleRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParseScheduleName("name", request.name()));
  DUBAN_ASSIGN_OR_RETURN(StoredSchedule stored, store_->GetSchedule(plan_id));
  stored.schedule.set_etag(EtagOf(stored.version));
  return stored.schedule;
}

// --- reports ----------------------------------------------------------------

absl::StatusOr<v1::Report> ProgressDomain::SubmitReport(
    const v1::SubmitReportRequest& request, const Principal* caller) {
  DUBAN_RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  DUBAN_ASSIGN_OR_RETURN(auto item_ids, ParseItemName("item", request.item()));
  const auto& [plan_id, item_id] = item_ids;
  DUBAN_ASSIGN_OR_RETURN(std::string unit_id,
                         ParseUnitId("unit", request.unit()));
  if (request.period().empty()) {
    return InvalidField("period", "", "required (e.g. \"2020-Q1\")");
  }
  if (request.status() == v1::REPORT_STATUS_UNSPECIFIED ||
      !v1::ReportStatus_IsValid(request.status())) {
    return InvalidField("status", absl::StrCat(request.status()),
                        "required: NOT_STARTED, ON_TRACK, AT_RISK, DELAYED "
                        "or COMPLETED");
  }
  if (request.percent_complete() < 0 || request.percent_complete() > 100) {
    return InvalidField("percent_complete",
                        absl::StrCat(request.percent_complete()),
                        "must be 0 to 100");
  }
  if (request.status() == v1::COMPLETED && request.percent_complete() != 100) {
    return InvalidField("percent_complete",
                        absl::StrCat(request.percent_complete()),
                        "must be 100 when status is COMPLETED");
  }
  DUBAN_RETURN_IF_ERROR(
      ValidateText("progress", request.progress(), kMaxProgressBytes, true));
  DUBAN_RETURN_IF_ERROR(
      ValidateText("problems", request.problems(), kMaxProblemsBytes, false));
  DUBAN_RETURN_IF_ERROR(ValidateText("next_steps", request.next_steps(),
                                     kMaxNextStepsBytes, false));
  DUBAN_RETURN_IF_ERROR(ValidateText("principal", request.principal(),
                                     kMaxPrincipalBytes, false));
  std::set<std::string> seen_ids;
  for (int i = 0; i < request.indicator_values_size(); ++i) {
    const v1::IndicatorValue& v = request.indicator_values(i);
    const std::string field = absl::StrCat("indicator_values[", i, "]");
    if (!seen_ids.insert(v.indicator_id()).second) {
      return InvalidField(absl::StrCat(field, ".indicator_id"),
                          v.indicator_id(), "given twice");
    }
    if (!std::isfinite(v.value())) {
      return InvalidField(absl::StrCat(field, ".value"),
                          absl::StrCat(v.value()), "must be a finite number");
    }
  }
  if (request.evidence_size() > kMaxEvidence) {
    return InvalidField("evidence", absl::StrCat(request.evidence_size()),
                        absl::StrCat("at most ", kMaxEvidence, " entries"));
  }
  for (int i = 0; i < request.evidence_size(); ++i) {
    DUBAN_RETURN_IF_ERROR(ValidateEvidence(i, request.evidence(i)));
  }

  // A retry is answered before the checks below, which the first attempt
  // may since have changed (a later revision, a new period).
  const std::string fingerprint = Fingerprint(request);
  const std::string scoped = absl::StrCat("submit:", request.request_id());
  const std::string report_id =
      absl::StrCat(item_id, "/", unit_id, "~", request.period());
  const SubmitKeys keys{plan_id,     item_id,
                        report_id,   scoped,
                        fingerprint, absl::StrCat(plan_id, "/", item_id)};
  SubmitStripeState& stripe = submit_stripes_[SubmitStripe(plan_id, item_id)];
  absl::MutexLock item_lock(&stripe.mu);
  // What this process left the item with, if anything: taken out, and put
  // back only when this write leaves the item as it computed.
  std::optional<KnownBriefs> known;
  if (auto it = stripe.known.find(keys.known_key); it != stripe.known.end()) {
    known = std::move(it->second);
    stripe.known.erase(it);
  }
  if (known) {
    std::optional<ProgressStore::SubmitContext> cached =
        ContextFromKnown(keys, *known);
    if (cached) {
      // No read: the write stores nothing (nullopt) when the item or the
      // schedule changed meanwhile. A check that fails is made again after
      // a real read below, which answers a retry before any check.
      absl::StatusOr<std::optional<v1::Report>> fast =
          SubmitAfterRead(request, caller, keys, *std::move(cached),
                          std::move(known->reports), true, stripe);
      if (fast.ok() && fast->has_value()) return **std::move(fast);
      if (absl::IsUnavailable(fast.status())) return fast.status();
      known.reset();
    }
  }
  // The request record, the schedule and the report, read at once.
  DUBAN_ASSIGN_OR_RETURN(
      ProgressStore::SubmitContext read,
      store_->ReadForSubmit(plan_id, scoped, fingerprint, report_id,
                            known ? known->version : -1));
  if (read.replay) return WithEtag(*std::move(read.replay));
  std::map<std::string, KnownReport> known_reports;
  if (read.briefs_unchanged && known) {
    read.item.briefs = std::move(known->briefs);
    known_reports = std::move(known->reports);
  }
  DUBAN_ASSIGN_OR_RETURN(
      std::optional<v1::Report> done,
      SubmitAfterRead(request, caller, keys, std::move(read),
                      std::move(known_reports), false, stripe));
  if (!done) return absl::InternalError("unconditional write found stale");
  return *std::move(done);
}

std::optional<ProgressStore::SubmitContext> ProgressDomain::ContextFromKnown(
    const SubmitKeys& keys, KnownBriefs& known) {
  const std::string name = ReportName(keys.plan_id, keys.report_id);
  auto brief = std::lower_bound(
      known.briefs.begin(), known.briefs.end(), name,
      [](const v1::Report& b, const std::string& n) { return b.name() < n; });
  const bool listed = brief != known.briefs.end() && brief->name() == name;
  auto report = known.reports.find(keys.report_id);
  if (listed != (report != known.reports.end())) return std::nullopt;
  ProgressStore::SubmitContext context;
  context.schedule = std::move(known.schedule);
  if (listed) {
    StoredReport& stored = context.report.emplace();
    stored.report = *brief;
    *stored.report.mutable_first_submitted() = report->second.first_submitted;
    stored.version = report->second.version;
  }
  context.item.item_id = keys.item_id;
  context.item.version = known.version;
  context.item.briefs = std::move(known.briefs);
  return context;
}

absl::StatusOr<std::optional<v1::Report>> ProgressDomain::SubmitAfterRead(
    const v1::SubmitReportRequest& request, const Principal* caller,
    const SubmitKeys& keys, ProgressStore::SubmitContext read,
    std::map<std::string, KnownReport> known_reports, bool speculative,
    SubmitStripeState& stripe) {
  const std::string& plan_id = keys.plan_id;
  const std::string& report_id = keys.report_id;
  DUBAN_ASSIGN_OR_RETURN(auto plan, GetPlan("item", plan_id));
  if (plan->plan.state() != pv1::Plan::ISSUED) {
    return absl::FailedPreconditionError(
        absl::StrCat("item: plan \"plans/", plan_id, "\" is ",
                     pv1::Plan::State_Name(plan->plan.state()),
                     "; reports are filed only on ISSUED plans"));
  }
  const pv1::Item* item = plan->FindItem(request.item());
  if (item == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("item: item \"", request.item(), "\" not found"));
  }
  if (!read.schedule) {
    // Worded once, in RequireSchedule.
    return RequireSchedule("item", plan_id).status();
  }
  const StoredSchedule& schedule = *read.schedule;
  const v1::Cadence cadence = schedule.schedule.cadence();
  DUBAN_ASSIGN_OR_RETURN(Period period,
                         ParsePeriod("period", request.period(), cadence));
  DUBAN_ASSIGN_OR_RETURN(ScheduleView periods, PeriodsOf(schedule.schedule));
  if (std::find(periods.periods.begin(), periods.periods.end(), period) ==
      periods.periods.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("period: \"", request.period(),
                     "\" is outside the schedule of plan "
                     "\"plans/",
                     plan_id, "\" (", schedule.schedule.first_period(), " to ",
                     schedule.schedule.last_period(), ")"));
  }
  const absl::CivilDay today = Today();
  if (today < PeriodStart(period)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "period: \"", request.period(), "\" has not begun (it starts on ",
        absl::FormatCivilTime(PeriodStart(period)), "; today is ",
        absl::FormatCivilTime(today), ")"));
  }
  std::optional<absl::Time> backdate;
  if (request.has_backdate_to()) {
    if (!allow_backdating_) {
      return absl::FailedPreconditionError(
          "backdate_to: this server does not accept backdated reports (it "
          "was started without --allow_backdated_reports)");
    }
    if (caller != nullptr &&
        !HoldsRoleInOrganization(*caller, Role::kAdministrator,
                                 plan->plan.issuing_organization())) {
      return absl::PermissionDeniedError(
          absl::StrCat("permission ", kBackdateReportsPermission, " denied"));
    }
    const auto& ts = request.backdate_to();
    if (ts.nanos() < 0 || ts.nanos() > 999999999) {
      return InvalidField("backdate_to", absl::StrCat(ts.seconds(), "s"),
                          "not a valid timestamp");
    }
    backdate = TimeOf(ts);
    const std::string shown = absl::FormatTime("%Y-%m-%d %H:%M:%S", *backdate,
                                               absl::FixedTimeZone(8 * 3600));
    if (*backdate > clock_()) {
      return InvalidField("backdate_to", shown, "is in the future");
    }
    if (ChinaDay(*backdate) < PeriodStart(period)) {
      return InvalidField(
          "backdate_to", shown,
          absl::StrCat("is before period ", request.period(), " begins (",
                       absl::FormatCivilTime(PeriodStart(period)), ")"));
    }
  }
  for (int i = 0; i < request.indicator_values_size(); ++i) {
    const std::string& id = request.indicator_values(i).indicator_id();
    std::vector<std::string> known;
    for (const auto& indicator : item->indicators()) {
      known.push_back(indicator.id());
    }
    if (std::find(known.begin(), known.end(), id) == known.end()) {
      return InvalidField(
          absl::StrCat("indicator_values[", i, "].indicator_id"), id,
          absl::StrCat("not an indicator of item \"", request.item(), "\" (",
                       known.empty() ? "it has none"
                                     : absl::StrCat("it has ",
                                                    absl::StrJoin(known, ", ")),
                       ")"));
    }
  }
  DUBAN_ASSIGN_OR_RETURN(Duties assigned,
                         assignments_->ItemAssignments(request.item()));
  if (!assigned->Holds(request.unit())) {
    DUBAN_ASSIGN_OR_RETURN(assigned,
                           assignments_->ItemAssignmentsFresh(request.item()));
    if (!assigned->Holds(request.unit())) {
      // Names the rule, not the data (as every PERMISSION_DENIED).
      return absl::PermissionDeniedError(
          "permission progress.reports.submit denied: the unit holds no "
          "active assignment on the item");
    }
  }

  const absl::CivilDay due =
      DueDate(period, schedule.schedule.due_days_after_period_end());
  // The report's version when the item's briefs were read: a write on a
  // version read later (after a conflict) leaves the health to
  // UpdateItemHealth.
  const int64_t read_version = read.report ? read.report->version : 0;
  // What the item's health is computed from, with the item's briefs read
  // before the write: the health after it goes into the same write.
  PlanView view;
  view.snapshot = plan;
  view.schedule = schedule.schedule;
  view.schedule_version = schedule.version;
  view.periods = periods;
  view.duties = std::move(assigned);
  bool prefetched = true;
  bool briefs_taken = false;
  // The item's briefs as the write that records the health leaves them.
  std::vector<v1::Report> written_briefs;
  auto attempt = [&]() -> absl::StatusOr<WriteResult> {
    int64_t version = 0;
    v1::Report report;
    // The report read with the schedule on the first attempt; after a
    // conflict, read again.
    std::optional<StoredReport> existing = std::move(read.report);
    read.report.reset();
    if (!prefetched) {
      auto again = store_->GetReport(plan_id, report_id);
      if (again.ok()) {
        existing = *std::move(again);
      } else if (again.status().code() != absl::StatusCode::kNotFound) {
        return again.status();
      }
    }
    prefetched = false;
    if (existing) {
      version = existing->version;
      report = std::move(existing->report);
    }
    const bool first = version == 0;
    const absl::Time now = clock_();
    const absl::Time submitted = backdate.value_or(now);
    if (backdate && !first &&
        *backdate < TimeOf(report.latest().submitted().time())) {
      return InvalidField(
          "backdate_to",
          absl::FormatTime("%Y-%m-%d %H:%M:%S", *backdate,
                           absl::FixedTimeZone(8 * 3600)),
          absl::StrCat("is before revision ", report.latest().number(),
                       " was submitted"));
    }
    v1::Revision rev;
    rev.set_number(report.revision_count() + 1);
    rev.set_name(absl::StrCat(ReportName(plan_id, report_id), "/revisions/",
                              rev.number()));
    rev.set_status(request.status());
    rev.set_percent_complete(request.percent_complete());
    rev.set_progress(request.progress());
    rev.set_problems(request.problems());
    rev.set_next_steps(request.next_steps());
    *rev.mutable_indicator_values() = request.indicator_values();
    *rev.mutable_evidence() = request.evidence();
    rev.mutable_submitted()->set_principal(request.principal());
    rev.mutable_submitted()->set_request_id(request.request_id());
    SetTimestamp(submitted, rev.mutable_submitted()->mutable_time());
    rev.set_backdated(backdate.has_value());
    rev.set_review_state(v1::PENDING_REVIEW);
    rev.set_late(due < ChinaDay(submitted));
    if (first) {
      report.set_name(ReportName(plan_id, report_id));
      report.set_plan(absl::StrCat("plans/", plan_id));
      report.set_item(request.item());
      report.set_unit(request.unit());
      report.set_period(request.period());
      *report.mutable_due_date() = ToDate(due);
      *report.mutable_first_submitted() = rev.submitted();
      report.set_submitted_late(rev.late());
    }
    report.set_revision_count(rev.number());
    *report.mutable_latest() = rev;

    ReportWrite write;
    write.plan_id = plan_id;
    write.report_id = report_id;
    write.expected_version = version;
    write.report = report;
    write.append_revision = true;
    write.request_id = keys.request_id;
    write.fingerprint = keys.fingerprint;
    if (speculative) {
      write.unchanged_since =
          ReportWrite::Unchanged{read.item.version, schedule.version};
    }
    v1::Event& event = write.event;
    event.set_type(first ? v1::Event::REPORT_SUBMITTED
                         : v1::Event::REPORT_REVISED);
    SetTimestamp(now, event.mutable_time());
    event.set_plan(report.plan());
    event.set_item(report.item());
    event.set_unit(report.unit());
    event.set_period(report.period());
    event.set_report(report.name());
    event.set_revision(rev.number());
    event.set_status(rev.status());
    event.set_principal(request.principal());
    if (version == read_version && !briefs_taken) {
      // The item's briefs as this write leaves them: the report's brief
      // in place of the one read, or added in report-id order. Taken once:
      // a later attempt leaves the health to UpdateItemHealth.
      briefs_taken = true;
      std::vector<v1::Report> briefs = std::move(read.item.briefs);
      const v1::Report brief = BriefOf(report);
      auto at = std::lower_bound(briefs.begin(), briefs.end(), brief,
                                 [](const v1::Report& a, const v1::Report& b) {
                                   return a.name() < b.name();
                                 });
      if (at != briefs.end() && at->name() == brief.name()) {
        *at = brief;
      } else {
        briefs.insert(at, brief);
      }
      const absl::CivilDay today = ChinaDay(now);
      const v1::ItemRollup rollup = RollUp(view, *item, briefs, today);
      written_briefs = std::move(briefs);
      HealthWrite& health = write.health.emplace();
      health.expected_item_version = read.item.version;
      health.health = rollup.health();
      health.event = HealthEvent(plan_id, *item, rollup.health());
      health.cache_entry =
          absl::StrCat(RollupKey(view, *item, read.item.version + 1, today),
                       rollup.SerializeAsString());
    }
    return store_->WriteReport(write);
  };
  DUBAN_ASSIGN_OR_RETURN(WriteResult result,
                         WithRetryOnConflict(kConflictAttempts, attempt));
  if (result.outcome == WriteOutcome::kStale) return std::nullopt;
  if (result.outcome == WriteOutcome::kApplied && !result.health_recorded) {
    // Another write reached the item meanwhile: read it again.
    UpdateItemHealth(plan_id, request.item(), &schedule);
  } else if (result.outcome == WriteOutcome::kApplied) {
    // The write moved the item's counter one past what was read, with the
    // briefs it computed.
    known_reports[report_id] = KnownReport{
        result.stored.version, result.stored.report.first_submitted()};
    if (stripe.known.size() >= kKnownBriefsPerStripe) stripe.known.clear();
    stripe.known[keys.known_key] =
        KnownBriefs{read.item.version + 1, std::move(written_briefs), schedule,
                    std::move(known_reports)};
  }
  return WithEtag(std::move(result.stored));
}

absl::StatusOr<v1::Report> ProgressDomain::ReviewReport(
    const v1::ReviewReportRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(auto ids, ParseReportName("name", request.name()));
  const auto& [plan_id, report_id] = ids;
  if (request.decision() != v1::ReviewReportRequest::ACCEPT &&
      request.decision() != v1::ReviewReportRequest::RETURN) {
    return InvalidField("decision", absl::StrCat(request.decision()),
                        "required: ACCEPT or RETURN");
  }
  DUBAN_RETURN_IF_ERROR(
      ValidateText("comment", request.comment(), kMaxCommentBytes,
                   request.decision() == v1::ReviewReportRequest::RETURN));
  DUBAN_RETURN_IF_ERROR(ValidateText("principal", request.principal(),
                                     kMaxPrincipalBytes, false));
  if (!request.etag().empty()) {
    DUBAN_RETURN_IF_ERROR(ParseEtag("etag", request.etag()).status());
  }
  std::string scoped, fingerprint;
  if (!request.request_id().empty()) {
    DUBAN_RETURN_IF_ERROR(
        ValidateRequestId("request_id", request.request_id()));
    scoped = absl::StrCat("review:", request.request_id());
    fingerprint = Fingerprint(request);
    DUBAN_ASSIGN_OR_RETURN(auto replay,
                           store_->FindRequest(plan_id, scoped, fingerprint));
    if (replay) return WithEtag(*std::move(replay));
  }
  auto attempt = [&]() -> absl::StatusOr<WriteResult> {
    DUBAN_ASSIGN_OR_RETURN(StoredReport stored,
                           store_->GetReport(plan_id, report_id));
    DUBAN_RETURN_IF_ERROR(
        CheckEtag("etag", request.etag(), stored.version,
                  absl::StrCat("report \"", request.name(), "\"")));
    v1::Report report = std::move(stored.report);
    v1::Revision* rev = report.mutable_latest();
    if (rev->review_state() != v1::PENDING_REVIEW) {
      return absl::FailedPreconditionError(absl::StrCat(
          "name: revision ", rev->number(), " of report \"", request.name(),
          "\" was already ", v1::ReviewState_Name(rev->review_state()),
          "; only a new revision can be reviewed"));
    }
    const absl::Time now = clock_();
    rev->set_review_state(request.decision() == v1::ReviewReportRequest::ACCEPT
                              ? v1::ACCEPTED
                              : v1::RETURNED);
    rev->mutable_reviewed()->set_principal(request.principal());
    rev->mutable_reviewed()->set_request_id(request.request_id());
    SetTimestamp(now, rev->mutable_reviewed()->mutable_time());
    rev->set_review_comment(request.comment());

    ReportWrite write;
    write.plan_id = plan_id;
    write.report_id = report_id;
    write.expected_version = stored.version;
    write.report = report;
    write.append_revision = false;
    write.request_id = scoped;
    write.fingerprint = fingerprint;
    v1::Event& event = write.event;
    event.set_type(v1::Event::REPORT_REVIEWED);
    SetTimestamp(now, event.mutable_time());
    event.set_plan(report.plan());
    event.set_item(report.item());
    event.set_unit(report.unit());
    event.set_period(report.period());
    event.set_report(report.name());
    event.set_revision(rev->number());
    event.set_review_state(rev->review_state());
    event.set_principal(request.principal());
    return store_->WriteReport(write);
  };
  DUBAN_ASSIGN_OR_RETURN(WriteResult result,
                         WithRetryOnConflict(kConflictAttempts, attempt));
  if (result.outcome == WriteOutcome::kApplied) {
    UpdateItemHealth(plan_id, result.stored.report.item());
  }
  return WithEtag(std::move(result.stored));
}

absl::StatusOr<v1::Report> ProgressDomain::GetReport(
    const v1::GetReportRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(auto ids, ParseReportName("name", request.name()));
  DUBAN_ASSIGN_OR_RETURN(StoredReport stored,
                         store_->GetReport(ids.first, ids.second));
  return WithEtag(std::move(stored));
}

absl::StatusOr<v1::ListReportsResponse> ProgressDomain::ListReports(
    const v1::ListReportsRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("parent", request.parent()));
  DUBAN_ASSIGN_OR_RETURN(int page_size,
                         PageSize(request.page_size(), 100, 1000));
  if (!request.item().empty()) {
    DUBAN_ASSIGN_OR_RETURN(auto item, ParseItemName("item", request.item()));
    if (item.first != plan_id) {
      return InvalidField("item", request.item(),
                          absl::StrCat("not an item of ", request.parent()));
    }
  }
  if (!request.unit().empty()) {
    DUBAN_RETURN_IF_ERROR(ParseUnitId("unit", request.unit()).status());
  }
  std::string after;
  if (!request.page_token().empty()) {
    DUBAN_ASSIGN_OR_RETURN(after, DecodePageToken(request.page_token()));
  }
  DUBAN_ASSIGN_OR_RETURN(std::vector<StoredReport> all,
                         store_->ListReports(plan_id));
  v1::ListReportsResponse response;
  for (StoredReport& stored : all) {
    const v1::Report& r = stored.report;
    if (!after.empty() && r.name() <= after) continue;
    if ((!request.item().empty() && r.item() != request.item()) ||
        (!request.unit().empty() && r.unit() != request.unit()) ||
        (!request.period().empty() && r.period() != request.period()) ||
        (request.status() != v1::REPORT_STATUS_UNSPECIFIED &&
         r.latest().status() != request.status()) ||
        (request.review_state() != v1::REVIEW_STATE_UNSPECIFIED &&
         r.latest().review_state() != request.review_state())) {
      continue;
    }
    if (response.reports_size() == page_size) {
      response.set_next_page_token(
          EncodePageToken(response.reports(page_size - 1).name()));
      break;
    }
    *response.add_reports() = WithEtag(std::move(stored));
  }
  std::sort(response.mutable_reports()->begin(),
            response.mutable_reports()->end(),
            [](const v1::Report& a, const v1::Report& b) {
              return a.name() < b.name();
            });
  return response;
}

absl::StatusOr<v1::ListRevisionsResponse> ProgressDomain::ListRevisions(
    const v1::ListRevisionsRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(auto ids, ParseReportName("parent", request.parent()));
  DUBAN_ASSIGN_OR_RETURN(int page_size,
                         PageSize(request.page_size(), 100, 1000));
  int after = 0;
  if (!request.page_token().empty()) {
    DUBAN_ASSIGN_OR_RETURN(std::string position,
                           DecodePageToken(request.page_token()));
    if (!absl::SimpleAtoi(position, &after) || after < 0) {
      return InvalidField("page_token", request.page_token(),
                          "not a token of this list");
    }
  }
  DUBAN_RETURN_IF_ERROR(store_->GetReport(ids.first, ids.second).status());
  DUBAN_ASSIGN_OR_RETURN(std::vector<v1::Revision> revisions,
                         store_->ListRevisions(ids.first, ids.second));
  v1::ListRevisionsResponse response;
  for (std::size_t i = after; i < revisions.size(); ++i) {
    if (response.revisions_size() == page_size) {
      response.set_next_page_token(EncodePageToken(absl::StrCat(i)));
      break;
    }
    *response.add_revisions() = std::move(revisions[i]);
  }
  return response;
}

// --- views ------------------------------------------------------------------

absl::StatusOr<ProgressDomain::PlanView> ProgressDomain::LoadPlanView(
    absl::string_view field, absl::string_view plan_id, bool with_reports,
    const StoredSchedule* schedule, absl::string_view only_item) {
  PlanView view;
  DUBAN_ASSIGN_OR_RETURN(view.snapshot, GetPlan(field, plan_id));
  StoredSchedule read;
  if (schedule == nullptr) {
    DUBAN_ASSIGN_OR_RETURN(read, RequireSchedule(field, plan_id));
    schedule = &read;
  }
  view.schedule = schedule->schedule;
  view.schedule_version = schedule->version;
  DUBAN_ASSIGN_OR_RETURN(view.periods, PeriodsOf(view.schedule));
  DUBAN_ASSIGN_OR_RETURN(
      view.duties,
      only_item.empty()
          ? assignments_->PlanAssignments(absl::StrCat("plans/", plan_id))
          : assignments_->ItemAssignments(only_item));
  if (with_reports) {
    std::vector<std::string> item_ids;
    for (const pv1::Item& item : view.snapshot->items) {
      item_ids.push_back(LastSegment(item.name()));
    }
    DUBAN_ASSIGN_OR_RETURN(view.items,
                           store_->ListItemBriefs(plan_id, item_ids));
    for (const ItemBriefs& item : view.items) {
      view.reports.insert(view.reports.end(), item.briefs.begin(),
                          item.briefs.end());
    }
  }
  return view;
}

v1::ItemRollup ProgressDomain::RollUp(const PlanView& view,
                                      const pv1::Item& item,
                                      const std::vector<v1::Report>& briefs,
                                      absl::CivilDay as_of) const {
  const std::vector<Duty>& duties = view.duties->Of(item.name());
  ItemFacts facts;
  facts.item = &item;
  facts.start = YearStart(view.snapshot->plan, view.periods);
  facts.deadline = DeadlineOf(item, facts.start);
  facts.as_of = as_of;
  for (const Duty& d : duties) {
    facts.units.push_back(d.unit);
    facts.unit_labels[d.unit] = d.printed_name;
  }
  for (const v1::Report& r : briefs) {
    if (r.item() == item.name()) facts.reports.push_back(&r);
  }
  facts.overdue =
      FindOverdue(duties, view.periods, IndexReports(briefs), as_of);
  return RollUpItem(facts);
}

std::string ProgressDomain::RollupKey(const PlanView& view,
                                      const pv1::Item& item,
                                      int64_t item_version,
                                      absl::CivilDay as_of) const {
  // Everything a rollup depends on: the rules (bump the prefix when they
  // change), the day, the item's reports, the schedule, the plan (items,
  // deadlines, targets) and who answers for the item.
  std::string key =
      absl::StrCat("r2|", absl::FormatCivilTime(as_of), "|", item_version, "|",
                   view.schedule_version, "|", view.snapshot->plan.etag());
  for (const Duty& d : view.duties->Of(item.name())) {
    absl::StrAppend(&key, "|", d.unit, "=", d.role);
  }
  key.push_back('\x1f');
  return key;
}

absl::StatusOr<v1::ListOverdueResponse> ProgressDomain::ListOverdue(
    const v1::ListOverdueRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("plan", request.plan()));
  if (!request.unit().empty()) {
    DUBAN_RETURN_IF_ERROR(ParseUnitId("unit", request.unit()).status());
  }
  DUBAN_ASSIGN_OR_RETURN(absl::CivilDay as_of, AsOf(request.as_of()));
  DUBAN_ASSIGN_OR_RETURN(PlanView view, LoadPlanView("plan", plan_id, true));
  std::vector<Duty> duties;
  for (const Duty& d : view.duties->all()) {
    if (request.unit().empty() || d.unit == request.unit()) duties.push_back(d);
  }
  const ReportIndex index = IndexReports(view.reports);
  v1::ListOverdueResponse response;
  for (v1::OverdueEntry& e : FindOverdue(duties, view.periods, index, as_of)) {
    if (const pv1::Item* item = view.snapshot->FindItem(e.item())) {
      e.set_item_title(item->title());
    }
    *response.add_entries() = std::move(e);
  }
  *response.mutable_as_of() = ToDate(as_of);
  return response;
}

absl::StatusOr<v1::GetScorecardResponse> ProgressDomain::GetScorecard(
    const v1::GetScorecardRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("plan", request.plan()));
  if (!request.unit().empty()) {
    DUBAN_RETURN_IF_ERROR(ParseUnitId("unit", request.unit()).status());
  }
  DUBAN_ASSIGN_OR_RETURN(absl::CivilDay as_of, AsOf(request.as_of()));
  DUBAN_ASSIGN_OR_RETURN(PlanView view, LoadPlanView("plan", plan_id, true));
  std::set<std::string> units;
  if (!request.unit().empty()) {
    units.insert(request.unit());
  } else {
    for (const Duty& d : view.duties->all()) units.insert(d.unit);
  }
  const ReportIndex index = IndexReports(view.reports);
  v1::GetScorecardResponse response;
  for (const std::string& unit : units) {
    *response.add_scorecards() =
        ScoreUnit(unit, view.duties->all(), view.periods, index, as_of);
  }
  *response.mutable_as_of() = ToDate(as_of);
  return response;
}

absl::StatusOr<v1::PlanRollup> ProgressDomain::GetPlanRollup(
    const v1::GetPlanRollupRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("plan", request.plan()));
  DUBAN_ASSIGN_OR_RETURN(absl::CivilDay as_of, AsOf(request.as_of()));
  DUBAN_ASSIGN_OR_RETURN(PlanView view, LoadPlanView("plan", plan_id, false));
  // Item rollups are cached in the store, keyed by what they were computed
  // from (RollupKey); only items whose key changed are computed again, from
  // the briefs of their reports.
  DUBAN_ASSIGN_OR_RETURN(RollupCache cache, store_->ReadRollupCache(plan_id));
  const std::vector<pv1::Item>& items = view.snapshot->items;
  std::vector<v1::ItemRollup> item_rollups(items.size());
  std::vector<std::string> keys(items.size());
  std::vector<std::size_t> stale;
  std::vector<std::string> stale_ids;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string id = LastSegment(items[i].name());
    auto version = cache.versions.find(id);
    keys[i] =
        RollupKey(view, items[i],
                  version == cache.versions.end() ? 0 : version->second, as_of);
    auto entry = cache.entries.find(id);
    if (entry != cache.entries.end() &&
        absl::StartsWith(entry->second, keys[i]) &&
        item_rollups[i].ParseFromArray(
            entry->second.data() + keys[i].size(),
            static_cast<int>(entry->second.size() - keys[i].size()))) {
      continue;
    }
    stale.push_back(i);
    stale_ids.push_back(id);
  }
  if (!stale.empty()) {
    DUBAN_ASSIGN_OR_RETURN(std::vector<ItemBriefs> briefs,
                           store_->ListItemBriefs(plan_id, stale_ids));
    std::vector<std::pair<std::string, std::string>> entries;
    for (std::size_t s = 0; s < stale.size(); ++s) {
      const std::size_t i = stale[s];
      item_rollups[i] = RollUp(view, items[i], briefs[s].briefs, as_of);
      // The key from the counter read with the briefs, which may be newer
      // than the one read with the cache.
      entries.emplace_back(
          stale_ids[s],
          absl::StrCat(RollupKey(view, items[i], briefs[s].version, as_of),
                       item_rollups[i].SerializeAsString()));
    }
    // Only today's rollups are kept: a look at another day must not push
    // out the one most callers ask for.
    if (as_of == Today()) {
      absl::Status cached = store_->WriteRollupCache(plan_id, entries);
      if (!cached.ok()) {
        Log(LogLevel::kWarning, "rollup cache not written",
            {{"plan", request.plan()}, {"error", cached.ToString()}});
      }
    }
  }

  v1::PlanRollup rollup;
  rollup.set_plan(request.plan());
  *rollup.mutable_as_of() = ToDate(as_of);
  std::map<std::string, v1::SectionRollup*> sections;
  for (const pv1::Section& s : view.snapshot->plan.sections()) {
    v1::SectionRollup* out = rollup.add_sections();
    out->set_section_id(s.id());
    out->set_label(s.label());
    out->set_title(s.title());
    sections[s.id()] = out;
  }
  v1::SectionRollup general;
  for (std::size_t i = 0; i < items.size(); ++i) {
    v1::ItemRollup& ir = item_rollups[i];
    auto it = sections.find(items[i].section_id());
    v1::SectionRollup* section = it == sections.end() ? &general : it->second;
    switch (ir.health()) {
      case v1::RED:
        section->set_red(section->red() + 1);
        rollup.set_red(rollup.red() + 1);
        break;
      case v1::AMBER:
        section->set_amber(section->amber() + 1);
        rollup.set_amber(rollup.amber() + 1);
        break;
      default:
        section->set_green(section->green() + 1);
        rollup.set_green(rollup.green() + 1);
        break;
    }
    section->set_health(WorseHealth(section->health(), ir.health()));
    *section->add_items() = std::move(ir);
  }
  if (general.items_size() > 0) *rollup.add_sections() = std::move(general);
  for (v1::SectionRollup& s : *rollup.mutable_sections()) {
    double sum = 0;
    for (const auto& ir : s.items()) sum += ir.percent_complete();
    s.set_average_percent(s.items_size() == 0 ? 0 : sum / s.items_size());
  }
  return rollup;
}

absl::Status ProgressDomain::RecordHealth(absl::string_view plan_id,
                                          const pv1::Item& item,
                                          const v1::ItemRollup& rollup,
                                          const std::string& key) {
  return store_
      ->RecordItemHealth(plan_id, LastSegment(item.name()), rollup.health(),
                         HealthEvent(plan_id, item, rollup.health()),
                         absl::StrCat(key, rollup.SerializeAsString()))
      .status();
}

v1::Event ProgressDomain::HealthEvent(absl::string_view plan_id,
                                      const pv1::Item& item,
                                      v1::Health health) const {
  v1::Event event;
  event.set_type(v1::Event::ITEM_HEALTH_CHANGED);
  SetTimestamp(clock_(), event.mutable_time());
  event.set_plan(absl::StrCat("plans/", plan_id));
  event.set_item(item.name());
  event.set_health(health);
  return event;
}

std::size_t ProgressDomain::SubmitStripe(absl::string_view plan_id,
                                         absl::string_view item_id) const {
  return absl::HashOf(plan_id, item_id) % kSubmitLockStripes;
}

void ProgressDomain::UpdateItemHealth(absl::string_view plan_id,
                                      absl::string_view item_name,
                                      const StoredSchedule* schedule) {
  auto status = [&]() -> absl::Status {
    DUBAN_ASSIGN_OR_RETURN(PlanView view, LoadPlanView("item", plan_id, false,
                                                       schedule, item_name));
    const pv1::Item* item = view.snapshot->FindItem(item_name);
    if (item == nullptr) return absl::OkStatus();
    DUBAN_ASSIGN_OR_RETURN(
        std::vector<ItemBriefs> briefs,
        store_->ListItemBriefs(plan_id, {LastSegment(item_name)}));
    const absl::CivilDay today = Today();
    return RecordHealth(plan_id, *item,
                        RollUp(view, *item, briefs[0].briefs, today),
                        RollupKey(view, *item, briefs[0].version, today));
  }();
  if (!status.ok()) {
    Log(LogLevel::kWarning, "item health not updated",
        {{"item", item_name}, {"error", status.ToString()}});
  }
}

absl::StatusOr<int> ProgressDomain::SweepOverdue() {
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> plans,
                         store_->ListSchedulePlans());
  const absl::CivilDay today = Today();
  int appended = 0;
  for (const std::string& plan_id : plans) {
    auto view = LoadPlanView("plan", plan_id, true);
    if (!view.ok()) continue;  // e.g. a deleted plan; the others go on
    const ReportIndex index = IndexReports(view->reports);
    for (const v1::OverdueEntry& e :
         FindOverdue(view->duties->all(), view->periods, index, today)) {
      std::string key = absl::StrCat(e.unit(), "|", e.item(), "|", e.period(),
                                     "|", v1::OverdueReason_Name(e.reason()));
      if (e.reason() == v1::RETURNED_NOT_RESUBMITTED) {
        auto it = index.find(ReportKey(e.unit(), e.item(), e.period()));
        if (it != index.end()) {
          absl::StrAppend(&key, "|", it->second->revision_count());
        }
      }
      v1::Event event;
      event.set_type(v1::Event::REPORT_OVERDUE);
      SetTimestamp(clock_(), event.mutable_time());
      event.set_plan(absl::StrCat("plans/", plan_id));
      event.set_item(e.item());
      event.set_unit(e.unit());
      event.set_period(e.period());
      event.set_report(e.report());
      event.set_overdue_reason(e.reason());
      DUBAN_ASSIGN_OR_RETURN(bool added,
                             store_->RecordOnce(plan_id, key, event));
      appended += added ? 1 : 0;
    }
    // Health moves with the calendar too (a report falls overdue, a
    // deadline passes), with no write to trigger it: record each item's
    // health as of today, so watchers hear of the change.
    for (std::size_t i = 0; i < view->items.size(); ++i) {
      const pv1::Item& item = view->snapshot->items[i];
      const ItemBriefs& briefs = view->items[i];
      DUBAN_RETURN_IF_ERROR(
          RecordHealth(plan_id, item, RollUp(*view, item, briefs.briefs, today),
                       RollupKey(*view, item, briefs.version, today)));
    }
  }
  return appended;
}

// --- watch ------------------------------------------------------------------

namespace {

// How often an organization's watch looks for newly scheduled plans.
constexpr absl::Duration kWatchMembersInterval = absl::Seconds(10);
constexpr absl::string_view kOrgCursorPrefix = "o1:";

std::string EncodeOrgCursor(const std::map<std::string, std::string>& cursors) {
  std::string out(kOrgCursorPrefix);
  bool first = true;
  for (const auto& [plan, cursor] : cursors) {
    if (cursor.empty()) continue;
    absl::StrAppend(&out, first ? "" : ",", plan, "@", cursor);
    first = false;
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> DecodeOrgCursor(
    absl::string_view cursor) {
  absl::string_view rest = cursor;
  if (!absl::ConsumePrefix(&rest, kOrgCursorPrefix)) {
    return InvalidField("cursor", cursor,
                        "is not a cursor of an organization's watch (it "
                        "starts \"o1:\"); a plan's cursor resumes only that "
                        "plan's watch");
  }
  std::map<std::string, std::string> cursors;
  if (rest.empty()) return cursors;
  for (absl::string_view part : absl::StrSplit(rest, ',')) {
    std::vector<absl::string_view> kv = absl::StrSplit(part, '@');
    if (kv.size() != 2 || !ValidateResourceId("cursor", kv[0]).ok() ||
        !ParseCursor("cursor", kv[1]).ok() ||
        !cursors.emplace(kv[0], kv[1]).second) {
      return InvalidField("cursor", cursor,
                          "is not a cursor this server gave out");
    }
  }
  return cursors;
}

// (ms, seq) of a stream cursor known to be well-formed.
std::pair<uint64_t, uint64_t> CursorOrder(absl::string_view cursor) {
  auto parsed = ParseCursor("cursor", cursor);
  return parsed.ok() ? *parsed : std::pair<uint64_t, uint64_t>(0, 0);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ProgressDomain::OrganizationPlans(
    absl::string_view organization) {
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> scheduled,
                         store_->ListSchedulePlans());
  std::vector<std::string> out;
  for (const std::string& plan_id : scheduled) {
    auto plan = plans_->GetPlan(absl::StrCat("plans/", plan_id));
    if (plan.status().code() == absl::StatusCode::kNotFound) continue;
    if (!plan.ok()) return plan.status();
    if ((*plan)->plan.issuing_organization() == organization) {
      out.push_back(plan_id);
    }
  }
  return out;
}

absl::StatusOr<ProgressDomain::WatchPosition> ProgressDomain::StartWatch(
    const v1::WatchEventsRequest& request) {
  if (request.plan().empty() == request.organization().empty()) {
    return InvalidField("plan", request.plan(),
                        "exactly one of plan and organization must be set");
  }
  WatchPosition position;
  const std::string& cursor = request.cursor();
  if (!request.organization().empty()) {
    DUBAN_RETURN_IF_ERROR(
        ParseOrganizationName("organization", request.organization()).status());
    position.organization = request.organization();
    std::map<std::string, std::string> given;
    if (!cursor.empty() && cursor != "$") {
      DUBAN_ASSIGN_OR_RETURN(given, DecodeOrgCursor(cursor));
    }
    DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> members,
                           OrganizationPlans(request.organization()));
    position.members_listed = clock_();
    for (const std::string& plan_id : members) {
      std::string& at = position.cursors[plan_id];
      if (cursor == "$") {
        DUBAN_ASSIGN_OR_RETURN(at, store_->LastCursor(plan_id));
      } else if (auto it = given.find(plan_id); it != given.end()) {
        at = it->second;
      }
    }
    return position;
  }
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("plan", request.plan()));
  DUBAN_RETURN_IF_ERROR(GetPlan("plan", plan_id).status());
  std::string& at = position.cursors[plan_id];
  if (cursor == "$") {
    DUBAN_ASSIGN_OR_RETURN(at, store_->LastCursor(plan_id));
  } else if (absl::StartsWith(cursor, kOrgCursorPrefix)) {
    return InvalidField("cursor", cursor,
                        "is a cursor of an organization's watch; a plan's "
                        "watch resumes from one of its own events' cursors");
  } else if (!cursor.empty()) {
    DUBAN_RETURN_IF_ERROR(ParseCursor("cursor", cursor).status());
    at = cursor;
  }
  return position;
}

absl::StatusOr<std::vector<v1::Event>> ProgressDomain::ReadWatch(
    WatchPosition* position, int limit, absl::Duration wait) {
  if (!position->organization.empty() &&
      clock_() - position->members_listed >= kWatchMembersInterval) {
    // Plans scheduled since are followed from their first event.
    DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> members,
                           OrganizationPlans(position->organization));
    position->members_listed = clock_();
    for (const std::string& plan_id : members) position->cursors[plan_id];
  }
  std::vector<ProgressStore::Feed> feeds;
  for (const auto& [plan_id, cursor] : position->cursors) {
    feeds.push_back({plan_id, cursor});
  }
  DUBAN_ASSIGN_OR_RETURN(auto read, store_->ReadFeeds(feeds, limit, wait));
  // Merge by cursor (the time each was stored); each feed is in order
  // already. Events beyond `limit` are read again next time.
  std::vector<std::pair<std::size_t, v1::Event*>> merged;
  for (std::size_t f = 0; f < read.size(); ++f) {
    for (v1::Event& e : read[f]) merged.emplace_back(f, &e);
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const auto& a, const auto& b) {
                     return CursorOrder(a.second->cursor()) <
                            CursorOrder(b.second->cursor());
                   });
  if (static_cast<int>(merged.size()) > limit) merged.resize(limit);
  std::vector<v1::Event> out;
  out.reserve(merged.size());
  for (auto& [f, event] : merged) {
    position->cursors[feeds[f].plan_id] = event->cursor();
    if (!position->organization.empty()) {
      event->set_cursor(EncodeOrgCursor(position->cursors));
    }
    out.push_back(std::move(*event));
  }
  return out;
}

}  // namespace duban::progress
