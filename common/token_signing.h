// Issuing what common/auth.h verifies: signing key pairs (EC P-256 for
// ES256, RSA for RS256; OpenSSL's C API) and signed JWTs (libjwt) carrying
// duban's claims. Used by tools/duban-token for development credentials and
// by the tests; servers only verify.
#ifndef DUBAN_COMMON_TOKEN_SIGNING_H_
#define DUBAN_COMMON_TOKEN_SIGNING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth.h"

namespace duban {

// A key pair, PEM: the private key (PKCS#8) and the public key
// ("BEGIN PUBLIC KEY", what --auth_public_key_file holds).
struct SigningKeyPair {
  std::string private_pem;
  std::string public_pem;
};

absl::StatusOr<SigningKeyPair> GenerateEcKey();
absl::StatusOr<SigningKeyPair> GenerateRsaKey();

// A JWT with the claims of `claims_json` (a JSON object), signed with
// `private_pem` by `alg` ("ES256", "RS256"; "none" for an unsigned one,
// which no server accepts: for tests).
absl::StatusOr<std::string> SignToken(absl::string_view claims_json,
                                      absl::string_view alg,
                                      const std::string& private_pem);

// What a token says (the claims of common/auth.h).
struct TokenClaims {
  std::string subject;
  Principal::Kind kind = Principal::Kind::kPerson;
  std::string display_name;  // optional
  std::vector<RoleBinding> roles;
  std::string issuer;
  std::string audience;
  absl::Time issued_at;
  absl::Time expires_at;
};

// Signs `claims` with `private_pem`: ES256 for an EC P-256 key, RS256 for
// an RSA key of 2048 bits or more; INVALID_ARGUMENT for another key, one
// that does not parse, or claims without subject, issuer or audience.
absl::StatusOr<std::string> MintToken(const TokenClaims& claims,
                                      const std::string& private_pem);

}  // namespace duban

#endif  // DUBAN_COMMON_TOKEN_SIGNING_H_
