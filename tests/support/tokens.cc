#include "tests/support/tokens.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace duban {
namespace {

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<TestKeyPair> PemPair(EVP_PKEY* key) {
  if (key == nullptr) return absl::InternalError("key generation failed");
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  TestKeyPair pair;
  const bool ok = PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0,
                                           nullptr, nullptr) == 1 &&
                  PEM_write_bio_PUBKEY(pub, key) == 1;
  if (ok) {
    pair.private_pem = BioText(priv);
    pair.public_pem = BioText(pub);
  }
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
  if (!ok) return absl::InternalError("writing PEM failed");
  return pair;
}

}  // namespace

absl::StatusOr<TestKeyPair> GenerateEcKey() {
  return PemPair(EVP_EC_gen("P-256"));
}

absl::StatusOr<TestKeyPair> GenerateRsaKey() {
  return PemPair(EVP_RSA_gen(2048));
}

absl::StatusOr<std::string> SignToken(absl::string_view claims_json,
                                      absl::string_view alg,
                                      const std::string& private_pem) {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) return absl::InternalError("jwt_new failed");
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> owner(jwt, jwt_free);
  if (jwt_add_grants_json(jwt, std::string(claims_json).c_str()) != 0) {
    return absl::InvalidArgumentError("claims are not a JSON object");
  }
  const jwt_alg_t algorithm = jwt_str_alg(std::string(alg).c_str());
  const bool none = algorithm == JWT_ALG_NONE;
  if (jwt_set_alg(
          jwt, algorithm,
          none ? nullptr
               : reinterpret_cast<const unsigned char*>(private_pem.data()),
          none ? 0 : static_cast<int>(private_pem.size())) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("bad algorithm ", alg));
  }
  char* text = jwt_encode_str(jwt);
  if (text == nullptr) return absl::InternalError("jwt_encode_str failed");
  std::string token(text);
  free(text);
  return token;
}

}  // namespace duban
