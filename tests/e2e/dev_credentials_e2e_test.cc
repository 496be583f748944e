// Development credentials end to end, as deploy/run-local.sh makes them:
// tools/duban-token writes a signing key pair and mints tokens; the three
// servers run with mutual TLS, authentication on and their client
// certificates mapped to system principals; dubanctl, as the administrator,
// imports, issues and fills a demo year, and the other tokens are who they
// say. Also duban-token's usage errors.
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/certs.h"
#include "tests/support/process.h"
#include "tests/support/redis_fixture.h"

namespace duban {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kDubanToken =
    std::string(DUBAN_BINARY_DIR) + "/tools/duban-token/duban-token";
constexpr char kIssuer[] = "duban-local-dev";
constexpr char kAudience[] = "duban";
constexpr absl::Duration kFillTimeout = absl::Seconds(420);

std::string TempDir(const char* stem) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / (std::string(stem) + "XXXXXX"))
          .string();
  return mkdtemp(tmpl.data()) == nullptr ? "" : tmpl;
}

class DubanTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("duban-token-");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string dir_;
};

TEST_F(DubanTokenTest, KeygenWritesAPrivateKeyOnlyItsOwnerReads) {
  ProcessResult r = RunProcess({kDubanToken, "keygen", "--private-key",
                                dir_ + "/k", "--public-key", dir_ + "/k.pub"});
  ASSERT_EQ(r.exit_code, 0) << r;
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/k").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream pub(dir_ + "/k.pub");
  std::string first;
  std::getline(pub, first);
  EXPECT_EQ(first, "-----BEGIN PUBLIC KEY-----");

  // Never replaces a key silently.
  r = RunProcess({kDubanToken, "keygen", "--private-key", dir_ + "/k",
                  "--public-key", dir_ + "/k2.pub"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("exists; remove it or pass --force")) << r;
}

TEST_F(DubanTokenTest, BadArgumentsExitTwoNamingTheArgument) {
  ProcessResult r = RunProcess({kDubanToken, "keygen", "--private-key",
                                dir_ + "/k", "--public-key", dir_ + "/k.pub"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> base = {
      kDubanToken, "mint",       "--private-key", dir_ + "/k", "--issuer",
      kIssuer,     "--audience", kAudience,       "--sub",     "li"};
  struct Case {
    std::vector<std::string> extra;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--kind", "robot"}, "--kind: must be person or system"},
      {{"--kind", "person", "--role", "OWNER=*"}, "--role: must be ROLE=SCOPE"},
      {{"--kind", "person", "--role", "REPORTER"},
       "--role: must be ROLE=SCOPE"},
      {{"--kind", "person", "--role", "REPORTER=units/x"},
       "--role: scope must be"},
      {{"--kind", "person", "--ttl", "forever"}, "--ttl: must be a positive"},
      {{"--kind", "person", "--ttl=0s"}, "--ttl: must be a positive"},
      {{}, "--kind is required"},
      {{"--kind", "person", "--unknown"}, "--unknown"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = base;
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    r = RunProcess(args);
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_THAT(r.err, HasSubstr(c.says)) << r;
    EXPECT_TRUE(r.out.empty()) << r;
  }
  r = RunProcess({kDubanToken});
  EXPECT_EQ(r.exit_code, 2) << r;
  // A file that is no private key.
  std::ofstream(dir_ + "/junk") << "not a key\n";
  r = RunProcess({kDubanToken, "mint", "--private-key", dir_ + "/junk",
                  "--issuer", kIssuer, "--audience", kAudience, "--sub", "li",
                  "--kind", "person"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("does not parse")) << r;
  r = RunProcess({kDubanToken, "mint", "--private-key", dir_ + "/missing",
                  "--issuer", kIssuer, "--audience", kAudience, "--sub", "li",
                  "--kind", "person"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("cannot read")) << r;
}

// The local stack of deploy/run-local.sh, in a temporary directory.
class DevStackE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("duban-devstack-");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
    auto ca = TestCertificateAuthority::Create("duban development CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    Write("ca.pem", ca->cert_pem());
    for (const char* name :
         {"plan-server", "unit-server", "progress-server", "dubanctl"}) {
      CertificateSpec spec;
      spec.common_name = name;
      spec.dns_names = {"localhost"};
      spec.ip_addresses = {"127.0.0.1"};
      auto cert = ca->Issue(spec);
      ASSERT_TRUE(cert.ok()) << cert.status();
      Write(std::string(name) + ".pem", cert->cert);
      Write(std::string(name) + ".key", cert->key);
    }
    // The key pair and tokens, as run-local makes them.
    ProcessResult r =
        RunProcess({kDubanToken, "keygen", "--private-key", Path("signing.key"),
                    "--public-key", Path("signing.pub")});
    ASSERT_EQ(r.exit_code, 0) << r;
    Write("principals.json", R"({"principals": [
      {"common_name": "plan-server", "id": "plan-server",
       "roles": [{"role": "SUPERVISOR", "scope": "*"}]},
      {"common_name": "unit-server", "id": "unit-server",
       "roles": [{"role": "INTEGRATOR", "scope": "*"}]},
      {"common_name": "progress-server", "id": "progress-server",
       "roles": [{"role": "INTEGRATOR", "scope": "*"}]}]})");
    ASSERT_NO_FATAL_FAILURE(
        Mint("admin.token", "dev-admin", {"ADMINISTRATOR=*"}));

    ASSERT_TRUE(redis_.Start().ok());
    const std::string redis = absl::StrCat("--redis=127.0.0.1:", redis_.port());
    unit_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    plan_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    progress_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    ASSERT_TRUE(unit_server_
                    .Start(ServerArgs("unit-server", unit_addr_, redis, {}),
                           Path("unit-server.log"))
                    .ok());
    ASSERT_TRUE(plan_server_
                    .Start(ServerArgs("plan-server", plan_addr_, redis,
                                      {"--unit_addr=" + unit_addr_}),
                           Path("plan-server.log"))
                    .ok());
    ASSERT_TRUE(progress_server_
                    .Start(ServerArgs("progress-server", progress_addr_, redis,
                                      {"--plan_addr=" + plan_addr_,
                                       "--unit_addr=" + unit_addr_,
                                       "--allow_backdated_reports"}),
                           Path("progress-server.log"))
                    .ok());
    for (const char* server : {"unit", "plan", "progress"}) {
      r = Ctl({"health", server, "--wait", "30s"});
      ASSERT_EQ(r.exit_code, 0) << r;
    }
  }

  void TearDown() override {
    StopServers({&progress_server_, &plan_server_, &unit_server_},
                HasFailure());
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Write(const std::string& name, const std::string& content) {
    ASSERT_TRUE(WriteFileAtomically(Path(name), content).ok());
  }

  void Mint(const std::string& file, const std::string& sub,
            const std::vector<std::string>& roles) {
    std::vector<std::string> args = {
        kDubanToken, "mint",  "--private-key", Path("signing.key"),
        "--issuer",  kIssuer, "--audience",    kAudience,
        "--sub",     sub,     "--kind",        "person",
        "--ttl",     "720h"};
    for (const std::string& role : roles) {
      args.push_back("--role");
      args.push_back(role);
    }
    ProcessResult r = RunProcess(args);
    ASSERT_EQ(r.exit_code, 0) << r;
    Write(file, r.out);
  }

  std::vector<std::string> ServerArgs(const std::string& name,
                                      const std::string& listen,
                                      const std::string& redis,
                                      std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "--listen=" + listen,
        redis,
        "--shutdown_seconds=1",
        "--tls_cert_file=" + Path(name + ".pem"),
        "--tls_key_file=" + Path(name + ".key"),
        "--tls_client_ca_file=" + Path("ca.pem"),
        "--tls_ca_file=" + Path("ca.pem"),
        "--auth_public_key_file=" + Path("signing.pub"),
        std::string("--auth_issuer=") + kIssuer,
        std::string("--auth_audience=") + kAudience,
        "--auth_client_principals_file=" + Path("principals.json")};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // dubanctl with run-local's environment; `token` names a token file in
  // the stack's directory ("" for none).
  ProcessResult Ctl(std::vector<std::string> args,
                    const std::string& token = "admin.token",
                    absl::Duration timeout = absl::Seconds(60)) {
    std::vector<std::string> env = {
        "DUBAN_PLAN_ADDR=" + plan_addr_,
        "DUBAN_UNIT_ADDR=" + unit_addr_,
        "DUBAN_PROGRESS_ADDR=" + progress_addr_,
        "DUBAN_TLS_CA_FILE=" + Path("ca.pem"),
        "DUBAN_TLS_CERT_FILE=" + Path("dubanctl.pem"),
        "DUBAN_TLS_KEY_FILE=" + Path("dubanctl.key")};
    if (!token.empty()) env.push_back("DUBAN_TOKEN_FILE=" + Path(token));
    args.insert(args.begin(), kDubanctl);
    return RunProcess(args, env, timeout);
  }

  std::string dir_;
  RedisServerProcess redis_;
  ServerProcess unit_server_{"unit-server", kUnitServer};
  ServerProcess plan_server_{"plan-server", kPlanServer};
  ServerProcess progress_server_{"progress-server", kProgressServer};
  std::string unit_addr_, plan_addr_, progress_addr_;
};

TEST_F(DevStackE2eTest, AdministratorImportsIssuesAndFillsTheDemo) {
  ProcessResult r = Ctl({"whoami"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("dev-admin"));
  EXPECT_THAT(r.out, HasSubstr("ADMINISTRATOR *"));

  // dubanctl's certificate is trusted but names nobody: no token, no call.
  r = Ctl({"plan", "list"}, "");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED")) << r;
  EXPECT_THAT(r.err, HasSubstr("common name \"dubanctl\"")) << r;

  r = Ctl({"plan", "import", kYiyangFile, "--id", "yiyang-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"org", "create", "--id", "yiyang-edu", "--name", "益阳市教育局",
           "--level", "city", "--alias", "中共益阳市委教育工作委员会"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"units", "resolve", "--plan", "yiyang-2020", "--create-missing",
           "--accept-suggestions"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"plan", "issue", "yiyang-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"assignments", "--plan", "yiyang-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("基教科"));

  r = Ctl({"demo", "fill", "--plan", "yiyang-2020", "--year", "2020", "--as-of",
           "2020-12-10"},
          "admin.token", kFillTimeout);
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"--json", "report", "list", "yiyang-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("revision_count"));

  // The other development tokens are who they say.
  r = Ctl({"--json", "unit", "get", "基教科", "--org", "yiyang-edu"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const size_t at = r.out.find("organizations/yiyang-edu/units/");
  ASSERT_NE(at, std::string::npos) << r;
  const std::string unit = r.out.substr(at, r.out.find('"', at) - at);
  ASSERT_NO_FATAL_FAILURE(
      Mint("reporter.token", "dev-reporter", {"REPORTER=" + unit}));
  ASSERT_NO_FATAL_FAILURE(Mint("supervisor.token", "dev-supervisor-yiyang",
                               {"SUPERVISOR=organizations/yiyang-edu"}));
  r = Ctl({"whoami"}, "reporter.token");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("REPORTER " + unit));
  r = Ctl({"org", "create", "--id", "x", "--name", "某局", "--level", "other"},
          "supervisor.token");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED")) << r;
  r = Ctl({"org", "get", "yiyang-edu"}, "supervisor.token");
  EXPECT_EQ(r.exit_code, 0) << r;
}

}  // namespace
}  // namespace duban
