#include "services/progress/service.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/auth_server.h"
#include "common/status.h"

namespace duban::progress {
grpc::Status ProgressServiceImpl::SetSchedule(
    grpc::ServerContext*, const v1::SetScheduleRequest* request,
    v1::Schedule* response) {
  return AnswerRpc(domain_->SetSchedule(*request), response);
}

grpc::Status ProgressServiceImpl::GetSchedule(
    grpc::ServerContext*, const v1::GetScheduleRequest* request,
    v1::Schedule* response) {
  return AnswerRpc(domain_->GetSchedule(*request), response);
}

grpc::Status ProgressServiceImpl::SubmitReport(
    grpc::ServerContext* context, const v1::SubmitReportRequest* request,
    v1::Report* response) {
  return AnswerRpc(domain_->SubmitReport(*request, PrincipalOf(*context)),
                   response);
}

grpc::Status ProgressServiceImpl::ReviewReport(
    grpc::ServerContext*, const v1::ReviewReportRequest* request,
    v1::Report* response) {
  return AnswerRpc(domain_->ReviewReport(*request), response);
}

grpc::Status ProgressServiceImpl::GetReport(grpc::ServerContext*,
                                            const v1::GetReportRequest* request,
                                            v1::Report* response) {
  return AnswerRpc(domain_->GetReport(*request), response);
}

grpc::Status ProgressServiceImpl::ListReports(
    grpc::ServerContext*, const v1::ListReportsRequest* request,
    v1::ListReportsResponse* response) {
  return AnswerRpc(domain_->ListReports(*request), response);
}

grpc::Status ProgressServiceImpl::ListRevisions(
    grpc::ServerContext*, const v1::ListRevisionsRequest* request,
    v1::ListRevisionsResponse* response) {
  return AnswerRpc(domain_->ListRevisions(*request), response);
}

grpc::Status ProgressServiceImpl::ListOverdue(
    grpc::ServerContext*, const v1::ListOverdueRequest* request,
    v1::ListOverdueResponse* response) {
  return AnswerRpc(domain_->ListOverdue(*request), response);
}

grpc::Status ProgressServiceImpl::GetScorecard(
    grpc::ServerContext*, const v1::GetScorecardRequest* request,
    v1::GetScorecardResponse* response) {
  return AnswerRpc(domain_->GetScorecard(*request), response);
}

grpc::Status ProgressServiceImpl::GetPlanRollup(
    grpc::ServerContext*, const v1::GetPlanRollupRequest* request,
    v1::PlanRollup* response) {
  return AnswerRpc(domain_->GetPlanRollup(*request), response);
}

grpc::Status ProgressServiceImpl::WatchEvents(
    grpc::ServerContext* context, const v1::WatchEventsRequest* request,
    grpc::ServerWriter<v1::Event>* writer) {
  // A slot per watcher, released however the call ends.
  if (watchers_.fetch_add(1) >= watch_.max_watchers) {
    watchers_.fetch_sub(1);
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("this server already serves ", watch_.max_watchers,
                     " watchers; retry later or on another replica"));
  }
  struct Release {
    std::atomic<int>* n;
    metrics::Gauge* gauge;
    ~Release() {
      n->fetch_sub(1);
      if (gauge != nullptr) gauge->Add(-1);
    }
  } release{&watchers_, watch_.watchers_gauge};
  if (watch_.watchers_gauge != nullptr) watch_.watchers_gauge->Add(1);

  auto position = domain_->StartWatch(*request);
  if (!position.ok()) return ToGrpcStatus(position.status());
  while (!context->IsCancelled()) {
    auto events =
        domain_->ReadWatch(&*position, watch_.batch, watch_.poll_wait);
    // The client resumes from its last cursor on another call.
    if (!events.ok()) return ToGrpcStatus(events.status());
    for (const v1::Event& event : *events) {
      if (!writer->Write(event)) return grpc::Status::OK;  // client gone
    }
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
}

}  // namespace duban::progress
