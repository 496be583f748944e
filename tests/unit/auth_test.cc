// Bearer-token verification (common/auth.h): keys and tokens made in the
// test, every way a token can be wrong.
#include "common/auth.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/tokens.h"

namespace duban {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1800000000;

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/duban-auth-test-",
                      getpid(), "-", name);
}

void WriteFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary) << content;
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
}

// The claims of a good token as JSON, with `extra` ("key":value members)
// replacing the defaults of the same name or added.
std::string Claims(absl::string_view extra = "") {
  std::map<std::string, std::string> members = {
      {"iss", R"("https://id.duban.test")"},
      {"aud", R"("duban")"},
      {"sub", R"("u-17")"},
      {"name", R"("Li Hua")"},
      {"kind", R"("person")"},
      {"exp", absl::StrCat(kNow + 600)},
      {"nbf", absl::StrCat(kNow - 60)},
      {"duban_roles",
       R"([{"role":"REPORTER","scope":"organizations/yy/units/jyj"},)"
       R"({"role":"SUPERVISOR","scope":"organizations/yy"},)"
       R"({"role":"INTEGRATOR","scope":"*"}])"}};
  if (!extra.empty()) {
    // One member: "key":value.
    const size_t colon = extra.find("\":");
    members[std::string(extra.substr(1, colon - 1))] =
        std::string(extra.substr(colon + 2));
  }
  std::vector<std::string> parts;
  for (const auto& [key, value] : members) {
    if (value != "DROP") parts.push_back(absl::StrCat("\"", key, "\":", value));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

class TokenVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ec = GenerateEcKey();
    ASSERT_TRUE(ec.ok()) << ec.status();
    ec_ = *ec;
    auto rsa = GenerateRsaKey();
    ASSERT_TRUE(rsa.ok()) << rsa.status();
    rsa_ = *rsa;
    auto other = GenerateEcKey();
    ASSERT_TRUE(other.ok()) << other.status();
    other_ = *other;
    key_file_ = TempPath("keys.pem");
    WriteFile(key_file_, ec_.public_pem + rsa_.public_pem);
    options_.public_key_file = key_file_;
    options_.issuer = "https://id.duban.test";
    options_.audience = "duban";
    options_.refresh_interval = absl::ZeroDuration();
    auto verifier = TokenVerifier::Create(options_);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = *std::move(verifier);
  }
  void TearDown() override { std::remove(key_file_.c_str()); }

  std::string Sign(const std::string& claims, absl::string_view alg = "ES256",
                   const TestKeyPair* key = nullptr) {
    if (key == nullptr) key = alg == "RS256" ? &rsa_ : &ec_;
    auto token = SignToken(claims, alg, key->private_pem);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }

  absl::StatusOr<Principal> Verify(const std::string& token,
                                   int64_t now = kNow) {
    return verifier_->Verify(token, absl::FromUnixSeconds(now));
  }

  void ExpectRejected(const std::string& token, absl::string_view reason,
                      int64_t now = kNow) {
    absl::StatusOr<Principal> principal = Verify(token, now);
    ASSERT_FALSE(principal.ok());
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(principal.status().message(), HasSubstr(reason));
  }

  TestKeyPair ec_, rsa_, other_;
  std::string key_file_;
  TokenVerifierOptions options_;
  std::unique_ptr<TokenVerifier> verifier_;
};

TEST_F(TokenVerifierTest, AcceptsAGoodEs256Token) {
  const std::string token = Sign(Claims());
  // JOSE form of an ECDSA P-256 signature: r||s, 64 bytes, 86 characters.
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].size(), 86u);
  absl::StatusOr<Principal> principal = Verify(token);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->id, "u-17");
  EXPECT_EQ(principal->display_name, "Li Hua");
  EXPECT_EQ(principal->kind, Principal::Kind::kPerson);
  ASSERT_EQ(principal->roles.size(), 3u);
  EXPECT_EQ(principal->roles[0].role, Role::kReporter);
  EXPECT_EQ(principal->roles[0].scope.kind, Scope::Kind::kUnit);
  EXPECT_EQ(principal->roles[0].scope.organization, "yy");
  EXPECT_EQ(principal->roles[0].scope.unit, "jyj");
  EXPECT_EQ(principal->roles[1].role, Role::kSupervisor);
  EXPECT_EQ(principal->roles[1].scope.ToString(), "organizations/yy");
  EXPECT_EQ(principal->roles[2].role, Role::kIntegrator);
  EXPECT_EQ(principal->roles[2].scope.kind, Scope::Kind::kAll);
}

TEST_F(TokenVerifierTest, AcceptsAGoodRs256SystemToken) {
  absl::StatusOr<Principal> principal =
      Verify(Sign(Claims(R"("kind":"system")"), "RS256"));
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->kind, Principal::Kind::kSystem);
}

TEST_F(TokenVerifierTest, AcceptsAnAudienceArrayContainingOurs) {
  EXPECT_TRUE(Verify(Sign(Claims(R"("aud":["other","duban"])"))).ok());
  ExpectRejected(Sign(Claims(R"("aud":["other","duban-x"])")), "audience");
}

TEST_F(TokenVerifierTest, RejectsABadSignature) {
  std::string token = Sign(Claims());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  // Another payload under the same signature.
  const std::string forged = Sign(Claims(R"("sub":"admin")"), "ES256", &other_);
  std::vector<std::string> forged_parts = absl::StrSplit(forged, '.');
  ExpectRejected(absl::StrCat(parts[0], ".", forged_parts[1], ".", parts[2]),
                 "signature");
  // A flipped signature character.
  std::string sig = parts[2];
  sig[10] = sig[10] == 'A' ? 'B' : 'A';
  ExpectRejected(absl::StrCat(parts[0], ".", parts[1], ".", sig), "signature");
}

TEST_F(TokenVerifierTest, RejectsATokenSignedWithAnotherKey) {
  ExpectRejected(Sign(Claims(), "ES256", &other_), "signature");
  // An RSA signature by an EC key's name: no RSA key verifies it.
  auto other_rsa = GenerateRsaKey();
  ASSERT_TRUE(other_rsa.ok());
  ExpectRejected(Sign(Claims(), "RS256", &*other_rsa), "signature");
}

TEST_F(TokenVerifierTest, RejectsUnsignedAndHmacTokens) {
  ExpectRejected(Sign(Claims(), "none"), "algorithm");
  // HMAC keyed with the public key, the classic confusion attack.
  auto hmac = SignToken(Claims(), "HS256", ec_.public_pem);
  ASSERT_TRUE(hmac.ok()) << hmac.status();
  ExpectRejected(*hmac, "algorithm");
}

TEST_F(TokenVerifierTest, RejectsAnExpiredTokenBeyondTheLeeway) {
  const std::string token = Sign(Claims());
  ExpectRejected(token, "token expired", kNow + 600 + 31);
  EXPECT_TRUE(Verify(token, kNow + 600 + 29).ok());
  ExpectRejected(Sign(Claims(R"("exp":"soon")")), "no exp");
  ExpectRejected(Sign(Claims(R"("exp":DROP)")), "no exp");
}

TEST_F(TokenVerifierTest, RejectsATokenNotYetValid) {
  const std::string token = Sign(Claims());
  ExpectRejected(token, "token not yet valid", kNow - 60 - 31);
  EXPECT_TRUE(Verify(token, kNow - 60 - 29).ok());
  ExpectRejected(Sign(Claims(R"("nbf":"later")")), "nbf");
  // nbf is optional.
  EXPECT_TRUE(Verify(Sign(Claims(R"("nbf":DROP)"))).ok());
}

TEST_F(TokenVerifierTest, RejectsAWrongIssuerOrAudience) {
  ExpectRejected(Sign(Claims(R"("iss":"https://evil.test")")), "issuer");
  ExpectRejected(Sign(Claims(R"("aud":"duban-staging")")), "audience");
}

TEST_F(TokenVerifierTest, RejectsMalformedTokens) {
  for (const std::string& token :
       {std::string(""), std::string("abc"), std::string("a.b"),
        std::string("a.b.c"), std::string("!!!.e30.sig"),
        std::string("e30.e30.e30"), std::string(20000, 'a')}) {
    SCOPED_TRACE(token.substr(0, 20));
    absl::StatusOr<Principal> principal = Verify(token);
    ASSERT_FALSE(principal.ok());
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
  }
}

TEST_F(TokenVerifierTest, RejectsMissingOrBadIdentityClaims) {
  // Without duban_roles at all.
  ExpectRejected(Sign(Claims(R"("duban_roles":DROP)")), "duban_roles");
  ExpectRejected(Sign(Claims(R"("duban_roles":"ADMINISTRATOR")")),
                 "duban_roles");
  ExpectRejected(Sign(Claims(R"("duban_roles":[{"role":"ROOT","scope":"*"}])")),
                 "unknown role");
  ExpectRejected(
      Sign(Claims(R"("duban_roles":[{"role":"REPORTER","scope":"units/x"}])")),
      "bad scope");
  ExpectRejected(Sign(Claims(R"("duban_roles":[{"role":"REPORTER"}])")),
                 "bad scope");
  ExpectRejected(Sign(Claims(R"("sub":"")")), "no sub");
  ExpectRejected(Sign(Claims(R"("kind":"robot")")), "kind");
  // An empty list is a principal without roles.
  absl::StatusOr<Principal> none = Verify(Sign(Claims(R"("duban_roles":[])")));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->roles.empty());
}

TEST_F(TokenVerifierTest, ReReadsTheKeyFileWhenItChanges) {
  const std::string token = Sign(Claims(), "ES256", &other_);
  ExpectRejected(token, "signature");
  WriteFile(key_file_, other_.public_pem);
  EXPECT_TRUE(Verify(token).ok());
  ExpectRejected(Sign(Claims()), "signature");
  // A broken file keeps the keys in use.
  WriteFile(key_file_, "not a key");
  EXPECT_TRUE(Verify(token).ok());
}

TEST_F(TokenVerifierTest, CreateRefusesUnusableOptions) {
  TokenVerifierOptions options = options_;
  options.public_key_file = TempPath("missing.pem");
  auto missing = TokenVerifier::Create(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("--auth_public_key_file"));

  // A private key is not a public key; its content is never echoed.
  const std::string private_file = TempPath("private.pem");
  WriteFile(private_file, ec_.private_pem);
  options.public_key_file = private_file;
  auto priv = TokenVerifier::Create(options);
  std::remove(private_file.c_str());
  ASSERT_FALSE(priv.ok());
  EXPECT_THAT(priv.status().message(), HasSubstr("no PEM public key"));
  EXPECT_THAT(priv.status().message(), Not(HasSubstr("PRIVATE")));

  options = options_;
  options.issuer = "";
  EXPECT_THAT(TokenVerifier::Create(options).status().message(),
              HasSubstr("--auth_issuer"));
  options = options_;
  options.audience = "";
  EXPECT_THAT(TokenVerifier::Create(options).status().message(),
              HasSubstr("--auth_audience"));
}

TEST(ScopeTest, ParsesTheThreeFormsOnly) {
  EXPECT_EQ(ParseScope("*")->kind, Scope::Kind::kAll);
  EXPECT_EQ(ParseScope("organizations/yy")->organization, "yy");
  EXPECT_EQ(ParseScope("organizations/yy/units/jyj")->unit, "jyj");
  for (absl::string_view bad :
       {"", "**", "organizations/", "organizations/yy/units/",
        "organizations/yy/units", "plans/p", "organizations/yy/units/u/x"}) {
    EXPECT_FALSE(ParseScope(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace duban
