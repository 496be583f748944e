// Authentication end to end: unit-server and plan-server started with
// --auth_public_key_file, and dubanctl sending tokens from --token-file or
// DUBAN_TOKEN.
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/process.h"
#include "tests/support/redis_fixture.h"
#include "tests/support/tokens.h"

namespace duban {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuer[] = "https://id.duban.test";
constexpr char kAudience[] = "duban";

class AuthE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "duban-auth-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    dir_ = tmpl;
    auto key = GenerateEcKey();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    std::ofstream(dir_ + "/keys.pem") << key_.public_pem;
    ASSERT_TRUE(redis_.Start().ok());
    const std::string redis = absl::StrCat("--redis=127.0.0.1:", redis_.port());
    unit_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    plan_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    ASSERT_TRUE(unit_server_
                    .Start({"--listen=" + unit_addr_, redis,
                            "--shutdown_seconds=1", "--plaintext",
                            "--auth_public_key_file=" + dir_ + "/keys.pem",
                            std::string("--auth_issuer=") + kIssuer,
                            std::string("--auth_audience=") + kAudience},
                           dir_ + "/unit-server.log")
                    .ok());
    ASSERT_TRUE(plan_server_
                    .Start({"--listen=" + plan_addr_, redis,
                            "--unit_addr=" + unit_addr_, "--shutdown_seconds=1",
                            "--plaintext",
                            "--auth_public_key_file=" + dir_ + "/keys.pem",
                            std::string("--auth_issuer=") + kIssuer,
                            std::string("--auth_audience=") + kAudience},
                           dir_ + "/plan-server.log")
                    .ok());
    for (const char* server : {"unit", "plan"}) {
      // Health needs no token.
      ProcessResult health = Ctl({"health", server, "--wait", "20s"});
      ASSERT_EQ(health.exit_code, 0) << health;
    }
  }

  void TearDown() override {
    plan_server_.Stop();
    unit_server_.Stop();
    if (HasFailure()) {
      std::cerr << plan_server_.LogTail() << unit_server_.LogTail();
    }
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  std::string Token(absl::string_view sub, absl::string_view roles,
                    absl::Duration valid_for = absl::Minutes(10)) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    auto token =
        SignToken(absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")",
                               kAudience, R"(","sub":")", sub,
                               R"(","kind":"person","name":"Li Hua","exp":)",
                               now + absl::ToInt64Seconds(valid_for),
                               R"(,"duban_roles":)", roles, "}"),
                  "ES256", key_.private_pem);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }

  // Writes `token` to a file and returns its path.
  std::string TokenFile(absl::string_view name, const std::string& token) {
    const std::string path = absl::StrCat(dir_, "/", name);
    std::ofstream(path) << token << "\n";
    return path;
  }

  ProcessResult Ctl(std::vector<std::string> args,
                    std::vector<std::string> env = {}) {
    args.insert(args.begin(), {kDubanctl, "--plaintext", "--plan-addr",
                               plan_addr_, "--unit-addr", unit_addr_});
    return RunProcess(std::move(args), std::move(env));
  }

  std::string dir_;
  TestKeyPair key_;
  RedisServerProcess redis_;
  ServerProcess unit_server_{"unit-server", kUnitServer};
  ServerProcess plan_server_{"plan-server", kPlanServer};
  std::string unit_addr_, plan_addr_;
};

TEST_F(AuthE2eTest, WhoAmI) {
  ProcessResult r = Ctl({"whoami", "unit"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED")) << r;

  const std::string file = TokenFile(
      "li.jwt",
      Token("li", R"([{"role":"SUPERVISOR","scope":"organizations/hn"}])"));
  r = Ctl({"--token-file", file, "whoami", "plan"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("li"));
  EXPECT_THAT(r.out, HasSubstr("SUPERVISOR organizations/hn"));

  r = Ctl({"whoami", "unit", "--json"},
          {"DUBAN_TOKEN=" + Token("wang", R"([])")});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(R"("id":"wang")"));

  r = Ctl({"whoami"}, {"DUBAN_TOKEN=" + Token("li", "[]", -absl::Hours(1))});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED: token expired")) << r;

  r = Ctl({"--token-file", dir_ + "/missing.jwt", "whoami"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--token-file")) << r;
}

TEST_F(AuthE2eTest, OrganizationsByRole) {
  const std::string supervisor = TokenFile(
      "s.jwt",
      Token("s", R"([{"role":"SUPERVISOR","scope":"organizations/hn"}])"));
  const std::string admin = TokenFile(
      "a.jwt", Token("a", R"([{"role":"ADMINISTRATOR","scope":"*"}])"));
  const std::vector<std::string> create = {"org",     "create",  "--id",
                                           "hn",      "--name",  "湖南省教育厅",
                                           "--level", "province"};

  ProcessResult r = Ctl(create);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED")) << r;

  std::vector<std::string> args = {"--token-file", supervisor};
  args.insert(args.end(), create.begin(), create.end());
  r = Ctl(args);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED")) << r;
  EXPECT_THAT(r.err, HasSubstr("unit.organizations.create")) << r;

  args = {"--token-file", admin};
  args.insert(args.end(), create.begin(), create.end());
  r = Ctl(args);
  ASSERT_EQ(r.exit_code, 0) << r;

  r = Ctl({"--token-file", supervisor, "org", "get", "hn"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("湖南省教育厅"));
  // A supervisor of another organization reads nothing of this one.
  const std::string other = TokenFile(
      "o.jwt",
      Token("o", R"([{"role":"SUPERVISOR","scope":"organizations/yy"}])"));
  r = Ctl({"--token-file", other, "org", "get", "hn"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED")) << r;
  EXPECT_THAT(r.err, Not(HasSubstr("湖南省教育厅"))) << r;
}

TEST_F(AuthE2eTest, ImportNeedsASupervisorOfTheOrganization) {
  const std::string reporter = TokenFile(
      "r.jwt",
      Token("r",
            R"([{"role":"REPORTER","scope":"organizations/hn/units/x"}])"));
  ProcessResult r = Ctl(
      {"--token-file", reporter, "plan", "import", kHunanFile, "--dry-run"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED: permission "
                               "plan.plans.import denied"))
      << r;
  const std::string admin = TokenFile(
      "a.jwt", Token("a", R"([{"role":"ADMINISTRATOR","scope":"*"}])"));
  r = Ctl({"--token-file", admin, "plan", "import", kHunanFile, "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST(AuthFlagsE2eTest, ServerRefusesABadKeyFile) {
  ProcessResult r = RunProcess({kUnitServer, "--plaintext",
                                "--auth_public_key_file=/nonexistent.pem",
                                "--auth_issuer=x", "--auth_audience=y"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--auth_public_key_file")) << r;
  r = RunProcess({kUnitServer, "--plaintext", "--auth_audience=y"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--auth_public_key_file, which is unset")) << r;
}

}  // namespace
}  // namespace duban
