// The progress service's gRPC layer: each unary handler hands the request to
// the domain and maps its status; WatchEvents streams the plan's feed,
// reading it in bounded waits so that a sync-server thread is never held
// past the client's cancellation or the server's shutdown.
#ifndef DUBAN_SERVICES_PROGRESS_SERVICE_H_
#define DUBAN_SERVICES_PROGRESS_SERVICE_H_

#include <atomic>

#include "absl/time/time.h"
#include "common/metrics.h"
#include "duban/progress/v1/progress_service.grpc.pb.h"
#include "services/progress/progress_domain.h"

namespace duban::progress {

struct WatchOptions {
  // Watchers served at once by this server; more get RESOURCE_EXHAUSTED.
  // Each holds one sync-server thread and, while waiting, one connection of
  // the watch pool.
  int max_watchers = 64;
  // How long one read waits for new events before the handler checks
  // whether the client is still there.
  absl::Duration poll_wait = absl::Seconds(1);
  // Events sent per read at most.
  int batch = 100;
  // Follows the number of watchers served (duban_watchers); optional.
  metrics::Gauge* watchers_gauge = nullptr;
};

class ProgressServiceImpl final : public v1::ProgressService::Service {
 public:
  // `domain` must outlive the service.
  explicit ProgressServiceImpl(ProgressDomain* domain, WatchOptions watch = {})
      : domain_(domain), watch_(watch) {}

  grpc::Status SetSchedule(grpc::ServerContext* context,
                           const v1::SetScheduleRequest* request,
                           v1::Schedule* response) override;
  grpc::Status GetSchedule(grpc::ServerContext* context,
                           const v1::GetScheduleRequest* request,
                           v1::Schedule* response) override;
  grpc::Status SubmitReport(grpc::ServerContext* context,
                            const v1::SubmitReportRequest* request,
                            v1::Report* response) override;
  grpc::Status ReviewReport(grpc::ServerContext* context,
                            const v1::ReviewReportRequest* request,
                            v1::Report* response) override;
  grpc::Status GetReport(grpc::ServerContext* context,
                         const v1::GetReportRequest* request,
                         v1::Report* response) override;
  grpc::Status ListReports(grpc::ServerContext* context,
                           const v1::ListReportsRequest* request,
                           v1::ListReportsResponse* response) override;
  grpc::Status ListRevisions(grpc::ServerContext* context,
                             const v1::ListRevisionsRequest* request,
                             v1::ListRevisionsResponse* response) override;
  grpc::Status ListOverdue(grpc::ServerContext* context,
                           const v1::ListOverdueRequest* request,
                           v1::ListOverdueResponse* response) override;
  grpc::Status GetScorecard(grpc::ServerContext* context,
                            const v1::GetScorecardRequest* request,
                            v1::GetScorecardResponse* response) override;
  grpc::Status GetPlanRollup(grpc::ServerContext* context,
                             const v1::GetPlanRollupRequest* request,
                             v1::PlanRollup* response) override;
  grpc::Status WatchEvents(grpc::ServerContext* context,
                           const v1::WatchEventsRequest* request,
                           grpc::ServerWriter<v1::Event>* writer) override;

 private:
  ProgressDomain* const domain_;
  const WatchOptions watch_;
  std::atomic<int> watchers_{0};
};

}  // namespace duban::progress

#endif  // DUBAN_SERVICES_PROGRESS_SERVICE_H_
