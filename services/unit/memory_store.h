// An in-memory UnitStore with the same semantics as the Redis one, for
// domain unit tests.
#ifndef DUBAN_SERVICES_UNIT_MEMORY_STORE_H_
#define DUBAN_SERVICES_UNIT_MEMORY_STORE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/unit/store.h"

namespace duban::unit {

class MemoryUnitStore : public UnitStore {
 public:
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

  // Makes every call fail with UNAVAILABLE while set (outage tests).
  void SetUnavailable(bool unavailable);

 private:
  struct Org {
    StoredOrganization organization;
    std::map<std::string, std::string> requests;  // scope:id → fingerprint
    std::map<std::string, StoredUnit> units;
    std::map<std::string, std::string> names;  // name key → unit id
    std::map<std::string, std::vector<std::string>> unit_keys;
    int64_t assignment_version = 0;
    int64_t seq = 0;
    std::map<std::string, StoredAssignment> assignments;  // by id
    std::map<std::string, PlanRecord> plans;
  };
  absl::Status CheckAvailable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Org*> FindOrg(absl::string_view org_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Checks name keys and members of `unit_id` against the organization.
  static absl::Status CheckNamesAndMembers(
      const Org& org, absl::string_view org_id, absl::string_view unit_id,
      const std::vector<std::string>& name_keys,
      const std::vector<std::string>& member_ids);
  static void SetNameKeys(Org* org, const std::string& unit_id,
                          const std::vector<std::string>& name_keys);

  mutable absl::Mutex mu_;
  std::map<std::string, Org, std::less<>> orgs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> plan_orgs_
      ABSL_GUARDED_BY(mu_);
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace duban::unit

#endif  // DUBAN_SERVICES_UNIT_MEMORY_STORE_H_
