// The suite-wide check of recorded error responses
// (tests/support/error_responses.h).
#include "tests/support/error_responses.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban::testing {
namespace {

using ::testing::HasSubstr;

class ErrorResponsesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }

  void Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file) << text;
  }

  static std::string Line(const std::string& message,
                          const std::string& leak = "") {
    return "{\"program\":\"plan-server\",\"method\":\"m\",\"code\":"
           "\"INTERNAL\","
           "\"message\":\"" +
           message + "\",\"leak\":\"" + leak + "\"}\n";
  }

  std::filesystem::path dir_;
};

TEST_F(ErrorResponsesTest, CleanResponsesPass) {
  Write("plan-server-1.jsonl", Line("plans/hunan-2020 not found") +
                                   Line("storage error (incident 1a)"));
  Write("unit-server-2.jsonl", Line("permission units.create denied"));
  EXPECT_TRUE(CheckErrorResponses(dir_.string()).ok());
  EXPECT_EQ(ScanErrorResponses(dir_.string()).responses, 3);
}

TEST_F(ErrorResponsesTest, EachLeakFailsNamingTheLine) {
  struct Case {
    const char* message;
    const char* why;
  } cases[] = {
      {"key duban:plan:p-1 is a string", "a Redis key name"},
      {"redis 127.0.0.1:41234 unreachable", "an IPv4 host:port"},
      {"redis [::1]:41234 unreachable", "an IPv6 host:port"},
      {"unit service at localhost:50061 down", "a localhost:port"},
      {"-----BEGIN EC PRIVATE KEY-----", "a PEM block"},
      {"token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "a JWT"},
      {"NOPERM this user has no permissions", "a Redis error reply"},
      {"AUTH s3cret failed", "a test password"},
  };
  for (const Case& c : cases) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Write("a-1.jsonl", Line("fine") + Line(c.message));
    const absl::Status s = CheckErrorResponses(dir_.string());
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << c.message;
    EXPECT_THAT(std::string(s.message()), HasSubstr("a-1.jsonl:2: ")) << c.why;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.why));
  }
}

TEST_F(ErrorResponsesTest, TheServersOwnVerdictFails) {
  Write("a-1.jsonl", Line("opaque text", "a secret"));
  const absl::Status s = CheckErrorResponses(dir_.string());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("a secret"));
}

TEST_F(ErrorResponsesTest, NothingRecordedFails) {
  EXPECT_THAT(std::string(CheckErrorResponses(dir_.string()).message()),
              HasSubstr("no error response was recorded"));
  Write("a-1.jsonl", "");
  Write("notes.txt", Line("not a record file"));
  EXPECT_FALSE(CheckErrorResponses(dir_.string()).ok());
  EXPECT_FALSE(CheckErrorResponses((dir_ / "missing").string()).ok());
}

TEST_F(ErrorResponsesTest, UnreadableLinesFail) {
  Write("a-1.jsonl", Line("fine") + "{not json\n");
  const absl::Status s = CheckErrorResponses(dir_.string());
  EXPECT_THAT(std::string(s.message()), HasSubstr("a-1.jsonl:2: not a JSON"));
}

TEST(SuiteLeakTest, NormalMessagesPass) {
  for (const char* message : {
           "plans/hunan-2020 not found",
           "deadline 10:30 passed",
           "version 1.2.3 of the plan",
           "UNAVAILABLE (details withheld; incident 0123456789abcdef)",
           "the ERRATA list",
       }) {
    EXPECT_EQ(SuiteLeak(message), "") << message;
  }
}

}  // namespace
}  // namespace duban::testing
