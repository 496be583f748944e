// The server bootstrap over real gRPC on loopback: listening, the health
// service following the readiness probe, reflection, shutdown, signals.
#include "common/server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/health.h"
#include "tests/support/redis_fixture.h"

namespace duban {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr char kService[] = "duban.test.v1.TestService";

ServerOptions TestOptions() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.tls.plaintext = true;
  o.service_name = kService;
  o.shutdown_deadline = absl::Seconds(2);
  // Long, so that only CheckReadiness() changes the status in these tests.
  o.readiness_interval = absl::Hours(1);
  return o;
}

constexpr int kServing = HealthCheckResponse::SERVING;
constexpr int kNotServing = HealthCheckResponse::NOT_SERVING;

TEST(StartServerTest, HealthAnswersServingOnAPickedPortWithoutAProbe) {
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      StartServer(TestOptions(), {});
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);
  EXPECT_EQ(HealthOf((*server)->port(), ""), kServing);
  EXPECT_EQ(HealthOf((*server)->port(), kService), kServing);
  EXPECT_EQ(HealthOf((*server)->port(), "no.such.Service"),
            -static_cast<int>(grpc::StatusCode::NOT_FOUND));
}

TEST(StartServerTest, HealthFollowsTheReadinessProbeBothWays) {
  FakeProbe probe;
  probe.Set(absl::UnavailableError("redis 127.0.0.1:1 unreachable"));
  ServerOptions o = TestOptions();
  o.readiness_probe = [&probe] { return probe(); };
  absl::StatusOr<std::unique_ptr<RunningServer>> server = StartServer(o, {});
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  // The first probe runs before StartServer returns.
  EXPECT_EQ(HealthOf(port, kService), kNotServing);
  EXPECT_EQ(HealthOf(port, ""), kNotServing);

  probe.Set(absl::OkStatus());
  (*server)->CheckReadiness();
  EXPECT_EQ(HealthOf(port, kService), kServing);
  EXPECT_EQ(HealthOf(port, ""), kServing);

  probe.Set(absl::UnavailableError("redis gone"));
  (*server)->CheckReadiness();
  EXPECT_EQ(HealthOf(port, kService), kNotServing);
  EXPECT_EQ(HealthOf(port, ""), kNotServing);
}

TEST(StartServerTest, ReadinessThreadProbesPeriodically) {
  std::atomic<int> calls{0};
  ServerOptions o = TestOptions();
  o.readiness_interval = absl::Milliseconds(10);
  o.readiness_probe = [&calls] {
    ++calls;
    return calls.load() >= 3 ? absl::OkStatus()
                             : absl::UnavailableError("not yet");
  };
  absl::StatusOr<std::unique_ptr<RunningServer>> server = StartServer(o, {});
  ASSERT_TRUE(server.ok()) << server.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (HealthOf((*server)->port(), kService) != kServing &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(HealthOf((*server)->port(), kService), kServing);
  EXPECT_GE(calls.load(), 3);
}

TEST(StartServerTest, BadListenAddressIsInvalidArgument) {
  for (const char* bad : {"no-port", "127.0.0.1:99999", ":50051",
                          "127.0.0.1:http", "[::1:80", "::1:80"}) {
    ServerOptions o = TestOptions();
    o.listen = bad;
    absl::StatusOr<std::unique_ptr<RunningServer>> server = StartServer(o, {});
    ASSERT_FALSE(server.ok()) << bad;
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument)
        << bad << ": " << server.status();
    EXPECT_THAT(std::string(server.status().message()), HasSubstr(bad));
  }
}

TEST(StartServerTest, PortInUseIsUnavailableNamingTheAddress) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ServerOptions o = TestOptions();
  o.listen = absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
  absl::StatusOr<std::unique_ptr<RunningServer>> server = StartServer(o, {});
  close(fd);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(server.status().message()), HasSubstr(o.listen));
}

TEST(StartServerTest, SecondServerOnTheSamePortIsUnavailable) {
  // gRPC sets SO_REUSEPORT by default; two replicas must not share a port.
  absl::StatusOr<std::unique_ptr<RunningServer>> first =
      StartServer(TestOptions(), {});
  ASSERT_TRUE(first.ok()) << first.status();
  ServerOptions o = TestOptions();
  o.listen = absl::StrCat("127.0.0.1:", (*first)->port());
  absl::StatusOr<std::unique_ptr<RunningServer>> second = StartServer(o, {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(StartServerTest, ShutdownIsIdempotentAndStopsServing) {
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      StartServer(TestOptions(), {});
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  ASSERT_EQ(HealthOf(port, ""), kServing);
  std::thread other([&] { (*server)->Shutdown(); });
  (*server)->Shutdown();
  other.join();
  (*server)->Shutdown();
  (*server)->Wait();            // returns: shutdown completed
  (*server)->CheckReadiness();  // no effect after shutdown
  EXPECT_EQ(HealthOf(port, ""),
            -static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  server->reset();  // the destructor shuts down again: no crash, no hang
}

TEST(StartServerTest, WaitReturnsWhenAnotherThreadShutsDown) {
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      StartServer(TestOptions(), {});
  ASSERT_TRUE(server.ok()) << server.status();
  std::thread stopper([&] {
    absl::SleepFor(absl::Milliseconds(50));
    (*server)->Shutdown();
  });
  (*server)->Wait();
  stopper.join();
}

// Calls the reflection service's bidi method as a unary call with an empty
// request: OK when the service exists, UNIMPLEMENTED otherwise.
grpc::StatusCode CallReflection(int port) {
  grpc::GenericStub stub(ChannelTo(port));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Slice empty("", 0);  // an empty message; a default ByteBuffer is none
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::StubOptions(), &request, &response,
      [&done](grpc::Status s) { done.set_value(std::move(s)); });
  return done.get_future().get().error_code();
}

TEST(StartServerTest, ReflectionOnlyWhenEnabled) {
  ServerOptions off = TestOptions();
  off.enable_reflection = false;
  absl::StatusOr<std::unique_ptr<RunningServer>> without = StartServer(off, {});
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ(CallReflection((*without)->port()),
            grpc::StatusCode::UNIMPLEMENTED);

  ServerOptions on = TestOptions();
  on.enable_reflection = true;
  absl::StatusOr<std::unique_ptr<RunningServer>> with = StartServer(on, {});
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_EQ(CallReflection((*with)->port()), grpc::StatusCode::OK);
}

TEST(RunServerUntilSignalTest, ReturnsOneWhenTheServerCannotStart) {
  ServerOptions o = TestOptions();
  o.listen = "not an address";
  EXPECT_EQ(RunServerUntilSignal(o, {}), 1);
}

bool Listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

TEST(RunServerUntilSignalTest, SigtermShutsDownCleanlyWithExitCodeZero) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ServerOptions o = TestOptions();
        const int port = FreeLoopbackPort();
        o.listen = absl::StrCat("127.0.0.1:", port);
        std::thread([port] {
          while (!Listening(port)) absl::SleepFor(absl::Milliseconds(5));
          kill(getpid(), SIGTERM);
        }).detach();
        std::_Exit(RunServerUntilSignal(o, {}));
      },
      ::testing::ExitedWithCode(0), "shut down");
}

}  // namespace
}  // namespace duban
