// Signing keys and bearer tokens made on the fly for authentication tests:
// EC P-256 or RSA key pairs (OpenSSL's C API) and JWTs signed with libjwt.
#ifndef DUBAN_TESTS_SUPPORT_TOKENS_H_
#define DUBAN_TESTS_SUPPORT_TOKENS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace duban {

// A key pair, PEM: the private key (PKCS#8) and the public key
// ("BEGIN PUBLIC KEY").
struct TestKeyPair {
  std::string private_pem;
  std::string public_pem;
};

absl::StatusOr<TestKeyPair> GenerateEcKey();
absl::StatusOr<TestKeyPair> GenerateRsaKey();

// A JWT with the claims of `claims_json` (a JSON object), signed with
// `private_pem` by `alg` ("ES256", "RS256"; "none" for an unsigned one).
absl::StatusOr<std::string> SignToken(absl::string_view claims_json,
                                      absl::string_view alg,
                                      const std::string& private_pem);

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_TOKENS_H_
