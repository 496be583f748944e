// What every server's main() shares: the common flags (--listen, --redis,
// --redis_user, --redis_password_file, --redis_pool, --redis_batch_leaders,
// --reflection,
// --log_level, --shutdown_seconds, --metrics_listen, --health_listen,
// --request_log, the TLS flags of common/tls_flags.h, and the flags of
// bearer-token authentication (--auth_public_key_file, --auth_issuer,
// --auth_audience, --auth_leeway_seconds, --auth_refresh_seconds; off unless
// the key file is set; see common/auth_server.h), client certificates as
// principals (--auth_client_principals_file, with mutual TLS; see
// common/client_principals.h) and the server's own token for the calls it
// makes itself (--auth_service_token_file; common/client.h); each also
// DUBAN_<FLAG>), validated into a config, or one clear line on stderr and
// exit status 2. The config counts Redis failures into
// duban_redis_errors_total (common/observability.h).
//
// Sentinel discovery (common/redis_sentinel.h): --redis_sentinels
// (HOST:PORT,HOST:PORT,...) finds the primary named --redis_master_name
// (default "duban") through those sentinels, authenticating with the
// password in --redis_sentinel_password_file when given. --redis must then
// be left unset (a value other than its default is refused), and
// --redis_sentinel_password_file without --redis_sentinels is refused.
#ifndef DUBAN_COMMON_SERVER_MAIN_H_
#define DUBAN_COMMON_SERVER_MAIN_H_

#include "absl/strings/string_view.h"
#include "common/redis.h"
#include "common/server.h"
#include "common/tls.h"

namespace duban {

struct ServerConfig {
  ServerOptions server;
  RedisOptions redis;
  // How this server calls other services (plan → unit, progress → plan and
  // unit).
  ClientTlsOptions client_tls;
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
