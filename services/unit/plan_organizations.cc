#include "services/unit/plan_organizations.h"

#include "common/api.h"
#include "common/status.h"

namespace duban::unit {

absl::StatusOr<std::string> BoundPlanOrganizations::OrganizationOfPlan(
    absl::string_view plan) {
  DUBAN_ASSIGN_OR_RETURN(std::string id, ParsePlanName("plan", plan));
  DUBAN_ASSIGN_OR_RETURN(std::string org, store_->GetPlanOrganization(id));
  if (org.empty()) {
    return absl::NotFoundError("the plan has no assignments");
  }
  return org;
}

}  // namespace duban::unit
