// Transport security for the API listeners and for every client (service to
// service, dubanctl): TLS from PEM files, mutual TLS when the server is given
// the CA that signs its clients' certificates, and certificates re-read from
// their files while the process runs (gRPC's FileWatcherCertificateProvider),
// so that rotating them needs no restart. Plaintext only when asked for
// explicitly. PeerIdentityOf() tells a handler (or a per-call check run
// before the handlers) which verified client certificate made the call.
#ifndef DUBAN_COMMON_TLS_H_
#define DUBAN_COMMON_TLS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/auth_context.h"

namespace duban {

// Transport security of a server's API listener.
struct ServerTlsOptions {
  // Serve without TLS: local development and tests only. Excludes the files
  // below. With neither plaintext nor cert_file the server does not start.
  bool plaintext = false;
  // PEM certificate chain (leaf first) and the leaf's PEM private key.
  std::string cert_file;
  std::string key_file;
  // When set: mutual TLS. Every client must present a certificate that
  // this PEM bundle of CA certificates verifies; others are refused during
  // the handshake, before any handler runs.
  std::string client_ca_file;
  // How often the three files are read again (changes apply to new
  // connections).
  absl::Duration refresh_interval = absl::Seconds(60);
};

// Transport security of a client's channels.
struct ClientTlsOptions {
  // Connect without TLS: local development and tests only. Excludes the
  // fields below.
  bool plaintext = false;
  // PEM bundle of the CA certificates that verify servers; empty: the
  // system's trust store.
  std::string ca_file;
  // The client's own certificate chain and key, for servers that require
  // mutual TLS; both or neither.
  std::string cert_file;
  std::string key_file;
  // The name the server's certificate must carry when it differs from the
  // host of the address dialled (tests; addresses by IP without an IP SAN).
  std::string server_name;
  absl::Duration refresh_interval = absl::Seconds(60);
};

// The flags that set ClientTlsOptions, named in validation errors.
struct ClientTlsFlags {
  std::string plaintext = "--plaintext";
  std::string ca_file = "--tls_ca_file";
  std::string cert_file = "--tls_client_cert_file";
  std::string key_file = "--tls_client_key_file";
};

// Checks the options before a server starts: the files are readable PEM,
// the key belongs to the certificate, the certificate has not expired, and
// plaintext is not mixed with files. Errors are INVALID_ARGUMENT naming the
// server's flag (--tls_cert_file, --tls_key_file, --tls_client_ca_file,
// --plaintext) and the file's path, never its content.
absl::Status ValidateServerTls(const ServerTlsOptions& options);

// The same for a client; errors name the flags in `flags`.
absl::Status ValidateClientTls(const ClientTlsOptions& options,
                               const ClientTlsFlags& flags = {});

// Credentials for a listener; validates first. Certificates and CA are
// watched for changes every options.refresh_interval.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsOptions& options);

// Credentials for a channel; validates first. The server's certificate is
// verified against the roots and the name dialled (or server_name).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const ClientTlsOptions& options);

// Adds what `options` needs to a channel's arguments (the server name
// override).
void AddChannelArguments(const ClientTlsOptions& options,
                         grpc::ChannelArguments* args);

// "plaintext", "tls" or "mutual tls", for the startup log.
std::string DescribeServerTls(const ServerTlsOptions& options);

// Who is on the other side of a call, as the transport established it.
struct PeerIdentity {
  // True when the peer presented a certificate that the handshake verified
  // (on a mutual-TLS server: every call that reaches a handler).
  bool verified = false;
  // The verified certificate's subject common name and its subject
  // alternative names (DNS, URI, IP, e-mail as gRPC reports them).
  std::string common_name;
  std::vector<std::string> subject_alt_names;
  // The same names by type: DNS names and URIs only.
  std::vector<std::string> dns_names;
  std::vector<std::string> uris;
  // The subject as one RFC 2253 line ("CN=plan-server,O=duban").
  std::string subject;
  // gRPC's transport security type ("ssl", or empty on plaintext).
  std::string transport_security;
};

// The peer of a call: on a server, the client's certificate (read from
// grpc::ServerContext::auth_context()); on a client after a call, the
// server's.
PeerIdentity PeerIdentityOf(const grpc::AuthContext& context);
PeerIdentity PeerIdentityOf(const grpc::ServerContextBase& context);

}  // namespace duban

#endif  // DUBAN_COMMON_TLS_H_
