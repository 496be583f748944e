#include "common/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace duban {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// Never prompts for a passphrase (OpenSSL's default would ask on the
// terminal): an encrypted key is refused instead.
int NoPassphrase(char*, int, int, void*) { return 0; }

absl::StatusOr<std::string> ReadFile(absl::string_view flag,
                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": cannot read file \"", path, "\": ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// The PEM certificates in `path`, at least one.
absl::StatusOr<std::vector<X509Ptr>> ReadCertificates(absl::string_view flag,
                                                      const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFile(flag, path);
  if (!pem.ok()) return pem.status();
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  std::vector<X509Ptr> certs;
  while (X509* cert =
             PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr)) {
    certs.emplace_back(cert);
  }
  ERR_clear_error();  // the end of the file reads as an error
  if (certs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": file \"", path, "\" holds no PEM certificate"));
  }
  return certs;
}

absl::Status CheckCaFile(absl::string_view flag, const std::string& path) {
  return ReadCertificates(flag, path).status();
}

// A certificate chain and its key: both given, readable, the key that of
// the leaf, and the leaf valid now.
absl::Status CheckKeyPair(absl::string_view cert_flag,
                          const std::string& cert_path,
                          absl::string_view key_flag,
                          const std::string& key_path) {
  if (cert_path.empty() != key_path.empty()) {
    return absl::InvalidArgumentError(
        cert_path.empty()
            ? absl::StrCat(key_flag, " is set but ", cert_flag,
                           " is not: give the certificate chain and its key "
                           "together")
            : absl::StrCat(cert_flag, " is set but ", key_flag,
                           " is not: give the certificate chain and its key "
                           "together"));
  }
  if (cert_path.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<X509Ptr>> chain =
      ReadCertificates(cert_flag, cert_path);
  if (!chain.ok()) return chain.status();
  X509* leaf = chain->front().get();
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        cert_flag, ": the certificate in \"", cert_path, "\" has expired"));
  }
  if (X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_flag, ": the certificate in \"", cert_path,
                     "\" is not valid yet"));
  }

  absl::StatusOr<std::string> pem = ReadFile(key_flag, key_path);
  if (!pem.ok()) return pem.status();
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_flag, ": file \"", key_path,
                     "\" holds no unencrypted PEM private key"));
  }
  if (X509_check_private_key(leaf, key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(key_flag, ": the key in \"", key_path,
                     "\" does not belong to the certificate in \"", cert_path,
                     "\" (", cert_flag, ")"));
  }
  return absl::OkStatus();
}

unsigned int RefreshSeconds(absl::Duration interval) {
  const int64_t seconds = absl::ToInt64Seconds(interval);
  return static_cast<unsigned int>(std::clamp<int64_t>(seconds, 1, 86400));
}

}  // namespace

absl::Status ValidateServerTls(const ServerTlsOptions& options) {
  const bool any_file = !options.cert_file.empty() ||
                        !options.key_file.empty() ||
                        !options.client_ca_file.empty();
  if (options.plaintext) {
    if (any_file) {
      return absl::InvalidArgumentError(
          "--plaintext excludes --tls_cert_file, --tls_key_file and "
          "--tls_client_ca_file: serve either plaintext or TLS");
    }
    return absl::OkStatus();
  }
  if (options.cert_file.empty() && options.key_file.empty()) {
    return absl::InvalidArgumentError(
        options.client_ca_file.empty()
            ? "no transport security configured: give --tls_cert_file and "
              "--tls_key_file (and --tls_client_ca_file for mutual TLS), or "
              "--plaintext for local development"
            : "--tls_client_ca_file is set but --tls_cert_file and "
              "--tls_key_file are not: the server needs its own certificate");
  }
  if (absl::Status s = CheckKeyPair("--tls_cert_file", options.cert_file,
                                    "--tls_key_file", options.key_file);
      !s.ok()) {
    return s;
  }
  if (!options.client_ca_file.empty()) {
    return CheckCaFile("--tls_client_ca_file", options.client_ca_file);
  }
  return absl::OkStatus();
}

absl::Status ValidateClientTls(const ClientTlsOptions& options,
                               const ClientTlsFlags& flags) {
  if (options.plaintext) {
    if (!options.ca_file.empty() || !options.cert_file.empty() ||
        !options.key_file.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          flags.plaintext, " excludes ", flags.ca_file, ", ", flags.cert_file,
          " and ", flags.key_file, ": connect either plaintext or with TLS"));
    }
    return absl::OkStatus();
  }
  if (!options.ca_file.empty()) {
    if (absl::Status s = CheckCaFile(flags.ca_file, options.ca_file); !s.ok()) {
      return s;
    }
  }
  return CheckKeyPair(flags.cert_file, options.cert_file, flags.key_file,
                      options.key_file);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsOptions& options) {
  if (absl::Status s = ValidateServerTls(options); !s.ok()) return s;
  if (options.plaintext) return grpc::InsecureServerCredentials();
  const unsigned int refresh = RefreshSeconds(options.refresh_interval);
  const bool mutual = !options.client_ca_file.empty();
  auto provider = mutual
                      ? std::make_shared<
                            grpc::experimental::FileWatcherCertificateProvider>(
                            options.key_file, options.cert_file,
                            options.client_ca_file, refresh)
                      : std::make_shared<
                            grpc::experimental::FileWatcherCertificateProvider>(
                            options.key_file, options.cert_file, refresh);
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_identity_key_cert_pairs();
  if (mutual) {
    tls.watch_root_certs();
    tls.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    tls.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::experimental::TlsServerCredentials(tls);
  if (credentials == nullptr) {
    return absl::InternalError("gRPC refused the TLS server options");
  }
  return credentials;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const ClientTlsOptions& options) {
  if (absl::Status s = ValidateClientTls(options); !s.ok()) return s;
  if (options.plaintext) return grpc::InsecureChannelCredentials();
  const unsigned int refresh = RefreshSeconds(options.refresh_interval);
  grpc::experimental::TlsChannelCredentialsOptions tls;
  const bool identity = !options.cert_file.empty();
  const bool roots = !options.ca_file.empty();
  if (identity || roots) {
    tls.set_certificate_provider(
        std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
            options.key_file, options.cert_file, options.ca_file, refresh));
  }
  // Without watched roots gRPC uses the system's trust store.
  if (roots) tls.watch_root_certs();
  if (identity) tls.watch_identity_key_cert_pairs();
  tls.set_verify_server_certs(true);
  tls.set_certificate_verifier(
      std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::experimental::TlsCredentials(tls);
  if (credentials == nullptr) {
    return absl::InternalError("gRPC refused the TLS channel options");
  }
  return credentials;
}

void AddChannelArguments(const ClientTlsOptions& options,
                         grpc::ChannelArguments* args) {
  if (!options.plaintext && !options.server_name.empty()) {
    args->SetSslTargetNameOverride(options.server_name);
  }
}

std::string DescribeServerTls(const ServerTlsOptions& options) {
  if (options.plaintext) return "plaintext";
  return options.client_ca_file.empty() ? "tls" : "mutual tls";
}

PeerIdentity PeerIdentityOf(const grpc::AuthContext& context) {
  PeerIdentity peer;
  const auto first = [&](const char* name) {
    std::vector<grpc::string_ref> values = context.FindPropertyValues(name);
    return values.empty() ? std::string()
                          : std::string(values[0].data(), values[0].size());
  };
  peer.transport_security = first(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME);
  peer.common_name = first(GRPC_X509_CN_PROPERTY_NAME);
  peer.subject = first(GRPC_X509_SUBJECT_PROPERTY_NAME);
  for (const grpc::string_ref& san :
       context.FindPropertyValues(GRPC_X509_SAN_PROPERTY_NAME)) {
    peer.subject_alt_names.emplace_back(san.data(), san.size());
  }
  for (const grpc::string_ref& dns :
       context.FindPropertyValues(GRPC_PEER_DNS_PROPERTY_NAME)) {
    peer.dns_names.emplace_back(dns.data(), dns.size());
  }
  for (const grpc::string_ref& uri :
       context.FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    peer.uris.emplace_back(uri.data(), uri.size());
  }
  peer.verified = context.IsPeerAuthenticated() &&
                  !first(GRPC_X509_PEM_CERT_PROPERTY_NAME).empty();
  return peer;
}

PeerIdentity PeerIdentityOf(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return PeerIdentity();
  return PeerIdentityOf(*auth);
}

}  // namespace duban
