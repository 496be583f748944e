// The progress service's storage interface. The domain
// (progress_domain.h) talks only to this; MemoryProgressStore backs the
// domain unit tests and RedisProgressStore the running service. One shared
// suite (tests/integration/progress_store_test.cc) runs against both.
//
// Everything of one plan (schedule, reports, revisions, request records,
// item health, overdue marks and the event feed) is stored together, so
// each write is atomic and carries its event: a stored report always has
// its event on the feed, and an event never names a report not stored.
#ifndef DUBAN_SERVICES_PROGRESS_STORE_H_
#define DUBAN_SERVICES_PROGRESS_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "duban/progress/v1/progress.pb.h"

namespace duban::progress {

struct StoredSchedule {
  v1::Schedule schedule;  // etag not set
  int64_t version = 0;
};

struct StoredReport {
  v1::Report report;  // etag not set
  int64_t version = 0;
};

// What a conditional write found.
enum class WriteOutcome {
  kApplied,   // stored now
  kReplayed,  // the same request id and body were applied before
  kStale      // ReportWrite.unchanged_since no longer held: nothing written
};

// The item's health as a report write leaves it, recorded in the same step
// as the write (see ProgressStore::RecordItemHealth) when the item is still
// at `expected_item_version`, i.e. no other write reached the item since
// its briefs were read; otherwise left out (WriteResult.health_recorded
// false) for the caller to record after.
struct HealthWrite {
  int64_t expected_item_version = 0;
  v1::Health health = v1::HEALTH_UNSPECIFIED;
  // previous_health is set by the store.
  v1::Event event;
  std::string cache_entry;
};

// One atomic change to a report: the report replaced, a revision appended
// (submission) or the last revision replaced (review), the request id
// recorded with the answer, and `event` appended to the plan's feed.
struct ReportWrite {
  std::string plan_id;
  // "<item id>/<unit id>~<period>".
  std::string report_id;
  // The report's version as read; 0 when it must not exist yet.
  int64_t expected_version = 0;
  // The report as it is to be stored (etag not set); its `latest` is the
  // revision appended or replaced.
  v1::Report report;
  bool append_revision = true;
  // When request_id is set: kReplayed (with the answer first stored) if it
  // was applied before with the same fingerprint, INVALID_ARGUMENT with
  // another — checked before the version; recorded on success.
  // request_id carries its scope ("submit:<id>", "review:<id>").
  std::string request_id;
  std::string fingerprint;
  v1::Event event;
  // Optional: the item's health after this write.
  std::optional<HealthWrite> health;
  // Optional: the write applies only while the report's item is still at
  // `item_version` (its change counter, which every report write bumps)
  // and the plan's schedule at `schedule_version`: the state a caller's
  // cached copy was taken at. Otherwise nothing is written and the outcome
  // is kStale. A request id seen before is answered first.
  struct Unchanged {
    int64_t item_version = 0;
    int64_t schedule_version = 0;
  };
  std::optional<Unchanged> unchanged_since;
};

// What the derived views (overdue, scorecards, health) keep of a report:
// all of it but the latest revision's texts and evidence, which can run to
// tens of kilobytes and which no rule reads. See BriefOf.
//
// The briefs of one item's reports, ordered by report id, with the item's
// change counter: every write to one of the item's reports bumps it.
struct ItemBriefs {
  std::string item_id;
  int64_t version = 0;
  std::vector<v1::Report> briefs;
};

// What GetPlanRollup reuses: each item's change counter (items with no
// report absent) and each item's cached rollup entry as last written
// (opaque to the store; the domain keys it by what it was computed from).
struct RollupCache {
  absl::flat_hash_map<std::string, int64_t> versions;
  absl::flat_hash_map<std::string, std::string> entries;
};

struct WriteResult {
  WriteOutcome outcome = WriteOutcome::kApplied;
  // The report as stored by this write, or by the first one for kReplayed.
  StoredReport stored;
  // The event's cursor (kApplied only).
  std::string cursor;
  // Whether ReportWrite.health was recorded (kApplied only).
  bool health_recorded = false;
};

class ProgressStore {
 public:
  virtual ~ProgressStore() = default;

  // NOT_FOUND when the plan has no schedule.
  virtual absl::StatusOr<StoredSchedule> GetSchedule(
      absl::string_view plan_id) = 0;
  // Creates or replaces the schedule; returns the new version. When
  // `expected_version` is set the stored version must equal it (0: there
  // must be none), else ABORTED.
  virtual absl::StatusOr<int64_t> PutSchedule(
      absl::string_view plan_id, const v1::Schedule& schedule,
      std::optional<int64_t> expected_version) = 0;
  // Ids of the plans that have a schedule, ascending.
  virtual absl::StatusOr<std::vector<std::string>> ListSchedulePlans() = 0;

  // The answer first stored under `request_id` (scoped, as in ReportWrite):
  // nullopt when unseen, INVALID_ARGUMENT when seen with another
  // fingerprint. Lets a retry be answered before it is re-validated;
  // WriteReport checks again atomically.
  virtual absl::StatusOr<std::optional<StoredReport>> FindRequest(
      absl::string_view plan_id, absl::string_view request_id,
      absl::string_view fingerprint) = 0;

  // What a submission reads before it writes, in one step: the answer to
  // a request id seen before (FindRequest), the plan's schedule (nullopt
  // when none), the report as stored (nullopt when none) and the briefs of
  // the report's item (ListItemBriefs of ItemIdOf(report_id)). The default
  // reads them one by one.
  //
  // `known_item_version` (>= 0) is the item's change counter of briefs the
  // caller already holds: while the item is still at that version, a store
  // may leave item.briefs empty and set briefs_unchanged instead of
  // reading them again.
  struct SubmitContext {
    std::optional<StoredReport> replay;
    std::optional<StoredSchedule> schedule;
    std::optional<StoredReport> report;
    ItemBriefs item;
    bool briefs_unchanged = false;
  };
  virtual absl::StatusOr<SubmitContext> ReadForSubmit(
      absl::string_view plan_id, absl::string_view request_id,
      absl::string_view fingerprint, absl::string_view report_id,
      int64_t known_item_version = -1);

  // Applies `write` atomically (see ReportWrite). ABORTED when the version
  // does not match.
  virtual absl::StatusOr<WriteResult> WriteReport(const ReportWrite& write) = 0;

  // NOT_FOUND when there is no such report.
  virtual absl::StatusOr<StoredReport> GetReport(
      absl::string_view plan_id, absl::string_view report_id) = 0;
  // Every report of the plan ordered by report id, one snapshot.
  virtual absl::StatusOr<std::vector<StoredReport>> ListReports(
      absl::string_view plan_id) = 0;
  // The revisions of a report, oldest first (empty when none).
  virtual absl::StatusOr<std::vector<v1::Revision>> ListRevisions(
      absl::string_view plan_id, absl::string_view report_id) = 0;

  // The briefs of the reports on each of `item_ids` (item ids, not names),
  // in the order asked; each item is one snapshot: its counter and briefs
  // agree.
  virtual absl::StatusOr<std::vector<ItemBriefs>> ListItemBriefs(
      absl::string_view plan_id, const std::vector<std::string>& item_ids) = 0;
  // The item counters and cached rollup entries of the plan. The counters
  // are read before the entries, so an entry never looks newer than it is.
  virtual absl::StatusOr<RollupCache> ReadRollupCache(
      absl::string_view plan_id) = 0;
  // Replaces the cached rollup entries of the given items.
  virtual absl::Status WriteRollupCache(
      absl::string_view plan_id,
      const std::vector<std::pair<std::string, std::string>>& entries) = 0;

  // Records an item's health. When it differs from the one recorded (or
  // none was), appends `event` with previous_health set to the recorded one
  // and answers true; otherwise changes nothing and answers false. A
  // non-empty `cache_entry` replaces the item's cached rollup entry in the
  // same step.
  virtual absl::StatusOr<bool> RecordItemHealth(
      absl::string_view plan_id, absl::string_view item_id, v1::Health health,
      v1::Event event, absl::string_view cache_entry = "") = 0;
  // Appends `event` once per `key`: true the first time, false after.
  virtual absl::StatusOr<bool> RecordOnce(absl::string_view plan_id,
                                          absl::string_view key,
                                          const v1::Event& event) = 0;

  // Events of each plan in `feeds` after its cursor (empty: from the
  // start), at most `limit` per plan, each with its cursor set, oldest
  // first; one list per feed, in the order given. When there are none yet
  // on any of them, waits up to `wait` for one (0: answers at once).
  // INVALID_ARGUMENT naming "cursor" for a malformed cursor.
  struct Feed {
    std::string plan_id;
    std::string cursor;
  };
  virtual absl::StatusOr<std::vector<std::vector<v1::Event>>> ReadFeeds(
      const std::vector<Feed>& feeds, int limit, absl::Duration wait) = 0;
  // ReadFeeds of one plan.
  absl::StatusOr<std::vector<v1::Event>> ReadEvents(absl::string_view plan_id,
                                                    absl::string_view cursor,
                                                    int limit,
                                                    absl::Duration wait);
  // The cursor of the plan's newest event ("0-0" when none).
  virtual absl::StatusOr<std::string> LastCursor(absl::string_view plan_id) = 0;

  // OK while the backing store answers.
  virtual absl::Status Ping() = 0;
};

// Cursors are stream entry ids, "<ms>-<seq>"; INVALID_ARGUMENT naming
// `field` otherwise. Returns (ms, seq).
absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseCursor(
    absl::string_view field, absl::string_view cursor);

// The errors both stores report, worded once.
absl::Status ReportNotFound(absl::string_view plan_id,
                            absl::string_view report_id);
absl::Status ReportChanged(absl::string_view plan_id,
                           absl::string_view report_id);
absl::Status ScheduleNotFound(absl::string_view plan_id);
absl::Status ScheduleChanged(absl::string_view plan_id);
absl::Status RequestIdReused(absl::string_view request_id);

// The brief of a report (see ItemBriefs): the report without
// first_submitted, and its latest revision without its name, texts,
// evidence, review and the submitter's principal and request id.
v1::Report BriefOf(const v1::Report& report);
// The item id of a report id ("<item id>/<unit id>~<period>").
absl::string_view ItemIdOf(absl::string_view report_id);

// "plans/{plan}/items/{item}/reports/{report}" of a report id.
std::string ReportName(absl::string_view plan_id, absl::string_view report_id);

}  // namespace duban::progress

#endif  // DUBAN_SERVICES_PROGRESS_STORE_H_
