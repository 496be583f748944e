// The progress service's rules, apart from gRPC and Redis: validation of
// schedules and reports, who may report on what (asked of the plan and unit
// services through directory.h), idempotent submission with revisions,
// review with etags, the derived views (health.h) and the event feed. Each
// method takes the contract's request and answers its response or a status
// whose message names the offending field and value.
#ifndef DUBAN_SERVICES_PROGRESS_PROGRESS_DOMAIN_H_
#define DUBAN_SERVICES_PROGRESS_PROGRESS_DOMAIN_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/permissions.h"
#include "duban/progress/v1/progress_service.pb.h"
#include "services/progress/directory.h"
#include "services/progress/health.h"
#include "services/progress/store.h"

namespace duban::progress {

// Text limits, in bytes of UTF-8.
inline constexpr std::size_t kMaxProgressBytes = 20000;
inline constexpr std::size_t kMaxProblemsBytes = 10000;
inline constexpr std::size_t kMaxNextStepsBytes = 10000;
inline constexpr std::size_t kMaxPrincipalBytes = 200;
inline constexpr std::size_t kMaxCommentBytes = 2000;
inline constexpr std::size_t kMaxEvidenceUriBytes = 2048;
inline constexpr std::size_t kMaxEvidenceTitleBytes = 200;
inline constexpr int kMaxEvidence = 20;
inline constexpr int kMaxSchedulePeriods = 60;

class ProgressDomain {
 public:
  using Clock = std::function<absl::Time()>;

  // Everything must outlive the domain.
  ProgressDomain(ProgressStore* store, PlanDirectory* plans,
                 UnitAssignments* assignments, Clock clock = absl::Now);

  // Whether SubmitReport accepts backdate_to (historical imports and the
  // demo); off unless the server is started with
  // --allow_backdated_reports.
  void set_allow_backdating(bool allow) { allow_backdating_ = allow; }

  absl::StatusOr<v1::Schedule> SetSchedule(
      const v1::SetScheduleRequest& request);
  absl::StatusOr<v1::Schedule> GetSchedule(
      const v1::GetScheduleRequest& request);

  // `caller`: the principal when authentication is on (null when off);
  // backdate_to then needs an ADMINISTRATOR of the plan's organization or
  // "*" (PERMISSION_DENIED naming kBackdateReportsPermission).
  absl::StatusOr<v1::Report> SubmitReport(
      const v1::SubmitReportRequest& request,
      const Principal* caller = nullptr);
  absl::StatusOr<v1::Report> ReviewReport(
      const v1::ReviewReportRequest& request);
  absl::StatusOr<v1::Report> GetReport(const v1::GetReportRequest& request);
  absl::StatusOr<v1::ListReportsResponse> ListReports(
      const v1::ListReportsRequest& request);
  absl::StatusOr<v1::ListRevisionsResponse> ListRevisions(
      const v1::ListRevisionsRequest& request);

  absl::StatusOr<v1::ListOverdueResponse> ListOverdue(
      const v1::ListOverdueRequest& request);
  absl::StatusOr<v1::GetScorecardResponse> GetScorecard(
      const v1::GetScorecardRequest& request);
  absl::StatusOr<v1::PlanRollup> GetPlanRollup(
      const v1::GetPlanRollupRequest& request);

  // WatchEvents, in two steps: StartWatch validates the request and answers
  // where to read from ("$" resolved to the newest events); ReadWatch is
  // then called until the client leaves, and advances the position past the
  // events it answers.
  struct WatchPosition {
    // organizations/{org}; empty when one plan is watched.
    std::string organization;
    // Plan id → cursor of the last event answered ("" when none yet).
    std::map<std::string, std::string> cursors;
    // When the organization's plans were last listed.
    absl::Time members_listed;
  };
  absl::StatusOr<WatchPosition> StartWatch(
      const v1::WatchEventsRequest& request);
  absl::StatusOr<std::vector<v1::Event>> ReadWatch(WatchPosition* position,
                                                   int limit,
                                                   absl::Duration wait);

  // Appends a REPORT_OVERDUE event for every overdue (unit, item, period)
  // of every plan with a schedule, as of today, once each (per revision for
  // returned reports). Answers how many were appended. Run periodically by
  // progress-server; safe to run on every replica at once.
  absl::StatusOr<int> SweepOverdue();

 private:
  // What the views need of a plan.
  struct PlanView {
    std::shared_ptr<const PlanSnapshot> snapshot;
    v1::Schedule schedule;
    int64_t schedule_version = 0;
    ScheduleView periods;
    // Who answers for what: the plan's duties, or one item's.
    Duties duties;
    // Only when loaded with reports: the briefs of every item's reports,
    // per item in plan order, and all of them in one list.
    std::vector<ItemBriefs> items;
    std::vector<v1::Report> reports;
  };
  // `schedule`, when given, is used instead of reading it again; with
  // `only_item` (an item name) the duties are that item's alone.
  absl::StatusOr<PlanView> LoadPlanView(
      absl::string_view field, absl::string_view plan_id, bool with_reports,
      const StoredSchedule* schedule = nullptr,
      absl::string_view only_item = "");
  // The plan snapshot; NOT_FOUND worded for `field`.
  absl::StatusOr<std::shared_ptr<const PlanSnapshot>> GetPlan(
      absl::string_view field, absl::string_view plan_id);
  absl::StatusOr<StoredSchedule> RequireSchedule(absl::string_view field,
                                                 absl::string_view plan_id);
  // as_of when set (validated), else today.
  absl::StatusOr<absl::CivilDay> AsOf(const type::v1::Date& date);
  absl::CivilDay Today() const;
  // The ids of the scheduled plans issued by `organization`, ascending.
  absl::StatusOr<std::vector<std::string>> OrganizationPlans(
      absl::string_view organization);
  // The rollup of `item` from the briefs of its reports, as of `as_of`.
  v1::ItemRollup RollUp(const PlanView& view, const plan::v1::Item& item,
                        const std::vector<v1::Report>& briefs,
                        absl::CivilDay as_of) const;
  // What a cached item rollup was computed from; an entry is reused only
  // when its key matches (see GetPlanRollup).
  std::string RollupKey(const PlanView& view, const plan::v1::Item& item,
                        int64_t item_version, absl::CivilDay as_of) const;
  // Recomputes the item's health as of today and records it (with its
  // event when it changed) and its cached rollup. Best effort: a failure
  // is logged; the next write or sweep catches up.
  void UpdateItemHealth(absl::string_view plan_id, absl::string_view item,
                        const StoredSchedule* schedule = nullptr);
  // The ITEM_HEALTH_CHANGED event of `item` now at `health`.
  v1::Event HealthEvent(absl::string_view plan_id, const plan::v1::Item& item,
                        v1::Health health) const;
  // Records `rollup` as the item's health and cache entry for today.
  absl::Status RecordHealth(absl::string_view plan_id,
                            const plan::v1::Item& item,
                            const v1::ItemRollup& rollup,
                            const std::string& key);

  // Submissions to one item take turns in this process, from reading the
  // item's briefs to writing: a write computes the item's health from what
  // it read, and a concurrent write to the same item would make it fall
  // back to reading the item again (UpdateItemHealth). Replicas still race;
  // the fallback covers them. Striped by item, so unrelated items rarely
  // wait on each other.
  std::size_t SubmitStripe(absl::string_view plan_id,
                           absl::string_view item_id) const;
  // What a submission left an item with, by "plan/item", per stripe and
  // guarded by the stripe's lock. The next submission to the item reuses
  // it while the item's counter still says so: it skips its read when it
  // also knows the report's version (the write then requires the item and
  // the schedule unchanged, ReportWrite::unchanged_since), or reads only
  // the report (ReadForSubmit's known_item_version).
  struct KnownReport {
    int64_t version = 0;
    type::v1::Actor first_submitted;  // which the brief leaves out
  };
  struct KnownBriefs {
    int64_t version = 0;
    std::vector<v1::Report> briefs;
    // The schedule the write was checked against.
    StoredSchedule schedule;
    // Those of the item's reports whose version this process knows.
    std::map<std::string, KnownReport> reports;
  };
  static constexpr std::size_t kSubmitLockStripes = 64;
  // Entries per stripe before the stripe's entries are dropped.
  static constexpr std::size_t kKnownBriefsPerStripe = 64;
  struct SubmitStripeState {
    absl::Mutex mu;
    std::map<std::string, KnownBriefs> known ABSL_GUARDED_BY(mu);
  };
  // The names one submission goes by.
  struct SubmitKeys {
    std::string plan_id;
    std::string item_id;
    std::string report_id;   // "<item>/<unit>~<period>"
    std::string request_id;  // scoped: "submit:<id>"
    std::string fingerprint;
    std::string known_key;  // "plan/item"
  };
  // What the read would answer, from `known`; nullopt when it cannot say
  // (the report is listed but its version is not known here). Takes the
  // briefs and the schedule out of `known` when it answers.
  static std::optional<ProgressStore::SubmitContext> ContextFromKnown(
      const SubmitKeys& keys, KnownBriefs& known);
  // SubmitReport after its read (`read`; taken from KnownBriefs when
  // `speculative`) under the item's stripe lock: the checks, the write and
  // what the stripe then knows. nullopt when a speculative write found the
  // item or the schedule changed and wrote nothing.
  absl::StatusOr<std::optional<v1::Report>> SubmitAfterRead(
      const v1::SubmitReportRequest& request, const Principal* caller,
      const SubmitKeys& keys, ProgressStore::SubmitContext read,
      std::map<std::string, KnownReport> known_reports, bool speculative,
      SubmitStripeState& stripe) ABSL_EXCLUSIVE_LOCKS_REQUIRED(stripe.mu);

  ProgressStore* const store_;
  PlanDirectory* const plans_;
  UnitAssignments* const assignments_;
  const Clock clock_;
  bool allow_backdating_ = false;
  SubmitStripeState submit_stripes_[kSubmitLockStripes];
};

// "plans/{plan}/items/{item}/reports/{unit}~{period}" → (plan id, report
// id "<item>/<unit>~<period>").
absl::StatusOr<std::pair<std::string, std::string>> ParseReportName(
    absl::string_view field, absl::string_view name);
// "organizations/{org}/units/{unit}" → unit id.
absl::StatusOr<std::string> ParseUnitId(absl::string_view field,
                                        absl::string_view name);

}  // namespace duban::progress

#endif  // DUBAN_SERVICES_PROGRESS_PROGRESS_DOMAIN_H_
