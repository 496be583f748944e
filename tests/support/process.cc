#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace duban {
namespace {

// argv/envp for execve, pointing into `strings`; prepared before fork(),
// since the child of a multi-threaded process may only call
// async-signal-safe functions.
std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int ExitCode(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status)
                                : 128 + WTERMSIG(wait_status);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const ProcessResult& result) {
  return os << "exit " << result.exit_code << "\n--- stdout\n"
            << result.out << "--- stderr\n"
            << result.err;
}

std::vector<std::string> ChildEnvironment(
    const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    // Servers started by tests record their error responses for the
    // suite's check too (tests/CMakeLists.txt).
    if (!absl::StartsWith(*e, "DUBAN_") ||
        absl::StartsWith(*e, "DUBAN_ERROR_RESPONSE_LOG=")) {
      env.emplace_back(*e);
    }
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

ProcessResult RunProcess(const std::vector<std::string>& args,
                         const std::vector<std::string>& env_overrides,
                         absl::Duration timeout) {
  ProcessResult result;
  if (args.empty()) {
    result.err = "RunProcess: no program given";
    return result;
  }
  std::vector<std::string> argv_strings = args;
  std::vector<std::string> env = ChildEnvironment(env_overrides);
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env);
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.err = absl::StrCat("pipe2: ", std::strerror(errno));
    return result;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = absl::StrCat("pipe2: ", std::strerror(errno));
    close(out_pipe[0]);
    close(out_pipe[1]);
    return result;
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  if (null_fd >= 0) close(null_fd);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = absl::StrCat("fork: ", std::strerror(errno));
    return result;
  }
  const absl::Time deadline = absl::Now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    const int wait_ms = static_cast<int>(std::max<int64_t>(
        0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    const int ready = poll(fds, 2, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[8192];
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (const pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = ExitCode(status);
  if (killed) {
    absl::StrAppend(&result.err, "\n[killed: did not finish within ",
                    absl::FormatDuration(timeout), "]\n");
  }
  return result;
}

ServerProcess::ServerProcess(std::string name, std::string binary)
    : name_(std::move(name)), binary_(std::move(binary)) {}

ServerProcess::~ServerProcess() { Stop(); }

absl::Status ServerProcess::Start(std::vector<std::string> args,
                                  std::string log_path) {
  args_ = std::move(args);
  log_path_ = std::move(log_path);
  return Restart();
}

absl::Status ServerProcess::Restart() {
  if (running()) {
    return absl::FailedPreconditionError(
        absl::StrCat(name_, " is already running (pid ", pid_, ")"));
  }
  if (!std::filesystem::exists(binary_)) {
    return absl::NotFoundError(absl::StrCat(
        binary_, " is not built (cmake --build . --target ", name_, ")"));
  }
  std::vector<std::string> argv_strings = args_;
  argv_strings.insert(argv_strings.begin(), binary_);
  std::vector<std::string> env = ChildEnvironment({});
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env);
  // Appended, so that the log of a restarted server keeps its first life.
  const int log_fd =
      open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("open ", log_path_, ": ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  if (pid < 0) {
    return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  pid_ = pid;
  return absl::OkStatus();
}

void ServerProcess::Stop(absl::Duration grace) {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + grace;
  int status = 0;
  while (true) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string ServerProcess::LogTail(std::size_t max_bytes) const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > max_bytes) text = text.substr(text.size() - max_bytes);
  return absl::StrCat("--- ", name_, " log (", log_path_, ")\n", text);
}

void StopServers(std::initializer_list<ServerProcess*> servers, bool print_logs,
                 absl::Duration grace) {
  for (ServerProcess* server : servers) server->Stop(grace);
  if (!print_logs) return;
  for (ServerProcess* server : servers) std::cerr << server->LogTail() << '\n';
}

}  // namespace duban
