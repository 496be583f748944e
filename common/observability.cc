#include "common/observability.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/config.h"
#include "common/log.h"
#include "common/redaction.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"

#ifndef DUBAN_VERSION
#define DUBAN_VERSION "dev"
#endif

namespace duban {
namespace {

using ::grpc::experimental::InterceptionHookPoints;
using ::grpc::experimental::Interceptor;
using ::grpc::experimental::InterceptorBatchMethods;
using ::grpc::experimental::ServerRpcInfo;

constexpr int kNumCodes = 17;  // OK .. UNAUTHENTICATED

// The gRPC services gRPC itself provides: counted under their own names, and
// logged at debug level.
constexpr absl::string_view kBuiltinMethods[] = {
    "grpc.health.v1.Health/Check",
    "grpc.health.v1.Health/Watch",
    "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
};

absl::string_view CodeName(int code) {
  static constexpr absl::string_view kNames[kNumCodes] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  if (code < 0 || code >= kNumCodes) return "UNKNOWN";
  return kNames[code];
}

// Appends one JSON line per error response to <dir>/<program>-<pid>.jsonl
// (see kErrorResponseLogEnv). One file per process, opened once, appended
// to by every server of the process with one write() per line.
void RecordErrorResponse(const std::string& dir, absl::string_view program,
                         absl::string_view method, absl::string_view code,
                         absl::string_view message, absl::string_view leak) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* files = new absl::flat_hash_map<std::string, int>;
  const std::string line = absl::StrCat(
      "{\"program\":\"", JsonEscape(program), "\",\"method\":\"",
      JsonEscape(method), "\",\"code\":\"", code, "\",\"message\":\"",
      JsonEscape(message), "\",\"leak\":\"", JsonEscape(leak), "\"}\n");
  absl::MutexLock lock(&mu);
  auto it = files->find(dir);
  if (it == files->end()) {
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      Log(LogLevel::kError, "cannot create the error response log directory",
          {{"dir", dir}, {"error", std::strerror(errno)}});
    }
    const std::string path =
        absl::StrCat(dir, "/", program.empty() ? "server" : program, "-",
                     getpid(), ".jsonl");
    const int fd =
        open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      Log(LogLevel::kError, "cannot open the error response log",
          {{"path", path}, {"error", std::strerror(errno)}});
    }
    it = files->emplace(dir, fd).first;
  }
  if (it->second < 0) return;
  if (write(it->second, line.data(), line.size()) !=
      static_cast<ssize_t>(line.size())) {
    Log(LogLevel::kError, "cannot write the error response log",
        {{"dir", dir}, {"error", std::strerror(errno)}});
  }
}

struct Families {
  metrics::Family<metrics::Counter>* requests;
  metrics::Family<metrics::Histogram>* latency;
  metrics::Family<metrics::Counter>* redis_errors;
  metrics::Family<metrics::Gauge>* watchers;
  metrics::Family<metrics::Gauge>* build_info;
};

const Families& GetFamilies() {
  static const Families* families = [] {
    metrics::Registry& r = metrics::DefaultRegistry();
    return new Families{
        r.AddCounter("duban_rpc_requests_total",
                     "gRPC calls finished, by method and status code.",
                     {"service", "method", "code"}),
        r.AddHistogram("duban_rpc_latency_seconds",
                       "gRPC call duration in seconds (a stream's lifetime).",
                       {"service", "method"}, metrics::LatencyBuckets()),
        r.AddCounter("duban_redis_errors_total",
                     "Failed Redis calls: unreachable, timed out, connection "
                     "lost, or an error reply.",
                     {"service"}),
        r.AddGauge("duban_watchers", "WatchEvents streams open.", {"service"}),
        r.AddGauge("duban_build_info", "Always 1; labels name the build.",
                   {"service", "version"}),
    };
  }();
  return *families;
}

// What the interceptor needs of one method, looked up once.
struct MethodSeries {
  std::string label;
  bool builtin = false;
  // The request's `request_id` field (singular string), or nullptr.
  const google::protobuf::FieldDescriptor* request_id = nullptr;
  const google::protobuf::Descriptor* input_type = nullptr;
  metrics::Histogram* latency = nullptr;
  std::atomic<metrics::Counter*> by_code[kNumCodes] = {};
};

class ObserverFactory;

// One call: created when it starts, records its status when the handler
// sends it, and logs and counts then (or, for a call that never sends one,
// when it is destroyed).
class CallObserver : public Interceptor {
 public:
  CallObserver(ObserverFactory* factory, ServerRpcInfo* info,
               MethodSeries* series)
      : factory_(factory), info_(info), series_(series), start_(absl::Now()) {}
  ~CallObserver() override {
    if (!finished_.exchange(true)) Finish(grpc::StatusCode::CANCELLED);
  }

  void Intercept(InterceptorBatchMethods* methods) override;

 private:
  void Finish(grpc::StatusCode code);
  // Records a failed call's status and, when its message would leak
  // (common/redaction.h), replaces it.
  void CheckErrorResponse(InterceptorBatchMethods* methods);

  ObserverFactory* const factory_;
  ServerRpcInfo* const info_;
  MethodSeries* const series_;
  const absl::Time start_;
  std::string peer_;
  std::string request_id_;
  bool have_message_ = false;
  std::atomic<bool> finished_{false};
};

class ObserverFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  ObserverFactory(const ObservabilityOptions& options,
                  const std::vector<std::string>& services)
      : program_(options.program),
        request_log_(options.request_log),
        error_response_log_([] {
          const char* dir = std::getenv(kErrorResponseLogEnv);
          return dir == nullptr ? std::string() : std::string(dir);
        }()),
        preset_(Preset(services)) {
    GetFamilies().build_info->WithLabels({program_, DUBAN_VERSION})->Set(1);
  }

  Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    return new CallObserver(this, info, SeriesFor(info->method()));
  }

  bool request_log() const { return request_log_; }
  const std::string& program() const { return program_; }
  // Empty: error responses are not recorded.
  const std::string& error_response_log() const { return error_response_log_; }

  metrics::Counter* CounterFor(MethodSeries* series, int code) {
    if (code < 0 || code >= kNumCodes) code = 2;  // UNKNOWN
    metrics::Counter* c = series->by_code[code].load(std::memory_order_acquire);
    if (c == nullptr) {
      // Racing threads get the same series from the family.
      c = GetFamilies().requests->WithLabels(
          {program_, series->label, std::string(CodeName(code))});
      series->by_code[code].store(c, std::memory_order_release);
    }
    return c;
  }

 private:
  using SeriesMap =
      absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>>;

  // The methods of `services` and gRPC's own, known before the first call.
  SeriesMap Preset(const std::vector<std::string>& services) const {
    SeriesMap preset;
    for (absl::string_view name : kBuiltinMethods) {
      preset.emplace(std::string(name), NewSeries(name));
    }
    for (const std::string& service : services) {
      const google::protobuf::ServiceDescriptor* descriptor =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
              service);
      if (descriptor == nullptr) continue;
      for (int i = 0; i < descriptor->method_count(); ++i) {
        const std::string name =
            absl::StrCat(service, "/", descriptor->method(i)->name());
        preset.emplace(name, NewSeries(name));
      }
    }
    return preset;
  }

  // Series for a method: its own when a service of the process defines it,
  // else the shared "unknown" one, so that calls to made-up names cannot
  // grow the metrics without bound.
  std::unique_ptr<MethodSeries> NewSeries(absl::string_view name) const {
    auto series = std::make_unique<MethodSeries>();
    series->builtin =
        std::find(std::begin(kBuiltinMethods), std::end(kBuiltinMethods),
                  name) != std::end(kBuiltinMethods);
    const google::protobuf::MethodDescriptor* descriptor =
        name.empty()
            ? nullptr
            : google::protobuf::DescriptorPool::generated_pool()
                  ->FindMethodByName(absl::StrReplaceAll(name, {{"/", "."}}));
    const bool known = descriptor != nullptr || series->builtin;
    series->label = known ? std::string(name) : "unknown";
    // duban's services are generated, protobuf-typed handlers, so the
    // received message is the request type; gRPC's own services may pass
    // raw bytes and are never inspected.
    if (descriptor != nullptr && !series->builtin &&
        absl::StartsWith(name, "duban.")) {
      series->input_type = descriptor->input_type();
      series->request_id = RequestIdField(series->input_type);
    }
    series->latency =
        GetFamilies().latency->WithLabels({program_, series->label});
    return series;
  }

  MethodSeries* SeriesFor(const char* method) {
    absl::string_view name = method == nullptr ? "" : method;
    absl::ConsumePrefix(&name, "/");
    // The usual case: a method of the server's service, without a lock.
    auto preset = preset_.find(name);
    if (preset != preset_.end()) return preset->second.get();
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = others_.find(name);
      if (it != others_.end()) return it->second.get();
    }
    std::unique_ptr<MethodSeries> series = NewSeries(name);
    // Every unknown method shares the entry "".
    const std::string key =
        series->label == "unknown" ? std::string() : std::string(name);
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = others_.try_emplace(key, std::move(series));
    return it->second.get();
  }

  const std::string program_;
  const bool request_log_;
  const std::string error_response_log_;
  // By method name without the leading slash; never changes.
  const SeriesMap preset_;
  absl::Mutex mu_;
  // Methods of other services; "" holds every unknown one.
  SeriesMap others_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::string RequestIdHeader(InterceptorBatchMethods* methods) {
  auto* metadata = methods->GetRecvInitialMetadata();
  if (metadata == nullptr) return "";
  auto it = metadata->find("x-request-id");
  if (it == metadata->end()) return "";
  return std::string(it->second.data(),
                     std::min(it->second.size(), kMaxRequestIdBytes));
}

const google::protobuf::FieldDescriptor* RequestIdField(
    const google::protobuf::Descriptor* request_type) {
  const google::protobuf::FieldDescriptor* field =
      request_type == nullptr ? nullptr
                              : request_type->FindFieldByName("request_id");
  if (field == nullptr || field->is_repeated() ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return nullptr;
  }
  return field;
}

std::string RequestIdOf(const google::protobuf::Message& request,
                        const google::protobuf::FieldDescriptor* field) {
  if (field == nullptr) return "";
  std::string id = request.GetReflection()->GetString(request, field);
  if (id.size() > kMaxRequestIdBytes) id.resize(kMaxRequestIdBytes);
  return id;
}

namespace {

void CallObserver::Intercept(InterceptorBatchMethods* methods) {
  if (methods->QueryInterceptionHookPoint(
          InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
    // Kept now: the context may be gone when the call object is destroyed.
    peer_ = info_->server_context()->peer();
    request_id_ = RequestIdHeader(methods);
  }
  if (methods->QueryInterceptionHookPoint(
          InterceptionHookPoints::POST_RECV_MESSAGE) &&
      !have_message_ && series_->request_id != nullptr) {
    have_message_ = true;
    const auto* message = static_cast<const google::protobuf::Message*>(
        methods->GetRecvMessage());
    if (message != nullptr && message->GetDescriptor() == series_->input_type) {
      std::string id = RequestIdOf(*message, series_->request_id);
      if (!id.empty()) request_id_ = std::move(id);
    }
  }
  if (methods->QueryInterceptionHookPoint(
          InterceptionHookPoints::PRE_SEND_STATUS)) {
    CheckErrorResponse(methods);
    if (!finished_.exchange(true)) {
      Finish(methods->GetSendStatus().error_code());
    }
  }
  methods->Proceed();
}

void CallObserver::CheckErrorResponse(InterceptorBatchMethods* methods) {
  const grpc::Status status = methods->GetSendStatus();
  if (status.ok()) return;
  const absl::string_view code = CodeName(status.error_code());
  const std::string leak = FindLeak(status.error_message());
  // What the code produced, before the safety net below: the test suite's
  // check looks at that.
  if (!factory_->error_response_log().empty()) {
    RecordErrorResponse(factory_->error_response_log(), factory_->program(),
                        series_->label, code, status.error_message(), leak);
  }
  if (leak.empty()) return;
  const std::string incident = NewIncidentId();
  Log(LogLevel::kError, "error response withheld: its message held " + leak,
      {{"method", series_->label},
       {"code", code},
       {"incident", incident},
       {"error", MaskSecrets(status.error_message())}});
  methods->ModifySendStatus(grpc::Status(
      status.error_code(),
      absl::StrCat(code, " (details withheld; incident ", incident, ")")));
}

void CallObserver::Finish(grpc::StatusCode code) {
  const absl::Duration elapsed = absl::Now() - start_;
  series_->latency->Observe(absl::ToDoubleSeconds(elapsed));
  factory_->CounterFor(series_, static_cast<int>(code))->Increment();
  const LogLevel level = series_->builtin ? LogLevel::kDebug : LogLevel::kInfo;
  if (!factory_->request_log() || !LogEnabled(level)) return;
  std::vector<LogField> fields = {
      {"method", series_->label},
      {"caller", peer_},
      {"code", CodeName(static_cast<int>(code))},
      {"latency_ms", absl::ToDoubleMilliseconds(elapsed)},
  };
  if (!request_id_.empty()) fields.emplace_back("request_id", request_id_);
  Log(level, "rpc", fields);
}

// Linking grpc++_reflection registers its plugin for every ServerBuilder;
// the health-only listener serves nothing but health.
class WithoutPlugins : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->clear();
  }
};

class EndpointsImpl : public ObservabilityEndpoints {
 public:
  ~EndpointsImpl() override { Shutdown(); }

  absl::Status StartMetrics(const std::string& listen) {
    std::string host;
    int port = 0;
    SplitHostPort(listen, &host, &port);
    http_ = std::make_unique<httplib::Server>();
    // Scrapes are rare and small.
    http_->new_task_queue = [] { return new httplib::ThreadPool(2); };
    http_->Get("/metrics",
               [](const httplib::Request&, httplib::Response& response) {
                 response.set_content(metrics::DefaultRegistry().Expose(),
                                      metrics::kExpositionContentType);
               });
    if (port == 0) {
      port = http_->bind_to_any_port(host);
    } else if (!http_->bind_to_port(host, port)) {
      port = -1;
    }
    if (port <= 0) {
      http_.reset();
      return absl::UnavailableError(
          absl::StrCat("--metrics_listen: cannot listen on ", listen,
                       " (address in use, not local, or not resolvable)"));
    }
    metrics_port_ = port;
    http_thread_ = std::thread([this] {
      http_->listen_after_bind();
      http_done_.store(true);
    });
    // stop() is a no-op until the server loop runs: wait for it.
    while (!http_->is_running() && !http_done_.load()) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    return absl::OkStatus();
  }

  absl::Status StartHealth(const std::string& listen) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
    // gRPC builds no server without a method; this one answers UNIMPLEMENTED
    // for everything but health.
    generic_ = std::make_unique<grpc::CallbackGenericService>();
    builder.RegisterCallbackGenericService(generic_.get());
    builder.SetOption(std::make_unique<WithoutPlugins>());
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    health_ = builder.BuildAndStart();
    if (health_ == nullptr || port == 0) {
      if (health_ != nullptr) health_->Shutdown();
      health_.reset();
      return absl::UnavailableError(
          absl::StrCat("--health_listen: cannot listen on ", listen,
                       " (address in use, not local, or not resolvable)"));
    }
    health_port_ = port;
    SetServingStatus(kLivenessService, true);
    return absl::OkStatus();
  }

  int metrics_port() const override { return metrics_port_; }
  int health_port() const override { return health_port_; }

  void SetServingStatus(const std::string& service, bool serving) override {
    if (health_ == nullptr) return;
    absl::MutexLock lock(&mu_);
    if (frozen_) return;
    health_->GetHealthCheckService()->SetServingStatus(service, serving);
  }

  void FreezeHealth() override {
    if (health_ == nullptr) return;
    absl::MutexLock lock(&mu_);
    if (frozen_) return;
    frozen_ = true;
    health_->GetHealthCheckService()->Shutdown();
  }

  void Shutdown() override {
    absl::call_once(shutdown_once_, [this] {
      if (health_ != nullptr) {
        FreezeHealth();
        health_->Shutdown(std::chrono::system_clock::now() +
                          std::chrono::seconds(1));
        health_->Wait();
      }
      if (http_ != nullptr) {
        http_->stop();
        if (http_thread_.joinable()) http_thread_.join();
      }
    });
  }

 private:
  std::unique_ptr<httplib::Server> http_;
  std::thread http_thread_;
  std::atomic<bool> http_done_{false};
  int metrics_port_ = 0;
  // Must outlive health_.
  std::unique_ptr<grpc::CallbackGenericService> generic_;
  std::unique_ptr<grpc::Server> health_;
  int health_port_ = 0;
  absl::Mutex mu_;
  bool frozen_ ABSL_GUARDED_BY(mu_) = false;
  absl::once_flag shutdown_once_;
};

}  // namespace

absl::Status ValidateObservabilityOptions(const ObservabilityOptions& options) {
  if (!options.metrics_listen.empty()) {
    absl::Status s =
        ValidateHostPort("--metrics_listen", options.metrics_listen);
    if (!s.ok()) return s;
  }
  if (!options.health_listen.empty()) {
    absl::Status s = ValidateHostPort("--health_listen", options.health_listen);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewObservabilityInterceptorFactory(const ObservabilityOptions& options,
                                   const std::vector<std::string>& services) {
  return std::make_unique<ObserverFactory>(options, services);
}

std::function<void(const absl::Status&)> RedisErrorCounter(
    absl::string_view program) {
  metrics::Counter* counter =
      GetFamilies().redis_errors->WithLabels({std::string(program)});
  return [counter](const absl::Status&) { counter->Increment(); };
}

metrics::Gauge* WatchersGauge(absl::string_view program) {
  return GetFamilies().watchers->WithLabels({std::string(program)});
}

absl::StatusOr<std::unique_ptr<ObservabilityEndpoints>>
StartObservabilityEndpoints(const ObservabilityOptions& options) {
  absl::Status valid = ValidateObservabilityOptions(options);
  if (!valid.ok()) return valid;
  GetFamilies();  // every family is listed from the first scrape
  auto endpoints = std::make_unique<EndpointsImpl>();
  if (!options.metrics_listen.empty()) {
    absl::Status s = endpoints->StartMetrics(options.metrics_listen);
    if (!s.ok()) return s;
  }
  if (!options.health_listen.empty()) {
    absl::Status s = endpoints->StartHealth(options.health_listen);
    if (!s.ok()) return s;
  }
  return endpoints;
}

}  // namespace duban
