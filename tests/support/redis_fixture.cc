#include "tests/support/redis_fixture.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/config.h"

namespace duban {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(5);

// True when something at 127.0.0.1:port answers PING (an error reply such
// as NOAUTH counts: the server is up).
bool AnswersPing(int port) {
  timeval tv{0, 200 * 1000};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (c == nullptr) return false;
  bool ok = false;
  if (c->err == 0) {
    redisSetTimeout(c, tv);
    void* reply = redisCommand(c, "PING");
    if (reply != nullptr) {
      ok = true;
      freeReplyObject(reply);
    }
  }
  redisFree(c);
  return ok;
}

}  // namespace

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

RedisServerProcess::RedisServerProcess(std::vector<std::string> extra_args,
                                       int port)
    : extra_args_(std::move(extra_args)), port_(port) {}

RedisServerProcess::~RedisServerProcess() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::unique_ptr<RedisServerProcess> RedisServerProcess::Sentinel(
    std::string config) {
  auto sentinel = std::make_unique<RedisServerProcess>();
  sentinel->sentinel_ = true;
  sentinel->sentinel_config_ = std::move(config);
  return sentinel;
}

RedisOptions RedisServerProcess::options() const {
  RedisOptions o;
  o.host = "127.0.0.1";
  o.port = port_;
  o.pool_size = 4;
  o.connect_timeout = absl::Milliseconds(500);
  o.command_timeout = absl::Seconds(2);
  o.acquire_timeout = absl::Seconds(2);
  return o;
}

absl::Status RedisServerProcess::Start() {
  if (running()) return absl::OkStatus();
  // Tests kill Redis connections; hiredis writes with write().
  signal(SIGPIPE, SIG_IGN);
  // A port found free may be taken before redis-server binds it; a port we
  // picked ourselves is retried with another.
  const bool pick_port = port_ == 0;
  absl::Status last;
  for (int attempt = 0; attempt < (pick_port ? 3 : 1); ++attempt) {
    if (pick_port) port_ = FreeLoopbackPort();
    last = StartOnce();
    if (last.ok()) return last;
  }
  if (pick_port) port_ = 0;
  return last;
}

absl::Status RedisServerProcess::StartOnce() {
  if (port_ == 0) {
    return absl::UnavailableError("no free loopback port found");
  }
  if (dir_.empty()) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "duban-redis-XXXXXX")
            .string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("mkdtemp failed: ", std::strerror(errno)));
    }
    dir_ = tmpl;
  }
  const char* env_binary = std::getenv("DUBAN_REDIS_SERVER");
  const std::string binary = env_binary != nullptr && *env_binary != '\0'
                                 ? env_binary
                                 : "redis-server";
  std::vector<std::string> args = {binary};
  if (sentinel_) {
    // Sentinel needs a configuration file it can rewrite.
    const std::string config_path = dir_ + "/sentinel.conf";
    if (!std::filesystem::exists(config_path)) {
      std::ofstream out(config_path);
      out << sentinel_config_ << "\n";
      if (!out.good()) {
        return absl::UnavailableError(
            absl::StrCat("cannot write ", config_path));
      }
    }
    args.push_back(config_path);
    args.push_back("--sentinel");
  }
  args.insert(args.end(),
              {"--port", std::to_string(port_), "--bind", "127.0.0.1", "--save",
               "", "--appendonly", "no", "--dir", dir_, "--daemonize", "no"});
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  // Everything is prepared before fork(): the child of a multi-threaded
  // process may only call async-signal-safe functions.
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log_path = dir_ + "/redis.log";
  int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", log_path, ": ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::UnavailableError(
        absl::StrCat("fork failed: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Dies with the test process even when it crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execvp(argv[0], argv.data());
    const char msg[] = "exec redis-server failed\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;

  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (absl::Now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat(
          "redis-server (", binary, ") exited at start with status ",
          WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus),
          " (127: not installed? install redis-server or set "
          "DUBAN_TEST_REDIS=host:port); its log: ",
          LogTail()));
    }
    if (AnswersPing(port_)) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  Stop();
  return absl::UnavailableError(absl::StrCat(
      "redis-server on 127.0.0.1:", port_, " did not answer PING within ",
      absl::FormatDuration(kStartTimeout), "; its log: ", LogTail()));
}

void RedisServerProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (true) {
    int wstatus = 0;
    pid_t r = waitpid(pid_, &wstatus, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &wstatus, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
}

std::string RedisServerProcess::LogTail() const {
  std::ifstream in(dir_ + "/redis.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 2000) text = text.substr(text.size() - 2000);
  return text.empty() ? "(empty)" : text;
}

absl::StatusOr<RedisOptions> SharedTestRedis() {
  static absl::once_flag once;
  static absl::StatusOr<RedisOptions>* result = nullptr;
  absl::call_once(once, [] {
    // Tests kill Redis connections; hiredis writes with write().
    signal(SIGPIPE, SIG_IGN);
    const char* external = std::getenv("DUBAN_TEST_REDIS");
    if (external != nullptr && *external != '\0') {
      RedisOptions o;
      absl::Status s = ParseRedisAddress("DUBAN_TEST_REDIS", external, &o);
      if (!s.ok()) {
        result = new absl::StatusOr<RedisOptions>(s);
        return;
      }
      o.pool_size = 4;
      o.connect_timeout = absl::Milliseconds(500);
      o.command_timeout = absl::Seconds(2);
      o.acquire_timeout = absl::Seconds(2);
      result = new absl::StatusOr<RedisOptions>(o);
      return;
    }
    // Deliberately leaked and stopped by atexit, after every test.
    static RedisServerProcess* server = new RedisServerProcess();
    absl::Status s = server->Start();
    if (!s.ok()) {
      result = new absl::StatusOr<RedisOptions>(absl::UnavailableError(
          absl::StrCat("no Redis for the tests: DUBAN_TEST_REDIS is not set "
                       "and starting redis-server failed: ",
                       s.message())));
      return;
    }
    std::atexit([] { delete server; });
    result = new absl::StatusOr<RedisOptions>(server->options());
  });
  return *result;
}

void RedisTest::SetUp() {
  absl::StatusOr<RedisOptions> redis = SharedTestRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  options_ = *redis;
  pool_ = std::make_unique<RedisPool>(options_);
  absl::StatusOr<RedisReply> flushed = pool_->Command({"FLUSHALL"});
  ASSERT_TRUE(flushed.ok()) << "FLUSHALL on " << options_.host << ":"
                            << options_.port << ": " << flushed.status();
}

void RedisTest::TearDown() { pool_.reset(); }

}  // namespace duban
