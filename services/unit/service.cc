#include "services/unit/service.h"

#include <utility>

#include "common/auth_server.h"
#include "common/status.h"

namespace duban::unit {
grpc::Status UnitServiceImpl::CreateOrganization(
    grpc::ServerContext*, const v1::CreateOrganizationRequest* request,
    v1::Organization* response) {
  return AnswerRpc(domain_->CreateOrganization(*request), response);
}

grpc::Status UnitServiceImpl::GetOrganization(
    grpc::ServerContext*, const v1::GetOrganizationRequest* request,
    v1::Organization* response) {
  return AnswerRpc(domain_->GetOrganization(*request), response);
}

grpc::Status UnitServiceImpl::ListOrganizations(
    grpc::ServerContext* context, const v1::ListOrganizationsRequest* request,
    v1::ListOrganizationsResponse* response) {
  return AnswerRpc(
      domain_->ListOrganizations(
          *request, OrganizationFilter::ReadableBy(PrincipalOf(*context))),
      response);
}

grpc::Status UnitServiceImpl::UpdateOrganization(
    grpc::ServerContext*, const v1::UpdateOrganizationRequest* request,
    v1::Organization* response) {
  return AnswerRpc(domain_->UpdateOrganization(*request), response);
}

grpc::Status UnitServiceImpl::DeleteOrganization(
    grpc::ServerContext*, const v1::DeleteOrganizationRequest* request,
    v1::DeleteOrganizationResponse*) {
  return ToGrpcStatus(domain_->DeleteOrganization(*request));
}

grpc::Status UnitServiceImpl::CreateUnit(grpc::ServerContext*,
                                         const v1::CreateUnitRequest* request,
                                         v1::Unit* response) {
  return AnswerRpc(domain_->CreateUnit(*request), response);
}

grpc::Status UnitServiceImpl::GetUnit(grpc::ServerContext*,
                                      const v1::GetUnitRequest* request,
                                      v1::Unit* response) {
  return AnswerRpc(domain_->GetUnit(*request), response);
}

grpc::Status UnitServiceImpl::ListUnits(grpc::ServerContext*,
                                        const v1::ListUnitsRequest* request,
                                        v1::ListUnitsResponse* response) {
  return AnswerRpc(domain_->ListUnits(*request), response);
}

grpc::Status UnitServiceImpl::UpdateUnit(grpc::ServerContext*,
                                         const v1::UpdateUnitRequest* request,
                                         v1::Unit* response) {
  return AnswerRpc(domain_->UpdateUnit(*request), response);
}

grpc::Status UnitServiceImpl::AddUnitAlias(
    grpc::ServerContext*, const v1::AddUnitAliasRequest* request,
    v1::Unit* response) {
  return AnswerRpc(domain_->AddUnitAlias(*request), response);
}

grpc::Status UnitServiceImpl::RemoveUnitAlias(
    grpc::ServerContext*, const v1::RemoveUnitAliasRequest* request,
    v1::Unit* response) {
  return AnswerRpc(domain_->RemoveUnitAlias(*request), response);
}

grpc::Status UnitServiceImpl::DeactivateUnit(
    grpc::ServerContext*, const v1::DeactivateUnitRequest* request,
    v1::DeactivateUnitResponse* response) {
  return AnswerRpc(domain_->DeactivateUnit(*request), response);
}

grpc::Status UnitServiceImpl::ResolveUnitNames(
    grpc::ServerContext*, const v1::ResolveUnitNamesRequest* request,
    v1::ResolveUnitNamesResponse* response) {
  return AnswerRpc(domain_->ResolveUnitNames(*request), response);
}

grpc::Status UnitServiceImpl::CreatePlanAssignments(
    grpc::ServerContext*, const v1::CreatePlanAssignmentsRequest* request,
    v1::CreatePlanAssignmentsResponse* response) {
  return AnswerRpc(domain_->CreatePlanAssignments(*request), response);
}

grpc::Status UnitServiceImpl::CommitPlanAssignments(
    grpc::ServerContext*, const v1::CommitPlanAssignmentsRequest* request,
    v1::CommitPlanAssignmentsResponse* response) {
  return AnswerRpc(domain_->CommitPlanAssignments(*request), response);
}

grpc::Status UnitServiceImpl::DiscardPlanAssignments(
    grpc::ServerContext*, const v1::DiscardPlanAssignmentsRequest* request,
    v1::DiscardPlanAssignmentsResponse* response) {
  return AnswerRpc(domain_->DiscardPlanAssignments(*request), response);
}

grpc::Status UnitServiceImpl::ListAssignments(
    grpc::ServerContext*, const v1::ListAssignmentsRequest* request,
    v1::ListAssignmentsResponse* response) {
  return AnswerRpc(domain_->ListAssignments(*request), response);
}

grpc::Status UnitServiceImpl::ListUnitResponsibilities(
    grpc::ServerContext*, const v1::ListUnitResponsibilitiesRequest* request,
    v1::ListUnitResponsibilitiesResponse* response) {
  return AnswerRpc(domain_->ListUnitResponsibilities(*request), response);
}

grpc::Status UnitServiceImpl::ReassignItem(
    grpc::ServerContext*, const v1::ReassignItemRequest* request,
    v1::ReassignItemResponse* response) {
  return AnswerRpc(domain_->ReassignItem(*request), response);
}

}  // namespace duban::unit
