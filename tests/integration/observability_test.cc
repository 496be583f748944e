// Metrics, request logs and the health-only listener (common/observability.h)
// over real gRPC and HTTP on loopback, with the plan service on a real
// redis-server as the service observed.
#include "common/observability.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/metrics.h"
#include "common/redis.h"
#include "common/server.h"
#include "common/server_main.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/plan/plan_domain.h"
#include "services/plan/redis_store.h"
#include "services/plan/service.h"
#include "services/plan/unit_directory.h"
#include "tests/support/health.h"
#include "tests/support/redis_fixture.h"

namespace duban {
namespace {

namespace pv1 = ::duban::plan::v1;
using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kService[] = "duban.plan.v1.PlanService";
constexpr char kListPlans[] = "duban.plan.v1.PlanService/ListPlans";
constexpr char kIssuePlan[] = "duban.plan.v1.PlanService/IssuePlan";
constexpr char kGetPlan[] = "duban.plan.v1.PlanService/GetPlan";
constexpr int kServing = HealthCheckResponse::SERVING;
constexpr int kNotServing = HealthCheckResponse::NOT_SERVING;

// The body of GET /metrics, checking the status and content type.
std::string Scrape(int port) {
  httplib::Client client("127.0.0.1", port);
  httplib::Result result = client.Get("/metrics");
  if (!result) {
    ADD_FAILURE() << "GET /metrics on port " << port << " failed";
    return "";
  }
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"),
            metrics::kExpositionContentType);
  return result->body;
}

// The value of the sample `series` (name and labels exactly as written), or
// -1 when the exposition has no such line.
double Sample(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, series) && absl::ConsumePrefix(&line, " ")) {
      double v = 0;
      if (absl::SimpleAtod(line, &v)) return v;
    }
  }
  return -1;
}

std::string Requests(const std::string& program, const std::string& method,
                     const std::string& code) {
  return absl::StrCat("duban_rpc_requests_total{service=\"", program,
                      "\",method=\"", method, "\",code=\"", code, "\"}");
}

ServerOptions Options(const std::string& program) {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.tls.plaintext = true;
  o.service_name = kService;
  o.shutdown_deadline = absl::Seconds(2);
  o.readiness_interval = absl::Hours(1);
  o.observability.program = program;
  o.observability.metrics_listen = "127.0.0.1:0";
  return o;
}

// The plan service on the shared Redis. Its unit directory points at a
// port nothing serves: the calls made here never reach it.
class ObservabilityTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    store_ = std::make_unique<plan::RedisPlanStore>(&pool());
    ClientTlsOptions plaintext;
    plaintext.plaintext = true;
    units_ = std::make_unique<plan::GrpcUnitDirectory>(
        absl::StrCat("127.0.0.1:", FreeLoopbackPort()), plaintext);
    domain_ = std::make_unique<plan::PlanDomain>(store_.get(), units_.get());
    service_ = std::make_unique<plan::PlanServiceImpl>(domain_.get());
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    server_.reset();
    service_.reset();
    domain_.reset();
    units_.reset();
    store_.reset();
    RedisTest::TearDown();
  }

  void Start(const ServerOptions& options) {
    auto started = StartServer(options, {service_.get()});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    stub_ = pv1::PlanService::NewStub(ChannelTo(server_->port()));
  }

  grpc::Status ListPlans(const std::string& x_request_id = "") {
    grpc::ClientContext c;
    if (!x_request_id.empty()) c.AddMetadata("x-request-id", x_request_id);
    pv1::ListPlansRequest req;
    pv1::ListPlansResponse resp;
    return stub_->ListPlans(&c, req, &resp);
  }
  grpc::Status IssueBadPlan(const std::string& request_id,
                            const std::string& x_request_id = "") {
    grpc::ClientContext c;
    if (!x_request_id.empty()) c.AddMetadata("x-request-id", x_request_id);
    pv1::IssuePlanRequest req;
    req.set_name("not a plan name");
    req.set_request_id(request_id);
    pv1::Plan resp;
    return stub_->IssuePlan(&c, req, &resp);
  }

  std::unique_ptr<plan::RedisPlanStore> store_;
  std::unique_ptr<plan::GrpcUnitDirectory> units_;
  std::unique_ptr<plan::PlanDomain> domain_;
  std::unique_ptr<plan::PlanServiceImpl> service_;
  std::unique_ptr<RunningServer> server_;
  std::unique_ptr<pv1::PlanService::Stub> stub_;
};

TEST_F(ObservabilityTest, CountsCallsByMethodAndCode) {
  const std::string program = "obs-count";
  ASSERT_NO_FATAL_FAILURE(Start(Options(program)));
  ASSERT_GT(server_->metrics_port(), 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ListPlans().ok());
  ASSERT_EQ(IssueBadPlan("r1").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  {
    grpc::ClientContext c;
    pv1::GetPlanRequest req;
    req.set_name("plans/no-such-plan");
    pv1::Plan resp;
    ASSERT_EQ(stub_->GetPlan(&c, req, &resp).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }

  const std::string text = Scrape(server_->metrics_port());
  EXPECT_EQ(Sample(text, Requests(program, kListPlans, "OK")), 3);
  EXPECT_EQ(Sample(text, Requests(program, kIssuePlan, "INVALID_ARGUMENT")), 1);
  EXPECT_EQ(Sample(text, Requests(program, kIssuePlan, "OK")), -1);
  EXPECT_EQ(Sample(text, Requests(program, kGetPlan, "NOT_FOUND")), 1);
  EXPECT_THAT(text, HasSubstr("# TYPE duban_rpc_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE duban_rpc_latency_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE duban_redis_errors_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE duban_watchers gauge\n"));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("duban_build_info{service=\"",
                                           program, "\",version=\"")));

  // The latency histogram of ListPlans: one bucket per bound and +Inf,
  // cumulative, and +Inf equal to _count equal to the calls.
  const std::string labels =
      absl::StrCat("service=\"", program, "\",method=\"", kListPlans, "\"");
  std::vector<double> buckets;
  for (double le : metrics::LatencyBuckets()) {
    buckets.push_back(
        Sample(text, absl::StrCat("duban_rpc_latency_seconds_bucket{", labels,
                                  ",le=\"", metrics::FormatValue(le), "\"}")));
  }
  buckets.push_back(
      Sample(text, absl::StrCat("duban_rpc_latency_seconds_bucket{", labels,
                                ",le=\"+Inf\"}")));
  for (size_t i = 0; i < buckets.size(); ++i) {
    EXPECT_GE(buckets[i], 0) << "bucket " << i << " missing";
    if (i > 0) {
      EXPECT_GE(buckets[i], buckets[i - 1]) << "bucket " << i;
    }
  }
  EXPECT_EQ(buckets.back(), 3);
  EXPECT_EQ(Sample(text, absl::StrCat("duban_rpc_latency_seconds_count{",
                                      labels, "}")),
            3);
  EXPECT_GT(
      Sample(text, absl::StrCat("duban_rpc_latency_seconds_sum{", labels, "}")),
      0);

  // Only /metrics is served.
  httplib::Client client("127.0.0.1", server_->metrics_port());
  httplib::Result other = client.Get("/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
}

TEST_F(ObservabilityTest, UnknownMethodsShareOneSeries) {
  const std::string program = "obs-unknown";
  ASSERT_NO_FATAL_FAILURE(Start(Options(program)));
  grpc::GenericStub generic(ChannelTo(server_->port()));
  for (const char* method : {"/duban.plan.v1.PlanService/NoSuchMethod",
                             "/made.up.Service/Anything"}) {
    grpc::ClientContext c;
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    grpc::Status status;
    absl::Notification done;
    generic.UnaryCall(&c, method, grpc::StubOptions(), &request, &response,
                      [&](grpc::Status s) {
                        status = std::move(s);
                        done.Notify();
                      });
    done.WaitForNotification();
    ASSERT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << method;
  }
  const std::string text = Scrape(server_->metrics_port());
  EXPECT_EQ(Sample(text, Requests(program, "unknown", "UNIMPLEMENTED")), 2);
  EXPECT_THAT(text, Not(HasSubstr("NoSuchMethod")));
  EXPECT_THAT(text, Not(HasSubstr("made.up")));
}

// The request log lines written while `fn` runs.
template <typename Fn>
std::vector<std::string> RpcLogLines(Fn fn) {
  ::testing::internal::CaptureStderr();
  fn();
  const std::string captured = ::testing::internal::GetCapturedStderr();
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(captured, '\n')) {
    if (absl::StrContains(line, "\"msg\":\"rpc\"")) {
      lines.emplace_back(line);
    }
  }
  return lines;
}

TEST_F(ObservabilityTest, LogsOneLinePerCall) {
  ASSERT_NO_FATAL_FAILURE(Start(Options("obs-log")));
  const std::vector<std::string> lines = RpcLogLines([&] {
    ASSERT_EQ(IssueBadPlan("req-42").error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    ASSERT_TRUE(ListPlans("meta-7").ok());
    // The message's field wins over the metadata.
    ASSERT_EQ(IssueBadPlan("req-43", "meta-8").error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    ASSERT_TRUE(ListPlans().ok());
    // Ids are cut to 128 bytes in the log.
    ASSERT_EQ(IssueBadPlan(std::string(1000, 'x')).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  });
  ASSERT_EQ(lines.size(), 5u);
  for (const std::string& line : lines) {
    EXPECT_TRUE(absl::StartsWith(line, "{") && absl::EndsWith(line, "}"))
        << line;
    EXPECT_THAT(line, HasSubstr("\"caller\":\"ipv4:127.0.0.1:"));
    EXPECT_THAT(line, HasSubstr("\"latency_ms\":"));
    EXPECT_THAT(line, HasSubstr("\"component\":"));
  }
  EXPECT_THAT(lines[0],
              HasSubstr(absl::StrCat("\"method\":\"", kIssuePlan, "\"")));
  EXPECT_THAT(lines[0], HasSubstr("\"code\":\"INVALID_ARGUMENT\""));
  EXPECT_THAT(lines[0], HasSubstr("\"request_id\":\"req-42\""));
  EXPECT_THAT(lines[1],
              HasSubstr(absl::StrCat("\"method\":\"", kListPlans, "\"")));
  EXPECT_THAT(lines[1], HasSubstr("\"code\":\"OK\""));
  EXPECT_THAT(lines[1], HasSubstr("\"request_id\":\"meta-7\""));
  EXPECT_THAT(lines[2], HasSubstr("\"request_id\":\"req-43\""));
  EXPECT_THAT(lines[3], Not(HasSubstr("request_id")));
  EXPECT_THAT(lines[4], HasSubstr(absl::StrCat("\"request_id\":\"",
                                               std::string(128, 'x'), "\"")));
}

TEST_F(ObservabilityTest, RequestLogCanBeTurnedOffWhileMetricsCount) {
  ServerOptions options = Options("obs-nolog");
  options.observability.request_log = false;
  ASSERT_NO_FATAL_FAILURE(Start(options));
  const std::vector<std::string> lines =
      RpcLogLines([&] { ASSERT_TRUE(ListPlans("quiet").ok()); });
  EXPECT_THAT(lines, ::testing::IsEmpty());
  EXPECT_EQ(Sample(Scrape(server_->metrics_port()),
                   Requests("obs-nolog", kListPlans, "OK")),
            1);
}

// Health statuses through the main port and the health-only listener.
TEST_F(ObservabilityTest, HealthListenerFollowsReadinessAndLivenessStays) {
  FakeProbe probe;
  probe.Set(absl::UnavailableError("redis down"));
  ServerOptions options = Options("obs-health");
  options.observability.health_listen = "127.0.0.1:0";
  options.readiness_probe = [&probe] { return probe(); };
  ASSERT_NO_FATAL_FAILURE(Start(options));
  const int main_port = server_->port();
  const int health_port = server_->health_port();
  ASSERT_GT(health_port, 0);
  ASSERT_NE(health_port, main_port);

  for (int port : {main_port, health_port}) {
    EXPECT_EQ(HealthOf(port, ""), kNotServing) << port;
    EXPECT_EQ(HealthOf(port, kService), kNotServing) << port;
    EXPECT_EQ(HealthOf(port, kLivenessService), kServing) << port;
  }
  probe.Set(absl::OkStatus());
  server_->CheckReadiness();
  for (int port : {main_port, health_port}) {
    EXPECT_EQ(HealthOf(port, ""), kServing) << port;
    EXPECT_EQ(HealthOf(port, kService), kServing) << port;
    EXPECT_EQ(HealthOf(port, kLivenessService), kServing) << port;
  }
  probe.Set(absl::UnavailableError("redis down again"));
  server_->CheckReadiness();
  for (int port : {main_port, health_port}) {
    EXPECT_EQ(HealthOf(port, ""), kNotServing) << port;
    EXPECT_EQ(HealthOf(port, kService), kNotServing) << port;
    EXPECT_EQ(HealthOf(port, kLivenessService), kServing) << port;
  }
  EXPECT_EQ(HealthOf(health_port, "no.such.Service"),
            -static_cast<int>(grpc::StatusCode::NOT_FOUND));

  // The health-only listener serves nothing else.
  auto stub = pv1::PlanService::NewStub(ChannelTo(health_port));
  grpc::ClientContext c;
  pv1::ListPlansRequest req;
  pv1::ListPlansResponse resp;
  EXPECT_EQ(stub->ListPlans(&c, req, &resp).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);

  // Shutting down turns every status NOT_SERVING before the listeners go.
  server_->Shutdown();
  EXPECT_LT(HealthOf(health_port, kLivenessService), 0);
}

// A real Redis that goes away: readiness follows it on both ports,
// liveness does not, and the failures are counted.
TEST(ObservabilityRedisTest, RedisDownIsNotReadyButLiveAndCounted) {
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start().ok());
  RedisOptions redis_options = redis.options();
  redis_options.on_error = RedisErrorCounter("obs-redis-down");
  RedisPool pool(redis_options);

  ServerOptions options = Options("obs-redis-down");
  options.observability.health_listen = "127.0.0.1:0";
  options.readiness_probe = [&pool] { return pool.Ping(); };
  auto server = StartServer(options, {});
  ASSERT_TRUE(server.ok()) << server.status();
  const int health_port = (*server)->health_port();
  const std::string errors =
      "duban_redis_errors_total{service=\"obs-redis-down\"}";
  EXPECT_EQ(HealthOf(health_port, ""), kServing);
  EXPECT_EQ(HealthOf(health_port, kService), kServing);
  EXPECT_EQ(Sample(Scrape((*server)->metrics_port()), errors), 0);

  redis.Stop();
  (*server)->CheckReadiness();
  for (int port : {(*server)->port(), health_port}) {
    EXPECT_EQ(HealthOf(port, ""), kNotServing) << port;
    EXPECT_EQ(HealthOf(port, kService), kNotServing) << port;
    EXPECT_EQ(HealthOf(port, kLivenessService), kServing) << port;
  }
  EXPECT_GE(Sample(Scrape((*server)->metrics_port()), errors), 1);
  const double before = Sample(Scrape((*server)->metrics_port()), errors);
  EXPECT_FALSE(pool.Ping().ok());
  EXPECT_EQ(Sample(Scrape((*server)->metrics_port()), errors), before + 1);
}

// Error replies count; a script's DUBAN:<CODE> outcome does not.
TEST_F(ObservabilityTest, RedisErrorRepliesCountButScriptOutcomesDoNot) {
  ASSERT_NO_FATAL_FAILURE(Start(Options("obs-redis-replies")));
  RedisOptions redis_options = options();
  redis_options.on_error = RedisErrorCounter("obs-redis-replies");
  RedisPool pool(redis_options);
  const std::string errors =
      "duban_redis_errors_total{service=\"obs-redis-replies\"}";
  ASSERT_TRUE(pool.Command({"SET", "obs:k", "v"}).ok());
  EXPECT_EQ(Sample(Scrape(server_->metrics_port()), errors), 0);

  auto wrong = pool.Command({"LPUSH", "obs:k", "x"});  // WRONGTYPE
  EXPECT_TRUE(absl::IsInternal(wrong.status())) << wrong.status();
  auto outcome = pool.Eval(
      "return redis.error_reply('DUBAN:NOT_FOUND:no such thing')", {}, {});
  EXPECT_TRUE(absl::IsNotFound(outcome.status())) << outcome.status();
  auto piped = pool.Pipeline({{"GET", "obs:k"}, {"LPUSH", "obs:k", "x"}});
  EXPECT_TRUE(absl::IsInternal(piped.status())) << piped.status();
  EXPECT_EQ(Sample(Scrape(server_->metrics_port()), errors), 2);
}

TEST(ObservabilityOptionsTest, BadAddressesAreRefusedNamingTheFlag) {
  ServerOptions options = Options("obs-bad");
  options.observability.metrics_listen = "no-port";
  auto server = StartServer(options, {});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("--metrics_listen"));
  EXPECT_THAT(server.status().message(), HasSubstr("no-port"));

  options = Options("obs-bad");
  options.observability.health_listen = "127.0.0.1:70000";
  server = StartServer(options, {});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("--health_listen"));
}

// A TCP socket listening on a loopback port, closed on destruction.
class Occupied {
 public:
  Occupied() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(fd_, 1) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot occupy a port";
    }
    port_ = ntohs(addr.sin_port);
  }
  ~Occupied() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

TEST(ObservabilityOptionsTest, PortsInUseAreRefusedNamingTheFlag) {
  Occupied taken;
  ServerOptions options = Options("obs-busy");
  options.observability.metrics_listen =
      absl::StrCat("127.0.0.1:", taken.port());
  auto server = StartServer(options, {});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(server.status().message(), HasSubstr("--metrics_listen"));

  options = Options("obs-busy");
  options.observability.health_listen =
      absl::StrCat("127.0.0.1:", taken.port());
  server = StartServer(options, {});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(server.status().message(), HasSubstr("--health_listen"));
}

// The flags as main() parses them: a bad value exits with status 2 and a
// line naming the flag.
// (--plaintext: transport security is not what is tested.)
ServerConfig ParseArgs(std::vector<std::string> args) {
  args.push_back("--plaintext");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return ParseServerConfig(static_cast<int>(args.size()), argv.data(),
                           "obs-server", "127.0.0.1:0", kService);
}

TEST(ObservabilityFlagsDeathTest, BadFlagValuesExitNamingTheFlag) {
  EXPECT_EXIT(ParseArgs({"obs-server", "--metrics_listen=0.0.0.0"}),
              ::testing::ExitedWithCode(2), "--metrics_listen");
  EXPECT_EXIT(ParseArgs({"obs-server", "--health_listen=[::1]:99999"}),
              ::testing::ExitedWithCode(2), "--health_listen");
  EXPECT_EXIT(ParseArgs({"obs-server", "--redis_batch_leaders=0"}),
              ::testing::ExitedWithCode(2),
              "--redis_batch_leaders: must be 1 to --redis_pool \\(16\\) "
              "\\(got 0\\)");
  EXPECT_EXIT(
      ParseArgs({"obs-server", "--redis_pool=4", "--redis_batch_leaders=5"}),
      ::testing::ExitedWithCode(2), "--redis_batch_leaders");
}

TEST(ObservabilityFlagsTest, FlagsReachTheConfig) {
  ServerConfig config =
      ParseArgs({"obs-server", "--metrics_listen=0.0.0.0:9464",
                 "--health_listen=127.0.0.1:9465", "--request_log=false",
                 "--redis_batch_leaders=3"});
  EXPECT_EQ(config.server.observability.program, "obs-server");
  EXPECT_EQ(config.server.observability.metrics_listen, "0.0.0.0:9464");
  EXPECT_EQ(config.server.observability.health_listen, "127.0.0.1:9465");
  EXPECT_FALSE(config.server.observability.request_log);
  EXPECT_EQ(config.redis.batch_leaders, 3);
  EXPECT_TRUE(static_cast<bool>(config.redis.on_error));
}

}  // namespace
}  // namespace duban
