#include "services/unit/store.h"

#include "absl/strings/str_cat.h"

namespace duban::unit {

std::string LastSegment(absl::string_view name) {
  const std::size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name
                                                      : name.substr(slash + 1));
}

std::string ItemScopeId(absl::string_view item_name) {
  // plans/{plan}/items/{item}
  absl::string_view rest = item_name;
  if (rest.substr(0, 6) == "plans/") rest.remove_prefix(6);
  const std::size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) return std::string(rest);
  return absl::StrCat(rest.substr(0, slash), "/", LastSegment(rest));
}

absl::Status OrganizationNotFound(absl::string_view org_id) {
  return absl::NotFoundError(absl::StrCat("name: organization \"organizations/",
                                          org_id, "\" not found"));
}

absl::Status OrganizationExists(absl::string_view org_id) {
  return absl::AlreadyExistsError(
      absl::StrCat("organization_id: organization \"organizations/", org_id,
                   "\" already exists"));
}

absl::Status OrganizationChanged(absl::string_view org_id) {
  return absl::AbortedError(
      absl::StrCat("etag: organization \"organizations/", org_id,
                   "\" was changed by another request; read it again and "
                   "retry"));
}

absl::Status OrganizationNotEmpty(absl::string_view org_id, int64_t units,
                                  int64_t plans) {
  return absl::FailedPreconditionError(
      absl::StrCat("organization \"organizations/", org_id, "\" still has ",
                   units, " unit(s) and the assignments of ", plans,
                   " plan(s); only an empty organization can be deleted"));
}

absl::Status UnitNotFound(absl::string_view org_id, absl::string_view unit_id) {
  return absl::NotFoundError(absl::StrCat("name: unit \"organizations/", org_id,
                                          "/units/", unit_id, "\" not found"));
}

absl::Status UnitExists(absl::string_view org_id, absl::string_view unit_id) {
  return absl::AlreadyExistsError(absl::StrCat("unit_id: unit \"organizations/",
                                               org_id, "/units/", unit_id,
                                               "\" already exists"));
}

absl::Status UnitChanged(absl::string_view org_id, absl::string_view unit_id) {
  return absl::AbortedError(absl::StrCat(
      "etag: unit \"organizations/", org_id, "/units/", unit_id,
      "\" was changed by another request; read it again and retry"));
}

absl::Status MemberNotFound(absl::string_view org_id,
                            absl::string_view unit_id) {
  return absl::NotFoundError(absl::StrCat("unit.members: unit \"organizations/",
                                          org_id, "/units/", unit_id,
                                          "\" not found"));
}

absl::Status NameTaken(absl::string_view org_id, absl::string_view key,
                       absl::string_view holder_unit_id) {
  return absl::AlreadyExistsError(absl::StrCat(
      "unit: the name \"", key, "\" is already used by unit \"organizations/",
      org_id, "/units/", holder_unit_id,
      "\" (names are unique within an organization after normalization)"));
}

absl::Status AssignmentsChanged(absl::string_view org_id) {
  return absl::AbortedError(
      absl::StrCat("the assignments or units of organization \"organizations/",
                   org_id, "\" were changed by another request; retry"));
}

absl::Status PlanAssignmentsExist(absl::string_view plan_id) {
  return absl::AlreadyExistsError(absl::StrCat(
      "plan: plan \"plans/", plan_id,
      "\" already has assignments created by another request (discard "
      "pending ones first)"));
}

absl::Status PlanBoundElsewhere(absl::string_view plan_id,
                                absl::string_view org_id) {
  return absl::FailedPreconditionError(
      absl::StrCat("plan: the assignments of plan \"plans/", plan_id,
                   "\" belong to organization \"organizations/", org_id,
                   "\"; a plan's assignments live in one organization"));
}

absl::Status RequestIdReused(absl::string_view request_id) {
  return absl::InvalidArgumentError(
      absl::StrCat("request_id: \"", request_id,
                   "\" was already used with a different request"));
}

}  // namespace duban::unit
