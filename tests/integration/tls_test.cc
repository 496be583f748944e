// Transport security over real gRPC on loopback, with certificates made by
// the test: TLS; mutual TLS against no client certificate, one from another
// CA, an expired one and a valid one; certificate rotation without restart;
// plaintext against TLS both ways; the identity a handler sees; and the
// options refused before a server starts.
#include "common/tls.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/server.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/certs.h"

namespace duban {
namespace {

namespace uv1 = ::duban::unit::v1;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// Answers GetOrganization with the caller's certificate common name and
// remembers who called.
class RecordingService : public uv1::UnitService::Service {
 public:
  grpc::Status GetOrganization(grpc::ServerContext* context,
                               const uv1::GetOrganizationRequest*,
                               uv1::Organization* response) override {
    const PeerIdentity peer = PeerIdentityOf(*context);
    absl::MutexLock lock(&mu_);
    ++calls_;
    last_peer_ = peer;
    response->set_name(peer.common_name);
    return grpc::Status::OK;
  }

  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  PeerIdentity last_peer() {
    absl::MutexLock lock(&mu_);
    return last_peer_;
  }

 private:
  absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  PeerIdentity last_peer_ ABSL_GUARDED_BY(mu_);
};

// What one call saw.
struct CallResult {
  grpc::Status status;
  // The server's certificate as the client saw it.
  PeerIdentity server;
  // The response: the client's common name as the handler saw it.
  std::string client_name;
};

// One GetOrganization on a channel of its own (a fresh connection, so a
// fresh handshake).
CallResult CallOnce(
    int port, const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const ClientTlsOptions& tls = {}) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  AddChannelArguments(tls, &args);
  auto stub = uv1::UnitService::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port), credentials, args));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  uv1::GetOrganizationRequest request;
  request.set_name("organizations/any");
  uv1::Organization response;
  CallResult result;
  result.status = stub->GetOrganization(&context, request, &response);
  if (result.status.ok()) {
    result.server = PeerIdentityOf(*context.auth_context());
    result.client_name = response.name();
  }
  return result;
}

CallResult CallWith(int port, const ClientTlsOptions& tls) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(tls);
  if (!credentials.ok()) {
    ADD_FAILURE() << credentials.status();
    CallResult failed;
    failed.status = grpc::Status(grpc::StatusCode::INTERNAL, "no credentials");
    return failed;
  }
  return CallOnce(port, *credentials, tls);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "duban-tls-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;

    auto ca = TestCertificateAuthority::Create("duban test CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = std::make_unique<TestCertificateAuthority>(*std::move(ca));
    auto other = TestCertificateAuthority::Create("another CA");
    ASSERT_TRUE(other.ok()) << other.status();
    other_ca_ = std::make_unique<TestCertificateAuthority>(*std::move(other));

    Write("ca.pem", ca_->cert_pem());
    Write("other-ca.pem", other_ca_->cert_pem());
    Issue(*ca_, ServerSpec("unit-server"), "server");
    CertificateSpec client;
    client.common_name = "plan-server";
    client.dns_names = {"plan-server.duban.internal"};
    Issue(*ca_, client, "client");
    Issue(*other_ca_, client, "stranger");
    client.not_before = -absl::Hours(48);
    client.not_after = -absl::Hours(24);
    Issue(*ca_, client, "expired");
  }

  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  static CertificateSpec ServerSpec(const std::string& name) {
    CertificateSpec spec;
    spec.common_name = name;
    spec.dns_names = {"localhost"};
    spec.ip_addresses = {"127.0.0.1"};
    return spec;
  }

  std::string Path(const std::string& name) const {
    return absl::StrCat(dir_, "/", name);
  }
  void Write(const std::string& name, const std::string& content) {
    absl::Status s = WriteFileAtomically(Path(name), content);
    ASSERT_TRUE(s.ok()) << s;
  }
  // Writes <prefix>.pem and <prefix>.key, the key first (the watcher
  // tolerates a moment of mismatch; the test retries meanwhile).
  void Issue(const TestCertificateAuthority& ca, const CertificateSpec& spec,
             const std::string& prefix) {
    absl::StatusOr<PemCertificate> cert = ca.Issue(spec);
    ASSERT_TRUE(cert.ok()) << cert.status();
    Write(prefix + ".key", cert->key);
    Write(prefix + ".pem", cert->cert);
  }

  ServerTlsOptions ServerTls(bool mutual) const {
    ServerTlsOptions tls;
    tls.cert_file = Path("server.pem");
    tls.key_file = Path("server.key");
    if (mutual) tls.client_ca_file = Path("ca.pem");
    tls.refresh_interval = absl::Seconds(1);
    return tls;
  }

  // Starts the recording service; returns its port, 0 on failure.
  int Start(const ServerTlsOptions& tls) {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tls = tls;
    options.shutdown_deadline = absl::Seconds(1);
    auto started = StartServer(options, {&service_});
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) return 0;
    server_ = *std::move(started);
    return server_->port();
  }

  // A client that trusts `ca` and presents <identity>.pem/.key unless
  // identity is empty.
  ClientTlsOptions Client(const std::string& ca,
                          const std::string& identity = "") const {
    ClientTlsOptions tls;
    tls.ca_file = Path(ca);
    if (!identity.empty()) {
      tls.cert_file = Path(identity + ".pem");
      tls.key_file = Path(identity + ".key");
    }
    return tls;
  }

  std::string dir_;
  std::unique_ptr<TestCertificateAuthority> ca_;
  std::unique_ptr<TestCertificateAuthority> other_ca_;
  RecordingService service_;
  std::unique_ptr<RunningServer> server_;
};

TEST_F(TlsTest, TlsServerAnswersAClientThatTrustsItsCa) {
  const int port = Start(ServerTls(/*mutual=*/false));
  ASSERT_GT(port, 0);
  const CallResult r = CallWith(port, Client("ca.pem"));
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_TRUE(r.server.verified);
  EXPECT_EQ(r.server.common_name, "unit-server");
  EXPECT_THAT(r.server.subject_alt_names, Contains("127.0.0.1"));
  // Without mutual TLS the handler sees an encrypted but anonymous peer.
  const PeerIdentity client = service_.last_peer();
  EXPECT_FALSE(client.verified);
  EXPECT_EQ(client.common_name, "");
  EXPECT_FALSE(client.transport_security.empty());
}

TEST_F(TlsTest, ClientRefusesAServerCertificateFromAnotherCa) {
  const int port = Start(ServerTls(/*mutual=*/false));
  ASSERT_GT(port, 0);
  const CallResult r = CallWith(port, Client("other-ca.pem"));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << r.status.error_message();
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(TlsTest, ClientChecksTheServerNameUnlessOverridden) {
  const int port = Start(ServerTls(/*mutual=*/false));
  ASSERT_GT(port, 0);
  ClientTlsOptions wrong_name = Client("ca.pem");
  wrong_name.server_name = "plan-server.duban.internal";
  EXPECT_FALSE(CallWith(port, wrong_name).status.ok());
  EXPECT_EQ(service_.calls(), 0);

  ClientTlsOptions right_name = Client("ca.pem");
  right_name.server_name = "localhost";
  const CallResult r = CallWith(port, right_name);
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(service_.calls(), 1);
}

TEST_F(TlsTest, PlaintextClientCannotCallATlsServer) {
  const int port = Start(ServerTls(/*mutual=*/false));
  ASSERT_GT(port, 0);
  const CallResult r = CallOnce(port, grpc::InsecureChannelCredentials());
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << r.status.error_message();
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(TlsTest, TlsClientCannotCallAPlaintextServer) {
  ServerTlsOptions plaintext;
  plaintext.plaintext = true;
  const int port = Start(plaintext);
  ASSERT_GT(port, 0);
  const CallResult r = CallWith(port, Client("ca.pem", "client"));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << r.status.error_message();
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(TlsTest, MutualTlsRefusesAClientWithoutCertificate) {
  const int port = Start(ServerTls(/*mutual=*/true));
  ASSERT_GT(port, 0);
  const CallResult r = CallWith(port, Client("ca.pem"));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << r.status.error_message();
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(TlsTest, MutualTlsRefusesAClientCertificateFromAnotherCa) {
  const int port = Start(ServerTls(/*mutual=*/true));
  ASSERT_GT(port, 0);
  const CallResult r = CallWith(port, Client("ca.pem", "stranger"));
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(TlsTest, MutualTlsRefusesAnExpiredClientCertificate) {
  const int port = Start(ServerTls(/*mutual=*/true));
  ASSERT_GT(port, 0);
  // Built by hand: the client's own checks refuse to load an expired
  // certificate, and this test is about the server.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca_->cert_pem();
  std::ifstream key_in(Path("expired.key")), cert_in(Path("expired.pem"));
  std::stringstream key, cert;
  key << key_in.rdbuf();
  cert << cert_in.rdbuf();
  ssl.pem_private_key = key.str();
  ssl.pem_cert_chain = cert.str();
  const CallResult r = CallOnce(port, grpc::SslCredentials(ssl));
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(service_.calls(), 0);

  // The same client with a valid certificate gets through.
  ssl.pem_private_key.clear();
  ssl.pem_cert_chain.clear();
  std::ifstream good_key(Path("client.key")), good_cert(Path("client.pem"));
  std::stringstream k, c;
  k << good_key.rdbuf();
  c << good_cert.rdbuf();
  ssl.pem_private_key = k.str();
  ssl.pem_cert_chain = c.str();
  EXPECT_TRUE(CallOnce(port, grpc::SslCredentials(ssl)).status.ok());
  EXPECT_EQ(service_.calls(), 1);
}

TEST_F(TlsTest, MutualTlsAcceptsAValidClientAndTellsTheHandlerWhoItIs) {
  const int port = Start(ServerTls(/*mutual=*/true));
  ASSERT_GT(port, 0);
  const CallResult r = CallWith(port, Client("ca.pem", "client"));
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.client_name, "plan-server");
  const PeerIdentity peer = service_.last_peer();
  EXPECT_TRUE(peer.verified);
  EXPECT_EQ(peer.common_name, "plan-server");
  EXPECT_THAT(peer.subject_alt_names, Contains("plan-server.duban.internal"));
  EXPECT_THAT(peer.subject,
              AllOf(HasSubstr("CN=plan-server"), HasSubstr("O=duban tests")));
  EXPECT_EQ(service_.calls(), 1);
}

TEST_F(TlsTest, RotatedServerCertificateIsServedWithoutRestart) {
  const int port = Start(ServerTls(/*mutual=*/true));
  ASSERT_GT(port, 0);
  CallResult r = CallWith(port, Client("ca.pem", "client"));
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.server.common_name, "unit-server");

  // A new certificate from a new CA, in the same files; clients trust the
  // new CA from now on (and the server still trusts the old one for
  // client certificates).
  auto next_ca = TestCertificateAuthority::Create("next CA");
  ASSERT_TRUE(next_ca.ok()) << next_ca.status();
  Write("next-ca.pem", next_ca->cert_pem());
  CertificateSpec spec = ServerSpec("unit-server-2");
  spec.serial = 4242;
  ASSERT_NO_FATAL_FAILURE(Issue(*next_ca, spec, "server"));

  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  do {
    r = CallWith(port, Client("next-ca.pem", "client"));
    if (r.status.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  } while (absl::Now() < give_up);
  ASSERT_TRUE(r.status.ok())
      << "the new certificate was never served: " << r.status.error_message();
  EXPECT_EQ(r.server.common_name, "unit-server-2");
  EXPECT_EQ(r.client_name, "plan-server");
  // New connections no longer get the old certificate.
  EXPECT_FALSE(CallWith(port, Client("ca.pem", "client")).status.ok());
}

TEST_F(TlsTest, RotatedClientCaTakesEffectWithoutRestart) {
  const int port = Start(ServerTls(/*mutual=*/true));
  ASSERT_GT(port, 0);
  ASSERT_FALSE(CallWith(port, Client("ca.pem", "stranger")).status.ok());
  // The server now trusts the other CA for clients (its own certificate
  // stays).
  Write("ca.pem", other_ca_->cert_pem());
  Write("trust-server.pem", ca_->cert_pem());
  CallResult r;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  do {
    r = CallWith(port, Client("trust-server.pem", "stranger"));
    if (r.status.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  } while (absl::Now() < give_up);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.client_name, "plan-server");
  EXPECT_FALSE(
      CallWith(port, Client("trust-server.pem", "client")).status.ok());
}

// --- options refused before anything listens ---

TEST_F(TlsTest, ServerWithoutTlsOrPlaintextDoesNotStart) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto started = StartServer(options, {&service_});
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(started.status().message(),
              AllOf(HasSubstr("--tls_cert_file"), HasSubstr("--tls_key_file"),
                    HasSubstr("--plaintext")));
}

TEST_F(TlsTest, HalfConfiguredServerTlsNamesTheFlag) {
  const auto message = [](const ServerTlsOptions& tls) {
    const absl::Status s = ValidateServerTls(tls);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    return std::string(s.message());
  };
  ServerTlsOptions tls = ServerTls(/*mutual=*/true);
  EXPECT_TRUE(ValidateServerTls(tls).ok());

  ServerTlsOptions t = tls;
  t.key_file.clear();
  EXPECT_THAT(message(t), HasSubstr("--tls_key_file"));
  t = tls;
  t.cert_file.clear();
  EXPECT_THAT(message(t), HasSubstr("--tls_cert_file"));
  t = tls;
  t.cert_file = Path("missing.pem");
  EXPECT_THAT(message(t), AllOf(HasSubstr("--tls_cert_file"),
                                HasSubstr(Path("missing.pem"))));
  t = tls;
  t.key_file = Path("ca.pem");  // a certificate, not a key
  EXPECT_THAT(message(t), HasSubstr("--tls_key_file"));
  t = tls;
  t.key_file = Path("client.key");  // another certificate's key
  EXPECT_THAT(message(t),
              AllOf(HasSubstr("--tls_key_file"), HasSubstr("does not belong")));
  t = tls;
  t.client_ca_file = Path("server.key");  // no certificate in it
  EXPECT_THAT(message(t), HasSubstr("--tls_client_ca_file"));
  t = tls;
  t.cert_file = Path("expired.pem");
  t.key_file = Path("expired.key");
  EXPECT_THAT(message(t),
              AllOf(HasSubstr("--tls_cert_file"), HasSubstr("expired")));
  t = tls;
  t.plaintext = true;
  EXPECT_THAT(message(t), HasSubstr("--plaintext"));
  t = ServerTlsOptions();
  t.client_ca_file = Path("ca.pem");
  EXPECT_THAT(message(t), HasSubstr("--tls_cert_file"));
  // Never the content of a key.
  t = tls;
  t.cert_file = Path("server.key");
  EXPECT_THAT(message(t), Not(HasSubstr("PRIVATE KEY")));
}

TEST_F(TlsTest, HalfConfiguredClientTlsNamesTheFlag) {
  ClientTlsFlags flags;
  flags.ca_file = "--tls-ca-file";
  flags.cert_file = "--tls-cert-file";
  flags.key_file = "--tls-key-file";
  ClientTlsOptions tls = Client("ca.pem", "client");
  EXPECT_TRUE(ValidateClientTls(tls, flags).ok());
  ClientTlsOptions t = tls;
  t.key_file.clear();
  EXPECT_THAT(ValidateClientTls(t, flags).message(),
              HasSubstr("--tls-key-file"));
  t = tls;
  t.ca_file = Path("missing.pem");
  EXPECT_THAT(ValidateClientTls(t, flags).message(),
              HasSubstr("--tls-ca-file"));
  t = tls;
  t.plaintext = true;
  EXPECT_THAT(ValidateClientTls(t, flags).message(), HasSubstr("--plaintext"));
  // No file at all: TLS against the system's trust store.
  EXPECT_TRUE(ValidateClientTls(ClientTlsOptions(), flags).ok());
}

}  // namespace
}  // namespace duban
