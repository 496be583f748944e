// Transport security of the real binaries: servers refuse to start without
// it (or half-configured) with exit status 2 and a line naming the flag;
// unit-, plan- and progress-server over mutual TLS calling each other with
// their own certificates; dubanctl with its TLS settings from the
// environment, refused without a client certificate or in plaintext.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/certs.h"
#include "tests/support/process.h"
#include "tests/support/redis_fixture.h"

namespace duban {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kCommandTimeout = absl::Seconds(30);

// A directory with a CA and certificates for the three servers and for
// dubanctl, all signed by it.
class CertificateDirectory {
 public:
  absl::Status Create() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "duban-tls-e2e-XXXXXX")
            .string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return absl::InternalError(std::strerror(errno));
    }
    dir_ = tmpl;
    absl::StatusOr<TestCertificateAuthority> ca =
        TestCertificateAuthority::Create("duban e2e CA");
    if (!ca.ok()) return ca.status();
    if (absl::Status s = WriteFileAtomically(Path("ca.pem"), ca->cert_pem());
        !s.ok()) {
      return s;
    }
    for (const char* name :
         {"unit-server", "plan-server", "progress-server", "dubanctl"}) {
      CertificateSpec spec;
      spec.common_name = name;
      spec.dns_names = {"localhost"};
      spec.ip_addresses = {"127.0.0.1"};
      absl::StatusOr<PemCertificate> cert = ca->Issue(spec);
      if (!cert.ok()) return cert.status();
      for (const auto& [suffix, content] :
           {std::pair{".pem", cert->cert}, {".key", cert->key}}) {
        if (absl::Status s =
                WriteFileAtomically(Path(absl::StrCat(name, suffix)), content);
            !s.ok()) {
          return s;
        }
      }
    }
    return absl::OkStatus();
  }

  ~CertificateDirectory() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  std::string Path(const std::string& name) const {
    return absl::StrCat(dir_, "/", name);
  }

  // The TLS flags of server `name`: its certificate for serving and for
  // calling others, and mutual TLS with the CA.
  std::vector<std::string> ServerFlags(const std::string& name) const {
    return {"--tls_cert_file=" + Path(name + ".pem"),
            "--tls_key_file=" + Path(name + ".key"),
            "--tls_client_ca_file=" + Path("ca.pem"),
            "--tls_ca_file=" + Path("ca.pem"), "--tls_refresh_seconds=1"};
  }

  // dubanctl's settings, as `deploy/run-local.sh` tells users to export.
  std::vector<std::string> DubanctlEnvironment() const {
    return {"DUBAN_TLS_CA_FILE=" + Path("ca.pem"),
            "DUBAN_TLS_CERT_FILE=" + Path("dubanctl.pem"),
            "DUBAN_TLS_KEY_FILE=" + Path("dubanctl.key")};
  }

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// A server binary run with `args` that must stop at once with a config
// error.
ProcessResult RunServer(const std::string& binary,
                        std::vector<std::string> args) {
  args.insert(args.begin(), binary);
  // Never reaches Redis: the flags are checked first. The timeout only
  // guards against a server that wrongly starts.
  return RunProcess(args, {}, absl::Seconds(10));
}

TEST(TlsConfigTest, ServersRefuseToStartWithoutTransportSecurity) {
  for (const std::string& binary :
       {kUnitServer, kPlanServer, kProgressServer}) {
    const ProcessResult r = RunServer(binary, {"--listen=127.0.0.1:0"});
    EXPECT_EQ(r.exit_code, 2) << binary << "\n" << r;
    EXPECT_THAT(r.err,
                AllOf(HasSubstr("--tls_cert_file"), HasSubstr("--tls_key_file"),
                      HasSubstr("--plaintext")))
        << r;
  }
}

TEST(TlsConfigTest, HalfConfiguredTlsStopsTheServerNamingTheFlag) {
  CertificateDirectory certs;
  ASSERT_TRUE(certs.Create().ok());
  const std::string cert = "--tls_cert_file=" + certs.Path("unit-server.pem");
  const std::string key = "--tls_key_file=" + certs.Path("unit-server.key");
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {{cert}, {"--tls_key_file"}},
      {{key}, {"--tls_cert_file"}},
      {{"--tls_cert_file=" + certs.Path("nope.pem"), key},
       {"--tls_cert_file", certs.Path("nope.pem")}},
      {{cert, "--tls_key_file=" + certs.Path("plan-server.key")},
       {"--tls_key_file", "does not belong"}},
      {{cert, key, "--tls_client_ca_file=" + certs.Path("nope.pem")},
       {"--tls_client_ca_file"}},
      {{cert, key, "--plaintext"}, {"--plaintext"}},
      {{cert, key, "--tls_refresh_seconds=0"}, {"--tls_refresh_seconds"}},
      {{cert, key, "--tls_ca_file=" + certs.Path("unit-server.key")},
       {"--tls_ca_file"}},
      {{cert, key, "--tls_client_cert_file=" + certs.Path("plan-server.pem")},
       {"--tls_client_key_file"}},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--listen=127.0.0.1:0"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const ProcessResult r = RunServer(kPlanServer, args);
    EXPECT_EQ(r.exit_code, 2) << absl::StrJoin(args, " ") << "\n" << r;
    for (const std::string& text : c.expected) {
      EXPECT_THAT(r.err, HasSubstr(text)) << absl::StrJoin(args, " ");
    }
    EXPECT_THAT(r.err, Not(HasSubstr("PRIVATE KEY")));
  }
}

TEST(TlsConfigTest, DubanctlRejectsContradictoryTlsSettings) {
  CertificateDirectory certs;
  ASSERT_TRUE(certs.Create().ok());
  const std::vector<std::vector<std::string>> cases = {
      {"--plaintext", "--tls-ca-file", certs.Path("ca.pem")},
      {"--tls-cert-file", certs.Path("dubanctl.pem")},
      {"--tls-ca-file", certs.Path("nope.pem")},
  };
  const std::vector<std::string> expected = {"--plaintext", "--tls-key-file",
                                             "--tls-ca-file"};
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<std::string> args = {kDubanctl, "--plan-addr=127.0.0.1:1"};
    args.insert(args.end(), cases[i].begin(), cases[i].end());
    args.insert(args.end(), {"plan", "list"});
    const ProcessResult r = RunProcess(args, {}, kCommandTimeout);
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_THAT(r.err, HasSubstr(expected[i])) << r;
  }
  // The same mistake made in the environment.
  const ProcessResult r = RunProcess(
      {kDubanctl, "--plan-addr=127.0.0.1:1", "plan", "list"},
      {"DUBAN_TLS_KEY_FILE=" + certs.Path("dubanctl.key")}, kCommandTimeout);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--tls-cert-file")) << r;
}

// Redis and the three servers over mutual TLS, on free loopback ports.
class MutualTlsStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& binary :
         {kDubanctl, kPlanServer, kUnitServer, kProgressServer}) {
      ASSERT_TRUE(std::filesystem::exists(binary)) << binary;
    }
    ASSERT_TRUE(certs_.Create().ok());
    const absl::Status redis_started = redis_.Start();
    ASSERT_TRUE(redis_started.ok()) << redis_started;
    const std::string redis = absl::StrCat("--redis=127.0.0.1:", redis_.port());
    unit_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    plan_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    progress_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    const auto start = [&](ServerProcess& server, const std::string& name,
                           std::vector<std::string> args) {
      const std::vector<std::string> tls = certs_.ServerFlags(name);
      args.insert(args.end(), tls.begin(), tls.end());
      args.insert(args.end(), {redis, "--shutdown_seconds=1"});
      return server.Start(args, certs_.Path(name + ".log"));
    };
    absl::Status started =
        start(unit_server_, "unit-server", {"--listen=" + unit_addr_});
    ASSERT_TRUE(started.ok()) << started;
    started = start(plan_server_, "plan-server",
                    {"--listen=" + plan_addr_, "--unit_addr=" + unit_addr_});
    ASSERT_TRUE(started.ok()) << started;
    started = start(progress_server_, "progress-server",
                    {"--listen=" + progress_addr_, "--plan_addr=" + plan_addr_,
                     "--unit_addr=" + unit_addr_});
    ASSERT_TRUE(started.ok()) << started;
    for (const char* server : {"unit", "plan", "progress"}) {
      const ProcessResult r = Ctl({"health", server, "--wait", "20s"});
      ASSERT_EQ(r.exit_code, 0) << r;
    }
  }

  void TearDown() override {
    StopServers({&progress_server_, &plan_server_, &unit_server_},
                HasFailure());
  }

  // dubanctl with the addresses on the command line and the TLS settings
  // in the environment (replaced by `env` when given).
  ProcessResult Ctl(std::vector<std::string> args,
                    std::vector<std::string> env = {}) {
    if (env.empty()) env = certs_.DubanctlEnvironment();
    args.insert(args.begin(),
                {kDubanctl, "--plan-addr", plan_addr_, "--unit-addr",
                 unit_addr_, "--progress-addr", progress_addr_});
    return RunProcess(args, env, kCommandTimeout);
  }

  CertificateDirectory certs_;
  RedisServerProcess redis_;
  ServerProcess unit_server_{"unit-server", kUnitServer};
  ServerProcess plan_server_{"plan-server", kPlanServer};
  ServerProcess progress_server_{"progress-server", kProgressServer};
  std::string unit_addr_;
  std::string plan_addr_;
  std::string progress_addr_;
};

TEST_F(MutualTlsStackTest, ServicesCallEachOtherWithTheirOwnCertificates) {
  ProcessResult r =
      Ctl({"org", "create", "--name", "益阳市教育局", "--level", "city", "--id",
           "yiyang-edu", "--alias", "中共益阳市委教育工作委员会"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"plan", "import", kYiyangFile, "--id", "yiyang-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"units", "resolve", "--plan", "yiyang-2020", "--create-missing",
           "--accept-suggestions"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // plan-server → unit-server.
  r = Ctl({"plan", "issue", "yiyang-2020"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"assignments", "--plan", "yiyang-2020", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("yiyang-2020")) << r;
  // progress-server → plan-server and unit-server.
  r = Ctl({"schedule", "set", "yiyang-2020", "--cadence", "monthly"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"overdue", "--plan", "yiyang-2020", "--as-of", "2020-12-10"});
  ASSERT_EQ(r.exit_code, 0) << r;
}

TEST_F(MutualTlsStackTest, DubanctlWithoutClientCertificateIsRefused) {
  const ProcessResult r =
      Ctl({"plan", "list"}, {"DUBAN_TLS_CA_FILE=" + certs_.Path("ca.pem")});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAVAILABLE")) << r;
  EXPECT_THAT(r.err, HasSubstr("--tls-cert-file")) << r;
}

TEST_F(MutualTlsStackTest, DubanctlInPlaintextIsRefused) {
  const ProcessResult r = Ctl({"plan", "list"}, {"DUBAN_PLAINTEXT=1"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAVAILABLE")) << r;
}

TEST_F(MutualTlsStackTest, DubanctlTrustingAnotherCaIsRefused) {
  std::vector<std::string> env = certs_.DubanctlEnvironment();
  env[0] = "DUBAN_TLS_CA_FILE=" + certs_.Path("dubanctl.pem");
  const ProcessResult r = Ctl({"plan", "list"}, env);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAVAILABLE")) << r;
}

}  // namespace
}  // namespace duban
