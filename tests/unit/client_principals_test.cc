// Client certificates as principals (common/client_principals.h): the
// file's format and its errors, the matching rule, and reloading.
#include "common/client_principals.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPath[] = "/etc/duban/principals.json";

PeerIdentity Peer(std::string cn, std::vector<std::string> dns = {},
                  std::vector<std::string> uris = {}) {
  PeerIdentity peer;
  peer.verified = true;
  peer.common_name = std::move(cn);
  peer.subject = absl::StrCat("CN=", peer.common_name, ",O=secret org");
  peer.dns_names = std::move(dns);
  peer.uris = std::move(uris);
  return peer;
}

TEST(ClientPrincipalsParse, ReadsEveryKindOfIdentityWithRoles) {
  auto table = ParseClientPrincipals(kPath, R"({"principals": [
    {"common_name": "plan-server", "id": "plan", "name": "plan service",
     "roles": [{"role": "ADMINISTRATOR", "scope": "*"}]},
    {"dns": "progress.duban.svc", "id": "progress",
     "roles": [{"role": "INTEGRATOR", "scope": "*"},
               {"role": "SUPERVISOR", "scope": "organizations/yiyang"}]},
    {"uri": "spiffe://duban/unit", "id": "unit", "roles": []}
  ]})");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 3u);

  const Principal* plan = table->Find(Peer("plan-server"));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->id, "plan");
  EXPECT_EQ(plan->kind, Principal::Kind::kSystem);
  EXPECT_EQ(plan->display_name, "plan service");
  ASSERT_EQ(plan->roles.size(), 1u);
  EXPECT_EQ(plan->roles[0].role, Role::kAdministrator);
  EXPECT_EQ(plan->roles[0].scope.ToString(), "*");

  const Principal* progress =
      table->Find(Peer("whatever", {"localhost", "progress.duban.svc"}));
  ASSERT_NE(progress, nullptr);
  EXPECT_EQ(progress->id, "progress");
  ASSERT_EQ(progress->roles.size(), 2u);
  EXPECT_EQ(progress->roles[1].scope.ToString(), "organizations/yiyang");

  const Principal* unit = table->Find(Peer("", {}, {"spiffe://duban/unit"}));
  ASSERT_NE(unit, nullptr);
  EXPECT_EQ(unit->id, "unit");
  EXPECT_TRUE(unit->roles.empty());

  EXPECT_EQ(table->Find(Peer("dubanctl", {"localhost"})), nullptr);
  // A name is looked up only as the kind of identity the entry names.
  EXPECT_EQ(table->Find(Peer("progress.duban.svc")), nullptr);
  EXPECT_EQ(table->Find(Peer("", {"plan-server"})), nullptr);
}

TEST(ClientPrincipalsParse, UriBeatsDnsBeatsCommonName) {
  auto table = ParseClientPrincipals(kPath, R"({"principals": [
    {"common_name": "svc", "id": "by-cn", "roles": []},
    {"dns": "svc.local", "id": "by-dns", "roles": []},
    {"uri": "spiffe://duban/svc", "id": "by-uri", "roles": []}
  ]})");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->Find(Peer("svc", {"svc.local"}, {"spiffe://duban/svc"}))->id,
            "by-uri");
  EXPECT_EQ(table->Find(Peer("svc", {"svc.local"}, {"spiffe://other"}))->id,
            "by-dns");
  EXPECT_EQ(table->Find(Peer("svc", {"other.local"}))->id, "by-cn");
}

TEST(ClientPrincipalsParse, EmptyListMapsNothing) {
  auto table = ParseClientPrincipals(kPath, R"({"principals": []})");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->Find(Peer("plan-server")), nullptr);
}

struct BadFile {
  const char* content;
  const char* says;
};

class ClientPrincipalsBadFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(ClientPrincipalsBadFile, IsRefusedNamingTheFileAndTheEntry) {
  auto table = ParseClientPrincipals(kPath, GetParam().content);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(table.status().message(),
              AllOf(HasSubstr("--auth_client_principals_file"),
                    HasSubstr(kPath), HasSubstr(GetParam().says)));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ClientPrincipalsBadFile,
    ::testing::Values(
        BadFile{"{\"principals\": [\n  {\"id\": \"a\",}\n]}",
                "not JSON (line 2"},
        BadFile{R"([])", "an object with a \"principals\" array"},
        BadFile{R"({"principal": []})",
                "an object with a \"principals\" array"},
        BadFile{R"({"principals": [{"common_name": "a", "id": "a", "roles": []},
                   "plan-server"]})",
                "principals[1]: not an object"},
        BadFile{R"({"principals": [{"id": "a", "roles": []}]})",
                "principals[0] (id \"a\"): needs exactly one of"},
        BadFile{R"({"principals": [{"dns": "x", "uri": "y", "id": "a",
                   "roles": []}]})",
                "principals[0] (id \"a\"): needs exactly one of"},
        BadFile{R"({"principals": [{"dns": "", "id": "a", "roles": []}]})",
                "\"dns\" must be a non-empty string"},
        BadFile{R"({"principals": [{"common_name": "x", "roles": []}]})",
                "principals[0]: \"id\" must be a non-empty string"},
        BadFile{R"({"principals": [{"common_name": "x", "id": "a"}]})",
                "principals[0] (id \"a\"): \"roles\" must be an array"},
        BadFile{R"({"principals": [{"common_name": "x", "id": "a",
                   "roles": [{"role": "OWNER", "scope": "*"}]}]})",
                "principals[0] (id \"a\"): roles[0]: \"role\" must be "
                "REPORTER, SUPERVISOR, ADMINISTRATOR or INTEGRATOR (got "
                "\"OWNER\")"},
        BadFile{R"({"principals": [{"common_name": "x", "id": "a",
                   "roles": [{"role": "REPORTER", "scope": "units/u"}]}]})",
                "principals[0] (id \"a\"): roles[0]: scope must be"},
        BadFile{R"({"principals": [{"common_name": "x", "id": "a",
                   "role": []}]})",
                "unknown key \"role\""},
        BadFile{R"({"principals": [{"common_name": "x", "id": "a", "roles": []},
                   {"common_name": "x", "id": "b", "roles": []}]})",
                "principals[1] (id \"b\"): common_name \"x\" is mapped by an "
                "earlier entry too"}));

class ClientPrincipalsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = absl::StrCat(
        ::testing::TempDir(), "/principals-", getpid(), "-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
        ".json");
  }
  void TearDown() override { std::remove(path_.c_str()); }
  // Replaces the file (a new inode, as a ConfigMap update does).
  void Write(const std::string& content) {
    const std::string tmp = path_ + ".tmp";
    std::ofstream(tmp) << content;
    ASSERT_EQ(std::rename(tmp.c_str(), path_.c_str()), 0);
  }
  static std::string OneEntry(const std::string& cn, const std::string& id) {
    return absl::StrCat(R"({"principals": [{"common_name": ")", cn,
                        R"(", "id": ")", id, R"(", "roles": []}]})");
  }
  std::string path_;
};

TEST_F(ClientPrincipalsFileTest, MissingFileIsRefused) {
  auto principals = ClientPrincipals::Create(path_, absl::ZeroDuration());
  ASSERT_FALSE(principals.ok());
  EXPECT_THAT(principals.status().message(),
              AllOf(HasSubstr("--auth_client_principals_file"),
                    HasSubstr("cannot read"), HasSubstr(path_)));
}

TEST_F(ClientPrincipalsFileTest, UnmappedCertificateIsUnauthenticatedByName) {
  Write(OneEntry("plan-server", "plan"));
  auto principals = ClientPrincipals::Create(path_, absl::ZeroDuration());
  ASSERT_TRUE(principals.ok()) << principals.status();
  auto found = (*principals)->Find(Peer("dubanctl", {"localhost"}));
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(
      found.status().message(),
      AllOf(HasSubstr("common name \"dubanctl\""), HasSubstr("not mapped"),
            Not(HasSubstr("secret org")), Not(HasSubstr(path_))));
  auto plan = (*principals)->Find(Peer("plan-server"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->id, "plan");
}

TEST_F(ClientPrincipalsFileTest, ChangedFileIsReadAgainAndBadOneKeepsTheOld) {
  Write(OneEntry("plan-server", "plan-v1"));
  auto created = ClientPrincipals::Create(path_, absl::ZeroDuration());
  ASSERT_TRUE(created.ok()) << created.status();
  ClientPrincipals& principals = **created;
  EXPECT_EQ(principals.Find(Peer("plan-server"))->id, "plan-v1");

  Write(OneEntry("plan-server", "plan-v2"));
  EXPECT_EQ(principals.Find(Peer("plan-server"))->id, "plan-v2");

  // A file that does not parse: the last good mapping stays.
  Write(R"({"principals": [{"common_name": "plan-server"}]})");
  EXPECT_EQ(principals.Find(Peer("plan-server"))->id, "plan-v2");

  // Fixed again: mapping moved to another certificate.
  Write(OneEntry("unit-server", "unit"));
  EXPECT_FALSE(principals.Find(Peer("plan-server")).ok());
  EXPECT_EQ(principals.Find(Peer("unit-server"))->id, "unit");
}

TEST_F(ClientPrincipalsFileTest, ChangesWaitForTheRefreshInterval) {
  Write(OneEntry("plan-server", "plan-v1"));
  auto created = ClientPrincipals::Create(path_, absl::Minutes(1));
  ASSERT_TRUE(created.ok()) << created.status();
  ClientPrincipals& principals = **created;
  const absl::Time now = absl::Now();
  Write(OneEntry("plan-server", "plan-v2"));
  EXPECT_EQ(principals.Find(Peer("plan-server"), now)->id, "plan-v1");
  EXPECT_EQ(principals.Find(Peer("plan-server"), now + absl::Minutes(2))->id,
            "plan-v2");
}

}  // namespace
}  // namespace duban
