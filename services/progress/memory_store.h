// An in-memory ProgressStore with the same semantics as the Redis one, for
// domain unit tests and the shared store suite.
#ifndef DUBAN_SERVICES_PROGRESS_MEMORY_STORE_H_
#define DUBAN_SERVICES_PROGRESS_MEMORY_STORE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/progress/store.h"

namespace duban::progress {

class MemoryProgressStore : public ProgressStore {
 public:
  absl::StatusOr<StoredSchedule> GetSchedule(
      absl::string_view plan_id) override;
  absl::StatusOr<int64_t> PutSchedule(
      absl::string_view plan_id, const v1::Schedule& schedule,
      std::optional<int64_t> expected_version) override;
  absl::StatusOr<std::vector<std::string>> ListSchedulePlans() override;
  absl::StatusOr<std::optional<StoredReport>> FindRequest(
      absl::string_view plan_id, absl::string_view request_id,
      absl::string_view fingerprint) override;
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

 private:
  struct Request {
    std::string fingerprint;
    StoredReport answer;
  };
  struct Plan {
    std::optional<StoredSchedule> schedule;
    std::map<std::string, StoredReport> reports;
    std::map<std::string, std::vector<v1::Revision>> revisions;
    std::map<std::string, Request> requests;
    std::map<std::string, v1::Health> health;
    std::map<std::string, int64_t> item_versions;
    std::map<std::string, std::string> rollups;
    std::map<std::string, bool> once;
    // Cursor "<n>-0" is events[n - 1].
    std::vector<v1::Event> events;
  };
  std::string Append(Plan& plan, v1::Event event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, Plan, std::less<>> plans_ ABSL_GUARDED_BY(mu_);
};

}  // namespace duban::progress

#endif  // DUBAN_SERVICES_PROGRESS_MEMORY_STORE_H_
