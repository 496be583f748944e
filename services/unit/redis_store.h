// UnitStore on Redis. Layout (<ns> is "duban:unit"; every key of one
// organization shares the hash tag {org:<org id>}, so each multi-key script
// stays within one cluster slot):
//   <ns>:{org:<o>}:org            HASH pb → Organization bytes, v → version
//   <ns>:{org:<o>}:req            HASH <scope>:<request id> → fingerprint
//   <ns>:{org:<o>}:units          HASH <unit id> → Unit bytes
//   <ns>:{org:<o>}:unitv          HASH <unit id> → unit version
//   <ns>:{org:<o>}:names          HASH <name key> → unit id (name index;
//                                      keys are UnitNameKeys, unique)
//   <ns>:{org:<o>}:unitnames      HASH <unit id> → its name keys, joined by
//                                      \x1f (to drop them on rename)
//   <ns>:{org:<o>}:meta           HASH asgv → assignment version,
//                                      seq → last assignment sequence number
//   <ns>:{org:<o>}:asg            HASH <assignment id> → Assignment bytes
//   <ns>:{org:<o>}:plans          SET  ids of plans with a plan record
//   <ns>:{org:<o>}:plan:<p>       HASH state (PENDING|COMMITTED), rid, fp
//   <ns>:{org:<o>}:byplan:<p>     ZSET assignment ids of plan p, score = seq
//   <ns>:{org:<o>}:byunit:<u>     ZSET assignment ids of unit u, score = seq
//   <ns>:{org:<o>}:byitem:<p>/<i> ZSET assignment ids of item i of plan p
//   <ns>:orgs                     ZSET organization ids (score 0, by id)
//   <ns>:plan-org                 HASH <plan id> → org id
// Every write within an organization is one Lua script on its slot, so it
// is atomic; creating a plan's assignments, committing them, a reassignment
// and a deactivation with reassign_to are each one script. Two keys live
// in slots of their own: the organization index, added before an
// organization is created and removed after it is deleted (so it may name
// one that does not exist, never misses one that does; readers skip the
// gaps), and plan-org, which tells in which organization a plan's
// assignments live; it is written before the plan's assignments are, and a
// plan bound to one organization is only rebound once that organization
// holds nothing of it.
#ifndef DUBAN_SERVICES_UNIT_REDIS_STORE_H_
#define DUBAN_SERVICES_UNIT_REDIS_STORE_H_

#include <string>
#include <vector>

#include "common/redis.h"
#include "services/unit/store.h"

namespace duban::unit {

class RedisUnitStore : public UnitStore {
 public:
  // `pool` must outlive the store. `ns` prefixes every key.
  explicit RedisUnitStore(RedisPool* pool, std::string ns = "duban:unit");

  absl::StatusOr<WriteOutcome> CreateOrganization(
      const v1::Organization& organization, const RequestKey& request) override;
  absl::StatusOr<StoredOrganization> GetOrganization(
      absl::string_view org_id) override;
  absl::StatusOr<std::vector<std::string>> ListOrganizationIds(
      absl::string_view after_id, int limit) override;
  absl::StatusOr<int64_t> UpdateOrganization(
      const v1::Organization& organization, int64_t expected_version) override;
  absl::Status DeleteOrganization(absl::string_view org_id,
                                  int64_t expected_version) override;

  absl::StatusOr<WriteOutcome> CreateUnit(
      absl::string_view org_id, const v1::Unit& unit,
      const std::vector<std::string>& name_keys,
      const std::vector<std::string>& member_ids,
      const RequestKey& request) override;
  absl::StatusOr<StoredUnit> GetUnit(absl::string_view org_id,
                                     absl::string_view unit_id) override;
  absl::StatusOr<std::vector<StoredUnit>> ListUnits(
      absl::string_view org_id) override;
  absl::StatusOr<int64_t> UpdateUnit(absl::string_view org_id,
                                     const v1::Unit& unit,
                                     const std::vector<std::string>& name_keys,
                                     const std::vector<std::string>& member_ids,
                                     int64_t expected_version) override;

  absl::StatusOr<std::string> GetPlanOrganization(
      absl::string_view plan_id) override;
  absl::Status BindPlan(absl::string_view plan_id, absl::string_view org_id,
                        absl::string_view replace_org_id) override;
  absl::StatusOr<int64_t> GetAssignmentVersion(
      absl::string_view org_id) override;
  absl::StatusOr<std::optional<PlanRecord>> GetPlanRecord(
      absl::string_view org_id, absl::string_view plan_id) override;
  absl::StatusOr<std::vector<StoredAssignment>> ScanAssignments(
      absl::string_view org_id, const AssignmentScope& scope, int64_t after_seq,
      int limit) override;
  absl::StatusOr<bool> RequestSeen(absl::string_view org_id,
                                   absl::string_view scope,
                                   const RequestKey& request) override;
  absl::StatusOr<WriteOutcome> WriteAssignments(
      absl::string_view org_id, const AssignmentWrite& write) override;
  absl::Status Ping() override;

 private:
  // <ns>:{org:<org id>}:<suffix>
  std::string Key(absl::string_view org_id, absl::string_view suffix) const;
  // The three index keys of an assignment: byplan, byunit, byitem.
  std::vector<std::string> IndexKeys(absl::string_view org_id,
                                     const v1::Assignment& assignment) const;

  RedisPool* const pool_;
  const std::string ns_;
};

}  // namespace duban::unit

#endif  // DUBAN_SERVICES_UNIT_REDIS_STORE_H_
