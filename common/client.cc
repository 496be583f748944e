#include "common/client.h"

#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/auth_server.h"
#include "common/config.h"
#include "common/log.h"
#include "common/redaction.h"
#include "common/status.h"

namespace duban {
namespace {

// The process's service token (SetServiceTokenFile), re-read on change.
class ServiceToken {
 public:
  void SetFile(const std::string& path) {
    absl::MutexLock lock(&mu_);
    path_ = path;
    stamp_.clear();
    token_.clear();
  }

  // The current token; empty when none is set.
  std::string Get() {
    absl::MutexLock lock(&mu_);
    if (path_.empty()) return "";
    struct stat st;
    std::string stamp;
    if (stat(path_.c_str(), &st) == 0) {
      stamp = absl::StrCat(st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec,
                           ".", st.st_mtim.tv_nsec);
    }
    if (stamp.empty() || stamp != stamp_) {
      absl::StatusOr<std::string> token =
          ReadSecretFile("--auth_service_token_file", path_);
      if (token.ok()) {
        token_ = *std::move(token);
        stamp_ = stamp;
      } else {
        Log(LogLevel::kWarning, "keeping the previous service token",
            {{"error", std::string(token.status().message())}});
      }
    }
    return token_;
  }

 private:
  absl::Mutex mu_;
  std::string path_ ABSL_GUARDED_BY(mu_);
  std::string stamp_ ABSL_GUARDED_BY(mu_);
  std::string token_ ABSL_GUARDED_BY(mu_);
};

ServiceToken& ProcessServiceToken() {
  static ServiceToken* const token = new ServiceToken;
  return *token;
}

// "unit service at 127.0.0.1:50062" -> "unit service".
absl::string_view CalleeName(absl::string_view callee) {
  const size_t at = callee.find(" at ");
  return at == absl::string_view::npos ? callee : callee.substr(0, at);
}

}  // namespace

void SetServiceTokenFile(const std::string& path) {
  ProcessServiceToken().SetFile(path);
}

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
    // Otherwise the server's own (besides its client certificate).
    if (const std::string* token = CallerBearerToken(); token != nullptr) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", *token));
    } else if (const std::string own = ProcessServiceToken().Get();
               !own.empty()) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", own));
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
  // gRPC's own text names the callee's address; callers get the callee's
  // name only.
  return ConcealDetail(
      absl::UnavailableError(
          absl::StrCat(callee, " unavailable: ", status.error_message())),
      absl::StrCat(CalleeName(callee), " unavailable; retry later"));
}

std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address,
                                              const ClientTlsOptions& tls) {
  std::string host;
  int port = 0;
  SplitHostPort(address, &host, &port);
  RegisterAddressForRedaction(host, port);
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
