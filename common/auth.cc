#include "common/auth.h"

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/log.h"

// Claims are JSON, and libjwt hands over arrays and objects as JSON text
// (jwt_get_grants_json). They are parsed with Jansson: libjwt itself is
// built on it, so libjansson is already linked and loaded, and the only
// addition is its small C header package (libjansson-dev), where a
// header-only C++ library (nlohmann-json3-dev) would add a large dependency
// compiled into every user.

namespace duban {
namespace {

constexpr char kKeyFlag[] = "--auth_public_key_file";
constexpr size_t kMaxTokenBytes = 16 * 1024;

absl::Status Unauthenticated(absl::string_view reason) {
  return absl::UnauthenticatedError(reason);
}

struct JsonDeleter {
  void operator()(json_t* json) const { json_decref(json); }
};
using JsonPtr = std::unique_ptr<json_t, JsonDeleter>;

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

JsonPtr ParseJson(absl::string_view text) {
  json_error_t error;
  return JsonPtr(json_loadb(text.data(), text.size(), JSON_DECODE_ANY, &error));
}

// The grant `name` as JSON (arrays, objects), or null when absent.
JsonPtr GrantJson(jwt_t* jwt, const char* name) {
  char* text = jwt_get_grants_json(jwt, name);
  if (text == nullptr) return nullptr;
  JsonPtr json = ParseJson(text);
  free(text);
  return json;
}

// A NumericDate claim ("exp", "nbf"): false when absent or not a number.
bool TimeClaim(jwt_t* jwt, const char* name, int64_t* seconds) {
  JsonPtr value = GrantJson(jwt, name);
  if (value == nullptr || !json_is_number(value.get())) return false;
  *seconds = static_cast<int64_t>(json_number_value(value.get()));
  return true;
}

std::string FileStamp(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "";
  return absl::StrCat(st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                      st.st_mtim.tv_nsec);
}

absl::Status CheckRoles(json_t* roles, std::vector<RoleBinding>* out) {
  if (roles == nullptr || !json_is_array(roles)) {
    return Unauthenticated("token has no duban_roles array");
  }
  for (size_t i = 0; i < json_array_size(roles); ++i) {
    json_t* entry = json_array_get(roles, i);
    const char* role = json_string_value(json_object_get(entry, "role"));
    const char* scope = json_string_value(json_object_get(entry, "scope"));
    RoleBinding binding;
    if (role == nullptr || !ParseRole(role, &binding.role)) {
      return Unauthenticated(
          absl::StrCat("token duban_roles[", i, "]: unknown role"));
    }
    absl::StatusOr<Scope> parsed =
        ParseScope(scope == nullptr ? "" : absl::string_view(scope));
    if (!parsed.ok()) {
      return Unauthenticated(
          absl::StrCat("token duban_roles[", i, "]: bad scope"));
    }
    binding.scope = *std::move(parsed);
    out->push_back(std::move(binding));
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kReporter:
      return "REPORTER";
    case Role::kSupervisor:
      return "SUPERVISOR";
    case Role::kAdministrator:
      return "ADMINISTRATOR";
    case Role::kIntegrator:
      return "INTEGRATOR";
  }
  return "";
}

bool ParseRole(absl::string_view name, Role* role) {
  for (Role r : {Role::kReporter, Role::kSupervisor, Role::kAdministrator,
                 Role::kIntegrator}) {
    if (name == RoleName(r)) {
      *role = r;
      return true;
    }
  }
  return false;
}

absl::string_view PrincipalKindName(Principal::Kind kind) {
  return kind == Principal::Kind::kSystem ? "system" : "person";
}

std::string Scope::ToString() const {
  switch (kind) {
    case Kind::kAll:
      return "*";
    case Kind::kOrganization:
      return absl::StrCat("organizations/", organization);
    case Kind::kUnit:
      return absl::StrCat("organizations/", organization, "/units/", unit);
  }
  return "";
}

absl::StatusOr<Scope> ParseScope(absl::string_view text) {
  Scope scope;
  if (text == "*") return scope;
  std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  const bool org = parts.size() == 2 && parts[0] == "organizations";
  const bool unit =
      parts.size() == 4 && parts[0] == "organizations" && parts[2] == "units";
  if ((!org && !unit) || parts[1].empty() || (unit && parts[3].empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("scope must be \"*\", \"organizations/{org}\" or "
                     "\"organizations/{org}/units/{unit}\" (got \"",
                     text, "\")"));
  }
  scope.kind = org ? Scope::Kind::kOrganization : Scope::Kind::kUnit;
  scope.organization = std::string(parts[1]);
  if (unit) scope.unit = std::string(parts[3]);
  return scope;
}

absl::StatusOr<std::vector<TokenVerifier::Key>> ReadPublicKeys(
    absl::string_view flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read \"", path, "\""));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string content = buffer.str();
  static const std::string kBegin = "-----BEGIN PUBLIC KEY-----";
  static const std::string kEnd = "-----END PUBLIC KEY-----";
  std::vector<TokenVerifier::Key> keys;
  size_t pos = 0;
  while ((pos = content.find(kBegin, pos)) != std::string::npos) {
    const size_t end = content.find(kEnd, pos);
    if (end == std::string::npos) break;
    TokenVerifier::Key key;
    key.pem = absl::StrCat(content.substr(pos, end + kEnd.size() - pos), "\n");
    pos = end + kEnd.size();
    BIO* bio =
        BIO_new_mem_buf(key.pem.data(), static_cast<int>(key.pem.size()));
    EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (pkey == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ": \"", path, "\" holds a public key that does not parse"));
    }
    const int id = EVP_PKEY_get_base_id(pkey);
    const int bits = EVP_PKEY_get_bits(pkey);
    EVP_PKEY_free(pkey);
    if (id == EVP_PKEY_EC && bits == 256) {
      key.ec = true;
    } else if (id == EVP_PKEY_RSA && bits >= 2048) {
      key.ec = false;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": \"", path,
                       "\" holds a key that is neither EC P-256 nor RSA of "
                       "2048 bits or more"));
    }
    keys.push_back(std::move(key));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": \"", path, "\" holds no PEM public key (BEGIN PUBLIC KEY)"));
  }
  return keys;
}

absl::StatusOr<std::unique_ptr<TokenVerifier>> TokenVerifier::Create(
    const TokenVerifierOptions& options) {
  if (options.issuer.empty()) {
    return absl::InvalidArgumentError(
        "--auth_issuer: required with --auth_public_key_file");
  }
  if (options.audience.empty()) {
    return absl::InvalidArgumentError(
        "--auth_audience: required with --auth_public_key_file");
  }
  absl::StatusOr<std::vector<Key>> keys =
      ReadPublicKeys(kKeyFlag, options.public_key_file);
  if (!keys.ok()) return keys.status();
  std::unique_ptr<TokenVerifier> verifier(new TokenVerifier(options));
  absl::MutexLock lock(&verifier->mu_);
  verifier->keys_ = std::make_shared<const std::vector<Key>>(*std::move(keys));
  verifier->file_stamp_ = FileStamp(options.public_key_file);
  verifier->last_check_ = absl::Now();
  return verifier;
}

void TokenVerifier::MaybeReload(absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (now - last_check_ < options_.refresh_interval &&
      options_.refresh_interval > absl::ZeroDuration()) {
    return;
  }
  last_check_ = now;
  const std::string stamp = FileStamp(options_.public_key_file);
  if (stamp == file_stamp_) return;
  absl::StatusOr<std::vector<Key>> keys =
      ReadPublicKeys(kKeyFlag, options_.public_key_file);
  if (!keys.ok()) {
    // Retried at the next check: the stamp stays the old one.
    Log(LogLevel::kWarning, "keeping the previous token keys",
        {{"error", std::string(keys.status().message())}});
    return;
  }
  file_stamp_ = stamp;
  keys_ = std::make_shared<const std::vector<Key>>(*std::move(keys));
  Log(LogLevel::kInfo, "token keys reloaded",
      {{"keys", absl::StrCat(keys_->size())}});
}

absl::StatusOr<Principal> TokenVerifier::Verify(absl::string_view token,
                                                absl::Time now) {
  if (token.empty() || token.size() > kMaxTokenBytes) {
    return Unauthenticated("malformed token");
  }
  // The algorithm is checked before libjwt sees the token: libjwt verifies
  // with whatever algorithm the header names, and an HMAC "signed" with the
  // public key as secret must not pass.
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string header_text;
  if (parts.size() != 3 ||
      !absl::WebSafeBase64Unescape(parts[0], &header_text)) {
    return Unauthenticated("malformed token");
  }
  JsonPtr header = ParseJson(header_text);
  const char* alg =
      header == nullptr
          ? nullptr
          : json_string_value(json_object_get(header.get(), "alg"));
  if (alg == nullptr) return Unauthenticated("malformed token");
  const absl::string_view algorithm(alg);
  if (algorithm != "ES256" && algorithm != "RS256") {
    return Unauthenticated("token algorithm must be ES256 or RS256");
  }
  const bool ec = algorithm == "ES256";

  MaybeReload(now);
  std::shared_ptr<const std::vector<Key>> keys;
  {
    absl::MutexLock lock(&mu_);
    keys = keys_;
  }
  const std::string token_text(token);
  JwtPtr jwt;
  for (const Key& key : *keys) {
    if (key.ec != ec) continue;
    jwt_t* decoded = nullptr;
    if (jwt_decode(&decoded, token_text.c_str(),
                   reinterpret_cast<const unsigned char*>(key.pem.data()),
                   static_cast<int>(key.pem.size())) == 0 &&
        decoded != nullptr) {
      jwt.reset(decoded);
      break;
    }
    if (decoded != nullptr) jwt_free(decoded);
  }
  if (jwt == nullptr) return Unauthenticated("token signature does not verify");
  if (jwt_get_alg(jwt.get()) != (ec ? JWT_ALG_ES256 : JWT_ALG_RS256)) {
    return Unauthenticated("token signature does not verify");
  }

  const int64_t now_s = absl::ToUnixSeconds(now);
  const int64_t leeway = absl::ToInt64Seconds(options_.leeway);
  int64_t exp = 0;
  if (!TimeClaim(jwt.get(), "exp", &exp)) {
    return Unauthenticated("token has no exp");
  }
  if (now_s > exp + leeway) return Unauthenticated("token expired");
  int64_t nbf = 0;
  if (TimeClaim(jwt.get(), "nbf", &nbf) && now_s + leeway < nbf) {
    return Unauthenticated("token not yet valid");
  }
  if (JsonPtr raw = GrantJson(jwt.get(), "nbf");
      raw != nullptr && !json_is_number(raw.get())) {
    return Unauthenticated("token nbf is not a number");
  }
  const char* iss = jwt_get_grant(jwt.get(), "iss");
  if (iss == nullptr || options_.issuer != iss) {
    return Unauthenticated("token issuer is not accepted");
  }
  bool audience_ok = false;
  if (const char* aud = jwt_get_grant(jwt.get(), "aud"); aud != nullptr) {
    audience_ok = options_.audience == aud;
  } else if (JsonPtr auds = GrantJson(jwt.get(), "aud");
             auds != nullptr && json_is_array(auds.get())) {
    for (size_t i = 0; i < json_array_size(auds.get()); ++i) {
      const char* a = json_string_value(json_array_get(auds.get(), i));
      if (a != nullptr && options_.audience == a) audience_ok = true;
    }
  }
  if (!audience_ok) return Unauthenticated("token audience is not accepted");

  Principal principal;
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (sub == nullptr || *sub == '\0')
    return Unauthenticated("token has no sub");
  principal.id = sub;
  const char* kind = jwt_get_grant(jwt.get(), "kind");
  if (kind == nullptr) return Unauthenticated("token has no kind");
  if (absl::string_view(kind) == "person") {
    principal.kind = Principal::Kind::kPerson;
  } else if (absl::string_view(kind) == "system") {
    principal.kind = Principal::Kind::kSystem;
  } else {
    return Unauthenticated("token kind must be person or system");
  }
  if (const char* name = jwt_get_grant(jwt.get(), "name"); name != nullptr) {
    principal.display_name = name;
  }
  JsonPtr roles = GrantJson(jwt.get(), "duban_roles");
  if (absl::Status s = CheckRoles(roles.get(), &principal.roles); !s.ok()) {
    return s;
  }
  return principal;
}

}  // namespace duban
