// The plan service's storage interface. The domain layer (plan_domain.h)
// talks only to this; MemoryPlanStore backs the domain unit tests and
// RedisPlanStore the running service. One shared test suite runs against
// both so they cannot drift apart.
//
// Versions: every plan and every item carries a version that the store bumps
// on each write; the domain turns it into the resource's etag. Every write
// takes the version the caller read and fails with ABORTED when it changed,
// so a read-check-write in the domain is race-free.
#ifndef DUBAN_SERVICES_PLAN_STORE_H_
#define DUBAN_SERVICES_PLAN_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "duban/plan/v1/plan.pb.h"

namespace duban::plan {

// A plan as stored, with its version.
struct StoredPlan {
  duban::plan::v1::Plan plan;  // etag not set
  int64_t version = 0;
};

// An item as stored, with its version.
struct StoredItem {
  duban::plan::v1::Item item;  // etag not set
  int64_t version = 0;
};

// A request id with the fingerprint of the request body it was first used
// with. Empty id: the write is not idempotent.
struct RequestKey {
  std::string id;
  std::string fingerprint;
};

// What a conditional write found.
enum class WriteOutcome {
  kApplied,  // the write was stored now
  kReplayed  // the same request id and body were stored before; nothing done
};

class PlanStore {
 public:
  virtual ~PlanStore() = default;

  // Stores a new plan with its items atomically, and the request key.
  // kReplayed when `request` was already used with the same fingerprint on
  // this plan id. INVALID_ARGUMENT when it was used with another
  // fingerprint; ALREADY_EXISTS when the plan id is taken otherwise.
  virtual absl::StatusOr<WriteOutcome> CreatePlan(
      const duban::plan::v1::Plan& plan,
      const std::vector<duban::plan::v1::Item>& items,
      const RequestKey& request) = 0;

  // NOT_FOUND when there is no such plan.
  virtual absl::StatusOr<StoredPlan> GetPlan(absl::string_view plan_id) = 0;

  // The plan and all its items from one consistent snapshot, items in
  // ordinal order. NOT_FOUND when there is no such plan.
  virtual absl::StatusOr<std::pair<StoredPlan, std::vector<StoredItem>>>
  GetPlanWithItems(absl::string_view plan_id) = 0;

  // Plan ids in ascending order after `after_id` (exclusive), at most
  // `limit`. Ids of plans being created or deleted at the same moment may
  // appear; GetPlan tells.
  virtual absl::StatusOr<std::vector<std::string>> ListPlanIds(
      absl::string_view after_id, int limit) = 0;

  // Replaces the plan when its version is still `expected_version`; returns
  // the new version. ABORTED on a version mismatch; NOT_FOUND when gone.
  // kReplayed (with the current version) when `request` was applied before.
  virtual absl::StatusOr<std::pair<WriteOutcome, int64_t>> UpdatePlan(
      const duban::plan::v1::Plan& plan, int64_t expected_version,
      const RequestKey& request) = 0;

  // Deletes the plan and its items when its version is still
  // `expected_version`. ABORTED / NOT_FOUND as above.
  virtual absl::Status DeletePlan(absl::string_view plan_id,
                                  int64_t expected_version) = 0;

  // Replaces one item when the plan's version is still
  // `expected_plan_version` (its state cannot have changed) and the item's
  // is `expected_item_version`. Returns the item's new version.
  virtual absl::StatusOr<std::pair<WriteOutcome, int64_t>> UpdateItem(
      absl::string_view plan_id, int64_t expected_plan_version,
      const duban::plan::v1::Item& item, int64_t expected_item_version,
      const RequestKey& request) = 0;

  // The item, NOT_FOUND when the plan or item does not exist.
  virtual absl::StatusOr<StoredItem> GetItem(absl::string_view plan_id,
                                             absl::string_view item_id) = 0;

  // OK while the backing store answers.
  virtual absl::Status Ping() = 0;
};

// The last path segment of an item name: "plans/p/items/3.1" → "3.1".
std::string ItemIdOf(const duban::plan::v1::Item& item);

// The errors every store reports, worded once.
absl::Status PlanNotFound(absl::string_view plan_id);
absl::Status ItemNotFound(absl::string_view plan_id, absl::string_view item_id);
absl::Status PlanExists(absl::string_view plan_id);
absl::Status PlanChanged(absl::string_view plan_id);
absl::Status ItemChanged(absl::string_view plan_id, absl::string_view item_id);
absl::Status RequestIdReused(absl::string_view request_id);

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_STORE_H_
