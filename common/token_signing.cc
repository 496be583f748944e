#include "common/token_signing.h"

#include <jansson.h>
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

absl::StatusOr<SigningKeyPair> PemPair(EVP_PKEY* key) {
  if (key == nullptr) return absl::InternalError("key generation failed");
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  SigningKeyPair pair;
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

struct JsonDeleter {
  void operator()(json_t* json) const { json_decref(json); }
};
using JsonPtr = std::unique_ptr<json_t, JsonDeleter>;

}  // namespace

absl::StatusOr<SigningKeyPair> GenerateEcKey() {
  return PemPair(EVP_EC_gen("P-256"));
}

absl::StatusOr<SigningKeyPair> GenerateRsaKey() {
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

absl::StatusOr<std::string> MintToken(const TokenClaims& claims,
                                      const std::string& private_pem) {
  if (claims.subject.empty()) {
    return absl::InvalidArgumentError("a token needs a subject (sub)");
  }
  if (claims.issuer.empty() || claims.audience.empty()) {
    return absl::InvalidArgumentError(
        "a token needs an issuer (iss) and an audience (aud)");
  }
  BIO* bio =
      BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) {
    return absl::InvalidArgumentError("the private key does not parse (PEM)");
  }
  const int id = EVP_PKEY_get_base_id(key);
  const int bits = EVP_PKEY_get_bits(key);
  EVP_PKEY_free(key);
  const char* alg = nullptr;
  if (id == EVP_PKEY_EC && bits == 256) {
    alg = "ES256";
  } else if (id == EVP_PKEY_RSA && bits >= 2048) {
    alg = "RS256";
  } else {
    return absl::InvalidArgumentError(
        "the private key is neither EC P-256 nor RSA of 2048 bits or more");
  }

  // Jansson refuses strings that are not UTF-8 (null values): one check
  // at the end.
  bool ok = true;
  auto set = [&ok](json_t* object, const char* name, json_t* value) {
    if (json_object_set_new(object, name, value) != 0) ok = false;
  };
  JsonPtr roles(json_array());
  for (const RoleBinding& binding : claims.roles) {
    json_t* entry = json_object();
    set(entry, "role",
        json_string(std::string(RoleName(binding.role)).c_str()));
    set(entry, "scope", json_string(binding.scope.ToString().c_str()));
    if (json_array_append_new(roles.get(), entry) != 0) ok = false;
  }
  JsonPtr object(json_object());
  set(object.get(), "iss", json_string(claims.issuer.c_str()));
  set(object.get(), "aud", json_string(claims.audience.c_str()));
  set(object.get(), "sub", json_string(claims.subject.c_str()));
  set(object.get(), "kind",
      json_string(std::string(PrincipalKindName(claims.kind)).c_str()));
  if (!claims.display_name.empty()) {
    set(object.get(), "name", json_string(claims.display_name.c_str()));
  }
  set(object.get(), "iat", json_integer(absl::ToUnixSeconds(claims.issued_at)));
  set(object.get(), "exp",
      json_integer(absl::ToUnixSeconds(claims.expires_at)));
  set(object.get(), "duban_roles", json_incref(roles.get()));
  if (!ok) return absl::InvalidArgumentError("the claims are not valid UTF-8");
  char* text = json_dumps(object.get(), JSON_COMPACT);
  if (text == nullptr) return absl::InternalError("json_dumps failed");
  std::string claims_json(text);
  free(text);
  return SignToken(claims_json, alg, private_pem);
}

}  // namespace duban
