#include "services/plan/store.h"

#include "absl/strings/str_cat.h"

namespace duban::plan {

std::string ItemIdOf(const duban::plan::v1::Item& item) {
  const std::string& name = item.name();
  const std::size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

absl::Status PlanNotFound(absl::string_view plan_id) {
  return absl::NotFoundError(
      absl::StrCat("name: plan \"plans/", plan_id, "\" not found"));
}

absl::Status ItemNotFound(absl::string_view plan_id,
                          absl::string_view item_id) {
  return absl::NotFoundError(absl::StrCat("name: item \"plans/", plan_id,
                                          "/items/", item_id, "\" not found"));
}

absl::Status PlanExists(absl::string_view plan_id) {
  return absl::AlreadyExistsError(
      absl::StrCat("plan_id: plan \"plans/", plan_id, "\" already exists"));
}

absl::Status PlanChanged(absl::string_view plan_id) {
  return absl::AbortedError(
      absl::StrCat("etag: plan \"plans/", plan_id,
                   "\" was changed by another request; read it again and "
                   "retry"));
}

absl::Status ItemChanged(absl::string_view plan_id, absl::string_view item_id) {
  return absl::AbortedError(absl::StrCat(
      "etag: item \"plans/", plan_id, "/items/", item_id,
      "\" was changed by another request; read it again and retry"));
}

absl::Status RequestIdReused(absl::string_view request_id) {
  return absl::InvalidArgumentError(
      absl::StrCat("request_id: \"", request_id,
                   "\" was already used with a different request"));
}

}  // namespace duban::plan
