#include "services/plan/unit_directory.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace duban::plan {

namespace uv1 = ::duban::unit::v1;

GrpcUnitDirectory::GrpcUnitDirectory(const std::string& address,
                                     const ClientTlsOptions& tls,
                                     CallPolicy policy)
    : callee_(absl::StrCat("unit service at ", address)),
      policy_(std::move(policy)),
      stub_(uv1::UnitService::NewStub(ServiceChannel(address, tls))) {}

absl::StatusOr<std::string> GrpcUnitDirectory::FindOrganization(
    absl::string_view printed_name) {
  uv1::ListOrganizationsRequest request;
  request.set_printed_name(std::string(printed_name));
  request.set_page_size(2);
  uv1::ListOrganizationsResponse response;
  DUBAN_RETURN_IF_ERROR(
      CallService(callee_, policy_, [&](grpc::ClientContext* context) {
        return stub_->ListOrganizations(context, request, &response);
      }));
  if (response.organizations().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "issuing_organization: no organization is named \"", printed_name,
        "\" in the unit service; create it (dubanctl org create) or set the "
        "plan's issuing_organization"));
  }
  return response.organizations(0).name();
}

absl::Status GrpcUnitDirectory::CreatePlanAssignments(
    absl::string_view organization, absl::string_view plan,
    const std::vector<AssignmentEntry>& entries, absl::string_view request_id,
    absl::string_view principal) {
  uv1::CreatePlanAssignmentsRequest request;
  request.set_organization(std::string(organization));
  request.set_plan(std::string(plan));
  request.set_request_id(std::string(request_id));
  request.set_principal(std::string(principal));
  for (const AssignmentEntry& entry : entries) {
    auto* out = request.add_entries();
    out->set_item(entry.item);
    out->set_printed_name(entry.printed_name);
    out->set_role(entry.role == v1::LEAD ? uv1::LEAD : uv1::CO);
  }
  uv1::CreatePlanAssignmentsResponse response;
  return CallService(callee_, policy_, [&](grpc::ClientContext* context) {
    return stub_->CreatePlanAssignments(context, request, &response);
  });
}

absl::Status GrpcUnitDirectory::CommitPlanAssignments(
    absl::string_view plan, absl::string_view request_id) {
  uv1::CommitPlanAssignmentsRequest request;
  request.set_plan(std::string(plan));
  request.set_request_id(std::string(request_id));
  uv1::CommitPlanAssignmentsResponse response;
  return CallService(callee_, policy_, [&](grpc::ClientContext* context) {
    return stub_->CommitPlanAssignments(context, request, &response);
  });
}

absl::Status GrpcUnitDirectory::DiscardPlanAssignments(
    absl::string_view plan, absl::string_view request_id) {
  uv1::DiscardPlanAssignmentsRequest request;
  request.set_plan(std::string(plan));
  request.set_request_id(std::string(request_id));
  uv1::DiscardPlanAssignmentsResponse response;
  return CallService(callee_, policy_, [&](grpc::ClientContext* context) {
    return stub_->DiscardPlanAssignments(context, request, &response);
  });
}

}  // namespace duban::plan
