#include "common/server_main.h"

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/auth.h"
#include "common/auth_server.h"
#include "common/client.h"
#include "common/config.h"
#include "common/log.h"
#include "common/observability.h"
#include "common/redis_sentinel.h"
#include "common/tls_flags.h"

ABSL_FLAG(std::string, listen, "",
          "Address to serve gRPC on, HOST:PORT (default: the server's own)");
namespace {
constexpr char kDefaultRedis[] = "127.0.0.1:6390";
}  // namespace

ABSL_FLAG(std::string, redis, kDefaultRedis,
          "Redis address, HOST:PORT (leave unset with --redis_sentinels)");
ABSL_FLAG(std::string, redis_sentinels, "",
          "Redis Sentinel addresses, HOST:PORT,HOST:PORT,...: discover the "
          "primary through them instead of --redis");
ABSL_FLAG(std::string, redis_master_name, "duban",
          "With --redis_sentinels: the name the sentinels know the primary by");
ABSL_FLAG(std::string, redis_sentinel_password_file, "",
          "With --redis_sentinels: file holding the sentinels' password "
          "(optional)");
ABSL_FLAG(std::string, redis_user, "", "Redis ACL user (optional)");
ABSL_FLAG(std::string, redis_password_file, "",
          "File holding the Redis password (optional)");
ABSL_FLAG(int, redis_pool, 16, "Redis connections in the pool, 1-256");
ABSL_FLAG(int, redis_batch_leaders, 2,
          "Batches of concurrent callers' Redis commands on the wire at "
          "once, 1 to --redis_pool (see common/redis.h)");
ABSL_FLAG(bool, reflection, false, "Enable gRPC server reflection");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(int, shutdown_seconds, 10,
          "How long in-flight calls get to finish on SIGTERM, 0-600");
ABSL_FLAG(std::string, metrics_listen, "",
          "Address serving Prometheus metrics at GET /metrics over HTTP, "
          "HOST:PORT (empty: off)");
ABSL_FLAG(std::string, health_listen, "",
          "Address of a plaintext gRPC listener serving only grpc.health.v1, "
          "for probes, HOST:PORT (empty: off)");
ABSL_FLAG(bool, request_log, true, "Log one JSON line per finished call");
ABSL_FLAG(std::string, auth_public_key_file, "",
          "PEM file of the public keys that verify bearer tokens (ES256, "
          "RS256); set: every call needs \"authorization: Bearer <token>\" "
          "and a role that grants it (empty: authentication off)");
ABSL_FLAG(std::string, auth_issuer, "",
          "With --auth_public_key_file: the iss tokens must carry");
ABSL_FLAG(std::string, auth_audience, "",
          "With --auth_public_key_file: the aud tokens must carry");
ABSL_FLAG(int, auth_leeway_seconds, 30,
          "Clock skew tolerated on token exp and nbf, 0-300");
ABSL_FLAG(int, auth_refresh_seconds, 60,
          "How often --auth_public_key_file and "
          "--auth_client_principals_file are checked for changes, 1-86400");
ABSL_FLAG(std::string, auth_client_principals_file, "",
          "With --auth_public_key_file and --tls_client_ca_file: JSON file "
          "mapping verified client certificates (URI, DNS name or common "
          "name) to system principals, for callers that send no token");
ABSL_FLAG(std::string, auth_service_token_file, "",
          "File holding the bearer token this server sends on the calls it "
          "makes with its own identity (background work), where mutual TLS "
          "does not identify it; re-read when it changes");

namespace duban {

void ExitWithConfigError(absl::string_view program, absl::string_view message) {
  std::cerr << program << ": " << message << "\n";
  std::exit(2);
}

namespace {

void ApplyAuthFlags(absl::string_view program, ServerAuthOptions* auth) {
  auto fail = [&](absl::string_view message) {
    ExitWithConfigError(program, message);
  };
  TokenVerifierOptions& tokens = auth->tokens;
  tokens.public_key_file = absl::GetFlag(FLAGS_auth_public_key_file);
  tokens.issuer = absl::GetFlag(FLAGS_auth_issuer);
  tokens.audience = absl::GetFlag(FLAGS_auth_audience);
  const int leeway = absl::GetFlag(FLAGS_auth_leeway_seconds);
  if (leeway < 0 || leeway > 300) {
    fail(absl::StrCat("--auth_leeway_seconds: must be 0-300 (got ", leeway,
                      ")"));
  }
  const int refresh = absl::GetFlag(FLAGS_auth_refresh_seconds);
  if (refresh < 1 || refresh > 86400) {
    fail(absl::StrCat("--auth_refresh_seconds: must be 1-86400 (got ", refresh,
                      ")"));
  }
  tokens.leeway = absl::Seconds(leeway);
  tokens.refresh_interval = absl::Seconds(refresh);
  auth->client_principals_file =
      absl::GetFlag(FLAGS_auth_client_principals_file);
  if (tokens.public_key_file.empty()) {
    if (!tokens.issuer.empty() || !tokens.audience.empty() ||
        !auth->client_principals_file.empty()) {
      fail(
          "--auth_issuer, --auth_audience, --auth_client_principals_file: "
          "only used with --auth_public_key_file, which is unset");
    }
    return;
  }
  // Refused now rather than at the first call.
  if (auto authorizer = CallAuthorizer::Create(*auth); !authorizer.ok()) {
    fail(authorizer.status().message());
  }
}

// The calls this server makes with its own identity carry the token of
// --auth_service_token_file (common/client.h).
void ApplyServiceTokenFlag(absl::string_view program) {
  const std::string file = absl::GetFlag(FLAGS_auth_service_token_file);
  if (!file.empty()) {
    if (auto token = ReadSecretFile("--auth_service_token_file", file);
        !token.ok()) {
      ExitWithConfigError(program, token.status().message());
    }
  }
  SetServiceTokenFile(file);
}

}  // namespace

ServerConfig ParseServerConfig(int argc, char** argv, absl::string_view program,
                               absl::string_view default_listen,
                               absl::string_view service_name) {
  SetLogComponent(program);
  ParseFlagsWithEnv(
      argc, argv,
      absl::StrCat(program, ": a duban server.\n",
                   "Every flag can also be set as DUBAN_<FLAG>."));
  auto fail = [&](absl::string_view message) {
    ExitWithConfigError(program, message);
  };

  const std::string level = absl::GetFlag(FLAGS_log_level);
  if (level == "debug") {
    SetMinLogLevel(LogLevel::kDebug);
  } else if (level == "info") {
    SetMinLogLevel(LogLevel::kInfo);
  } else if (level == "warning") {
    SetMinLogLevel(LogLevel::kWarning);
  } else if (level == "error") {
    SetMinLogLevel(LogLevel::kError);
  } else {
    fail(absl::StrCat(
        "--log_level: must be debug, info, warning or error (got \"", level,
        "\")"));
  }

  ServerConfig config;
  config.server.listen = absl::GetFlag(FLAGS_listen);
  if (config.server.listen.empty()) {
    config.server.listen = std::string(default_listen);
  }
  if (auto s = ValidateHostPort("--listen", config.server.listen); !s.ok()) {
    fail(s.message());
  }
  if (auto s = ParseRedisAddress("--redis", absl::GetFlag(FLAGS_redis),
                                 &config.redis);
      !s.ok()) {
    fail(s.message());
  }
  if (const std::string sentinels = absl::GetFlag(FLAGS_redis_sentinels);
      !sentinels.empty()) {
    // Refused rather than ignored, so that a half-changed configuration
    // does not silently talk to a Redis other than the one meant.
    if (absl::GetFlag(FLAGS_redis) != kDefaultRedis) {
      fail(absl::StrCat(
          "--redis_sentinels: leave --redis unset when the primary is "
          "discovered through sentinels (got --redis=\"",
          absl::GetFlag(FLAGS_redis), "\" and --redis_sentinels=\"", sentinels,
          "\")"));
    }
    if (auto s =
            ParseRedisSentinels("--redis_sentinels", sentinels, &config.redis);
        !s.ok()) {
      fail(s.message());
    }
    config.redis.master_name = absl::GetFlag(FLAGS_redis_master_name);
    if (auto s =
            ValidateMasterName("--redis_master_name", config.redis.master_name);
        !s.ok()) {
      fail(s.message());
    }
    if (const std::string file =
            absl::GetFlag(FLAGS_redis_sentinel_password_file);
        !file.empty()) {
      auto password = ReadSecretFile("--redis_sentinel_password_file", file);
      if (!password.ok()) fail(password.status().message());
      config.redis.sentinel_password = *password;
    }
  } else if (const std::string file =
                 absl::GetFlag(FLAGS_redis_sentinel_password_file);
             !file.empty()) {
    fail(absl::StrCat(
        "--redis_sentinel_password_file: only used with --redis_sentinels, "
        "which is unset (got \"",
        file, "\")"));
  }
  config.redis.pool_size = absl::GetFlag(FLAGS_redis_pool);
  if (config.redis.pool_size < 1 || config.redis.pool_size > 256) {
    fail(absl::StrCat("--redis_pool: must be 1-256 (got ",
                      config.redis.pool_size, ")"));
  }
  config.redis.batch_leaders = absl::GetFlag(FLAGS_redis_batch_leaders);
  if (config.redis.batch_leaders < 1 ||
      config.redis.batch_leaders > config.redis.pool_size) {
    fail(absl::StrCat("--redis_batch_leaders: must be 1 to --redis_pool (",
                      config.redis.pool_size, ") (got ",
                      config.redis.batch_leaders, ")"));
  }
  config.redis.user = absl::GetFlag(FLAGS_redis_user);
  config.redis.client_name = std::string(program);
  if (const std::string file = absl::GetFlag(FLAGS_redis_password_file);
      !file.empty()) {
    auto password = ReadSecretFile("--redis_password_file", file);
    if (!password.ok()) fail(password.status().message());
    config.redis.password = *password;
  }
  const int shutdown_seconds = absl::GetFlag(FLAGS_shutdown_seconds);
  if (shutdown_seconds < 0 || shutdown_seconds > 600) {
    fail(absl::StrCat("--shutdown_seconds: must be 0-600 (got ",
                      shutdown_seconds, ")"));
  }
  config.server.service_name = std::string(service_name);
  config.server.enable_reflection = absl::GetFlag(FLAGS_reflection);
  config.server.shutdown_deadline = absl::Seconds(shutdown_seconds);
  ApplyTlsFlags(program, &config);
  ObservabilityOptions& observability = config.server.observability;
  observability.program = std::string(program);
  observability.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  observability.health_listen = absl::GetFlag(FLAGS_health_listen);
  observability.request_log = absl::GetFlag(FLAGS_request_log);
  if (auto s = ValidateObservabilityOptions(observability); !s.ok()) {
    fail(s.message());
  }
  ApplyAuthFlags(program, &config.server.auth);
  if (!config.server.auth.client_principals_file.empty() &&
      config.server.tls.client_ca_file.empty()) {
    fail(
        "--auth_client_principals_file: needs mutual TLS "
        "(--tls_client_ca_file), which is unset");
  }
  ApplyServiceTokenFlag(program);
  config.redis.on_error = RedisErrorCounter(program);
  return config;
}

}  // namespace duban
