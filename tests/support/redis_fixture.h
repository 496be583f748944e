// A real Redis for integration tests: DUBAN_TEST_REDIS=host:port when set,
// otherwise a redis-server started by the test process on a free loopback
// port (no persistence, temporary directory) and stopped at exit. When
// neither works, tests fail with the reason: they never skip.
#ifndef DUBAN_TESTS_SUPPORT_REDIS_FIXTURE_H_
#define DUBAN_TESTS_SUPPORT_REDIS_FIXTURE_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/redis.h"
#include "gtest/gtest.h"

namespace duban {

// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's
// choice for a socket bound to port 0).
int FreeLoopbackPort();

// A redis-server child process on 127.0.0.1, for tests that need their own
// server (outages, AUTH). Start() after Stop() reuses the same port, so
// pools pointed at it reconnect. The binary is $DUBAN_REDIS_SERVER or
// `redis-server` from PATH. The child gets PR_SET_PDEATHSIG, so start it
// from a thread that lives as long as the server should (the main thread).
class RedisServerProcess {
 public:
  // `extra_args` are appended to the command line, e.g.
  // {"--requirepass", "secret"}. port 0 picks a free port on Start().
  explicit RedisServerProcess(std::vector<std::string> extra_args = {},
                              int port = 0);
  // A Redis Sentinel (redis-server <file> --sentinel) whose configuration
  // file starts as `config` ("sentinel monitor ..." lines). The sentinel
  // rewrites the file; Start() after Stop() keeps what it wrote.
  static std::unique_ptr<RedisServerProcess> Sentinel(std::string config);
  ~RedisServerProcess();
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;

  // Starts the server and waits (up to 5 s) until it answers PING.
  absl::Status Start();
  // Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it.
  void Stop();
  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  // Options for a pool pointed at this server.
  RedisOptions options() const;

 private:
  absl::Status StartOnce();
  std::string LogTail() const;

  std::vector<std::string> extra_args_;
  // Sentinel mode when set: the initial configuration file.
  std::string sentinel_config_;
  bool sentinel_ = false;
  int port_;
  pid_t pid_ = -1;
  std::string dir_;
};

// The Redis shared by the tests of this process: started once, stopped at
// exit. Options use short timeouts so that failures show quickly.
absl::StatusOr<RedisOptions> SharedTestRedis();

// Base class for tests against the shared Redis: FLUSHALL before each test
// and a fresh pool per test.
class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Options of the shared Redis (pool_size 4, short timeouts).
  const RedisOptions& options() const { return options_; }
  RedisPool& pool() { return *pool_; }

 private:
  RedisOptions options_;
  std::unique_ptr<RedisPool> pool_;
};

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_REDIS_FIXTURE_H_
