// unit-server: flags → config → wire → serve.
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/config.h"
#include "common/log.h"
#include "common/redis.h"
#include "common/server.h"
#include "services/unit/redis_store.h"
#include "services/unit/service.h"
#include "services/unit/unit_domain.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50062",
          "Address to serve gRPC on, HOST:PORT");
ABSL_FLAG(std::string, redis, "127.0.0.1:6390", "Redis address, HOST:PORT");
ABSL_FLAG(std::string, redis_user, "", "Redis ACL user (optional)");
ABSL_FLAG(std::string, redis_password_file, "",
          "File holding the Redis password (optional)");
ABSL_FLAG(int, redis_pool, 16, "Redis connections in the pool, 1-256");
ABSL_FLAG(bool, reflection, false, "Enable gRPC server reflection");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(int, shutdown_seconds, 10,
          "How long in-flight calls get to finish on SIGTERM");

namespace {

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "unit-server: " << message << "\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  duban::SetLogComponent("unit-server");
  duban::ParseFlagsWithEnv(argc, argv,
                           "unit-server: the duban unit service.\n"
                           "Every flag can also be set as DUBAN_<FLAG>.");

  const std::string level = absl::GetFlag(FLAGS_log_level);
  if (level == "debug") {
    duban::SetMinLogLevel(duban::LogLevel::kDebug);
  } else if (level == "info") {
    duban::SetMinLogLevel(duban::LogLevel::kInfo);
  } else if (level == "warning") {
    duban::SetMinLogLevel(duban::LogLevel::kWarning);
  } else if (level == "error") {
    duban::SetMinLogLevel(duban::LogLevel::kError);
  } else {
    Fail(absl::StrCat(
        "--log_level: must be debug, info, warning or error (got \"", level,
        "\")"));
  }

  duban::ServerOptions server;
  server.listen = absl::GetFlag(FLAGS_listen);
  if (auto s = duban::ValidateHostPort("--listen", server.listen); !s.ok()) {
    Fail(std::string(s.message()));
  }
  duban::RedisOptions redis;
  if (auto s = duban::ParseRedisAddress("--redis", absl::GetFlag(FLAGS_redis),
                                        &redis);
      !s.ok()) {
    Fail(std::string(s.message()));
  }
  redis.pool_size = absl::GetFlag(FLAGS_redis_pool);
  if (redis.pool_size < 1 || redis.pool_size > 256) {
    Fail(absl::StrCat("--redis_pool: must be 1-256 (got ", redis.pool_size,
                      ")"));
  }
  redis.user = absl::GetFlag(FLAGS_redis_user);
  redis.client_name = "unit-server";
  if (const std::string file = absl::GetFlag(FLAGS_redis_password_file);
      !file.empty()) {
    auto password = duban::ReadSecretFile("--redis_password_file", file);
    if (!password.ok()) Fail(std::string(password.status().message()));
    redis.password = *password;
  }
  const int shutdown_seconds = absl::GetFlag(FLAGS_shutdown_seconds);
  if (shutdown_seconds < 0 || shutdown_seconds > 600) {
    Fail(absl::StrCat("--shutdown_seconds: must be 0-600 (got ",
                      shutdown_seconds, ")"));
  }

  duban::RedisPool pool(redis);
  duban::unit::RedisUnitStore store(&pool);
  duban::unit::UnitDomain domain(&store);
  duban::unit::UnitServiceImpl service(&domain);

  server.service_name = "duban.unit.v1.UnitService";
  server.enable_reflection = absl::GetFlag(FLAGS_reflection);
  server.shutdown_deadline = absl::Seconds(shutdown_seconds);
  server.readiness_probe = [&store] { return store.Ping(); };
  return duban::RunServerUntilSignal(server, {&service});
}
