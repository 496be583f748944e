#include "tests/support/cli_stack.h"

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace duban {

void CliStackTest::SetUp() {
  deadline_ = absl::Now() + options_.budget;
  for (const std::string& binary :
       {kDubanctl, kPlanServer, kUnitServer, kProgressServer}) {
    ASSERT_TRUE(std::filesystem::exists(binary)) << binary;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() /
                      absl::StrCat("duban-", options_.name, "-XXXXXX"))
                         .string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
  dir_ = tmpl;
  const absl::Status redis_started = redis_.Start();
  ASSERT_TRUE(redis_started.ok()) << redis_started;
  const std::string redis = absl::StrCat("--redis=127.0.0.1:", redis_.port());
  unit_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
  plan_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
  progress_addr_ = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
  absl::Status started = unit_server_.Start(
      {"--listen=" + unit_addr_, redis, "--shutdown_seconds=1", "--plaintext"},
      dir_ + "/unit-server.log");
  ASSERT_TRUE(started.ok()) << started;
  started = plan_server_.Start(
      {"--listen=" + plan_addr_, redis, "--unit_addr=" + unit_addr_,
       "--shutdown_seconds=1", "--plaintext"},
      dir_ + "/plan-server.log");
  ASSERT_TRUE(started.ok()) << started;
  if (options_.progress) {
    std::vector<std::string> flags = {
        "--listen=" + progress_addr_, redis,
        "--plan_addr=" + plan_addr_,  "--unit_addr=" + unit_addr_,
        "--shutdown_seconds=1",       "--plaintext"};
    flags.insert(flags.end(), options_.progress_flags.begin(),
                 options_.progress_flags.end());
    started = progress_server_.Start(flags, dir_ + "/progress-server.log");
    ASSERT_TRUE(started.ok()) << started;
  }
  ASSERT_NO_FATAL_FAILURE(WaitServing("unit"));
  ASSERT_NO_FATAL_FAILURE(WaitServing("plan"));
  if (options_.progress) {
    ASSERT_NO_FATAL_FAILURE(WaitServing("progress"));
  }
}

void CliStackTest::TearDown() {
  if (options_.progress) {
    StopServers({&progress_server_, &plan_server_, &unit_server_},
                HasFailure());
  } else {
    StopServers({&plan_server_, &unit_server_}, HasFailure());
  }
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

void CliStackTest::WaitServing(const std::string& server) {
  const ProcessResult r = Ctl({"health", server, "--wait", "20s"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_TRUE(absl::StrContains(r.out, "SERVING")) << r;
}

ProcessResult CliStackTest::Ctl(std::vector<std::string> args) {
  return Ctl(std::move(args), options_.command_timeout);
}

ProcessResult CliStackTest::Ctl(std::vector<std::string> args,
                                absl::Duration timeout) {
  const absl::Duration left = deadline_ - absl::Now();
  if (left <= absl::ZeroDuration()) {
    ADD_FAILURE() << "the test ran out of its " << options_.budget
                  << " budget before: dubanctl " << absl::StrJoin(args, " ");
    return ProcessResult{};
  }
  args.insert(args.begin(),
              {kDubanctl, "--plaintext", "--plan-addr", plan_addr_,
               "--unit-addr", unit_addr_, "--progress-addr", progress_addr_,
               "--timeout", options_.call_timeout});
  return RunProcess(args, {}, std::min(left, timeout));
}

}  // namespace duban
