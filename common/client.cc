#include "common/client.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/auth_server.h"
#include "common/log.h"
#include "common/status.h"

namespace duban {

absl::Status CallService(
    absl::string_view callee, const CallPolicy& policy,
    const std::function<grpc::Status(grpc::ClientContext*)>& call) {
  absl::Duration backoff = policy.backoff;
  grpc::Status status;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoMilliseconds(policy.timeout));
    // On a caller's behalf: the callee checks the caller's own token.
    if (const std::string* token = CallerBearerToken(); token != nullptr) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", *token));
    }
    status = call(&context);
    const bool unreached =
        status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (!unreached) return FromGrpcStatus(status);
    if (attempt >= policy.attempts) break;
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(backoff));
    backoff *= 2;
  }
  return absl::UnavailableError(
      absl::StrCat(callee, " unavailable: ", status.error_message()));
}

std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address,
                                              const ClientTlsOptions& tls) {
  grpc::ChannelArguments args;
  // Re-resolve and spread over replicas when a server closes the
  // connection at its max age.
  args.SetLoadBalancingPolicyName("round_robin");
  // A restarted peer is found again within a second, not after gRPC's
  // default backoff of up to two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  AddChannelArguments(tls, &args);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(tls);
  if (!credentials.ok()) {
    Log(LogLevel::kError, "cannot secure the channel to another service",
        {{"address", address}, {"error", credentials.status().ToString()}});
    // gRPC answers every call on a channel without credentials with an
    // error.
    return grpc::CreateCustomChannel(address, nullptr, args);
  }
  return grpc::CreateCustomChannel(address, *credentials, args);
}

}  // namespace duban
