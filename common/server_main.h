// What every server's main() shares: the common flags (--listen, --redis,
// --redis_user, --redis_password_file, --redis_pool, --reflection,
// --log_level, --shutdown_seconds, --metrics_listen, --health_listen,
// --request_log; each also DUBAN_<FLAG>), validated into a config, or one
// clear line on stderr and exit status 2. The config counts Redis failures
// into duban_redis_errors_total (common/observability.h).
#ifndef DUBAN_COMMON_SERVER_MAIN_H_
#define DUBAN_COMMON_SERVER_MAIN_H_

#include "absl/strings/string_view.h"
#include "common/redis.h"
#include "common/server.h"

namespace duban {

struct ServerConfig {
  ServerOptions server;
  RedisOptions redis;
};

// Parses argv and the environment. `program` names the binary in messages
// and logs ("plan-server"); `default_listen` is this server's usual
// address; `service_name` is what the health service reports. Flags the
// server defines itself are parsed too (read them after this returns).
ServerConfig ParseServerConfig(int argc, char** argv, absl::string_view program,
                               absl::string_view default_listen,
                               absl::string_view service_name);

// Prints "<program>: <message>" to stderr and exits with status 2.
[[noreturn]] void ExitWithConfigError(absl::string_view program,
                                      absl::string_view message);

}  // namespace duban

#endif  // DUBAN_COMMON_SERVER_MAIN_H_
