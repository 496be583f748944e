// How a service calls another: every call with a deadline, retried only
// when the failure says the callee was not reached (UNAVAILABLE) and only
// for calls the caller declares safe to repeat; failures to reach it come
// back as UNAVAILABLE naming the callee (never its address), other codes
// unchanged. Channels use
// the caller's transport security (TLS, with the service's own certificate
// for callees that require mutual TLS; see common/tls.h).
#ifndef DUBAN_COMMON_CLIENT_H_
#define DUBAN_COMMON_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/tls.h"
#include "grpcpp/grpcpp.h"

namespace duban {

struct CallPolicy {
  // Deadline of each attempt.
  absl::Duration timeout = absl::Seconds(5);
  // Attempts in all; more than one only for idempotent calls.
  int attempts = 3;
  // Wait before the second attempt, doubled before each further one.
  absl::Duration backoff = absl::Milliseconds(100);
};

// Runs `call` with a fresh ClientContext (deadline set) per attempt. Inside
// a handler on a server with authentication on, the call carries the
// caller's bearer token (common/auth_server.h: CallerBearerToken); other
// calls (background work, callers known by their certificate) carry the
// server's own identity: the service token when one is set
// (SetServiceTokenFile), and the client certificate of the channel.
// `callee` names the other side in log lines ("unit service at
// 127.0.0.1:50062"); a failure to reach it comes back as UNAVAILABLE naming
// only the part before " at " plus an incident id, the detail logged
// (common/redaction.h).
absl::Status CallService(
    absl::string_view callee, const CallPolicy& policy,
    const std::function<grpc::Status(grpc::ClientContext*)>& call);

// The bearer token of the calls this process makes with its own identity,
// read from `path` (one line, as dubanctl's --token-file) and read again
// whenever the file changes, so that a renewed token needs no restart; an
// empty path: none (--auth_service_token_file; for deployments without
// mutual TLS). A file that cannot be read later is logged and the last
// token kept.
void SetServiceTokenFile(const std::string& path);

// A channel to `address` for service-to-service calls, secured by `tls`.
// Options that fail validation (checked at startup, so only when a file
// went bad since) give a channel whose every call fails; never a plaintext
// one.
std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address,
                                              const ClientTlsOptions& tls);

}  // namespace duban

#endif  // DUBAN_COMMON_CLIENT_H_
