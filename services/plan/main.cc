// plan-server: flags → config → wire → serve.
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/config.h"
#include "common/log.h"
#include "common/server_main.h"
#include "services/plan/plan_domain.h"
#include "services/plan/plan_organizations.h"
#include "services/plan/redis_store.h"
#include "services/plan/service.h"
#include "services/plan/unit_directory.h"

ABSL_FLAG(std::string, unit_addr, "127.0.0.1:50062",
          "Address of the unit service, HOST:PORT");
ABSL_FLAG(int, unit_timeout_ms, 5000,
          "Deadline of each call to the unit service, 100-60000");
ABSL_FLAG(int, commit_interval_seconds, 30,
          "How often assignments left uncommitted are committed, 1-3600");

int main(int argc, char** argv) {
  duban::ServerConfig config =
      duban::ParseServerConfig(argc, argv, "plan-server", "127.0.0.1:50061",
                               "duban.plan.v1.PlanService");
  const std::string unit_addr = absl::GetFlag(FLAGS_unit_addr);
  if (auto s = duban::ValidateHostPort("--unit_addr", unit_addr); !s.ok()) {
    duban::ExitWithConfigError("plan-server", s.message());
  }
  const int unit_timeout_ms = absl::GetFlag(FLAGS_unit_timeout_ms);
  if (unit_timeout_ms < 100 || unit_timeout_ms > 60000) {
    duban::ExitWithConfigError(
        "plan-server",
        absl::StrCat("--unit_timeout_ms: must be 100-60000 (got ",
                     unit_timeout_ms, ")"));
  }
  const int commit_interval = absl::GetFlag(FLAGS_commit_interval_seconds);
  if (commit_interval < 1 || commit_interval > 3600) {
    duban::ExitWithConfigError(
        "plan-server",
        absl::StrCat("--commit_interval_seconds: must be 1-3600 (got ",
                     commit_interval, ")"));
  }

  duban::RedisPool pool(config.redis);
  duban::plan::RedisPlanStore store(&pool);
  duban::CallPolicy policy;
  policy.timeout = absl::Milliseconds(unit_timeout_ms);
  duban::plan::GrpcUnitDirectory units(unit_addr, config.client_tls, policy);
  duban::plan::PlanDomain domain(&store, &units);
  duban::plan::PlanServiceImpl service(&domain);
  duban::plan::StoredPlanOrganizations plan_organizations(&store);
  config.server.auth.resolver = &plan_organizations;
  config.server.readiness_probe = [&store] { return store.Ping(); };

  // Finishes issues whose last step (committing the assignments) failed
  // because the unit service was down at that moment.
  absl::Notification stop;
  std::thread committer([&] {
    do {
      auto done = domain.CommitPendingAssignments();
      if (done.ok() && *done > 0) {
        duban::Log(duban::LogLevel::kInfo, "committed pending assignments",
                   {{"plans", *done}});
      }
    } while (
        !stop.WaitForNotificationWithTimeout(absl::Seconds(commit_interval)));
  });
  config.server.audit.pool = &pool;
  const int code = duban::RunServerUntilSignal(config.server, {&service});
  stop.Notify();
  committer.join();
  return code;
}
