// plan-server: flags → config → wire → serve.
#include "common/server_main.h"
#include "services/plan/plan_domain.h"
#include "services/plan/redis_store.h"
#include "services/plan/service.h"

int main(int argc, char** argv) {
  duban::ServerConfig config =
      duban::ParseServerConfig(argc, argv, "plan-server", "127.0.0.1:50061",
                               "duban.plan.v1.PlanService");
  duban::RedisPool pool(config.redis);
  duban::plan::RedisPlanStore store(&pool);
  duban::plan::PlanDomain domain(&store);
  duban::plan::PlanServiceImpl service(&domain);
  config.server.readiness_probe = [&store] { return store.Ping(); };
  return duban::RunServerUntilSignal(config.server, {&service});
}
