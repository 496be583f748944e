// An in-memory PlanStore with the same semantics as the Redis one, for
// domain unit tests.
#ifndef DUBAN_SERVICES_PLAN_MEMORY_STORE_H_
#define DUBAN_SERVICES_PLAN_MEMORY_STORE_H_

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/plan/store.h"

namespace duban::plan {

class MemoryPlanStore : public PlanStore {
 public:
  absl::StatusOr<WriteOutcome> CreatePlan(
      const duban::plan::v1::Plan& plan,
      const std::vector<duban::plan::v1::Item>& items,
      const RequestKey& request) override;
  absl::StatusOr<StoredPlan> GetPlan(absl::string_view plan_id) override;
  absl::StatusOr<std::pair<StoredPlan, std::vector<StoredItem>>>
  GetPlanWithItems(absl::string_view plan_id) override;
  absl::StatusOr<std::vector<std::string>> ListPlanIds(
      absl::string_view after_id, int limit) override;
  absl::StatusOr<std::pair<WriteOutcome, int64_t>> UpdatePlan(
      const duban::plan::v1::Plan& plan, int64_t expected_version,
      const RequestKey& request) override;
  absl::Status DeletePlan(absl::string_view plan_id,
                          int64_t expected_version) override;
  absl::StatusOr<std::pair<WriteOutcome, int64_t>> UpdateItem(
      absl::string_view plan_id, int64_t expected_plan_version,
      const duban::plan::v1::Item& item, int64_t expected_item_version,
      const RequestKey& request) override;
  absl::StatusOr<StoredItem> GetItem(absl::string_view plan_id,
                                     absl::string_view item_id) override;
  absl::Status Ping() override { return absl::OkStatus(); }

  // Makes every call fail with UNAVAILABLE while set (outage tests).
  void SetUnavailable(bool unavailable);

 private:
  struct Entry {
    StoredPlan plan;
    std::map<std::string, StoredItem> items;
    std::map<std::string, std::string> requests;  // id → fingerprint
  };
  absl::Status CheckAvailable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Looks up `request` on `entry`: kReplayed, INVALID_ARGUMENT, or nullopt
  // when it is new.
  static absl::StatusOr<std::optional<WriteOutcome>> CheckRequest(
      const Entry& entry, absl::string_view scope, const RequestKey& request);

  mutable absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> plans_ ABSL_GUARDED_BY(mu_);
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_MEMORY_STORE_H_
