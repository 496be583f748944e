// Authentication and the permission check over gRPC on loopback: calls with
// no, bad, expired and insufficient credentials end before their handler
// runs; granted ones reach it with their principal.
#include "common/auth_server.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/client.h"
#include "common/server.h"
#include "duban/auth/v1/auth_service.grpc.pb.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/progress/v1/progress_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/tokens.h"

namespace duban {
namespace {

namespace av1 = ::duban::auth::v1;
namespace pv1 = ::duban::plan::v1;
namespace gv1 = ::duban::progress::v1;
namespace uv1 = ::duban::unit::v1;
using ::testing::HasSubstr;

// Handlers that only count their calls and keep the principal they saw.
struct Seen {
  std::atomic<int> calls{0};
  absl::Mutex mu;
  std::string principal ABSL_GUARDED_BY(mu);

  void Record(const grpc::ServerContext& context) {
    ++calls;
    const duban::Principal* p = PrincipalOf(context);
    absl::MutexLock lock(&mu);
    principal = p == nullptr ? "(none)" : p->id;
  }
  std::string PrincipalId() {
    absl::MutexLock lock(&mu);
    return principal;
  }
};

class ProgressHandlers final : public gv1::ProgressService::Service {
 public:
  grpc::Status SubmitReport(grpc::ServerContext* context,
                            const gv1::SubmitReportRequest*,
                            gv1::Report*) override {
    seen.Record(*context);
    return grpc::Status::OK;
  }
  grpc::Status WatchEvents(grpc::ServerContext* context,
                           const gv1::WatchEventsRequest*,
                           grpc::ServerWriter<gv1::Event>* writer) override {
    seen.Record(*context);
    writer->Write(gv1::Event());
    return grpc::Status::OK;
  }
  // Asks `self` (this server) WhoAmI on the caller's behalf and answers
  // with the id it sees.
  grpc::Status GetPlanRollup(grpc::ServerContext*,
                             const gv1::GetPlanRollupRequest*,
                             gv1::PlanRollup* rollup) override {
    auto stub = av1::AuthService::NewStub(self);
    av1::WhoAmIResponse response;
    absl::Status status =
        CallService("self", CallPolicy(), [&](grpc::ClientContext* c) {
          return stub->WhoAmI(c, av1::WhoAmIRequest(), &response);
        });
    if (!status.ok()) {
      return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                          std::string(status.message()));
    }
    rollup->set_plan(response.id());
    return grpc::Status::OK;
  }
  Seen seen;
  std::shared_ptr<grpc::Channel> self;
};

class PlanHandlers final : public pv1::PlanService::Service {
 public:
  grpc::Status ImportPlan(grpc::ServerContext* context,
                          const pv1::ImportPlanRequest*,
                          pv1::ImportPlanResponse*) override {
    seen.Record(*context);
    return grpc::Status::OK;
  }
  Seen seen;
};

class UnitHandlers final : public uv1::UnitService::Service {
 public:
  grpc::Status CreateOrganization(grpc::ServerContext* context,
                                  const uv1::CreateOrganizationRequest*,
                                  uv1::Organization*) override {
    seen.Record(*context);
    return grpc::Status::OK;
  }
  Seen seen;
};

constexpr char kIssuer[] = "https://id.duban.test";
constexpr char kAudience[] = "duban";

class AuthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = GenerateEcKey();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    key_file_ = absl::StrCat("/tmp/duban-auth-server-test-", getpid(), ".pem");
    std::ofstream(key_file_) << key_.public_pem;
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tls.plaintext = true;
    options.shutdown_deadline = absl::Seconds(2);
    options.auth.tokens.public_key_file = key_file_;
    options.auth.tokens.issuer = kIssuer;
    options.auth.tokens.audience = kAudience;
    auto server = StartServer(options, {&progress_, &plan_, &unit_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    progress_.self = channel_;
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    std::remove(key_file_.c_str());
  }

  // A token for `sub` with `roles` (the duban_roles JSON array), valid for
  // `valid_for` from now (negative: expired that long ago).
  std::string Token(absl::string_view sub, absl::string_view roles,
                    absl::Duration valid_for = absl::Minutes(10),
                    const TestKeyPair* key = nullptr) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    auto token = SignToken(
        absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience,
                     R"(","sub":")", sub, R"(","kind":"person","name":"N",)",
                     R"("exp":)", now + absl::ToInt64Seconds(valid_for),
                     R"(,"duban_roles":)", roles, "}"),
        "ES256", (key == nullptr ? key_ : *key).private_pem);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }

  static void Authorize(grpc::ClientContext* context,
                        const std::string& token) {
    if (!token.empty()) {
      context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
  }

  grpc::Status SubmitReport(const std::string& token, absl::string_view unit) {
    grpc::ClientContext context;
    Authorize(&context, token);
    gv1::SubmitReportRequest request;
    request.set_unit(std::string(unit));
    request.set_item("plans/p/items/1");
    gv1::Report report;
    return gv1::ProgressService::NewStub(channel_)->SubmitReport(
        &context, request, &report);
  }

  grpc::Status Watch(const std::string& token, absl::string_view org,
                     int* events) {
    grpc::ClientContext context;
    Authorize(&context, token);
    gv1::WatchEventsRequest request;
    request.set_organization(std::string(org));
    auto reader =
        gv1::ProgressService::NewStub(channel_)->WatchEvents(&context, request);
    gv1::Event event;
    *events = 0;
    while (reader->Read(&event)) ++*events;
    return reader->Finish();
  }

  grpc::Status ImportPlan(const std::string& token, absl::string_view org) {
    grpc::ClientContext context;
    Authorize(&context, token);
    pv1::ImportPlanRequest request;
    request.set_organization(std::string(org));
    request.set_content("plan text");
    pv1::ImportPlanResponse response;
    return pv1::PlanService::NewStub(channel_)->ImportPlan(&context, request,
                                                           &response);
  }

  grpc::Status CreateOrganization(const std::string& token) {
    grpc::ClientContext context;
    Authorize(&context, token);
    uv1::CreateOrganizationRequest request;
    request.set_organization_id("yy");
    uv1::Organization organization;
    return uv1::UnitService::NewStub(channel_)->CreateOrganization(
        &context, request, &organization);
  }

  TestKeyPair key_;
  std::string key_file_;
  ProgressHandlers progress_;
  PlanHandlers plan_;
  UnitHandlers unit_;
  std::unique_ptr<RunningServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

constexpr char kReporter[] =
    R"([{"role":"REPORTER","scope":"organizations/yy/units/jyj"}])";
constexpr char kSupervisor[] =
    R"([{"role":"SUPERVISOR","scope":"organizations/yy"}])";
constexpr char kIntegrator[] = R"([{"role":"INTEGRATOR","scope":"*"}])";

TEST_F(AuthServerTest, SubmitReport) {
  const std::string unit = "organizations/yy/units/jyj";
  grpc::Status none = SubmitReport("", unit);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("missing credential"));

  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Basic dXNlcjpwYXNz");
    gv1::SubmitReportRequest request;
    request.set_unit(unit);
    gv1::Report report;
    EXPECT_EQ(gv1::ProgressService::NewStub(channel_)
                  ->SubmitReport(&context, request, &report)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(SubmitReport("not.a.token", unit).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto other = GenerateEcKey();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(
      SubmitReport(Token("u1", kReporter, absl::Minutes(5), &*other), unit)
          .error_code(),
      grpc::StatusCode::UNAUTHENTICATED);

  grpc::Status expired =
      SubmitReport(Token("u1", kReporter, -absl::Minutes(5)), unit);
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(expired.error_message(), "token expired");

  grpc::Status wrong_role = SubmitReport(Token("u1", kIntegrator), unit);
  EXPECT_EQ(wrong_role.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(wrong_role.error_message(),
            "permission progress.reports.submit denied");

  EXPECT_EQ(SubmitReport(Token("u1", kReporter), "organizations/yy/units/other")
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(progress_.seen.calls.load(), 0);

  EXPECT_TRUE(SubmitReport(Token("u1", kReporter), unit).ok());
  EXPECT_EQ(progress_.seen.calls.load(), 1);
  EXPECT_EQ(progress_.seen.PrincipalId(), "u1");
  EXPECT_TRUE(SubmitReport(Token("s1", kSupervisor), unit).ok());
  EXPECT_EQ(progress_.seen.PrincipalId(), "s1");
}

TEST_F(AuthServerTest, WatchEventsStreams) {
  int events = -1;
  EXPECT_EQ(Watch("", "organizations/yy", &events).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      Watch(Token("u1", kSupervisor), "organizations/zz", &events).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(events, 0);
  EXPECT_EQ(progress_.seen.calls.load(), 0);
  // A reporter of one unit reads its organization's events.
  EXPECT_TRUE(Watch(Token("u1", kReporter), "organizations/yy", &events).ok());
  EXPECT_EQ(events, 1);
  EXPECT_EQ(progress_.seen.calls.load(), 1);
}

TEST_F(AuthServerTest, ImportPlanAndCreateOrganization) {
  EXPECT_EQ(ImportPlan("", "organizations/yy").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ImportPlan(Token("u1", kReporter), "organizations/yy").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      ImportPlan(Token("s1", kSupervisor), "organizations/zz").error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(plan_.seen.calls.load(), 0);
  EXPECT_TRUE(ImportPlan(Token("s1", kSupervisor), "organizations/yy").ok());
  EXPECT_EQ(plan_.seen.calls.load(), 1);

  EXPECT_EQ(CreateOrganization("").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status denied = CreateOrganization(
      Token("a1", R"([{"role":"ADMINISTRATOR","scope":"organizations/yy"}])"));
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(denied.error_message(), HasSubstr("unit.organizations.create"));
  EXPECT_EQ(unit_.seen.calls.load(), 0);
  EXPECT_TRUE(CreateOrganization(
                  Token("a1", R"([{"role":"ADMINISTRATOR","scope":"*"}])"))
                  .ok());
  EXPECT_EQ(unit_.seen.calls.load(), 1);
  EXPECT_EQ(unit_.seen.PrincipalId(), "a1");
}

TEST_F(AuthServerTest, WhoAmI) {
  auto stub = av1::AuthService::NewStub(channel_);
  {
    grpc::ClientContext context;
    av1::WhoAmIResponse response;
    EXPECT_EQ(stub->WhoAmI(&context, {}, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::ClientContext context;
  // A principal without roles still learns who it is.
  Authorize(&context, Token("nobody", "[]"));
  av1::WhoAmIResponse response;
  ASSERT_TRUE(stub->WhoAmI(&context, {}, &response).ok());
  EXPECT_EQ(response.id(), "nobody");
  EXPECT_EQ(response.kind(), "person");
  EXPECT_EQ(response.roles_size(), 0);

  grpc::ClientContext context2;
  Authorize(&context2, Token("s1", kSupervisor));
  ASSERT_TRUE(stub->WhoAmI(&context2, {}, &response).ok());
  ASSERT_EQ(response.roles_size(), 1);
  EXPECT_EQ(response.roles(0).role(), "SUPERVISOR");
  EXPECT_EQ(response.roles(0).scope(), "organizations/yy");
}

TEST_F(AuthServerTest, CallsOnTheCallersBehalfCarryItsToken) {
  grpc::ClientContext context;
  Authorize(
      &context,
      Token("i9", R"([{"role":"INTEGRATOR","scope":"organizations/zz"}])"));
  gv1::GetPlanRollupRequest request;
  request.set_plan("plans/p");
  gv1::PlanRollup rollup;
  grpc::Status status = gv1::ProgressService::NewStub(channel_)->GetPlanRollup(
      &context, request, &rollup);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(rollup.plan(), "i9");
}

TEST_F(AuthServerTest, HealthNeedsNoCredential) {
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(grpc::health::v1::Health::NewStub(channel_)
                  ->Check(&context, request, &response)
                  .ok());
}

TEST_F(AuthServerTest, OffAgainWhenTheSameServicesRestartWithoutAuth) {
  server_->Shutdown();
  server_.reset();
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.tls.plaintext = true;
  options.shutdown_deadline = absl::Seconds(2);
  auto server = StartServer(options, {&progress_, &plan_, &unit_});
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                 grpc::InsecureChannelCredentials());
  EXPECT_TRUE(SubmitReport("", "organizations/yy/units/jyj").ok());
  EXPECT_EQ(progress_.seen.PrincipalId(), "(none)");
  grpc::ClientContext context;
  av1::WhoAmIResponse response;
  EXPECT_EQ(av1::AuthService::NewStub(channel_)
                ->WhoAmI(&context, {}, &response)
                .error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST(AuthServerOptionsTest, RefusesABadKeyFile) {
  ServerOptions options;
  options.tls.plaintext = true;
  options.auth.tokens.public_key_file = "/nonexistent/keys.pem";
  options.auth.tokens.issuer = kIssuer;
  options.auth.tokens.audience = kAudience;
  ProgressHandlers progress;
  auto server = StartServer(options, {&progress});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("--auth_public_key_file"));
}

}  // namespace
}  // namespace duban
