// progress-server: flags → config → wire → serve.
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/config.h"
#include "common/log.h"
#include "common/observability.h"
#include "common/server_main.h"
#include "common/status.h"
#include "services/progress/directory.h"
#include "services/progress/progress_domain.h"
#include "services/progress/redis_store.h"
#include "services/progress/service.h"

ABSL_FLAG(std::string, plan_addr, "127.0.0.1:50061",
          "Address of the plan service, HOST:PORT");
ABSL_FLAG(std::string, unit_addr, "127.0.0.1:50062",
          "Address of the unit service, HOST:PORT");
ABSL_FLAG(int, call_timeout_ms, 5000,
          "Deadline of each call to the plan and unit services, 100-60000");
ABSL_FLAG(int, cache_seconds, 15,
          "How long answers of the plan and unit services are cached, 0-300");
ABSL_FLAG(bool, allow_backdated_reports, false,
          "Accept SubmitReportRequest.backdate_to (historical imports and the "
          "local demo); never on a production server");
ABSL_FLAG(int, max_watchers, 64, "WatchEvents calls served at once, 1-1000");
ABSL_FLAG(int, overdue_sweep_seconds, 300,
          "How often REPORT_OVERDUE events are looked for, 10-86400");

namespace {

int IntFlag(const char* name, int value, int min, int max) {
  if (value < min || value > max) {
    duban::ExitWithConfigError(
        "progress-server", absl::StrCat("--", name, ": must be ", min, "-", max,
                                        " (got ", value, ")"));
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  duban::ServerConfig config =
      duban::ParseServerConfig(argc, argv, "progress-server", "127.0.0.1:50063",
                               "duban.progress.v1.ProgressService");
  const std::string plan_addr = absl::GetFlag(FLAGS_plan_addr);
  const std::string unit_addr = absl::GetFlag(FLAGS_unit_addr);
  for (const auto& [flag, value] :
       {std::pair{"--plan_addr", plan_addr}, {"--unit_addr", unit_addr}}) {
    if (auto s = duban::ValidateHostPort(flag, value); !s.ok()) {
      duban::ExitWithConfigError("progress-server", s.message());
    }
  }
  const int timeout_ms = IntFlag(
      "call_timeout_ms", absl::GetFlag(FLAGS_call_timeout_ms), 100, 60000);
  const int cache_seconds =
      IntFlag("cache_seconds", absl::GetFlag(FLAGS_cache_seconds), 0, 300);
  const int max_watchers =
      IntFlag("max_watchers", absl::GetFlag(FLAGS_max_watchers), 1, 1000);
  const int sweep_seconds =
      IntFlag("overdue_sweep_seconds",
              absl::GetFlag(FLAGS_overdue_sweep_seconds), 10, 86400);

  duban::progress::WatchOptions watch;
  watch.max_watchers = max_watchers;
  watch.watchers_gauge = duban::WatchersGauge("progress-server");
  duban::RedisPool pool(config.redis);
  // Watchers block in XREAD on a pool of their own, one connection each, so
  // they never starve the calls; a read waits at most poll_wait.
  duban::RedisOptions watch_redis = config.redis;
  watch_redis.pool_size = max_watchers;
  watch_redis.command_timeout = watch.poll_wait + absl::Seconds(2);
  duban::RedisPool watch_pool(watch_redis);
  duban::progress::RedisProgressStore store(&pool, &watch_pool);

  duban::CallPolicy policy;
  policy.timeout = absl::Milliseconds(timeout_ms);
  duban::progress::GrpcPlanDirectory plan_service(plan_addr, config.client_tls,
                                                  policy);
  duban::progress::GrpcUnitAssignments unit_service(unit_addr,
                                                    config.client_tls, policy);
  duban::progress::CacheOptions cache;
  cache.ttl = absl::Seconds(cache_seconds);
  duban::progress::CachedPlanDirectory plans(&plan_service, cache);
  duban::progress::CachedUnitAssignments assignments(&unit_service, cache);
  duban::progress::ProgressDomain domain(&store, &plans, &assignments);
  domain.set_allow_backdating(absl::GetFlag(FLAGS_allow_backdated_reports));
  duban::progress::ProgressServiceImpl service(&domain, watch);
  duban::progress::DirectoryPlanOrganizations plan_organizations(&plans);
  config.server.auth.resolver = &plan_organizations;
  config.server.readiness_probe = [&store] { return store.Ping(); };

  absl::Notification stop;
  // Plans stored by a release that kept no report briefs get them once,
  // before the first sweep; retried every sweep until Redis answers.
  auto backfill = [&store]() -> absl::Status {
    DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> plans,
                           store.ListSchedulePlans());
    for (const std::string& plan : plans) {
      DUBAN_ASSIGN_OR_RETURN(int covered, store.BackfillBriefs(plan));
      if (covered > 0) {
        duban::Log(duban::LogLevel::kInfo, "report briefs built",
                   {{"plan", plan}, {"reports", absl::StrCat(covered)}});
      }
    }
    return absl::OkStatus();
  };
  std::thread sweeper([&] {
    bool backfilled = backfill().ok();
    while (!stop.WaitForNotificationWithTimeout(absl::Seconds(sweep_seconds))) {
      if (!backfilled) backfilled = backfill().ok();
      auto added = domain.SweepOverdue();
      if (!added.ok()) {
        duban::Log(duban::LogLevel::kWarning, "overdue sweep failed",
                   {{"error", added.status().ToString()}});
      } else if (*added > 0) {
        duban::Log(duban::LogLevel::kInfo, "overdue reports found",
                   {{"events", absl::StrCat(*added)}});
      }
    }
  });
  config.server.audit.pool = &pool;
  const int code = duban::RunServerUntilSignal(config.server, {&service});
  stop.Notify();
  sweeper.join();
  return code;
}
