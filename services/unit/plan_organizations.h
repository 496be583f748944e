// unit-server's PlanOrganizationResolver (common/permissions.h): the
// organization a plan's assignments are bound to (UnitStore::BindPlan),
// read on every call since a binding may still be replaced.
#ifndef DUBAN_SERVICES_UNIT_PLAN_ORGANIZATIONS_H_
#define DUBAN_SERVICES_UNIT_PLAN_ORGANIZATIONS_H_

#include <string>

#include "common/permissions.h"
#include "services/unit/store.h"

namespace duban::unit {

class BoundPlanOrganizations : public PlanOrganizationResolver {
 public:
  // `store` must outlive this.
  explicit BoundPlanOrganizations(UnitStore* store) : store_(store) {}

  // NOT_FOUND when the plan has no assignments here (it is bound to no
  // organization); the store's error (UNAVAILABLE) otherwise.
  absl::StatusOr<std::string> OrganizationOfPlan(
      absl::string_view plan) override;

 private:
  UnitStore* const store_;
};

}  // namespace duban::unit

#endif  // DUBAN_SERVICES_UNIT_PLAN_ORGANIZATIONS_H_
