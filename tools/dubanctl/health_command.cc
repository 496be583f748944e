#include "tools/dubanctl/health_command.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace duban::cli {
namespace {

namespace health = ::grpc::health::v1;

// Pause between checks while waiting.
constexpr absl::Duration kPollInterval = absl::Milliseconds(200);

struct HealthOptions {
  std::string server = "plan";
  std::string service;
  std::string wait_text = "0";
};

bool ParseWait(absl::string_view text, absl::Duration* out) {
  double seconds = 0;
  if (absl::SimpleAtod(text, &seconds)) {
    *out = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, out)) {
    return false;
  }
  return *out >= absl::ZeroDuration() && *out <= absl::Hours(1);
}

int RunHealth(const GlobalOptions& globals, const HealthOptions& options) {
  absl::Duration wait;
  if (!ParseWait(options.wait_text, &wait)) {
    return ReportUsageError(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("--wait: must be a duration up to 1h such as 30s (got \"",
                     options.wait_text, "\")"));
  }
  const Server server = options.server == "unit"       ? UnitServer(globals)
                        : options.server == "progress" ? ProgressServer(globals)
                                                       : PlanServer(globals);
  auto channel = MakeChannel(globals, server.address);
  auto stub = health::Health::NewStub(channel);
  health::HealthCheckRequest request;
  request.set_service(options.service);
  health::HealthCheckResponse response;
  grpc::Status status;

  const absl::Time give_up = absl::Now() + wait;
  while (true) {
    grpc::ClientContext context;
    absl::Time deadline = absl::Now() + globals.timeout;
    if (wait > absl::ZeroDuration()) {
      // Waiting: let the call wait for the connection, but not past the
      // end of the wait (and at least a moment, to make one real attempt).
      deadline =
          std::min(deadline, std::max(give_up, absl::Now() + absl::Seconds(1)));
      context.set_wait_for_ready(true);
    }
    context.set_deadline(absl::ToChronoTime(deadline));
    response.Clear();
    status = stub->Check(&context, request, &response);
    if (status.ok() &&
        response.status() == health::HealthCheckResponse::SERVING) {
      break;
    }
    // Only "not up yet" is worth waiting for; UNIMPLEMENTED or NOT_FOUND
    // (no such service) will not change.
    const bool transient =
        status.ok() || status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (!transient || absl::Now() + kPollInterval >= give_up) break;
    absl::SleepFor(kPollInterval);
  }

  if (!status.ok()) {
    if (wait > absl::ZeroDuration() &&
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      status = grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("no answer within ", absl::FormatDuration(wait)));
    }
    return ReportCallError(status, server, channel.get());
  }
  if (globals.json) {
    if (const int code = PrintJson(response); code != kExitOk) return code;
  } else {
    std::cout << server.name << " at " << server.address
              << (options.service.empty()
                      ? ""
                      : absl::StrCat(" (", options.service, ")"))
              << ": "
              << health::HealthCheckResponse::ServingStatus_Name(
                     response.status())
              << '\n';
  }
  if (response.status() != health::HealthCheckResponse::SERVING) {
    std::cerr << "error: UNAVAILABLE: " << server.name << " at "
              << server.address << " is "
              << health::HealthCheckResponse::ServingStatus_Name(
                     response.status())
              << (wait > absl::ZeroDuration()
                      ? absl::StrCat(" after ", absl::FormatDuration(wait))
                      : "")
              << " (is its Redis reachable? see its log)" << std::endl;
    return kExitServerError;
  }
  return kExitOk;
}

}  // namespace

void AddHealthCommand(CLI::App* app, const GlobalOptions* globals,
                      Action* action) {
  auto options = std::make_shared<HealthOptions>();
  CLI::App* cmd = app->add_subcommand(
      "health",
      "Ask a server whether it is SERVING (grpc.health.v1); exit 0 if so");
  cmd->add_option("SERVER", options->server, "plan, unit or progress")
      ->check(CLI::IsMember({"plan", "unit", "progress"}))
      ->capture_default_str();
  cmd->add_option("--service", options->service,
                  "Service name to ask about (default: the whole server)");
  cmd->add_option("--wait", options->wait_text,
                  "Keep asking until SERVING, for up to this long (30s)")
      ->capture_default_str();
  cmd->callback(
      [=] { *action = [=] { return RunHealth(*globals, *options); }; });
}

}  // namespace duban::cli
