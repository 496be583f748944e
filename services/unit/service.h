// The unit service's gRPC layer: each handler hands the request to the
// domain and maps its status. Nothing else lives here.
#ifndef DUBAN_SERVICES_UNIT_SERVICE_H_
#define DUBAN_SERVICES_UNIT_SERVICE_H_

#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "services/unit/unit_domain.h"

namespace duban::unit {

class UnitServiceImpl final : public v1::UnitService::Service {
 public:
  // `domain` must outlive the service.
  explicit UnitServiceImpl(UnitDomain* domain) : domain_(domain) {}

  grpc::Status CreateOrganization(grpc::ServerContext* context,
                                  const v1::CreateOrganizationRequest* request,
                                  v1::Organization* response) override;
  grpc::Status GetOrganization(grpc::ServerContext* context,
                               const v1::GetOrganizationRequest* request,
                               v1::Organization* response) override;
  grpc::Status ListOrganizations(
      grpc::ServerContext* context, const v1::ListOrganizationsRequest* request,
      v1::ListOrganizationsResponse* response) override;
  grpc::Status UpdateOrganization(grpc::ServerContext* context,
                                  const v1::UpdateOrganizationRequest* request,
                                  v1::Organization* response) override;
  grpc::Status DeleteOrganization(
      grpc::ServerContext* context,
      const v1::DeleteOrganizationRequest* request,
      v1::DeleteOrganizationResponse* response) override;
  grpc::Status CreateUnit(grpc::ServerContext* context,
                          const v1::CreateUnitRequest* request,
                          v1::Unit* response) override;
  grpc::Status GetUnit(grpc::ServerContext* context,
                       const v1::GetUnitRequest* request,
                       v1::Unit* response) override;
  grpc::Status ListUnits(grpc::ServerContext* context,
                         const v1::ListUnitsRequest* request,
                         v1::ListUnitsResponse* response) override;
  grpc::Status UpdateUnit(grpc::ServerContext* context,
                          const v1::UpdateUnitRequest* request,
                          v1::Unit* response) override;
  grpc::Status AddUnitAlias(grpc::ServerContext* context,
                            const v1::AddUnitAliasRequest* request,
                            v1::Unit* response) override;
  grpc::Status RemoveUnitAlias(grpc::ServerContext* context,
                               const v1::RemoveUnitAliasRequest* request,
                               v1::Unit* response) override;
  grpc::Status DeactivateUnit(grpc::ServerContext* context,
                              const v1::DeactivateUnitRequest* request,
                              v1::DeactivateUnitResponse* response) override;
  grpc::Status ResolveUnitNames(
      grpc::ServerContext* context, const v1::ResolveUnitNamesRequest* request,
      v1::ResolveUnitNamesResponse* response) override;
  grpc::Status CreatePlanAssignments(
      grpc::ServerContext* context,
      const v1::CreatePlanAssignmentsRequest* request,
      v1::CreatePlanAssignmentsResponse* response) override;
  grpc::Status CommitPlanAssignments(
      grpc::ServerContext* context,
      const v1::CommitPlanAssignmentsRequest* request,
      v1::CommitPlanAssignmentsResponse* response) override;
  grpc::Status DiscardPlanAssignments(
      grpc::ServerContext* context,
      const v1::DiscardPlanAssignmentsRequest* request,
      v1::DiscardPlanAssignmentsResponse* response) override;
  grpc::Status ListAssignments(grpc::ServerContext* context,
                               const v1::ListAssignmentsRequest* request,
                               v1::ListAssignmentsResponse* response) override;
  grpc::Status ListUnitResponsibilities(
      grpc::ServerContext* context,
      const v1::ListUnitResponsibilitiesRequest* request,
      v1::ListUnitResponsibilitiesResponse* response) override;
  grpc::Status ReassignItem(grpc::ServerContext* context,
                            const v1::ReassignItemRequest* request,
                            v1::ReassignItemResponse* response) override;

 private:
  UnitDomain* const domain_;
};

}  // namespace duban::unit

#endif  // DUBAN_SERVICES_UNIT_SERVICE_H_
