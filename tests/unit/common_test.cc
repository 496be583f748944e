// common/: status helpers, ids, JSON log escaping, flags from the
// environment, host:port validation.
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/config.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_FLAG(std::string, common_test_listen, "default:1", "test flag");
ABSL_FLAG(int32_t, common_test_pool, 1, "test flag");
ABSL_FLAG(bool, common_test_verbose, false, "test flag");

namespace duban {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// --- status -----------------------------------------------------------------

TEST(InvalidFieldTest, NamesFieldProblemAndValue) {
  absl::Status s = InvalidField("plan.year", "20x1", "must be a year");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "plan.year: must be a year (got \"20x1\")");
}

TEST(InvalidFieldTest, LongValueIsCutAtACharacterBoundary) {
  // 3-byte characters: 120 bytes would cut the 41st in half.
  std::string value;
  for (int i = 0; i < 60; ++i) value += "督";
  absl::Status s = InvalidField("title", value, "too long");
  const std::string msg(s.message());
  const std::string want =
      "title: too long (got \"" + value.substr(0, 40 * 3) + "…\")";
  EXPECT_EQ(msg, want);
}

TEST(InvalidFieldTest, ShortValueIsShownWhole) {
  absl::Status s = InvalidField("f", "督办", "bad");
  EXPECT_EQ(s.message(), "f: bad (got \"督办\")");
}

TEST(GrpcStatusTest, EveryCodeAndMessageRoundTrips) {
  for (int code = 0; code <= 16; ++code) {
    absl::Status in(static_cast<absl::StatusCode>(code),
                    code == 0 ? "" : "msg 督办");
    grpc::Status g = ToGrpcStatus(in);
    EXPECT_EQ(static_cast<int>(g.error_code()), code);
    absl::Status out = FromGrpcStatus(g);
    EXPECT_EQ(out, in) << code;
  }
}

TEST(GrpcStatusTest, OkConvertsToOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

// --- ids --------------------------------------------------------------------

TEST(ValidateResourceIdTest, AcceptsAndRejectsPerTheRules) {
  struct Case {
    std::string id;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"a", true},        {"plan-2020", true},
      {"x1-y2-z3", true}, {std::string(63, 'a'), true},
      {"", false},        {std::string(64, 'a'), false},
      {"1plan", false},   {"-plan", false},
      {"plan-", false},   {"Plan", false},
      {"plan_1", false},  {"plan 1", false},
      {"督办", false},
  };
  for (const Case& c : cases) {
    absl::Status s = ValidateResourceId("plan_id", c.id);
    EXPECT_EQ(s.ok(), c.ok) << "\"" << c.id << "\": " << s;
    if (!c.ok) {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_TRUE(absl::StartsWith(s.message(), "plan_id: ")) << s;
    }
  }
}

TEST(ValidateRequestIdTest, PrintableAsciiWithoutSpaces) {
  EXPECT_TRUE(ValidateRequestId("request_id", "abc-123_XYZ:/").ok());
  EXPECT_TRUE(ValidateRequestId("request_id", std::string(128, 'r')).ok());
  EXPECT_FALSE(ValidateRequestId("request_id", "").ok());
  EXPECT_FALSE(ValidateRequestId("request_id", std::string(129, 'r')).ok());
  EXPECT_FALSE(ValidateRequestId("request_id", "a b").ok());
  EXPECT_FALSE(ValidateRequestId("request_id", "a\tb").ok());
  EXPECT_FALSE(ValidateRequestId("request_id", "督").ok());
}

TEST(NewRequestIdTest, IsAUuidV4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewRequestId();
    EXPECT_THAT(id, MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                 "[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
    EXPECT_TRUE(ValidateRequestId("request_id", id).ok());
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(DeriveResourceIdTest, SameSeedSameIdDifferentSeedDifferentId) {
  const std::string a = DeriveResourceId("item", "req-1");
  EXPECT_EQ(a, DeriveResourceId("item", "req-1"));
  EXPECT_NE(a, DeriveResourceId("item", "req-2"));
  EXPECT_THAT(a, MatchesRegex("item-[0-9a-f]{12}"));
  EXPECT_TRUE(ValidateResourceId("id", a).ok());
  // The first 12 hex digits of SHA-256("req-1").
  EXPECT_EQ(a, "item-" + Sha256Hex("req-1").substr(0, 12));
}

TEST(RandomResourceIdTest, HasThePrefixAndIsValid) {
  const std::string id = RandomResourceId("plan");
  EXPECT_THAT(id, MatchesRegex("plan-[0-9a-f]{12}"));
  EXPECT_TRUE(ValidateResourceId("id", id).ok());
  EXPECT_NE(id, RandomResourceId("plan"));
}

TEST(Sha256HexTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// --- log --------------------------------------------------------------------

TEST(JsonEscapeTest, EscapesQuotesBackslashAndControlCharacters) {
  EXPECT_EQ(JsonEscape("plain"), "plain");
  EXPECT_EQ(JsonEscape("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(JsonEscape("C:\\dir"), "C:\\\\dir");
  EXPECT_EQ(JsonEscape("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(JsonEscape("\b\f"), "\\b\\f");
  EXPECT_EQ(JsonEscape(std::string("\0\x01\x1f", 3)), "\\u0000\\u0001\\u001f");
  EXPECT_EQ(JsonEscape("/ and \x7f"), "/ and \x7f");
}

TEST(JsonEscapeTest, PassesUtf8Through) {
  EXPECT_EQ(JsonEscape("督办 2020年 — ✓ 😀"), "督办 2020年 — ✓ 😀");
}

TEST(JsonEscapeTest, ReplacesInvalidUtf8SoTheLineStaysJson) {
  EXPECT_EQ(JsonEscape("a\xff"
                       "b"),
            "a\\ufffdb");
  EXPECT_EQ(JsonEscape("\xe7\x9d"), "\\ufffd\\ufffd");  // truncated 督
  EXPECT_EQ(JsonEscape("\xc0\xaf"), "\\ufffd\\ufffd");  // overlong '/'
  EXPECT_EQ(JsonEscape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");  // surrogate
}

TEST(LogTest, WritesOneJsonLineWithFields) {
  SetLogComponent("common-test");
  ::testing::internal::CaptureStderr();
  Log(LogLevel::kWarning, "redis \"down\"",
      {{"attempt", 3}, {"ok", false}, {"addr", "127.0.0.1:6379"}});
  Log(LogLevel::kDebug, "dropped below the minimum level");
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(
      out,
      MatchesRegex("\\{\"ts\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                   "[0-9]{2}\\.[0-9]{3}Z\",\"level\":\"warning\","
                   "\"component\":\"common-test\",\"msg\":\"redis "
                   "\\\\\"down\\\\\"\",\"attempt\":3,\"ok\":false,"
                   "\"addr\":\"127\\.0\\.0\\.1:6379\"\\}\n"));
}

TEST(LogTest, NonFiniteNumbersAreWrittenAsStrings) {
  ::testing::internal::CaptureStderr();
  Log(LogLevel::kError, "x", {{"ratio", 1.0 / 0.0}});
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(out, HasSubstr("\"ratio\":\"inf\""));
}

// --- config -----------------------------------------------------------------

std::vector<char*> Parse(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseFlagsWithEnv(static_cast<int>(argv.size()), argv.data(),
                           "common_test");
}

TEST(ParseFlagsWithEnvTest, EnvironmentSetsAFlagAndTheCommandLineWins) {
  setenv("DUBAN_COMMON_TEST_LISTEN", "from-env:2", 1);
  setenv("DUBAN_COMMON_TEST_POOL", "7", 1);
  setenv("DUBAN_COMMON_TEST_VERBOSE", "true", 1);
  std::vector<std::string> args = {"prog", "--common_test_pool=9",
                                   "positional"};
  std::vector<char*> rest = Parse(args);
  unsetenv("DUBAN_COMMON_TEST_LISTEN");
  unsetenv("DUBAN_COMMON_TEST_POOL");
  unsetenv("DUBAN_COMMON_TEST_VERBOSE");
  EXPECT_EQ(absl::GetFlag(FLAGS_common_test_listen), "from-env:2");
  EXPECT_EQ(absl::GetFlag(FLAGS_common_test_pool), 9);
  EXPECT_TRUE(absl::GetFlag(FLAGS_common_test_verbose));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_STREQ(rest[1], "positional");
}

void ParseCopy(std::vector<std::string> args) { Parse(args); }

TEST(ParseFlagsWithEnvTest, BadEnvironmentValueExitsTwoNamingTheVariable) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("DUBAN_COMMON_TEST_POOL", "many", 1);
        ParseCopy({"prog"});
      },
      ::testing::ExitedWithCode(2),
      "invalid value for DUBAN_COMMON_TEST_POOL \\(flag --common_test_pool\\)");
}

TEST(ParseFlagsWithEnvTest, BadCommandLineValueExitsTwo) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ParseCopy({"prog", "--common_test_pool", "x"}),
              ::testing::ExitedWithCode(2),
              "invalid value for flag --common_test_pool on the command line");
}

TEST(ParseFlagsWithEnvTest, AbseilBuiltinFlagsIgnoreTheEnvironment) {
  setenv("DUBAN_UNDEFOK", "some_flag", 1);
  std::vector<std::string> args = {"prog"};
  Parse(args);
  unsetenv("DUBAN_UNDEFOK");
  const absl::CommandLineFlag* undefok = absl::FindCommandLineFlag("undefok");
  ASSERT_NE(undefok, nullptr);
  EXPECT_EQ(undefok->CurrentValue(), "");
}

TEST(ValidateHostPortTest, Table) {
  struct Case {
    const char* value;
    bool ok;
  };
  for (const Case& c : std::vector<Case>{
           {"127.0.0.1:6379", true},
           {"localhost:0", true},
           {"redis.internal:65535", true},
           {"0.0.0.0:50051", true},
           {"[::1]:50051", true},
           {"[::]:0", true},
           {"localhost", false},
           {":6379", false},
           {"localhost:", false},
           {"localhost:65536", false},
           {"localhost:-1", false},
           {"localhost:http", false},
           {"localhost:123456", false},
           {"::1:80", false},
           {"[::1:80", false},
           {"[::1]80", false},
           {"[]:80", false},
           {"bad host:80", false},
           {"", false},
       }) {
    absl::Status s = ValidateHostPort("listen", c.value);
    EXPECT_EQ(s.ok(), c.ok) << "\"" << c.value << "\": " << s;
    if (!c.ok) {
      EXPECT_THAT(std::string(s.message()), HasSubstr("--listen"));
      EXPECT_THAT(std::string(s.message()),
                  HasSubstr(absl::StrCat("\"", c.value, "\"")));
    }
  }
}

TEST(SplitHostPortTest, SplitsIpv4NamesAndBracketedIpv6) {
  std::string host;
  int port = -1;
  SplitHostPort("redis.internal:6380", &host, &port);
  EXPECT_EQ(host, "redis.internal");
  EXPECT_EQ(port, 6380);
  SplitHostPort("[::1]:50051", &host, &port);
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 50051);
}

}  // namespace
}  // namespace duban
