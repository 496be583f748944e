// Who calls: the principal behind a call, and the verification of the
// bearer tokens that name it. Tokens are signed JWTs (ES256 or RS256),
// verified against the public keys of a PEM file (re-read when it changes),
// with their expiry, not-before time, issuer and audience checked. Claims:
//
//   sub          the principal's id (required)
//   name         display name (optional)
//   kind         "person" or "system" (required)
//   duban_roles  array of {"role": ROLE, "scope": SCOPE} (required; may be
//                empty), ROLE one of REPORTER, SUPERVISOR, ADMINISTRATOR,
//                INTEGRATOR, SCOPE one of "organizations/{org}",
//                "organizations/{org}/units/{unit}" or "*".
//
// Authentication is off unless a server is given a key file (see
// common/auth_server.h for the check that runs before the handlers).
#ifndef DUBAN_COMMON_AUTH_H_
#define DUBAN_COMMON_AUTH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace duban {

enum class Role { kReporter, kSupervisor, kAdministrator, kIntegrator };

// "REPORTER", ...; and back (false for anything else).
absl::string_view RoleName(Role role);
bool ParseRole(absl::string_view name, Role* role);

// Where a role applies: everywhere, one organization (and its units), or
// one unit.
struct Scope {
  enum class Kind { kAll, kOrganization, kUnit };
  Kind kind = Kind::kAll;
  std::string organization;  // the {org} id; empty for kAll
  std::string unit;          // the {unit} id; only for kUnit

  // "*", "organizations/{org}" or "organizations/{org}/units/{unit}".
  std::string ToString() const;
};

// Parses a scope as written in a token; INVALID_ARGUMENT otherwise.
absl::StatusOr<Scope> ParseScope(absl::string_view text);

struct RoleBinding {
  Role role = Role::kReporter;
  Scope scope;
};

struct Principal {
  enum class Kind { kPerson, kSystem };
  std::string id;
  Kind kind = Kind::kPerson;
  std::string display_name;
  std::vector<RoleBinding> roles;
};

absl::string_view PrincipalKindName(Principal::Kind kind);

struct TokenVerifierOptions {
  // PEM file of one or more public keys ("BEGIN PUBLIC KEY": EC P-256 for
  // ES256, RSA of at least 2048 bits for RS256). A token is accepted when
  // any key of its algorithm verifies it.
  std::string public_key_file;
  // The "iss" a token must carry, and the value its "aud" (a string or an
  // array of strings) must contain. Both required.
  std::string issuer;
  std::string audience;
  // Clock skew tolerated on "exp" and "nbf".
  absl::Duration leeway = absl::Seconds(30);
  // How often the key file is checked for changes; zero checks on every
  // verification.
  absl::Duration refresh_interval = absl::Seconds(60);
};

class TokenVerifier {
 public:
  // Reads the keys; INVALID_ARGUMENT naming --auth_public_key_file,
  // --auth_issuer or --auth_audience when the options are unusable.
  static absl::StatusOr<std::unique_ptr<TokenVerifier>> Create(
      const TokenVerifierOptions& options);

  // The principal a token names, or UNAUTHENTICATED: "token expired" after
  // exp (plus leeway), "token not yet valid" before nbf, otherwise a short
  // reason that never repeats the token. Thread-safe.
  absl::StatusOr<Principal> Verify(absl::string_view token,
                                   absl::Time now = absl::Now());

  struct Key {
    std::string pem;
    bool ec = false;  // EC P-256 (ES256); RSA (RS256) otherwise
  };

 private:
  explicit TokenVerifier(const TokenVerifierOptions& options)
      : options_(options) {}
  // Re-reads the key file when it changed; keeps the old keys (and logs)
  // when the new file is unusable.
  void MaybeReload(absl::Time now);

  const TokenVerifierOptions options_;
  absl::Mutex mu_;
  std::shared_ptr<const std::vector<Key>> keys_ ABSL_GUARDED_BY(mu_);
  std::string file_stamp_ ABSL_GUARDED_BY(mu_);
  absl::Time last_check_ ABSL_GUARDED_BY(mu_);
};

// Reads the public keys of a PEM file; INVALID_ARGUMENT naming `flag` and the
// path (never the content).
absl::StatusOr<std::vector<TokenVerifier::Key>> ReadPublicKeys(
    absl::string_view flag, const std::string& path);

}  // namespace duban

#endif  // DUBAN_COMMON_AUTH_H_
