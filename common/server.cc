#include "common/server.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/config.h"
#include "common/log.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"

namespace duban {
namespace {

// Clients ping at most this often without data before the server calls it
// abuse (gRPC's default is 5 minutes, which GOAWAYs clients that keep alive
// every 30 s).
constexpr absl::Duration kMinClientPingInterval = absl::Seconds(10);
constexpr absl::Duration kKeepaliveTimeout = absl::Seconds(10);

int ToMillis(absl::Duration d) {
  if (d >= absl::Milliseconds(INT_MAX)) return INT_MAX;
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<int>(absl::ToInt64Milliseconds(d));
}

// Linking grpc++_reflection registers its plugin for every ServerBuilder at
// static-initialization time; this option takes it out again when
// reflection is off.
class WithoutReflection : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    for (auto it = plugins->begin(); it != plugins->end();) {
      if ((*it)->name() == "proto_server_reflection") {
        it = plugins->erase(it);
      } else {
        ++it;
      }
    }
  }
};

class RunningServerImpl : public RunningServer {
 public:
  RunningServerImpl(ServerOptions options,
                    std::unique_ptr<grpc::Service> auth_service,
                    std::unique_ptr<AuditTrail> audit,
                    std::unique_ptr<grpc::CallbackGenericService> unimplemented,
                    std::unique_ptr<grpc::Server> server, int port,
                    std::unique_ptr<ObservabilityEndpoints> endpoints)
      : options_(std::move(options)),
        auth_service_(std::move(auth_service)),
        audit_(std::move(audit)),
        unimplemented_(std::move(unimplemented)),
        server_(std::move(server)),
        port_(port),
        endpoints_(std::move(endpoints)) {}

  ~RunningServerImpl() override { Shutdown(); }

  void StartReadinessThread() {
    CheckReadiness();
    if (!options_.readiness_probe) return;
    readiness_thread_ = std::thread([this] {
      absl::MutexLock lock(&mu_);
      while (!stopping_) {
        // Sleep until the next probe or until Shutdown() wakes us.
        mu_.AwaitWithTimeout(
            absl::Condition(&stopping_),
            std::max(options_.readiness_interval, absl::Milliseconds(10)));
        if (stopping_) break;
        mu_.Unlock();
        CheckReadiness();
        mu_.Lock();
      }
    });
  }

  int port() const override { return port_; }
  int metrics_port() const override { return endpoints_->metrics_port(); }
  int health_port() const override { return endpoints_->health_port(); }

  void Shutdown() override {
    absl::call_once(shutdown_once_, [this] {
      {
        absl::MutexLock lock(&mu_);
        stopping_ = true;
      }
      if (readiness_thread_.joinable()) readiness_thread_.join();
      {
        absl::MutexLock lock(&probe_mu_);
        SetServing(false);
        // Freezes every status at NOT_SERVING and ends Watch streams.
        server_->GetHealthCheckService()->Shutdown();
        endpoints_->FreezeHealth();
      }
      Log(LogLevel::kInfo, "shutting down",
          {{"service", options_.service_name},
           {"deadline", absl::FormatDuration(options_.shutdown_deadline)}});
      // Clamped so that an infinite deadline cannot overflow the clock.
      const absl::Duration grace = std::clamp(
          options_.shutdown_deadline, absl::ZeroDuration(), absl::Hours(24));
      server_->Shutdown(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(grace));
      server_->Wait();
      // Metrics stay scrapeable until the calls have drained.
      endpoints_->Shutdown();
      Log(LogLevel::kInfo, "shut down", {{"service", options_.service_name}});
      absl::MutexLock lock(&mu_);
      shut_down_ = true;
    });
  }

  void Wait() override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&shut_down_));
  }

  void CheckReadiness() override {
    // Serialized so that a slow probe cannot overwrite a newer result, and
    // so that nothing turns the status back to SERVING during Shutdown().
    absl::MutexLock lock(&probe_mu_);
    {
      absl::MutexLock l(&mu_);
      if (stopping_) return;
    }
    absl::Status status = options_.readiness_probe ? options_.readiness_probe()
                                                   : absl::OkStatus();
    const bool serving = status.ok();
    if (!known_ || serving != serving_) {
      if (serving) {
        Log(LogLevel::kInfo, "ready: health status SERVING",
            {{"service", options_.service_name}});
      } else {
        Log(LogLevel::kWarning, "not ready: health status NOT_SERVING",
            {{"service", options_.service_name}, {"error", status.ToString()}});
      }
    }
    known_ = true;
    serving_ = serving;
    SetServing(serving);
  }

 private:
  void SetServing(bool serving) ABSL_EXCLUSIVE_LOCKS_REQUIRED(probe_mu_) {
    grpc::HealthCheckServiceInterface* health =
        server_->GetHealthCheckService();
    if (health == nullptr) return;
    if (!options_.service_name.empty()) {
      health->SetServingStatus(options_.service_name, serving);
    }
    // The overall status; SetServingStatus(bool) would touch every name.
    health->SetServingStatus("", serving);
    endpoints_->SetServingStatus(options_.service_name, serving);
    endpoints_->SetServingStatus("", serving);
  }

  const ServerOptions options_;
  // Both must outlive server_ (declared first, destroyed last).
  const std::unique_ptr<grpc::Service> auth_service_;
  const std::unique_ptr<AuditTrail> audit_;
  const std::unique_ptr<grpc::CallbackGenericService> unimplemented_;
  const std::unique_ptr<grpc::Server> server_;
  const int port_;
  const std::unique_ptr<ObservabilityEndpoints> endpoints_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex probe_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  bool known_ ABSL_GUARDED_BY(probe_mu_) = false;
  bool serving_ ABSL_GUARDED_BY(probe_mu_) = false;

  absl::once_flag shutdown_once_;
  std::thread readiness_thread_;
};

// Signal handling for RunServerUntilSignal: the handler only writes the
// signal number to a pipe (async-signal-safe); the main thread reads it.
// This works whichever thread receives the signal, unlike sigwait, which
// needs the signal blocked in every thread (gRPC may have started some
// before we run).
int signal_pipe[2] = {-1, -1};

void OnSignal(int signo) {
  const int saved = errno;
  const char byte = static_cast<char>(signo);
  ssize_t ignored = write(signal_pipe[1], &byte, 1);
  (void)ignored;
  errno = saved;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RunningServer>> StartServer(
    const ServerOptions& options, const std::vector<grpc::Service*>& services) {
  absl::Status valid = ValidateHostPort("listen", options.listen);
  if (!valid.ok()) return valid;
  valid = ValidateObservabilityOptions(options.observability);
  if (!valid.ok()) return valid;
  if (options.max_message_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_message_bytes must be positive (got ",
                     options.max_message_bytes, ")"));
  }

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(options.tls);
  if (!credentials.ok()) return credentials.status();

  // Both are process-wide switches read when a server is built.
  grpc::EnableDefaultHealthCheckService(true);
  static absl::once_flag reflection_once;
  absl::call_once(reflection_once,
                  grpc::reflection::InitProtoReflectionServerBuilderPlugin);

  // The audit service is checked like the others.
  std::unique_ptr<AuditTrail> audit;
  if (options.audit.pool != nullptr) {
    audit = std::make_unique<AuditTrail>(options.audit, options.auth.resolver,
                                         options.observability.program);
  }

  // Authentication wraps the services' handlers (common/auth_server.h);
  // without it, handlers wrapped by an earlier server are unwrapped.
  std::unique_ptr<grpc::Service> auth_service;
  std::vector<grpc::Service*> all_services = services;
  std::shared_ptr<CallAuthorizer> authorizer;
  if (options.auth.enabled()) {
    absl::StatusOr<std::shared_ptr<CallAuthorizer>> created =
        CallAuthorizer::Create(options.auth);
    if (!created.ok()) return created.status();
    authorizer = *std::move(created);
    auth_service = NewAuthService();
    all_services.push_back(auth_service.get());
  }
  if (audit != nullptr) all_services.push_back(audit->service());
  if (absl::Status s = ProtectServices(all_services, authorizer); !s.ok()) {
    return s;
  }

  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(options.listen, *credentials, &selected_port);
  for (grpc::Service* service : all_services) {
    builder.RegisterService(service);
  }
  // gRPC refuses to build a server without any method (health and
  // reflection are added later); with no services, register what gRPC itself
  // uses for unknown methods on callback servers: it answers UNIMPLEMENTED.
  std::unique_ptr<grpc::CallbackGenericService> unimplemented;
  if (services.empty()) {
    unimplemented = std::make_unique<grpc::CallbackGenericService>();
    builder.RegisterCallbackGenericService(unimplemented.get());
  }
  if (!options.enable_reflection) {
    builder.SetOption(std::make_unique<WithoutReflection>());
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  // First: the request log and metrics see the status it may change.
  if (audit != nullptr) interceptors.push_back(audit->NewInterceptorFactory());
  interceptors.push_back(NewObservabilityInterceptorFactory(
      options.observability, {options.service_name}));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
      std::max(1, options.idle_threads));
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // Two servers on one port would silently share connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (options.max_connection_age > absl::ZeroDuration() &&
      options.max_connection_age != absl::InfiniteDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               ToMillis(options.max_connection_age));
    // Calls on an aged connection get as long as on shutdown.
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               ToMillis(options.shutdown_deadline));
  }
  if (options.keepalive_time > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                               ToMillis(options.keepalive_time));
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                               ToMillis(kKeepaliveTimeout));
  }
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      ToMillis(kMinClientPingInterval));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected_port == 0) {
    if (server != nullptr) server->Shutdown();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen,
                     " (address in use, not local, or not resolvable)"));
  }
  server->GetHealthCheckService()->SetServingStatus(kLivenessService, true);
  absl::StatusOr<std::unique_ptr<ObservabilityEndpoints>> endpoints =
      StartObservabilityEndpoints(options.observability);
  if (!endpoints.ok()) {
    server->Shutdown();
    return endpoints.status();
  }
  auto running = std::make_unique<RunningServerImpl>(
      options, std::move(auth_service), std::move(audit),
      std::move(unimplemented), std::move(server), selected_port,
      *std::move(endpoints));
  running->StartReadinessThread();
  return running;
}

int RunServerUntilSignal(const ServerOptions& options,
                         const std::vector<grpc::Service*>& services) {
  // hiredis writes with write(): a dropped Redis connection would otherwise
  // kill the process.
  signal(SIGPIPE, SIG_IGN);
  // Debian's Abseil is built with Mutex deadlock detection on, which keeps
  // a lock graph on every acquisition; tests keep it, servers do not pay.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  if (signal_pipe[0] < 0 && pipe2(signal_pipe, O_CLOEXEC) != 0) {
    Log(LogLevel::kError, "cannot create the signal pipe",
        {{"error", std::strerror(errno)}});
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      StartServer(options, services);
  if (!server.ok()) {
    Log(LogLevel::kError, "server failed to start",
        {{"service", options.service_name},
         {"listen", options.listen},
         {"error", server.status().ToString()}});
    return 1;
  }
  Log(LogLevel::kInfo, "server started",
      {{"service", options.service_name},
       {"listen", options.listen},
       {"port", (*server)->port()},
       {"transport", DescribeServerTls(options.tls)},
       {"auth", !options.auth.enabled() ? "off"
                : options.auth.client_principals_file.empty()
                    ? "bearer tokens"
                    : "bearer tokens, client certificates"},
       {"metrics_listen", options.observability.metrics_listen},
       {"metrics_port", (*server)->metrics_port()},
       {"health_listen", options.observability.health_listen},
       {"health_port", (*server)->health_port()},
       {"request_log", options.observability.request_log},
       {"reflection", options.enable_reflection},
       {"max_message_bytes", options.max_message_bytes},
       {"max_connection_age", absl::FormatDuration(options.max_connection_age)},
       {"keepalive_time", absl::FormatDuration(options.keepalive_time)},
       {"shutdown_deadline", absl::FormatDuration(options.shutdown_deadline)},
       {"readiness_interval", absl::FormatDuration(options.readiness_interval)},
       {"readiness_probe", static_cast<bool>(options.readiness_probe)}});

  char signo = 0;
  while (read(signal_pipe[0], &signo, 1) != 1) {
    if (errno != EINTR) {
      Log(LogLevel::kError, "reading the signal pipe failed",
          {{"error", std::strerror(errno)}});
      break;
    }
  }
  // A second signal during the graceful shutdown kills the process at once.
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  Log(LogLevel::kInfo, "signal received",
      {{"signal", signo == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*server)->Shutdown();
  return 0;
}

}  // namespace duban
