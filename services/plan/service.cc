#include "services/plan/service.h"

#include <utility>

#include "common/auth_server.h"
#include "common/status.h"

namespace duban::plan {
grpc::Status PlanServiceImpl::ImportPlan(grpc::ServerContext*,
                                         const v1::ImportPlanRequest* request,
                                         v1::ImportPlanResponse* response) {
  return AnswerRpc(domain_->ImportPlan(*request), response);
}

grpc::Status PlanServiceImpl::CreatePlan(grpc::ServerContext*,
                                         const v1::CreatePlanRequest* request,
                                         v1::Plan* response) {
  return AnswerRpc(domain_->CreatePlan(*request), response);
}

grpc::Status PlanServiceImpl::GetPlan(grpc::ServerContext*,
                                      const v1::GetPlanRequest* request,
                                      v1::Plan* response) {
  return AnswerRpc(domain_->GetPlan(*request), response);
}

grpc::Status PlanServiceImpl::ListPlans(grpc::ServerContext* context,
                                        const v1::ListPlansRequest* request,
                                        v1::ListPlansResponse* response) {
  return AnswerRpc(domain_->ListPlans(*request, OrganizationFilter::ReadableBy(
                                                    PrincipalOf(*context))),
                   response);
}

grpc::Status PlanServiceImpl::UpdatePlan(grpc::ServerContext*,
                                         const v1::UpdatePlanRequest* request,
                                         v1::Plan* response) {
  return AnswerRpc(domain_->UpdatePlan(*request), response);
}

grpc::Status PlanServiceImpl::DeletePlan(grpc::ServerContext*,
                                         const v1::DeletePlanRequest* request,
                                         v1::DeletePlanResponse*) {
  return ToGrpcStatus(domain_->DeletePlan(*request));
}

grpc::Status PlanServiceImpl::IssuePlan(grpc::ServerContext*,
                                        const v1::IssuePlanRequest* request,
                                        v1::Plan* response) {
  return AnswerRpc(domain_->IssuePlan(*request), response);
}

grpc::Status PlanServiceImpl::ArchivePlan(grpc::ServerContext*,
                                          const v1::ArchivePlanRequest* request,
                                          v1::Plan* response) {
  return AnswerRpc(domain_->ArchivePlan(*request), response);
}

grpc::Status PlanServiceImpl::GetItem(grpc::ServerContext*,
                                      const v1::GetItemRequest* request,
                                      v1::Item* response) {
  return AnswerRpc(domain_->GetItem(*request), response);
}

grpc::Status PlanServiceImpl::BatchGetItems(
    grpc::ServerContext*, const v1::BatchGetItemsRequest* request,
    v1::BatchGetItemsResponse* response) {
  return AnswerRpc(domain_->BatchGetItems(*request), response);
}

grpc::Status PlanServiceImpl::ListItems(grpc::ServerContext*,
                                        const v1::ListItemsRequest* request,
                                        v1::ListItemsResponse* response) {
  return AnswerRpc(domain_->ListItems(*request), response);
}

grpc::Status PlanServiceImpl::UpdateItem(grpc::ServerContext*,
                                         const v1::UpdateItemRequest* request,
                                         v1::Item* response) {
  return AnswerRpc(domain_->UpdateItem(*request), response);
}

grpc::Status PlanServiceImpl::AmendItem(grpc::ServerContext*,
                                        const v1::AmendItemRequest* request,
                                        v1::Item* response) {
  return AnswerRpc(domain_->AmendItem(*request), response);
}

}  // namespace duban::plan
