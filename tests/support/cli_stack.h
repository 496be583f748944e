// The end-to-end tests' stack of child processes, driven by dubanctl: a
// redis-server, unit-server, plan-server and, when asked, progress-server,
// each on a free loopback port in plaintext, logging into a temporary
// directory; and dubanctl pointed at them within the test's time budget.
#ifndef DUBAN_TESTS_SUPPORT_CLI_STACK_H_
#define DUBAN_TESTS_SUPPORT_CLI_STACK_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/process.h"
#include "tests/support/redis_fixture.h"

namespace duban {

// Parses dubanctl's --json output into `message`; unknown fields fail.
template <typename Message>
::testing::AssertionResult ParseJson(const std::string& json,
                                     Message* message) {
  const auto status =
      google::protobuf::util::JsonStringToMessage(json, message);
  if (!status.ok()) {
    return ::testing::AssertionFailure()
           << "not a " << message->GetTypeName()
           << " as JSON: " << status.ToString() << "\n"
           << json;
  }
  return ::testing::AssertionSuccess();
}

class CliStackTest : public ::testing::Test {
 protected:
  struct Options {
    Options(std::string name, absl::Duration budget,
            absl::Duration command_timeout)
        : name(std::move(name)),
          budget(budget),
          command_timeout(command_timeout) {}
    // Starts progress-server too, with these flags besides the addresses.
    Options WithProgress(std::vector<std::string> flags) && {
      progress = true;
      progress_flags = std::move(flags);
      return std::move(*this);
    }
    Options WithCallTimeout(std::string timeout) && {
      call_timeout = std::move(timeout);
      return std::move(*this);
    }

    // Names the temporary directory ("duban-<name>-XXXXXX").
    std::string name;
    // Every test finishes inside this, or fails saying so.
    absl::Duration budget;
    // No single dubanctl run may take longer (unless Ctl is told so).
    absl::Duration command_timeout;
    // dubanctl's --timeout, the deadline of each of its calls.
    std::string call_timeout = "10s";
    bool progress = false;
    std::vector<std::string> progress_flags;
  };

  explicit CliStackTest(Options options) : options_(std::move(options)) {}

  // Starts the processes and waits until each server reports SERVING.
  void SetUp() override;
  // Stops the servers (printing their logs when the test failed) and
  // removes the directory.
  void TearDown() override;

  // dubanctl pointed at this stack; at most the command timeout, and never
  // past the test's budget.
  ProcessResult Ctl(std::vector<std::string> args);
  ProcessResult Ctl(std::vector<std::string> args, absl::Duration timeout);

  // dubanctl --json, which must succeed, parsed into `message`.
  template <typename Message>
  void CtlJson(std::vector<std::string> args, Message* message) {
    args.push_back("--json");
    const ProcessResult r = Ctl(std::move(args));
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_TRUE(ParseJson(r.out, message));
  }

  // Waits until `server` ("unit", "plan", "progress") reports SERVING.
  void WaitServing(const std::string& server);

  const Options options_;
  RedisServerProcess redis_;
  ServerProcess unit_server_{"unit-server", kUnitServer};
  ServerProcess plan_server_{"plan-server", kPlanServer};
  ServerProcess progress_server_{"progress-server", kProgressServer};
  std::string unit_addr_;
  std::string plan_addr_;
  std::string progress_addr_;
  std::string dir_;
  absl::Time deadline_;
};

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_CLI_STACK_H_
