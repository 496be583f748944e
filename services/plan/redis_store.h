// PlanStore on Redis. Layout (all keys of one plan share the hash tag
// {<plan id>}, so multi-key scripts stay within one cluster slot):
//   <ns>:{<id>}:plan   HASH  pb → Plan bytes, v → version
//   <ns>:{<id>}:items  HASH  <item id> → Item bytes
//   <ns>:{<id>}:itemv  HASH  <item id> → item version
//   <ns>:{<id>}:req    HASH  <scope>:<request id> → request fingerprint
//   <ns>:index         ZSET  plan ids (score 0, ordered by id)
// Every write is one Lua script on the plan's slot, so it is atomic. The
// index lives in another slot: it is added before a plan is created and
// removed after it is deleted, so it may name a plan that does not exist
// (yet or any more) but never misses one that does; readers skip the gaps.
#ifndef DUBAN_SERVICES_PLAN_REDIS_STORE_H_
#define DUBAN_SERVICES_PLAN_REDIS_STORE_H_

#include <string>

#include "common/redis.h"
#include "services/plan/store.h"

namespace duban::plan {

class RedisPlanStore : public PlanStore {
 public:
  // `pool` must outlive the store. `ns` prefixes every key.
  explicit RedisPlanStore(RedisPool* pool, std::string ns = "duban:plan");

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
  absl::Status Ping() override;

 private:
  std::string Key(absl::string_view plan_id, absl::string_view suffix) const;

  RedisPool* const pool_;
  const std::string ns_;
};

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_REDIS_STORE_H_
