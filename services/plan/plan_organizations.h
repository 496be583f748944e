// plan-server's PlanOrganizationResolver (common/permissions.h): a plan's
// issuing_organization, read from the plan store. Plans past DRAFT are
// cached, since their organization is fixed once issued and only DRAFT plans
// can be deleted; DRAFT plans are read on every call, since UpdatePlan may
// still change their organization.
#ifndef DUBAN_SERVICES_PLAN_PLAN_ORGANIZATIONS_H_
#define DUBAN_SERVICES_PLAN_PLAN_ORGANIZATIONS_H_

#include <cstddef>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/permissions.h"
#include "services/plan/store.h"

namespace duban::plan {

class StoredPlanOrganizations : public PlanOrganizationResolver {
 public:
  // `store` must outlive this; at most `max_cached` plans are remembered.
  explicit StoredPlanOrganizations(PlanStore* store,
                                   std::size_t max_cached = 10000)
      : store_(store), max_cached_(max_cached) {}

  // NOT_FOUND when there is no such plan or it names no issuing
  // organization yet; the store's error (UNAVAILABLE) otherwise.
  absl::StatusOr<std::string> OrganizationOfPlan(
      absl::string_view plan) override;

 private:
  PlanStore* const store_;
  const std::size_t max_cached_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> fixed_ ABSL_GUARDED_BY(mu_);
};

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_PLAN_ORGANIZATIONS_H_
