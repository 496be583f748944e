#include "services/plan/plan_organizations.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/api.h"
#include "common/status.h"

namespace duban::plan {

absl::StatusOr<std::string> StoredPlanOrganizations::OrganizationOfPlan(
    absl::string_view plan) {
  DUBAN_ASSIGN_OR_RETURN(std::string id, ParsePlanName("plan", plan));
  {
    absl::MutexLock lock(&mu_);
    auto it = fixed_.find(id);
    if (it != fixed_.end()) return it->second;
  }
  DUBAN_ASSIGN_OR_RETURN(StoredPlan stored, store_->GetPlan(id));
  absl::string_view org = stored.plan.issuing_organization();
  if (!absl::ConsumePrefix(&org, "organizations/") || org.empty()) {
    return absl::NotFoundError("the plan names no issuing organization");
  }
  if (stored.plan.state() != v1::Plan::DRAFT &&
      stored.plan.state() != v1::Plan::STATE_UNSPECIFIED) {
    absl::MutexLock lock(&mu_);
    if (fixed_.size() >= max_cached_) fixed_.clear();
    fixed_.emplace(id, std::string(org));
  }
  return std::string(org);
}

}  // namespace duban::plan
