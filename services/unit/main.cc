// unit-server: flags → config → wire → serve.
#include "common/server_main.h"
#include "services/unit/plan_organizations.h"
#include "services/unit/redis_store.h"
#include "services/unit/service.h"
#include "services/unit/unit_domain.h"

int main(int argc, char** argv) {
  duban::ServerConfig config =
      duban::ParseServerConfig(argc, argv, "unit-server", "127.0.0.1:50062",
                               "duban.unit.v1.UnitService");
  duban::RedisPool pool(config.redis);
  duban::unit::RedisUnitStore store(&pool);
  duban::unit::UnitDomain domain(&store);
  duban::unit::UnitServiceImpl service(&domain);
  duban::unit::BoundPlanOrganizations plan_organizations(&store);
  config.server.auth.resolver = &plan_organizations;
  config.server.readiness_probe = [&store] { return store.Ping(); };
  config.server.audit.pool = &pool;
  return duban::RunServerUntilSignal(config.server, {&service});
}
