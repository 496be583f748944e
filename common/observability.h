// What operators see of a server, wired by StartServer (common/server.h):
//
// - Metrics: GET /metrics on --metrics_listen (HTTP, Prometheus text format
//   0.0.4) from metrics::DefaultRegistry():
//     duban_rpc_requests_total{service,method,code}  finished calls
//     duban_rpc_latency_seconds{service,method}       call duration; for a
//                                                     stream, its lifetime
//     duban_redis_errors_total{service}               failed Redis calls
//     duban_watchers{service}                         open WatchEvents streams
//     duban_build_info{service,version}               always 1
//   `service` is the program name ("plan-server"); `method` the gRPC method
//   without its leading slash ("duban.plan.v1.PlanService/GetPlan"), or
//   "unknown" for a method no service of the process defines; `code` the
//   gRPC status code name ("INVALID_ARGUMENT").
// - Request logs: one JSON line per finished call (common/log.h):
//   {"msg":"rpc","method":…,"caller":<peer address>,"code":…,
//    "latency_ms":…,"request_id":…}. request_id is the request message's
//   `request_id` field when it has a non-empty one, else the x-request-id
//   metadata; absent when neither is given. Health and reflection calls are
//   logged at debug level, so probes do not flood the log.
// - A health-only listener (--health_listen): plaintext gRPC serving only
//   grpc.health.v1, for kubelet probes while the API port uses TLS. Its
//   statuses mirror the main server's: "" and the service name follow
//   readiness; "liveness" is SERVING while the process runs (on both).
//
// - Error responses: a failed call's status message is checked for what
//   must never reach a caller (common/redaction.h: FindLeak); one that
//   holds any is replaced by "<CODE> (details withheld; incident <id>)",
//   same code, and the original is logged with the incident id (secrets
//   masked). With the environment variable DUBAN_ERROR_RESPONSE_LOG=<dir>
//   set when a server starts, every failed call is also appended, as the
//   handler produced it (before that replacement), to
//   <dir>/<program>-<pid>.jsonl as {"program","method","code","message",
//   "leak"} — the test suite checks these (tests/CMakeLists.txt).
//
// Metrics, logs and the check come from one gRPC server interceptor, so
// every method of every service gets them without code in the handlers; a
// streaming call is measured and logged when it ends.
#ifndef DUBAN_COMMON_OBSERVABILITY_H_
#define DUBAN_COMMON_OBSERVABILITY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/metrics.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/server_interceptor.h"

namespace duban {

// The health service name that reports SERVING while the process runs,
// whatever Redis does (for liveness probes).
inline constexpr char kLivenessService[] = "liveness";

// The environment variable naming the directory error responses are
// recorded in (see above); unset: none are.
inline constexpr char kErrorResponseLogEnv[] = "DUBAN_ERROR_RESPONSE_LOG";

struct ObservabilityOptions {
  // The program name ("plan-server"): the `service` label of the metrics.
  std::string program;
  // "host:port" serving GET /metrics over HTTP; empty: off.
  std::string metrics_listen;
  // "host:port" of a plaintext gRPC listener serving only grpc.health.v1;
  // empty: off.
  std::string health_listen;
  // One JSON log line per finished call.
  bool request_log = true;
};

// INVALID_ARGUMENT naming --metrics_listen or --health_listen for a bad
// address (when set).
absl::Status ValidateObservabilityOptions(const ObservabilityOptions& options);

// Request ids (client-supplied, possibly before validation) are cut to this
// many bytes in logs and audit records.
inline constexpr size_t kMaxRequestIdBytes = 128;

// For the POST_RECV_INITIAL_METADATA hook of a server interceptor: the
// call's "x-request-id" header, cut to kMaxRequestIdBytes, or "" when it
// has none.
std::string RequestIdHeader(
    grpc::experimental::InterceptorBatchMethods* methods);

// A request type's own `request_id` field (a singular string), or null;
// looked up once per method, not per call.
const google::protobuf::FieldDescriptor* RequestIdField(
    const google::protobuf::Descriptor* request_type);
// The value of that field in `request`, cut to kMaxRequestIdBytes; "" when
// `field` is null or the field is empty.
std::string RequestIdOf(const google::protobuf::Message& request,
                        const google::protobuf::FieldDescriptor* field);

// The interceptor that counts, times and logs every call of a server.
// `services` are the full names of the server's services
// ("duban.plan.v1.PlanService"): their methods' series are made up front
// and found without a lock on each call; other methods take a shared lock.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewObservabilityInterceptorFactory(const ObservabilityOptions& options,
                                   const std::vector<std::string>& services);

// For RedisOptions::on_error: counts into duban_redis_errors_total.
std::function<void(const absl::Status&)> RedisErrorCounter(
    absl::string_view program);

// duban_watchers{service=program}.
metrics::Gauge* WatchersGauge(absl::string_view program);

// The metrics HTTP listener and the health-only gRPC listener of a server,
// each started only when its address is set.
class ObservabilityEndpoints {
 public:
  virtual ~ObservabilityEndpoints() = default;
  // The bound ports; 0 for a listener that is off.
  virtual int metrics_port() const = 0;
  virtual int health_port() const = 0;
  // Sets a status of the health-only listener (no-op when it is off).
  virtual void SetServingStatus(const std::string& service, bool serving) = 0;
  // Freezes the health-only listener at NOT_SERVING (as the main server's
  // health service on shutdown) without stopping it.
  virtual void FreezeHealth() = 0;
  // Stops both listeners. Idempotent.
  virtual void Shutdown() = 0;
};

// Starts the listeners of `options` (validated first). UNAVAILABLE when a
// port cannot be bound, naming the flag.
absl::StatusOr<std::unique_ptr<ObservabilityEndpoints>>
StartObservabilityEndpoints(const ObservabilityOptions& options);

}  // namespace duban

#endif  // DUBAN_COMMON_OBSERVABILITY_H_
