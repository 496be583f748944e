// The plan service's rules, apart from gRPC and Redis: validation of
// requests, the plan lifecycle (DRAFT → ISSUED → ARCHIVED), etags,
// idempotent imports, update masks, filters and pagination. Each method
// takes the contract's request message and answers its response message or
// a status whose message names the offending field and value.
#ifndef DUBAN_SERVICES_PLAN_PLAN_DOMAIN_H_
#define DUBAN_SERVICES_PLAN_PLAN_DOMAIN_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/permissions.h"
#include "duban/plan/v1/plan_service.pb.h"
#include "services/plan/store.h"
#include "services/plan/unit_directory.h"

namespace duban::plan {

class PlanDomain {
 public:
  using Clock = std::function<absl::Time()>;

  // `store` and `units` must outlive the domain.
  PlanDomain(PlanStore* store, UnitDirectory* units, Clock clock = absl::Now);

  absl::StatusOr<v1::ImportPlanResponse> ImportPlan(
      const v1::ImportPlanRequest& request);
  absl::StatusOr<v1::Plan> CreatePlan(const v1::CreatePlanRequest& request);
  absl::StatusOr<v1::Plan> GetPlan(const v1::GetPlanRequest& request);
  // Only plans whose issuing organization `readable` admits; pages and
  // page tokens count those alone.
  absl::StatusOr<v1::ListPlansResponse> ListPlans(
      const v1::ListPlansRequest& request,
      const OrganizationFilter& readable = OrganizationFilter::All());
  absl::StatusOr<v1::Plan> UpdatePlan(const v1::UpdatePlanRequest& request);
  absl::Status DeletePlan(const v1::DeletePlanRequest& request);
  absl::StatusOr<v1::Plan> IssuePlan(const v1::IssuePlanRequest& request);
  absl::StatusOr<v1::Plan> ArchivePlan(const v1::ArchivePlanRequest& request);

  absl::StatusOr<v1::Item> GetItem(const v1::GetItemRequest& request);
  absl::StatusOr<v1::BatchGetItemsResponse> BatchGetItems(
      const v1::BatchGetItemsRequest& request);
  absl::StatusOr<v1::ListItemsResponse> ListItems(
      const v1::ListItemsRequest& request);
  absl::StatusOr<v1::Item> UpdateItem(const v1::UpdateItemRequest& request);
  absl::StatusOr<v1::Item> AmendItem(const v1::AmendItemRequest& request);

  // Commits the assignments of every ISSUED plan whose commit did not go
  // through (the unit service was down after the plan was issued). Run at
  // start-up and periodically; returns how many plans it completed.
  absl::StatusOr<int> CommitPendingAssignments();

 private:
  // Moves a plan from one state to another with the etag check.
  absl::StatusOr<v1::Plan> Transition(absl::string_view name,
                                      absl::string_view etag,
                                      v1::Plan::State from, v1::Plan::State to);
  // The last step of issuing: makes the plan's assignments ACTIVE and
  // records it. A failure leaves the plan ISSUED with
  // assignments_committed false, for CommitPendingAssignments.
  v1::Plan FinishIssue(StoredPlan issued);
  // Shared by UpdateItem and AmendItem.
  absl::StatusOr<v1::Item> ChangeItem(const v1::Item& patch,
                                      const google::protobuf::FieldMask& mask,
                                      bool amendment, absl::string_view reason,
                                      absl::string_view principal,
                                      absl::string_view request_id);

  PlanStore* const store_;
  UnitDirectory* const units_;
  const Clock clock_;
};

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_PLAN_DOMAIN_H_
