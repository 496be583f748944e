// The leak detector and incident statuses of common/redaction.h.
#include "common/redaction.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST(FindLeakTest, NormalMessagesPass) {
  for (const char* message : {
           "plans/hunan-2020 not found",
           "plan_id: must be 1-64 letters, digits or '-' (got \"a b\")",
           "etag mismatch: want 3, have 4",
           "permission plans.issue denied",
           "token expired",
           "storage unavailable; retry later (incident 0123456789abcdef)",
           "unit service unavailable; retry later (incident 0123456789abcdef)",
           "items/3: deadline 2020-12-31 is before 2020-01-01",
           "report for duban.progress.v1 BEGINS",
           "the ERRATA section",
           "",
       }) {
    EXPECT_EQ(FindLeak(message), "") << message;
  }
}

TEST(FindLeakTest, KeyPrefixIsARedisKeyName) {
  EXPECT_EQ(FindLeak("WRONG stuff at duban:plan:p-1:items"),
            "a Redis key name");
  EXPECT_EQ(FindLeak("key duban:unit:org-1 missing"), "a Redis key name");
}

TEST(FindLeakTest, RedisErrorRepliesAreFound) {
  for (const char* message : {
           "NOPERM this user has no permissions to run the 'evalsha' command",
           "WRONGTYPE Operation against a key holding the wrong kind of value",
           "ERR user_script:1: Script attempted to access a non local key",
           "redis GET: ERR unknown command",
           "ERR wrong number of arguments for 'hget' command",
           "NOAUTH Authentication required.",
           "WRONGPASS invalid username-password pair",
       }) {
    EXPECT_EQ(FindLeak(message), "a Redis error reply") << message;
  }
}

TEST(FindLeakTest, PemBlocksAndTokensAreFound) {
  EXPECT_EQ(FindLeak("key -----BEGIN PRIVATE KEY-----\nMIIE"), "a PEM block");
  EXPECT_EQ(FindLeak("bad token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"),
            "a bearer token");
  // "eyJ" alone, or without a second segment, is no token.
  EXPECT_EQ(FindLeak("eyJ is how JSON starts in base64"), "");
  EXPECT_EQ(FindLeak("eyJhbGciOiJFUzI1NiJ9 and nothing else"), "");
}

TEST(FindLeakTest, RegisteredAddressesAreFoundInEveryForm) {
  RegisterAddressForRedaction("10.17.3.4", 6390);
  RegisterAddressForRedaction("fd00::17", 26379);
  RegisterAddressForRedaction("redis-primary.duban.svc", 6379);
  EXPECT_EQ(FindLeak("redis 10.17.3.4:6390 unreachable"),
            "an internal address");
  EXPECT_EQ(FindLeak("at [fd00::17]:26379"), "an internal address");
  EXPECT_EQ(FindLeak("cannot resolve redis-primary.duban.svc"),
            "an internal address");
  EXPECT_EQ(FindLeak("host 10.17.3.4 down"), "an internal address");
  // Another host, or another port, is not this address.
  EXPECT_EQ(FindLeak("10.17.3.40:1"), "");
  EXPECT_EQ(FindLeak("110.17.3.4"), "");
  EXPECT_EQ(FindLeak("at [fd00::170]:26379"), "");
}

TEST(FindLeakTest, LocalhostAloneIsNotAnAddressButWithThePortItIs) {
  RegisterAddressForRedaction("localhost", 6391);
  EXPECT_EQ(FindLeak("localhost only"), "");
  EXPECT_EQ(FindLeak("localhost:6391 refused"), "an internal address");
  EXPECT_EQ(FindLeak("localhost:63910 refused"), "");
}

TEST(FindLeakTest, RegisteredSecretsAreFoundAndMasked) {
  RegisterSecretForRedaction("correct-horse-battery");
  EXPECT_EQ(FindLeak("AUTH correct-horse-battery failed"), "a secret");
  EXPECT_EQ(MaskSecrets("AUTH correct-horse-battery failed"),
            "AUTH [secret] failed");
  // Too short to tell from words.
  RegisterSecretForRedaction("wrong");
  EXPECT_EQ(FindLeak("wrong role"), "");
  EXPECT_EQ(MaskSecrets("wrong role"), "wrong role");
}

TEST(ConcealDetailTest, KeepsTheCodeAndTellsTheIncidentOnly) {
  RegisterSecretForRedaction("hunter2-hunter2");
  const absl::Status detail = absl::InternalError(
      "redis EVALSHA: WRONGTYPE at duban:plan:x with hunter2-hunter2");
  const absl::Status concealed = ConcealDetail(detail, "storage error");
  EXPECT_EQ(concealed.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(concealed.message()),
              MatchesRegex("storage error \\(incident [0-9a-f]{16}\\)"));
  EXPECT_EQ(FindLeak(concealed.message()), "");
  EXPECT_THAT(IncidentDetail(concealed), HasSubstr("WRONGTYPE"));
  EXPECT_THAT(IncidentDetail(concealed), Not(HasSubstr("hunter2-hunter2")));
  EXPECT_EQ(IncidentDetail(detail), "");
  EXPECT_TRUE(ConcealDetail(absl::OkStatus(), "x").ok());
}

TEST(ConcealDetailTest, IncidentIdsDiffer) {
  EXPECT_NE(NewIncidentId(), NewIncidentId());
  EXPECT_THAT(NewIncidentId(), MatchesRegex("[0-9a-f]{16}"));
}

}  // namespace
}  // namespace duban
