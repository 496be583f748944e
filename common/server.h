// gRPC server bootstrap shared by the services: listening (TLS or mutual TLS
// from certificate files, see common/tls.h; plaintext only when asked for),
// the standard health service (grpc.health.v1) whose status follows Redis
// reachability (and "liveness", SERVING while the process runs), optional
// reflection, keepalive and message-size limits, metrics, request logs and a
// health-only listener (common/observability.h), and graceful shutdown on
// SIGTERM/SIGINT with a deadline.
#ifndef DUBAN_COMMON_SERVER_H_
#define DUBAN_COMMON_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/audit_server.h"
#include "common/auth_server.h"
#include "common/observability.h"
#include "common/tls.h"
#include "grpcpp/grpcpp.h"

namespace duban {

struct ServerOptions {
  // "host:port"; port 0 picks a free port (see RunningServer::port()).
  std::string listen = "127.0.0.1:0";
  // Transport security of the listener; StartServer refuses to start with
  // neither certificate files nor tls.plaintext set.
  ServerTlsOptions tls;
  // The service name reported by the health service, e.g.
  // "duban.plan.v1.PlanService".
  std::string service_name;
  bool enable_reflection = false;
  int max_message_bytes = 8 * 1024 * 1024;
  // Handler threads kept waiting for calls when idle (gRPC's sync-server
  // MAX_POLLERS, default 2): with fewer, a busy server starts and ends a
  // thread for nearly every call.
  int idle_threads = 32;
  // Connections are closed (gracefully) after this long, so that clients
  // re-resolve and load spreads across replicas.
  absl::Duration max_connection_age = absl::Minutes(5);
  absl::Duration keepalive_time = absl::Seconds(30);
  // How long in-flight calls get to finish on shutdown.
  absl::Duration shutdown_deadline = absl::Seconds(10);
  // How often the readiness probe runs.
  absl::Duration readiness_interval = absl::Seconds(1);
  // Returns OK while the service's dependencies (Redis) are reachable; the
  // health service reports NOT_SERVING otherwise. May be empty.
  std::function<absl::Status()> readiness_probe;
  // Metrics, request logs and the health-only listener.
  ObservabilityOptions observability;
  // Per-caller authentication and the permission check (off unless
  // auth.tokens.public_key_file is set; see common/auth_server.h). When on,
  // duban.auth.v1.AuthService (WhoAmI) is served too.
  ServerAuthOptions auth;
  // The audit trail (common/audit_server.h): off unless audit.pool is set;
  // when on, successful changes are recorded and
  // duban.audit.v1.AuditService is served.
  AuditOptions audit;
};

// A started server. Destroying it shuts it down (with the deadline).
class RunningServer {
 public:
  virtual ~RunningServer() = default;
  // The bound port.
  virtual int port() const = 0;
  // Shuts down: stops accepting, lets in-flight calls finish until the
  // deadline, then cancels them. Idempotent.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown() has completed.
  virtual void Wait() = 0;
  // Runs the readiness probe now and updates the health status.
  virtual void CheckReadiness() = 0;
  // The bound ports of --metrics_listen and --health_listen; 0 when off.
  virtual int metrics_port() const = 0;
  virtual int health_port() const = 0;
};

// Builds and starts a server for `services` (not owned; must outlive it).
// Fails with INVALID_ARGUMENT for a bad listen address (main, metrics or
// health), TLS or authentication options, and UNAVAILABLE when a port cannot be
// bound.
absl::StatusOr<std::unique_ptr<RunningServer>> StartServer(
    const ServerOptions& options, const std::vector<grpc::Service*>& services);

// For main(): ignores SIGPIPE (hiredis writes with plain write()), starts
// the server, logs the effective configuration once, blocks until SIGTERM or
// SIGINT, then shuts down gracefully. Returns the process exit code.
int RunServerUntilSignal(const ServerOptions& options,
                         const std::vector<grpc::Service*>& services);

}  // namespace duban

#endif  // DUBAN_COMMON_SERVER_H_
