#include "tools/dubanctl/cli.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/config.h"
#include "common/tls.h"
#include "google/protobuf/util/json_util.h"
#include "tools/dubanctl/table.h"

namespace duban::cli {
namespace {

// Retries of a call answered UNAVAILABLE, and the first backoff (doubled
// each time, with jitter): about 1.75 s in all before giving up.
constexpr int kMaxRetries = 3;
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(250);

bool ParseTimeout(absl::string_view text, absl::Duration* out) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    *out = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, out)) {
    return false;
  }
  return *out > absl::ZeroDuration() && *out < absl::Hours(24);
}

ClientTlsOptions TlsOptions(const GlobalOptions& options) {
  ClientTlsOptions tls;
  tls.plaintext = options.plaintext;
  tls.ca_file = options.tls_ca_file;
  tls.cert_file = options.tls_cert_file;
  tls.key_file = options.tls_key_file;
  tls.server_name = options.tls_server_name;
  return tls;
}

}  // namespace

void AddGlobalOptions(CLI::App* app, GlobalOptions* options) {
  app->add_flag("--json", options->json,
                "Print the response as one JSON document (proto field names, "
                "defaults included)");
  app->add_flag("--wide", options->wide,
                "Do not truncate long cells in tables");
  app->add_option("--plan-addr", options->plan_addr,
                  "plan-server address host:port")
      ->envname("DUBAN_PLAN_ADDR")
      ->capture_default_str();
  app->add_option("--unit-addr", options->unit_addr,
                  "unit-server address host:port")
      ->envname("DUBAN_UNIT_ADDR")
      ->capture_default_str();
  app->add_option("--progress-addr", options->progress_addr,
                  "progress-server address host:port")
      ->envname("DUBAN_PROGRESS_ADDR")
      ->capture_default_str();
  app->add_option("--timeout", options->timeout_text,
                  "Deadline of each call: seconds or a duration (10s, 500ms)")
      ->envname("DUBAN_TIMEOUT")
      ->capture_default_str();
  app->add_flag("--plaintext", options->plaintext,
                "Connect without TLS (servers started with --plaintext)")
      ->envname("DUBAN_PLAINTEXT");
  app->add_option("--tls-ca-file", options->tls_ca_file,
                  "PEM CA bundle that verifies the servers (default: the "
                  "system's trust store)")
      ->envname("DUBAN_TLS_CA_FILE");
  app->add_option("--tls-cert-file", options->tls_cert_file,
                  "PEM client certificate chain, for servers that require "
                  "mutual TLS")
      ->envname("DUBAN_TLS_CERT_FILE");
  app->add_option("--tls-key-file", options->tls_key_file,
                  "PEM private key of --tls-cert-file")
      ->envname("DUBAN_TLS_KEY_FILE");
  app->add_option("--tls-server-name", options->tls_server_name,
                  "Name the servers' certificates must carry, when it is not "
                  "the host dialled")
      ->envname("DUBAN_TLS_SERVER_NAME");
  app->add_option("--token-file", options->token_file,
                  "File holding the bearer token sent on every call, for "
                  "servers with authentication on (else DUBAN_TOKEN)")
      ->envname("DUBAN_TOKEN_FILE");
}

bool ValidateGlobalOptions(GlobalOptions* options) {
  if (!ParseTimeout(options->timeout_text, &options->timeout)) {
    ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                     absl::StrCat("--timeout: must be a positive duration "
                                  "under 24h such as 10s or 500ms (got \"",
                                  options->timeout_text, "\")"));
    return false;
  }
  const std::pair<const char*, const std::string*> addrs[] = {
      {"--plan-addr", &options->plan_addr},
      {"--unit-addr", &options->unit_addr},
      {"--progress-addr", &options->progress_addr}};
  for (const auto& [flag, value] : addrs) {
    if (absl::StripAsciiWhitespace(*value).empty()) {
      ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                       absl::StrCat(flag, ": must not be empty"));
      return false;
    }
  }
  if (!options->token_file.empty()) {
    absl::StatusOr<std::string> token =
        ReadSecretFile("--token-file", options->token_file);
    if (!token.ok()) {
      ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                       token.status().message());
      return false;
    }
    options->token = *token;
  } else if (const char* env = std::getenv("DUBAN_TOKEN"); env != nullptr) {
    options->token = env;
  }
  options->token = std::string(absl::StripAsciiWhitespace(options->token));
  // A token is one line of base64url and dots; anything else would be
  // refused by gRPC as a header value.
  for (const char c : options->token) {
    if (c <= ' ' || c > '~') {
      ReportUsageError(
          grpc::StatusCode::INVALID_ARGUMENT,
          options->token_file.empty()
              ? "DUBAN_TOKEN: not a token (spaces or control "
                "characters)"
              : absl::StrCat("--token-file: \"", options->token_file,
                             "\" does not hold a token"));
      return false;
    }
  }
  ClientTlsFlags flags;
  flags.plaintext = "--plaintext";
  flags.ca_file = "--tls-ca-file";
  flags.cert_file = "--tls-cert-file";
  flags.key_file = "--tls-key-file";
  if (absl::Status s = ValidateClientTls(TlsOptions(*options), flags);
      !s.ok()) {
    ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT, s.message());
    return false;
  }
  return true;
}

Server PlanServer(const GlobalOptions& options) {
  return {"plan-server", options.plan_addr, "--plan-addr", "DUBAN_PLAN_ADDR"};
}

Server UnitServer(const GlobalOptions& options) {
  return {"unit-server", options.unit_addr, "--unit-addr", "DUBAN_UNIT_ADDR"};
}

Server ProgressServer(const GlobalOptions& options) {
  return {"progress-server", options.progress_addr, "--progress-addr",
          "DUBAN_PROGRESS_ADDR"};
}

std::shared_ptr<grpc::Channel> MakeChannel(const GlobalOptions& options,
                                           absl::string_view address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  // Our own retry loop decides what is retried.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  const ClientTlsOptions tls = TlsOptions(options);
  AddChannelArguments(tls, &args);
  // Validated with the other options; a credential that still fails gives
  // a channel whose calls fail, never a plaintext one.
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(tls);
  return grpc::CreateCustomChannel(
      std::string(address), credentials.ok() ? *credentials : nullptr, args);
}

void AddCredentials(const GlobalOptions& options,
                    grpc::ClientContext* context) {
  if (!options.token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options.token));
  }
}

grpc::Status CallWithRetry(
    const GlobalOptions& options,
    const std::function<grpc::Status(grpc::ClientContext*)>& call) {
  absl::BitGen gen;
  absl::Duration backoff = kFirstBackoff;
  for (int attempt = 0;; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
    AddCredentials(options, &context);
    grpc::Status status = call(&context);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE ||
        attempt == kMaxRetries) {
      return status;
    }
    absl::SleepFor(backoff * absl::Uniform(gen, 0.8, 1.2));
    backoff *= 2;
  }
}

std::string CodeName(grpc::StatusCode code) {
  // grpc::StatusCode and absl::StatusCode agree by value (see
  // common/status.h).
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

int ReportCallError(const grpc::Status& status, const Server& server,
                    grpc::Channel* channel) {
  std::string message = status.error_message();
  const bool connected =
      channel != nullptr &&
      channel->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && !connected) {
    message = absl::StrCat("cannot reach ", server.name, " at ", server.address,
                           " (", message,
                           "); is it running? Point dubanctl elsewhere with ",
                           server.flag, " or ", server.env,
                           "; secure the connection as the server expects "
                           "with --tls-ca-file, --tls-cert-file and "
                           "--tls-key-file (DUBAN_TLS_*) or --plaintext");
  } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    message = absl::StrCat(server.name, " at ", server.address,
                           " did not answer in time (", message,
                           "); raise --timeout if it is just slow");
  }
  std::cerr << "error: " << CodeName(status.error_code()) << ": " << message
            << std::endl;
  return kExitServerError;
}

int ReportUsageError(grpc::StatusCode code, absl::string_view message) {
  std::cerr << "error: " << CodeName(code) << ": " << message << std::endl;
  return kExitUsage;
}

int PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.preserve_proto_field_names = true;
  json_options.always_print_primitive_fields = true;
  std::string out;
  const auto status =
      google::protobuf::util::MessageToJsonString(message, &out, json_options);
  if (!status.ok()) {
    std::cerr << "error: INTERNAL: cannot print the answer as JSON: "
              << status.ToString() << std::endl;
    return kExitServerError;
  }
  std::cout << out << std::endl;
  return kExitOk;
}

std::string FormatDate(const duban::type::v1::Date& date) {
  if (date.year() == 0) return "";
  if (date.month() == 0) return absl::StrFormat("%04d", date.year());
  if (date.day() == 0) {
    return absl::StrFormat("%04d-%02d", date.year(), date.month());
  }
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day());
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "";
  const absl::Time t = absl::FromUnixSeconds(timestamp.seconds()) +
                       absl::Nanoseconds(timestamp.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string LocalPrincipal() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user) {
    return user;
  }
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name) {
    return pw->pw_name;
  }
  return "dubanctl";
}

int Cap(const GlobalOptions& globals, int width) {
  return globals.wide ? 0 : width;
}

void PrintField(absl::string_view key, absl::string_view value) {
  constexpr int kKeyWidth = 14;
  if (value.empty()) return;
  std::cout << PadRight(key, kKeyWidth) << value << '\n';
}

std::string LastSegment(absl::string_view name) {
  const std::size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name
                                                      : name.substr(slash + 1));
}

}  // namespace duban::cli
