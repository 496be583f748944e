// ProgressStore on Redis. Layout (<ns> is "duban:progress"; every key of one
// plan shares the hash tag {plan:<plan id>}, so each script stays within
// one cluster slot; <r> is a report id, "<item id>/<unit id>~<period>"):
//   <ns>:{plan:<p>}:schedule   HASH pb → Schedule bytes, v → version
//   <ns>:{plan:<p>}:reports    HASH <r> → Report bytes (latest revision
//                                   embedded)
//   <ns>:{plan:<p>}:reportv    HASH <r> → report version
//   <ns>:{plan:<p>}:rev:<r>    LIST Revision bytes; revision n at index n-1
//   <ns>:{plan:<p>}:req        HASH <scope>:<request id> → fingerprint \x1f
//                                   version \x1f Report bytes (the answer
//                                   first given)
//   <ns>:{plan:<p>}:brief:<i>  HASH <r> → the report's brief (BriefOf) for
//                                   each report on item <i>
//   <ns>:{plan:<p>}:itemv      HASH <item id> → change counter, bumped by
//                                   every write to one of its reports
//   <ns>:{plan:<p>}:rollup     HASH <item id> → cached rollup entry
//                                   (written by the domain)
//   <ns>:{plan:<p>}:health     HASH <item id> → Health number
//   <ns>:{plan:<p>}:once       HASH <key> → 1 (overdue events sent)
//   <ns>:{plan:<p>}:events     STREAM the plan's event feed: field pb →
//                                   Event bytes (cursor unset); the entry
//                                   id is the cursor; trimmed to about
//                                   100000 entries
//   <ns>:schedules             SET  ids of plans with a schedule (its own
//                                   slot; added after the schedule is
//                                   written, so it never misses one)
// A submission or review is one Lua script (with, for a submission whose
// item nobody wrote to since it was read, the item's health as it leaves
// it): the request check, the version
// check, the report, its revision, its brief, the item counter, the request
// record and the XADD of its event, so an acknowledged write always has its
// event on the feed. Item health and overdue marks are one script each, with
// their event.
//
// Watchers block in XREAD on connections of `watch_pool` (when given), so a
// slow feed never holds the pool the calls use.
#ifndef DUBAN_SERVICES_PROGRESS_REDIS_STORE_H_
#define DUBAN_SERVICES_PROGRESS_REDIS_STORE_H_

#include <string>
#include <vector>

#include "common/redis.h"
#include "services/progress/store.h"

namespace duban::progress {

class RedisProgressStore : public ProgressStore {
 public:
  // The pools must outlive the store; `watch_pool` may be null (then
  // blocking reads use `pool`). `ns` prefixes every key.
  explicit RedisProgressStore(RedisPool* pool, RedisPool* watch_pool = nullptr,
                              std::string ns = "duban:progress");

  absl::StatusOr<StoredSchedule> GetSchedule(
      absl::string_view plan_id) override;
  absl::StatusOr<int64_t> PutSchedule(
      absl::string_view plan_id, const v1::Schedule& schedule,
      std::optional<int64_t> expected_version) override;
  absl::StatusOr<std::vector<std::string>> ListSchedulePlans() override;
  absl::StatusOr<std::optional<StoredReport>> FindRequest(
      absl::string_view plan_id, absl::string_view request_id,
      absl::string_view fingerprint) override;
  absl::StatusOr<SubmitContext> ReadForSubmit(
      absl::string_view plan_id, absl::string_view request_id,
      absl::string_view fingerprint, absl::string_view report_id,
      int64_t known_item_version = -1) override;
  absl::StatusOr<WriteResult> WriteReport(const ReportWrite& write) override;
  absl::StatusOr<StoredReport> GetReport(absl::string_view plan_id,
                                         absl::string_view report_id) override;
  absl::StatusOr<std::vector<StoredReport>> ListReports(
      absl::string_view plan_id) override;
  absl::StatusOr<std::vector<v1::Revision>> ListRevisions(
      absl::string_view plan_id, absl::string_view report_id) override;
  absl::StatusOr<std::vector<ItemBriefs>> ListItemBriefs(
      absl::string_view plan_id,
      const std::vector<std::string>& item_ids) override;
  absl::StatusOr<RollupCache> ReadRollupCache(
      absl::string_view plan_id) override;
  absl::Status WriteRollupCache(
      absl::string_view plan_id,
      const std::vector<std::pair<std::string, std::string>>& entries) override;
  absl::StatusOr<bool> RecordItemHealth(
      absl::string_view plan_id, absl::string_view item_id, v1::Health health,
      v1::Event event, absl::string_view cache_entry = "") override;
  absl::StatusOr<bool> RecordOnce(absl::string_view plan_id,
                                  absl::string_view key,
                                  const v1::Event& event) override;
  absl::StatusOr<std::vector<std::vector<v1::Event>>> ReadFeeds(
      const std::vector<Feed>& feeds, int limit, absl::Duration wait) override;
  absl::StatusOr<std::string> LastCursor(absl::string_view plan_id) override;
  absl::Status Ping() override;

  // Builds the briefs and item counters of a plan whose reports were
  // stored before they were kept (a store written by an older release);
  // does nothing when the plan has counters already. Answers how many
  // reports it covered. Safe while submissions run.
  absl::StatusOr<int> BackfillBriefs(absl::string_view plan_id);

 private:
  // <ns>:{plan:<plan id>}:<suffix>
  std::string Key(absl::string_view plan_id, absl::string_view suffix) const;
  // Appends MULTI, HGET itemv, HGETALL brief:<item>, EXEC: the item's
  // counter and briefs as one snapshot, for BriefsOf on the EXEC answer.
  void AppendItemBriefsRead(
      absl::string_view plan_id, absl::string_view item_id,
      std::vector<std::vector<std::string>>* commands) const;

  RedisPool* const pool_;
  RedisPool* const watch_pool_;
  const std::string ns_;
};

}  // namespace duban::progress

#endif  // DUBAN_SERVICES_PROGRESS_REDIS_STORE_H_
