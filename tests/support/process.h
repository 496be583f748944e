// Child processes for end-to-end tests: a program run to completion with
// its output captured (dubanctl), and a long-running server (plan-server,
// unit-server) logging to a file, stopped gracefully or killed, and
// restartable with the same arguments. Every child dies with the test
// process, even when the test crashes.
#ifndef DUBAN_TESTS_SUPPORT_PROCESS_H_
#define DUBAN_TESTS_SUPPORT_PROCESS_H_

#include <sys/types.h>

#include <cstddef>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace duban {

struct ProcessResult {
  // The exit status, 128 + signal when killed by one, -1 when it could not
  // be run.
  int exit_code = -1;
  std::string out;
  std::string err;
};

// "exit N", then stdout and stderr: for test failure messages.
std::ostream& operator<<(std::ostream& os, const ProcessResult& result);

// The environment of this process with `overrides` ("NAME=value") added.
// DUBAN_* variables of the caller's shell are dropped so that they cannot
// point a child at another server; DUBAN_ERROR_RESPONSE_LOG is kept.
std::vector<std::string> ChildEnvironment(
    const std::vector<std::string>& overrides);

// Runs `args` (args[0] is the program's path) with stdin from /dev/null,
// capturing stdout and stderr; kills it after `timeout` (and says so in
// `err`).
ProcessResult RunProcess(const std::vector<std::string>& args,
                         const std::vector<std::string>& env_overrides = {},
                         absl::Duration timeout = absl::Seconds(30));

// A server run as a child process, its stdout and stderr appended to a log
// file. Start it from the thread that lives as long as it should (the
// child gets PR_SET_PDEATHSIG).
class ServerProcess {
 public:
  // `name` heads the log tail ("unit-server"); `binary` is its path.
  ServerProcess(std::string name, std::string binary);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the binary with `args`, logging to `log_path`. Does not wait for
  // it to serve: ask its health service.
  absl::Status Start(std::vector<std::string> args, std::string log_path);
  // Starts it again with the arguments and log of the last Start().
  absl::Status Restart();
  // SIGTERM, then SIGKILL after `grace`; waits for it. A no-op when not
  // running.
  void Stop(absl::Duration grace = absl::Seconds(10));
  // SIGKILL, as a crash or an OOM kill would; waits for it.
  void Kill();
  bool running() const { return pid_ > 0; }

  // The end of the log (at most `max_bytes`), headed by the server's name.
  std::string LogTail(std::size_t max_bytes = 4000) const;

 private:
  const std::string name_;
  const std::string binary_;
  std::vector<std::string> args_;
  std::string log_path_;
  pid_t pid_ = -1;
};

// Stops `servers` in the order given (callers before callees), each with
// `grace`; when `print_logs`, writes each one's log tail to stderr (for a
// failed test).
void StopServers(std::initializer_list<ServerProcess*> servers, bool print_logs,
                 absl::Duration grace = absl::Seconds(5));

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_PROCESS_H_
