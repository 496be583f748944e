// The unit service's rules, apart from gRPC and Redis: validation of
// requests, etags, idempotent creates, update masks, name uniqueness,
// resolution of printed names (resolve.h) applied to an organization's
// units, the PENDING → ACTIVE protocol of plan assignments, reassignment
// with history, deactivation, filters and pagination. Each method takes the
// contract's request message and answers its response message or a status
// whose message names the offending field and value.
#ifndef DUBAN_SERVICES_UNIT_UNIT_DOMAIN_H_
#define DUBAN_SERVICES_UNIT_UNIT_DOMAIN_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/permissions.h"
#include "duban/unit/v1/unit_service.pb.h"
#include "services/unit/store.h"

namespace duban::unit {

class UnitDomain {
 public:
  using Clock = std::function<absl::Time()>;

  // `store` must outlive the domain.
  explicit UnitDomain(UnitStore* store, Clock clock = absl::Now);

  absl::StatusOr<v1::Organization> CreateOrganization(
      const v1::CreateOrganizationRequest& request);
  absl::StatusOr<v1::Organization> GetOrganization(
      const v1::GetOrganizationRequest& request);
  // Only organizations `readable` admits; pages and page tokens count
  // those alone.
  absl::StatusOr<v1::ListOrganizationsResponse> ListOrganizations(
      const v1::ListOrganizationsRequest& request,
      const OrganizationFilter& readable = OrganizationFilter::All());
  absl::StatusOr<v1::Organization> UpdateOrganization(
      const v1::UpdateOrganizationRequest& request);
  absl::Status DeleteOrganization(const v1::DeleteOrganizationRequest& request);

  absl::StatusOr<v1::Unit> CreateUnit(const v1::CreateUnitRequest& request);
  absl::StatusOr<v1::Unit> GetUnit(const v1::GetUnitRequest& request);
  absl::StatusOr<v1::ListUnitsResponse> ListUnits(
      const v1::ListUnitsRequest& request);
  absl::StatusOr<v1::Unit> UpdateUnit(const v1::UpdateUnitRequest& request);
  absl::StatusOr<v1::Unit> AddUnitAlias(const v1::AddUnitAliasRequest& request);
  absl::StatusOr<v1::Unit> RemoveUnitAlias(
      const v1::RemoveUnitAliasRequest& request);
  absl::StatusOr<v1::DeactivateUnitResponse> DeactivateUnit(
      const v1::DeactivateUnitRequest& request);

  absl::StatusOr<v1::ResolveUnitNamesResponse> ResolveUnitNames(
      const v1::ResolveUnitNamesRequest& request);

  absl::StatusOr<v1::CreatePlanAssignmentsResponse> CreatePlanAssignments(
      const v1::CreatePlanAssignmentsRequest& request);
  absl::StatusOr<v1::CommitPlanAssignmentsResponse> CommitPlanAssignments(
      const v1::CommitPlanAssignmentsRequest& request);
  absl::StatusOr<v1::DiscardPlanAssignmentsResponse> DiscardPlanAssignments(
      const v1::DiscardPlanAssignmentsRequest& request);
  absl::StatusOr<v1::ListAssignmentsResponse> ListAssignments(
      const v1::ListAssignmentsRequest& request);
  absl::StatusOr<v1::ListUnitResponsibilitiesResponse> ListUnitResponsibilities(
      const v1::ListUnitResponsibilitiesRequest& request);
  absl::StatusOr<v1::ReassignItemResponse> ReassignItem(
      const v1::ReassignItemRequest& request);

 private:
  // Replaces a unit after `change` edited it, with the etag check; shared by
  // UpdateUnit and the alias calls. `change` may answer false for "nothing
  // to do".
  absl::StatusOr<v1::Unit> ChangeUnit(
      absl::string_view name, absl::string_view etag_field,
      absl::string_view etag,
      const std::function<absl::StatusOr<bool>(v1::Unit*)>& change);
  // ALREADY_EXISTS when another organization has one of `org`'s names.
  absl::Status CheckOrganizationNamesFree(const v1::Organization& org);
  // INVALID_ARGUMENT / NOT_FOUND when `parent` is not a valid parent of
  // organization `org_id`.
  absl::Status CheckParent(absl::string_view field, absl::string_view parent,
                           absl::string_view org_id);
  // Every assignment of one index, in sequence order.
  absl::StatusOr<std::vector<StoredAssignment>> ScanAll(
      absl::string_view org_id, const AssignmentScope& scope);
  // Pages through one index, keeping what `keep` accepts.
  absl::StatusOr<std::pair<std::vector<v1::Assignment>, std::string>>
  ListFiltered(absl::string_view org_id, const AssignmentScope& scope,
               int page_size, absl::string_view page_token,
               const std::function<bool(const v1::Assignment&)>& keep);

  UnitStore* const store_;
  const Clock clock_;
};

// "organizations/{org}/units/{unit}" → (org id, unit id).
absl::StatusOr<std::pair<std::string, std::string>> ParseUnitName(
    absl::string_view field, absl::string_view name);

}  // namespace duban::unit

#endif  // DUBAN_SERVICES_UNIT_UNIT_DOMAIN_H_
