#include "common/tls_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/tls.h"

ABSL_FLAG(bool, plaintext, false,
          "Serve and call other services without TLS (local development "
          "only); excludes the --tls_* files");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain of the API listener (leaf first)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle; when set, mutual TLS: every client must present a "
          "certificate this CA verifies");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM CA bundle that verifies the services this server calls "
          "(default: the system's trust store)");
ABSL_FLAG(std::string, tls_client_cert_file, "",
          "PEM certificate chain presented to the services this server calls "
          "(default: --tls_cert_file)");
ABSL_FLAG(std::string, tls_client_key_file, "",
          "PEM private key of --tls_client_cert_file (default: "
          "--tls_key_file)");
ABSL_FLAG(int, tls_refresh_seconds, 60,
          "How often the certificate files are read again, 1-86400");

namespace duban {

void ApplyTlsFlags(absl::string_view program, ServerConfig* config) {
  const int refresh = absl::GetFlag(FLAGS_tls_refresh_seconds);
  if (refresh < 1 || refresh > 86400) {
    ExitWithConfigError(program,
                        absl::StrCat("--tls_refresh_seconds: must be 1-86400 "
                                     "(got ",
                                     refresh, ")"));
  }
  ServerTlsOptions& server = config->server.tls;
  server.plaintext = absl::GetFlag(FLAGS_plaintext);
  server.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  server.key_file = absl::GetFlag(FLAGS_tls_key_file);
  server.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  server.refresh_interval = absl::Seconds(refresh);
  if (absl::Status s = ValidateServerTls(server); !s.ok()) {
    ExitWithConfigError(program, s.message());
  }

  // A service calls others with its own certificate unless told otherwise:
  // the development certificates carry both serverAuth and clientAuth.
  ClientTlsOptions& client = config->client_tls;
  client.plaintext = server.plaintext;
  client.ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  client.cert_file = absl::GetFlag(FLAGS_tls_client_cert_file);
  client.key_file = absl::GetFlag(FLAGS_tls_client_key_file);
  if (client.cert_file.empty() && client.key_file.empty()) {
    client.cert_file = server.cert_file;
    client.key_file = server.key_file;
  }
  client.refresh_interval = absl::Seconds(refresh);
  if (absl::Status s = ValidateClientTls(client); !s.ok()) {
    ExitWithConfigError(program, s.message());
  }
}

}  // namespace duban
