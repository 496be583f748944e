// What callers are told when storage fails, over real gRPC on loopback and
// a real redis-server of the test's own: a Redis ACL refusal (NOPERM), an
// unreachable Redis and a failing Lua script each come back with the right
// code and a generic message naming an incident, never a key name, an
// address or Redis's own text. And the servers' safety net: a handler
// message that would leak is replaced, and recorded first.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/observability.h"
#include "common/redaction.h"
#include "common/server.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/redis_fixture.h"
#include "tests/support/service_stack.h"

namespace duban {
namespace {

namespace v1 = ::duban::unit::v1;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// The unit service on `options`, in this process on a free loopback port.
ServiceStackOptions UnitOnly() {
  ServiceStackOptions options;
  options.plan = false;
  return options;
}
struct UnitStack {
  explicit UnitStack(const RedisOptions& options)
      : stack(options, UnitOnly()), stub(stack.unit()) {}

  grpc::Status CreateOrganization(const std::string& id) {
    v1::CreateOrganizationRequest request;
    request.set_organization_id(id);
    request.mutable_organization()->set_display_name("某局" + id);
    request.mutable_organization()->set_level(v1::Organization::OTHER);
    v1::Organization out;
    grpc::ClientContext context;
    return stub->CreateOrganization(&context, request, &out);
  }
  grpc::Status GetOrganization(const std::string& id) {
    v1::GetOrganizationRequest request;
    request.set_name("organizations/" + id);
    v1::Organization out;
    grpc::ClientContext context;
    return stub->GetOrganization(&context, request, &out);
  }
  grpc::Status GetUnit(const std::string& org, const std::string& unit) {
    v1::GetUnitRequest request;
    request.set_name(absl::StrCat("organizations/", org, "/units/", unit));
    v1::Unit out;
    grpc::ClientContext context;
    return stub->GetUnit(&context, request, &out);
  }

  ServiceStack stack;
  v1::UnitService::Stub* stub;
};

// A message a caller may see after a storage failure: the summary and an
// incident id, nothing of Redis.
void ExpectGeneric(const grpc::Status& status, grpc::StatusCode code,
                   const std::string& summary, int redis_port) {
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  EXPECT_THAT(status.error_message(),
              MatchesRegex(summary + " \\(incident [0-9a-f]{16}\\)"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("duban:")));
  EXPECT_THAT(status.error_message(),
              Not(HasSubstr(std::to_string(redis_port))));
  EXPECT_EQ(FindLeak(status.error_message()), "");
}

class StorageErrorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.Start().ok()); }

  absl::Status Admin(const std::vector<std::string>& argv) {
    return RedisPool(redis_.options()).Command(argv).status();
  }

  RedisServerProcess redis_;
};

TEST_F(StorageErrorTest, AclRefusalIsInternalWithoutCommandOrKey) {
  // May read and write every key but not run scripts.
  ASSERT_TRUE(Admin({"ACL", "SETUSER", "noscripts", "on", ">no-scripts-pw",
                     "~*", "&*", "+@all", "-evalsha", "-eval", "-script"})
                  .ok());
  // May run everything, on no key of duban's.
  ASSERT_TRUE(Admin({"ACL", "SETUSER", "nokeys", "on", ">no-keys-pw",
                     "~other:*", "&*", "+@all"})
                  .ok());
  RedisOptions options = redis_.options();
  options.user = "noscripts";
  options.password = "no-scripts-pw";
  UnitStack no_scripts(options);
  ASSERT_NE(no_scripts.stub, nullptr);
  ExpectGeneric(no_scripts.CreateOrganization("org-1"),
                grpc::StatusCode::INTERNAL, "storage error", redis_.port());

  options.user = "nokeys";
  options.password = "no-keys-pw";
  UnitStack no_keys(options);
  ASSERT_NE(no_keys.stub, nullptr);
  ExpectGeneric(no_keys.GetOrganization("org-1"), grpc::StatusCode::INTERNAL,
                "storage error", redis_.port());

  // The detail stays on the server side, whole.
  const absl::Status direct =
      RedisPool(options).Command({"GET", "duban:unit:x"}).status();
  EXPECT_THAT(IncidentDetail(direct), HasSubstr("NOPERM"));
  EXPECT_THAT(std::string(direct.message()), Not(HasSubstr("NOPERM")));
}

TEST_F(StorageErrorTest, UnreachableRedisIsUnavailableWithoutAddress) {
  UnitStack stack(redis_.options());
  ASSERT_NE(stack.stub, nullptr);
  ASSERT_TRUE(stack.CreateOrganization("org-1").ok());
  redis_.Stop();
  ExpectGeneric(stack.GetOrganization("org-1"), grpc::StatusCode::UNAVAILABLE,
                "storage unavailable; retry later", redis_.port());
  ExpectGeneric(stack.CreateOrganization("org-2"),
                grpc::StatusCode::UNAVAILABLE,
                "storage unavailable; retry later", redis_.port());
}

TEST_F(StorageErrorTest, FailingLuaScriptIsInternalWithoutKeyOrSha) {
  UnitStack stack(redis_.options());
  ASSERT_NE(stack.stub, nullptr);
  ASSERT_TRUE(stack.CreateOrganization("org-1").ok());
  // The unit hash of the organization becomes a string: the read script
  // fails with WRONGTYPE naming the script.
  ASSERT_TRUE(Admin({"SET", "duban:unit:{org:org-1}:units", "x"}).ok());
  ExpectGeneric(stack.GetUnit("org-1", "u-1"), grpc::StatusCode::INTERNAL,
                "storage error", redis_.port());
}

// A handler that answers with whatever message it is given.
class LeakyUnitService final : public v1::UnitService::Service {
 public:
  explicit LeakyUnitService(std::string message)
      : message_(std::move(message)) {}
  grpc::Status GetUnit(grpc::ServerContext*, const v1::GetUnitRequest*,
                       v1::Unit*) override {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, message_);
  }

 private:
  const std::string message_;
};

// Sets an environment variable for one scope (before servers start).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    const char* old = std::getenv(name);
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_, old_.c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

std::string ReadAll(const std::filesystem::path& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

grpc::Status GetUnitFrom(const RunningServer& server) {
  auto stub = v1::UnitService::NewStub(ChannelTo(server));
  v1::GetUnitRequest request;
  v1::Unit out;
  grpc::ClientContext context;
  return stub->GetUnit(&context, request, &out);
}

TEST(ErrorResponseSafetyNetTest, LeakingMessageIsWithheldAndRecordedAsSent) {
  RegisterSecretForRedaction("pa55word-of-redis");
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "safety-net-responses";
  std::filesystem::remove_all(dir);
  // Recorded away from the suite's record: these leaks are on purpose.
  ScopedEnv env(kErrorResponseLogEnv, dir.string());
  for (const std::string& leaking : {
           std::string("key duban:unit:{org:o}:units is a string"),
           std::string("AUTH pa55word-of-redis failed"),
           std::string("token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"),
       }) {
    LeakyUnitService service(leaking);
    ServerOptions options;
    options.tls.plaintext = true;
    auto server = StartServer(options, {&service});
    ASSERT_TRUE(server.ok()) << server.status();
    const grpc::Status status = GetUnitFrom(**server);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(status.error_message(),
                MatchesRegex("FAILED_PRECONDITION \\(details withheld; "
                             "incident [0-9a-f]{16}\\)"));
  }
  // The record holds what the handler produced, with the verdict.
  const std::string recorded = ReadAll(dir);
  EXPECT_THAT(recorded, HasSubstr("duban:unit:{org:o}:units"));
  EXPECT_THAT(recorded, HasSubstr("\"leak\":\"a Redis key name\""));
  EXPECT_THAT(recorded, HasSubstr("\"leak\":\"a secret\""));
  EXPECT_THAT(recorded, HasSubstr("\"leak\":\"a bearer token\""));
  EXPECT_THAT(recorded,
              HasSubstr("\"method\":\"duban.unit.v1.UnitService/GetUnit\""));
}

TEST(ErrorResponseSafetyNetTest, CleanMessageIsSentUnchanged) {
  LeakyUnitService service("organizations/o/units/u is inactive");
  ServerOptions options;
  options.tls.plaintext = true;
  auto server = StartServer(options, {&service});
  ASSERT_TRUE(server.ok()) << server.status();
  const grpc::Status status = GetUnitFrom(**server);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "organizations/o/units/u is inactive");
}

}  // namespace
}  // namespace duban
