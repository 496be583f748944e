// Principals for verified client certificates: how a system that calls
// over mutual TLS without a bearer token (another duban server acting on
// its own, an integrating system) is known. A JSON file maps certificate
// identities to system principals with the same roles and scopes as tokens
// (common/auth.h); it is re-read when it changes.
//
//   {
//     "principals": [
//       {
//         "common_name": "plan-server",       exactly one of "uri", "dns",
//                                              "common_name"
//         "id": "plan-server",                 required
//         "name": "plan service",              optional display name
//         "roles": [{"role": "ADMINISTRATOR", "scope": "*"}]   required
//       }
//     ]
//   }
//
// Matching: a certificate's URI subject alternative names are tried first
// (in the certificate's order), then its DNS names, then its subject common
// name; the first one an entry names gives the principal (kind "system").
// An identity may be named by one entry only. Only certificates the
// handshake verified (against --tls_client_ca_file) are looked up.
#ifndef DUBAN_COMMON_CLIENT_PRINCIPALS_H_
#define DUBAN_COMMON_CLIENT_PRINCIPALS_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/tls.h"

namespace duban {

// The parsed file: principals by identity.
struct ClientPrincipalTable {
  absl::flat_hash_map<std::string, Principal> by_uri;
  absl::flat_hash_map<std::string, Principal> by_dns;
  absl::flat_hash_map<std::string, Principal> by_common_name;

  // The principal of `peer` by the matching rule above, or null.
  const Principal* Find(const PeerIdentity& peer) const;
  size_t size() const {
    return by_uri.size() + by_dns.size() + by_common_name.size();
  }
};

// Parses the file's `content`; INVALID_ARGUMENT naming
// --auth_client_principals_file, `path` and the entry ("principals[2]",
// with its id when it has one).
absl::StatusOr<ClientPrincipalTable> ParseClientPrincipals(
    absl::string_view path, absl::string_view content);

class ClientPrincipals {
 public:
  // Reads and parses `path`; the errors of ParseClientPrincipals, or one
  // saying the file cannot be read.
  static absl::StatusOr<std::unique_ptr<ClientPrincipals>> Create(
      const std::string& path, absl::Duration refresh_interval);

  // The principal of a call's verified client certificate, or
  // UNAUTHENTICATED naming the certificate's identity (nothing else of it)
  // when no entry maps it. Re-reads the file when it changed (checked at
  // most every refresh_interval; zero: every call); a new file that does not
  // parse is logged and the previous one kept. Thread-safe.
  absl::StatusOr<Principal> Find(const PeerIdentity& peer,
                                 absl::Time now = absl::Now());

 private:
  ClientPrincipals(std::string path, absl::Duration refresh_interval)
      : path_(std::move(path)), refresh_interval_(refresh_interval) {}
  void MaybeReload(absl::Time now);

  const std::string path_;
  const absl::Duration refresh_interval_;
  absl::Mutex mu_;
  std::shared_ptr<const ClientPrincipalTable> table_ ABSL_GUARDED_BY(mu_);
  std::string file_stamp_ ABSL_GUARDED_BY(mu_);
  absl::Time last_check_ ABSL_GUARDED_BY(mu_);
};

}  // namespace duban

#endif  // DUBAN_COMMON_CLIENT_PRINCIPALS_H_
