// The transport-security flags every server shares (each also
// DUBAN_<FLAG>): --plaintext; --tls_cert_file, --tls_key_file and
// --tls_client_ca_file for the listener; --tls_ca_file,
// --tls_client_cert_file and --tls_client_key_file for the server's own
// calls to other services; --tls_refresh_seconds for both.
#ifndef DUBAN_COMMON_TLS_FLAGS_H_
#define DUBAN_COMMON_TLS_FLAGS_H_

#include "absl/strings/string_view.h"
#include "common/server_main.h"

namespace duban {

// Sets config->server.tls and config->client_tls from the flags (already
// parsed), or prints one line naming the flag and exits with status 2.
void ApplyTlsFlags(absl::string_view program, ServerConfig* config);

}  // namespace duban

#endif  // DUBAN_COMMON_TLS_FLAGS_H_
