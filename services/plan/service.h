// The plan service's gRPC layer: each handler hands the request to the
// domain and maps its status. Nothing else lives here.
#ifndef DUBAN_SERVICES_PLAN_SERVICE_H_
#define DUBAN_SERVICES_PLAN_SERVICE_H_

#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "services/plan/plan_domain.h"

namespace duban::plan {

class PlanServiceImpl final : public v1::PlanService::Service {
 public:
  // `domain` must outlive the service.
  explicit PlanServiceImpl(PlanDomain* domain) : domain_(domain) {}

  grpc::Status ImportPlan(grpc::ServerContext* context,
                          const v1::ImportPlanRequest* request,
                          v1::ImportPlanResponse* response) override;
  grpc::Status CreatePlan(grpc::ServerContext* context,
                          const v1::CreatePlanRequest* request,
                          v1::Plan* response) override;
  grpc::Status GetPlan(grpc::ServerContext* context,
                       const v1::GetPlanRequest* request,
                       v1::Plan* response) override;
  grpc::Status ListPlans(grpc::ServerContext* context,
                         const v1::ListPlansRequest* request,
                         v1::ListPlansResponse* response) override;
  grpc::Status UpdatePlan(grpc::ServerContext* context,
                          const v1::UpdatePlanRequest* request,
                          v1::Plan* response) override;
  grpc::Status DeletePlan(grpc::ServerContext* context,
                          const v1::DeletePlanRequest* request,
                          v1::DeletePlanResponse* response) override;
  grpc::Status IssuePlan(grpc::ServerContext* context,
                         const v1::IssuePlanRequest* request,
                         v1::Plan* response) override;
  grpc::Status ArchivePlan(grpc::ServerContext* context,
                           const v1::ArchivePlanRequest* request,
                           v1::Plan* response) override;
  grpc::Status GetItem(grpc::ServerContext* context,
                       const v1::GetItemRequest* request,
                       v1::Item* response) override;
  grpc::Status BatchGetItems(grpc::ServerContext* context,
                             const v1::BatchGetItemsRequest* request,
                             v1::BatchGetItemsResponse* response) override;
  grpc::Status ListItems(grpc::ServerContext* context,
                         const v1::ListItemsRequest* request,
                         v1::ListItemsResponse* response) override;
  grpc::Status UpdateItem(grpc::ServerContext* context,
                          const v1::UpdateItemRequest* request,
                          v1::Item* response) override;
  grpc::Status AmendItem(grpc::ServerContext* context,
                         const v1::AmendItemRequest* request,
                         v1::Item* response) override;

 private:
  PlanDomain* const domain_;
};

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_SERVICE_H_
