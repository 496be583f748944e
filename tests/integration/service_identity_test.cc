// Services calling each other with their own identity, over real gRPC with
// mutual TLS on loopback: a unit service (real domain, memory store) with
// authentication on and client certificates mapped to principals
// (--auth_client_principals_file); callers with mapped, unmapped and no
// certificates, with and without tokens; plan-server's client of the unit
// service committing assignments outside any handler, as its committer loop
// does; the service token for deployments without mutual TLS.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/auth_server.h"
#include "common/client.h"
#include "common/server.h"
#include "duban/auth/v1/auth_service.grpc.pb.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/plan/unit_directory.h"
#include "services/unit/memory_store.h"
#include "services/unit/service.h"
#include "services/unit/unit_domain.h"
#include "tests/support/certs.h"
#include "tests/support/tokens.h"

namespace duban {
namespace {

namespace av1 = ::duban::auth::v1;
namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuer[] = "https://id.duban.test";
constexpr char kAudience[] = "duban";

// A plan service whose GetPlan asks the unit service WhoAmI through
// CallService, as a handler calling another service does, and answers
// with the id the unit service saw.
class ForwardingPlanService final : public pv1::PlanService::Service {
 public:
  grpc::Status GetPlan(grpc::ServerContext*, const pv1::GetPlanRequest*,
                       pv1::Plan* plan) override {
    auto stub = av1::AuthService::NewStub(unit_channel);
    av1::WhoAmIResponse response;
    absl::Status status =
        CallService("unit service", CallPolicy(), [&](grpc::ClientContext* c) {
          return stub->WhoAmI(c, av1::WhoAmIRequest(), &response);
        });
    if (!status.ok()) {
      return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                          std::string(status.message()));
    }
    plan->set_title(response.id());
    return grpc::Status::OK;
  }
  std::shared_ptr<grpc::Channel> unit_channel;
};

class ServiceIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "duban-identity-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;

    auto ca = TestCertificateAuthority::Create("duban test CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    Write("ca.pem", ca->cert_pem());
    CertificateSpec server;
    server.common_name = "unit-server";
    server.dns_names = {"localhost"};
    server.ip_addresses = {"127.0.0.1"};
    Issue(*ca, server, "unit-server");
    for (const char* name :
         {"plan-server", "progress-server", "stranger", "dubanctl"}) {
      CertificateSpec client;
      client.common_name = name;
      client.dns_names = {"localhost"};
      Issue(*ca, client, name);
    }
    auto other = TestCertificateAuthority::Create("another CA");
    ASSERT_TRUE(other.ok()) << other.status();
    CertificateSpec forged;
    forged.common_name = "plan-server";
    Issue(*other, forged, "forged");

    auto key = GenerateEcKey();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    Write("token.pub", key_.public_pem);
    Write("principals.json", R"({"principals": [
      {"common_name": "plan-server", "id": "plan-server",
       "name": "plan service",
       "roles": [{"role": "ADMINISTRATOR", "scope": "*"}]},
      {"common_name": "progress-server", "id": "progress-server",
       "roles": [{"role": "INTEGRATOR", "scope": "*"}]}
    ]})");

    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tls.cert_file = Path("unit-server.pem");
    options.tls.key_file = Path("unit-server.key");
    options.tls.client_ca_file = Path("ca.pem");
    options.shutdown_deadline = absl::Seconds(2);
    options.auth.tokens.public_key_file = Path("token.pub");
    options.auth.tokens.issuer = kIssuer;
    options.auth.tokens.audience = kAudience;
    options.auth.tokens.refresh_interval = absl::ZeroDuration();
    options.auth.client_principals_file = Path("principals.json");
    auto started = StartServer(options, {&unit_service_, &plan_service_});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    address_ = absl::StrCat("127.0.0.1:", server_->port());
    plan_service_.unit_channel =
        ServiceChannel(address_, As("progress-server"));
  }

  void TearDown() override {
    SetServiceTokenFile("");
    if (server_) server_->Shutdown();
    std::filesystem::remove_all(dir_);
  }

  std::string Path(const std::string& name) const {
    return (std::filesystem::path(dir_) / name).string();
  }
  void Write(const std::string& name, const std::string& content) {
    ASSERT_TRUE(WriteFileAtomically(Path(name), content).ok());
  }
  void Issue(const TestCertificateAuthority& ca, const CertificateSpec& spec,
             const std::string& name) {
    auto cert = ca.Issue(spec);
    ASSERT_TRUE(cert.ok()) << cert.status();
    Write(name + ".pem", cert->cert);
    Write(name + ".key", cert->key);
  }

  // A client's TLS options presenting certificate `name` ("" for none).
  ClientTlsOptions As(const std::string& name) const {
    ClientTlsOptions tls;
    tls.ca_file = Path("ca.pem");
    if (!name.empty()) {
      tls.cert_file = Path(name + ".pem");
      tls.key_file = Path(name + ".key");
    }
    return tls;
  }
  std::shared_ptr<grpc::Channel> Channel(const std::string& cert) const {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto credentials = MakeChannelCredentials(As(cert));
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    return grpc::CreateCustomChannel(address_, *credentials, args);
  }

  std::string Token(absl::string_view sub, absl::string_view roles) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    auto token = SignToken(
        absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience,
                     R"(","sub":")", sub, R"(","kind":"person","exp":)",
                     now + 600, R"(,"duban_roles":)", roles, "}"),
        "ES256", key_.private_pem);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }
  std::string AdminToken() {
    return Token("admin", R"([{"role":"ADMINISTRATOR","scope":"*"}])");
  }

  grpc::Status WhoAmI(const std::string& cert, const std::string& token,
                      av1::WhoAmIResponse* response) {
    grpc::ClientContext context;
    if (!token.empty()) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
    return av1::AuthService::NewStub(Channel(cert))
        ->WhoAmI(&context, av1::WhoAmIRequest(), response);
  }

  template <typename Request, typename Response, typename Method>
  grpc::Status UnitCall(Method method, const Request& request,
                        Response* response, const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    auto stub = uv1::UnitService::NewStub(Channel("dubanctl"));
    return ((*stub).*method)(&context, request, response);
  }

  // An organization "yy" with unit "jjk" and plan "plans/p1" whose
  // assignments are created but not committed: what an issue leaves behind
  // when its last step failed, for plan-server's committer to finish.
  void PendingAssignments() {
    const std::string admin = AdminToken();
    uv1::CreateOrganizationRequest org;
    org.set_organization_id("yy");
    org.mutable_organization()->set_display_name("益阳市教育局");
    org.mutable_organization()->set_level(uv1::Organization::CITY);
    uv1::Organization created_org;
    grpc::Status s = UnitCall(&uv1::UnitService::Stub::CreateOrganization, org,
                              &created_org, admin);
    ASSERT_TRUE(s.ok()) << s.error_message();
    uv1::CreateUnitRequest unit;
    unit.set_parent("organizations/yy");
    unit.set_unit_id("jjk");
    unit.mutable_unit()->set_short_name("基教科");
    unit.mutable_unit()->set_full_name("基础教育科");
    unit.mutable_unit()->set_kind(uv1::Unit::OFFICE);
    uv1::Unit created_unit;
    s = UnitCall(&uv1::UnitService::Stub::CreateUnit, unit, &created_unit,
                 admin);
    ASSERT_TRUE(s.ok()) << s.error_message();
    uv1::CreatePlanAssignmentsRequest assign;
    assign.set_organization("organizations/yy");
    assign.set_plan("plans/p1");
    assign.set_request_id("issue-p1");
    auto* entry = assign.add_entries();
    entry->set_item("plans/p1/items/1");
    entry->set_printed_name("基教科");
    entry->set_role(uv1::LEAD);
    uv1::CreatePlanAssignmentsResponse assigned;
    s = UnitCall(&uv1::UnitService::Stub::CreatePlanAssignments, assign,
                 &assigned, admin);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(assigned.assignments_size(), 1);
  }

  std::vector<uv1::Assignment::State> PlanAssignmentStates() {
    uv1::ListAssignmentsRequest list;
    list.set_plan("plans/p1");
    uv1::ListAssignmentsResponse listed;
    grpc::Status s = UnitCall(&uv1::UnitService::Stub::ListAssignments, list,
                              &listed, AdminToken());
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<uv1::Assignment::State> states;
    for (const auto& a : listed.assignments()) states.push_back(a.state());
    return states;
  }

  std::string dir_;
  TestKeyPair key_;
  unit::MemoryUnitStore store_;
  unit::UnitDomain domain_{&store_};
  unit::UnitServiceImpl unit_service_{&domain_};
  ForwardingPlanService plan_service_;
  std::unique_ptr<RunningServer> server_;
  std::string address_;
};

TEST_F(ServiceIdentityTest, MappedCertificateIsItsSystemPrincipal) {
  av1::WhoAmIResponse me;
  grpc::Status status = WhoAmI("plan-server", "", &me);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(me.id(), "plan-server");
  EXPECT_EQ(me.kind(), "system");
  EXPECT_EQ(me.display_name(), "plan service");
  ASSERT_EQ(me.roles_size(), 1);
  EXPECT_EQ(me.roles(0).role(), "ADMINISTRATOR");
  EXPECT_EQ(me.roles(0).scope(), "*");
}

TEST_F(ServiceIdentityTest, UnmappedCertificateIsUnauthenticated) {
  av1::WhoAmIResponse me;
  grpc::Status status = WhoAmI("stranger", "", &me);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(
      status.error_message(),
      AllOf(HasSubstr("common name \"stranger\""), HasSubstr("not mapped"),
            Not(HasSubstr("localhost")), Not(HasSubstr(dir_))));
}

TEST_F(ServiceIdentityTest, CertificateOfAnotherCaNeverReachesTheCheck) {
  // Same common name as a mapped one, signed by a CA the server does not
  // trust: refused in the handshake.
  ClientTlsOptions tls = As("");
  tls.cert_file = Path("forged.pem");
  tls.key_file = Path("forged.key");
  auto credentials = MakeChannelCredentials(tls);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  av1::WhoAmIResponse me;
  grpc::Status status =
      av1::AuthService::NewStub(grpc::CreateChannel(address_, *credentials))
          ->WhoAmI(&context, av1::WhoAmIRequest(), &me);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(me.id().empty());
}

TEST_F(ServiceIdentityTest, TokenDecidesOverTheCertificate) {
  av1::WhoAmIResponse me;
  const std::string reporter = Token(
      "alice", R"([{"role":"REPORTER","scope":"organizations/yy/units/jjk"}])");
  grpc::Status status = WhoAmI("plan-server", reporter, &me);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(me.id(), "alice");
  EXPECT_EQ(me.kind(), "person");

  // A bad token is not made good by a mapped certificate.
  status = WhoAmI("plan-server", reporter + "x", &me);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("token"));

  // Nor does the certificate lend its roles to the token's principal.
  uv1::CreateOrganizationRequest org;
  org.set_organization_id("zz");
  org.mutable_organization()->set_display_name("某局");
  org.mutable_organization()->set_level(uv1::Organization::OTHER);
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", reporter));
  uv1::Organization created;
  status = uv1::UnitService::NewStub(Channel("plan-server"))
               ->CreateOrganization(&context, org, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ServiceIdentityTest, NoTokenNoCertificateIsUnauthenticated) {
  av1::WhoAmIResponse me;
  // dubanctl's certificate is trusted for the connection but names nobody.
  grpc::Status status = WhoAmI("dubanctl", "", &me);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("authorization: Bearer"));
}

TEST_F(ServiceIdentityTest, CommitterOutsideAHandlerActsAsTheServer) {
  ASSERT_NO_FATAL_FAILURE(PendingAssignments());
  // Pending assignments are not listed until committed.
  ASSERT_TRUE(PlanAssignmentStates().empty());

  // plan-server's client of the unit service, used from this thread as
  // its committer loop uses it: no caller, no token to pass on.
  CallPolicy policy;
  policy.attempts = 1;
  ASSERT_EQ(CallerBearerToken(), nullptr);
  plan::GrpcUnitDirectory unmapped(address_, As("stranger"), policy);
  absl::Status status = unmapped.CommitPlanAssignments("plans/p1", "issue-p1");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  plan::GrpcUnitDirectory reader(address_, As("progress-server"), policy);
  status = reader.CommitPlanAssignments("plans/p1", "issue-p1");
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  EXPECT_THAT(status.message(), HasSubstr("unit.assignments.create"));
  EXPECT_TRUE(PlanAssignmentStates().empty());

  plan::GrpcUnitDirectory committer(address_, As("plan-server"), policy);
  status = committer.CommitPlanAssignments("plans/p1", "issue-p1");
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(PlanAssignmentStates(),
            std::vector<uv1::Assignment::State>{uv1::Assignment::ACTIVE});
}

TEST_F(ServiceIdentityTest, HandlerPassesTheCallersTokenOnElseItsOwnIdentity) {
  // plan_service_'s handler calls WhoAmI on the unit service over a channel
  // with progress-server's certificate.
  auto stub = pv1::PlanService::NewStub(Channel("plan-server"));
  pv1::GetPlanRequest get;
  get.set_name("plans/p1");
  {
    // A caller with a token: the handler's call is made for that caller.
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", AdminToken()));
    pv1::Plan plan;
    grpc::Status status = stub->GetPlan(&context, get, &plan);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(plan.title(), "admin");
  }
  {
    // A caller known by its certificate has no token to pass on: the
    // handler's call carries the server's own certificate.
    grpc::ClientContext context;
    pv1::Plan plan;
    grpc::Status status = stub->GetPlan(&context, get, &plan);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(plan.title(), "progress-server");
  }
}

TEST_F(ServiceIdentityTest, ServiceTokenIdentifiesBackgroundCallsAndIsReRead) {
  Write("service.token",
        Token("plan-svc", R"([{"role":"ADMINISTRATOR","scope":"*"}])") + "\n");
  SetServiceTokenFile(Path("service.token"));
  // The stranger's certificate maps to nobody; the service token decides.
  auto stub =
      av1::AuthService::NewStub(ServiceChannel(address_, As("stranger")));
  auto who = [&]() -> std::string {
    av1::WhoAmIResponse me;
    CallPolicy policy;
    policy.attempts = 1;
    absl::Status status =
        CallService("unit service", policy, [&](grpc::ClientContext* c) {
          return stub->WhoAmI(c, av1::WhoAmIRequest(), &me);
        });
    return status.ok() ? me.id() : status.ToString();
  };
  EXPECT_EQ(who(), "plan-svc");

  Write("service.token",
        Token("plan-svc-2", R"([{"role":"ADMINISTRATOR","scope":"*"}])"));
  EXPECT_EQ(who(), "plan-svc-2");

  // A token file gone: the last token read is kept.
  std::filesystem::remove(Path("service.token"));
  EXPECT_EQ(who(), "plan-svc-2");

  SetServiceTokenFile("");
  EXPECT_THAT(who(), HasSubstr("UNAUTHENTICATED"));
}

TEST_F(ServiceIdentityTest, PrincipalsFileChangesApplyWithoutRestart) {
  av1::WhoAmIResponse me;
  ASSERT_EQ(WhoAmI("stranger", "", &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  Write("principals.json", R"({"principals": [
    {"common_name": "stranger", "id": "now-known", "roles": []}]})");
  grpc::Status status = WhoAmI("stranger", "", &me);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(me.id(), "now-known");
  EXPECT_EQ(WhoAmI("plan-server", "", &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST(ServiceIdentityOptions, BadPrincipalsFileStopsTheServer) {
  const std::string dir = std::filesystem::temp_directory_path() /
                          absl::StrCat("duban-identity-opts-", getpid());
  std::filesystem::create_directories(dir);
  auto key = GenerateEcKey();
  ASSERT_TRUE(key.ok());
  std::ofstream(dir + "/token.pub") << key->public_pem;
  std::ofstream(dir + "/principals.json")
      << R"({"principals": [{"common_name": "x", "id": "x",
             "roles": [{"role": "ROOT", "scope": "*"}]}]})";
  ServerAuthOptions auth;
  auth.tokens.public_key_file = dir + "/token.pub";
  auth.tokens.issuer = kIssuer;
  auth.tokens.audience = kAudience;
  auth.client_principals_file = dir + "/principals.json";
  auto authorizer = CallAuthorizer::Create(auth);
  ASSERT_FALSE(authorizer.ok());
  EXPECT_EQ(authorizer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      authorizer.status().message(),
      AllOf(HasSubstr("--auth_client_principals_file"),
            HasSubstr(dir + "/principals.json"),
            HasSubstr("principals[0] (id \"x\")"), HasSubstr("\"ROOT\"")));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace duban
