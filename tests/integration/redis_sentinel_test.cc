// Sentinel discovery against real processes on loopback: a primary, its
// replica and three sentinels (redis-server --sentinel). The pool finds the
// primary, follows a manual failover and the primary's death, never writes
// to a replica named as primary, and fails without naming addresses when no
// sentinel answers. Also the server flags that configure it.
#include "common/redis_sentinel.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/redaction.h"
#include "common/redis.h"
#include "common/server_main.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/redis_fixture.h"

namespace duban {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Generous: failovers take seconds; this only bounds a hung test.
constexpr absl::Duration kDeadline = absl::Seconds(90);

std::string Loopback(int port) { return absl::StrCat("127.0.0.1:", port); }

// Polls `done` every 100 ms until it is true or kDeadline passes.
template <typename Fn>
bool WaitFor(Fn done) {
  const absl::Time deadline = absl::Now() + kDeadline;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

// A pool pointed straight at one server (or sentinel): the test's view.
std::unique_ptr<RedisPool> Direct(const RedisServerProcess& server) {
  RedisOptions o = server.options();
  o.pool_size = 1;
  return std::make_unique<RedisPool>(o);
}

// "master" or "slave" (or an error text) from ROLE.
std::string Role(const RedisServerProcess& server) {
  absl::StatusOr<RedisReply> role = Direct(server)->Command({"ROLE"});
  if (!role.ok()) return std::string(role.status().message());
  if (role->elements.empty()) return "(empty ROLE)";
  return role->elements[0].str;
}

std::string Get(const RedisServerProcess& server, const std::string& key) {
  absl::StatusOr<RedisReply> r = Direct(server)->Command({"GET", key});
  if (!r.ok()) return absl::StrCat("(", r.status().message(), ")");
  return r->is_nil() ? "(nil)" : r->str;
}

std::string SentinelConfig(absl::string_view name, int primary_port,
                           int quorum) {
  return absl::StrCat("sentinel monitor ", name, " 127.0.0.1 ", primary_port,
                      " ", quorum, "\nsentinel down-after-milliseconds ", name,
                      " 1000\nsentinel failover-timeout ", name, " 5000\n");
}

// Options for a pool that discovers the primary through `sentinels`. The
// answer is trusted for an hour, so that only failures make the pool ask
// again (tests of the refresh shorten it).
RedisOptions ViaSentinels(const std::vector<int>& sentinel_ports,
                          absl::string_view master_name = "duban") {
  RedisOptions o;
  for (int port : sentinel_ports) o.sentinels.push_back(Loopback(port));
  o.master_name = std::string(master_name);
  o.client_name = "sentinel-test";
  o.pool_size = 4;
  o.connect_timeout = absl::Milliseconds(500);
  o.command_timeout = absl::Seconds(2);
  o.acquire_timeout = absl::Seconds(2);
  o.sentinel_refresh = absl::Hours(1);
  return o;
}

// A primary, one replica and three sentinels (quorum 2) that know both
// nodes and each other, ready for a failover.
class SentinelGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    primary_ = std::make_unique<RedisServerProcess>();
    ASSERT_TRUE(primary_->Start().ok());
    replica_ = std::make_unique<RedisServerProcess>(std::vector<std::string>{
        "--replicaof", "127.0.0.1", std::to_string(primary_->port())});
    ASSERT_TRUE(replica_->Start().ok());
    ASSERT_TRUE(WaitFor([&] {
      absl::StatusOr<RedisReply> info =
          Direct(*replica_)->Command({"INFO", "replication"});
      return info.ok() && absl::StrContains(info->str, "master_link_status:up");
    })) << "the replica never synced";
    for (int i = 0; i < 3; ++i) {
      sentinels_.push_back(RedisServerProcess::Sentinel(
          SentinelConfig("duban", primary_->port(), 2)));
      ASSERT_TRUE(sentinels_.back()->Start().ok());
      ports_.push_back(sentinels_.back()->port());
    }
    // Each sentinel must know the replica (to promote it) and the other
    // two (to agree that the primary is down).
    for (auto& sentinel : sentinels_) {
      ASSERT_TRUE(WaitFor([&] {
        auto pool = Direct(*sentinel);
        absl::StatusOr<RedisReply> replicas =
            pool->Command({"SENTINEL", "REPLICAS", "duban"});
        absl::StatusOr<RedisReply> peers =
            pool->Command({"SENTINEL", "SENTINELS", "duban"});
        return replicas.ok() && replicas->elements.size() == 1 && peers.ok() &&
               peers->elements.size() == 2;
      })) << "sentinel on port "
          << sentinel->port() << " never saw the replica and its peers";
    }
  }

  // Writes `key` through `pool` until a write succeeds and is found on the
  // former replica, now the primary; false at the deadline.
  bool WriteUntilOnTheNewPrimary(RedisPool& pool, const std::string& key) {
    int attempt = 0;
    return WaitFor([&] {
      const std::string value = absl::StrCat("v", ++attempt);
      if (!pool.Command({"SET", key, value}).ok()) return false;
      return Role(*replica_) == "master" && Get(*replica_, key) == value;
    });
  }

  std::unique_ptr<RedisServerProcess> primary_;
  std::unique_ptr<RedisServerProcess> replica_;
  std::vector<std::unique_ptr<RedisServerProcess>> sentinels_;
  std::vector<int> ports_;
};

TEST_F(SentinelGroupTest, PoolFindsThePrimaryAndWritesToIt) {
  RedisPool pool(ViaSentinels(ports_));
  absl::StatusOr<RedisReply> set = pool.Command({"SET", "found", "yes"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Get(*primary_, "found"), "yes");
  absl::StatusOr<RedisReply> role = pool.Command({"ROLE"});
  ASSERT_TRUE(role.ok()) << role.status();
  EXPECT_EQ(role->elements[0].str, "master");
}

TEST_F(SentinelGroupTest, WritesMoveToTheNewPrimaryAfterAManualFailover) {
  RedisPool pool(ViaSentinels(ports_));
  ASSERT_TRUE(pool.Command({"SET", "before", "1"}).ok());
  // Idle connections to the old primary stay in the pool across the
  // failover: the pool must notice by itself.
  ASSERT_TRUE(WaitFor([&] {
    absl::StatusOr<RedisReply> r =
        Direct(*sentinels_[0])->Command({"SENTINEL", "FAILOVER", "duban"});
    return r.ok();  // NOGOODSLAVE while the sentinel rechecks the replica
  }));
  ASSERT_TRUE(WriteUntilOnTheNewPrimary(pool, "after"));
  // Settled: from now on every write goes to the new primary.
  for (int i = 0; i < 20; ++i) {
    const std::string value = absl::StrCat("settled-", i);
    absl::StatusOr<RedisReply> set = pool.Command({"SET", "settled", value});
    ASSERT_TRUE(set.ok()) << set.status();
    EXPECT_EQ(Get(*replica_, "settled"), value);
  }
  // The old primary is demoted by the sentinels; the data it had was kept
  // by the new one.
  EXPECT_TRUE(WaitFor([&] { return Role(*primary_) == "slave"; }));
  EXPECT_EQ(Get(*replica_, "before"), "1");
}

TEST_F(SentinelGroupTest, WritesMoveToTheNewPrimaryAfterThePrimaryDies) {
  RedisPool pool(ViaSentinels(ports_));
  ASSERT_TRUE(pool.Command({"SET", "before", "1"}).ok());
  primary_->Stop();
  absl::StatusOr<RedisReply> down = pool.Command({"SET", "during", "x"});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(down.status().message()), Not(HasSubstr("127.0.0.1")))
      << down.status();
  ASSERT_TRUE(WriteUntilOnTheNewPrimary(pool, "after"));
  EXPECT_EQ(Get(*replica_, "before"), "1");
}

// A node that is a replica (writable, so a write sent to it would land)
// named as primary by a sentinel.
class ReplicaNamedAsPrimaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A replica of a port where nothing listens: still ROLE "slave".
    lone_replica_ =
        std::make_unique<RedisServerProcess>(std::vector<std::string>{
            "--replicaof", "127.0.0.1", std::to_string(FreeLoopbackPort()),
            "--replica-read-only", "no"});
    ASSERT_TRUE(lone_replica_->Start().ok());
    sentinel_ = RedisServerProcess::Sentinel(
        SentinelConfig("lying", lone_replica_->port(), 1));
    ASSERT_TRUE(sentinel_->Start().ok());
  }

  std::unique_ptr<RedisServerProcess> lone_replica_;
  std::unique_ptr<RedisServerProcess> sentinel_;
};

TEST_F(ReplicaNamedAsPrimaryTest, IsNeverWrittenTo) {
  RedisPool pool(ViaSentinels({sentinel_->port()}, "lying"));
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<RedisReply> set = pool.Command({"SET", "lost", "write"});
    ASSERT_FALSE(set.ok());
    EXPECT_EQ(set.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(IncidentDetail(set.status()), HasSubstr("not the primary"));
    EXPECT_THAT(std::string(set.status().message()),
                Not(HasSubstr("127.0.0.1")));
  }
  EXPECT_EQ(Get(*lone_replica_, "lost"), "(nil)");
  // The premise: a write sent to this node would have been kept.
  ASSERT_TRUE(Direct(*lone_replica_)->Command({"SET", "kept", "yes"}).ok());
  EXPECT_EQ(Get(*lone_replica_, "kept"), "yes");
}

TEST(SentinelDiscoveryTest, SkipsSentinelsThatAreDownOrDoNotKnowTheName) {
  RedisServerProcess primary;
  ASSERT_TRUE(primary.Start().ok());
  auto knows =
      RedisServerProcess::Sentinel(SentinelConfig("duban", primary.port(), 1));
  ASSERT_TRUE(knows->Start().ok());
  auto other = RedisServerProcess::Sentinel(
      SentinelConfig("another", primary.port(), 1));
  ASSERT_TRUE(other->Start().ok());

  RedisPool pool(
      ViaSentinels({FreeLoopbackPort(), other->port(), knows->port()}));
  absl::StatusOr<RedisReply> set = pool.Command({"SET", "k", "v"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Get(primary, "k"), "v");
}

TEST(SentinelDiscoveryTest, NoSentinelAnsweringIsUnavailableWithoutAddresses) {
  RedisServerProcess primary;
  ASSERT_TRUE(primary.Start().ok());
  auto other = RedisServerProcess::Sentinel(
      SentinelConfig("another", primary.port(), 1));
  ASSERT_TRUE(other->Start().ok());
  const std::vector<int> ports = {FreeLoopbackPort(), FreeLoopbackPort(),
                                  other->port()};
  RedisPool pool(ViaSentinels(ports));
  for (int i = 0; i < 2; ++i) {
    absl::Status s = pool.Ping();
    ASSERT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    const std::string message(s.message());
    EXPECT_THAT(IncidentDetail(s), HasSubstr("no sentinel named a primary"));
    EXPECT_THAT(message, Not(HasSubstr("127.0.0.1")));
    for (int port : ports) {
      EXPECT_THAT(message, Not(HasSubstr(std::to_string(port))));
    }
  }
  EXPECT_EQ(Get(primary, "anything"), "(nil)");  // the primary is fine
}

TEST(SentinelDiscoveryTest,
     AllSentinelsDownAfterDiscoveryFailsOnceThePrimaryGoes) {
  RedisServerProcess primary;
  ASSERT_TRUE(primary.Start().ok());
  auto sentinel =
      RedisServerProcess::Sentinel(SentinelConfig("duban", primary.port(), 1));
  ASSERT_TRUE(sentinel->Start().ok());
  RedisOptions o = ViaSentinels({sentinel->port()});
  o.sentinel_refresh = absl::Milliseconds(100);
  RedisPool pool(o);
  ASSERT_TRUE(pool.Ping().ok());
  // Sentinels gone, primary up: the address found is still used.
  sentinel->Stop();
  absl::SleepFor(absl::Milliseconds(200));  // past sentinel_refresh
  EXPECT_TRUE(pool.Ping().ok());
  // The primary gone too: nothing left to ask.
  primary.Stop();
  absl::Status first = pool.Ping();
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable) << first;
  absl::Status second = pool.Ping();
  EXPECT_EQ(second.code(), absl::StatusCode::kUnavailable) << second;
  EXPECT_THAT(IncidentDetail(second), HasSubstr("no sentinel named a primary"));
  EXPECT_THAT(std::string(second.message()), Not(HasSubstr("127.0.0.1")));
}

TEST(SentinelDiscoveryTest, IdleConnectionsFollowANewAnswerAfterTheRefresh) {
  // Two healthy primaries; the sentinel is switched from one to the other,
  // as after a failover whose old primary still accepts writes. Nothing
  // fails, so only the refresh can move the pool.
  RedisServerProcess first;
  ASSERT_TRUE(first.Start().ok());
  RedisServerProcess second;
  ASSERT_TRUE(second.Start().ok());
  auto sentinel =
      RedisServerProcess::Sentinel(SentinelConfig("duban", first.port(), 1));
  ASSERT_TRUE(sentinel->Start().ok());
  RedisOptions o = ViaSentinels({sentinel->port()});
  o.pool_size = 1;
  o.sentinel_refresh = absl::Milliseconds(200);
  RedisPool pool(o);
  ASSERT_TRUE(pool.Command({"SET", "where", "first"}).ok());
  ASSERT_EQ(Get(first, "where"), "first");

  auto admin = Direct(*sentinel);
  ASSERT_TRUE(admin->Command({"SENTINEL", "REMOVE", "duban"}).ok());
  ASSERT_TRUE(admin
                  ->Command({"SENTINEL", "MONITOR", "duban", "127.0.0.1",
                             std::to_string(second.port()), "1"})
                  .ok());
  int attempt = 0;
  EXPECT_TRUE(WaitFor([&] {
    const std::string value = absl::StrCat("second-", ++attempt);
    return pool.Command({"SET", "where", value}).ok() &&
           Get(second, "where") == value;
  }));
  // Once moved, nothing more goes to the first.
  const std::string last_on_first = Get(first, "where");
  ASSERT_TRUE(pool.Command({"SET", "where", "final"}).ok());
  EXPECT_EQ(Get(second, "where"), "final");
  EXPECT_EQ(Get(first, "where"), last_on_first);
}

TEST(SentinelDiscoveryTest, APrimaryDemotedUnderOpenConnectionsIsLeft) {
  // The primary becomes a (writable) replica while the pool holds a
  // connection to it, and the sentinel keeps naming it: the pool must
  // notice READONLY-like refusals by ROLE, not keep writing there.
  RedisServerProcess first({"--replica-read-only", "no"});
  ASSERT_TRUE(first.Start().ok());
  RedisServerProcess second;
  ASSERT_TRUE(second.Start().ok());
  auto sentinel =
      RedisServerProcess::Sentinel(SentinelConfig("duban", first.port(), 1));
  ASSERT_TRUE(sentinel->Start().ok());
  RedisOptions o = ViaSentinels({sentinel->port()});
  o.pool_size = 1;
  RedisPool pool(o);
  ASSERT_TRUE(pool.Command({"SET", "k", "on-first"}).ok());

  // Demoted behind the sentinel's back, with a read-only replica's answer.
  ASSERT_TRUE(Direct(first)
                  ->Command({"CONFIG", "SET", "replica-read-only", "yes"})
                  .ok());
  ASSERT_TRUE(Direct(first)
                  ->Command({"REPLICAOF", "127.0.0.1",
                             std::to_string(FreeLoopbackPort())})
                  .ok());
  absl::StatusOr<RedisReply> readonly = pool.Command({"SET", "k", "lost"});
  ASSERT_FALSE(readonly.ok());
  EXPECT_EQ(readonly.status().code(), absl::StatusCode::kUnavailable);
  // Writable again, but still a replica: the pool does not go back to it.
  ASSERT_TRUE(Direct(first)
                  ->Command({"CONFIG", "SET", "replica-read-only", "no"})
                  .ok());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<RedisReply> set = pool.Command({"SET", "k", "lost"});
    ASSERT_FALSE(set.ok());
    EXPECT_THAT(IncidentDetail(set.status()), HasSubstr("not the primary"));
  }
  EXPECT_EQ(Get(first, "k"), "on-first");

  // Once the sentinel names the real primary, writes go there.
  auto admin = Direct(*sentinel);
  ASSERT_TRUE(admin->Command({"SENTINEL", "REMOVE", "duban"}).ok());
  ASSERT_TRUE(admin
                  ->Command({"SENTINEL", "MONITOR", "duban", "127.0.0.1",
                             std::to_string(second.port()), "1"})
                  .ok());
  absl::StatusOr<RedisReply> set = pool.Command({"SET", "k", "on-second"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Get(second, "k"), "on-second");
  EXPECT_EQ(Get(first, "k"), "on-first");
}

TEST(SentinelDiscoveryTest, SentinelPasswordIsSent) {
  RedisServerProcess primary;
  ASSERT_TRUE(primary.Start().ok());
  auto sentinel = RedisServerProcess::Sentinel(absl::StrCat(
      SentinelConfig("duban", primary.port(), 1), "requirepass s3ntinel\n"));
  ASSERT_TRUE(sentinel->Start().ok());

  RedisOptions o = ViaSentinels({sentinel->port()});
  absl::Status without = RedisPool(o).Ping();
  EXPECT_EQ(without.code(), absl::StatusCode::kUnavailable) << without;
  o.sentinel_password = "wrong";
  absl::Status wrong = RedisPool(o).Ping();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kUnavailable) << wrong;
  EXPECT_THAT(std::string(wrong.message()), Not(HasSubstr("wrong")));
  o.sentinel_password = "s3ntinel";
  absl::Status right = RedisPool(o).Ping();
  EXPECT_TRUE(right.ok()) << right;
}

TEST(SentinelDiscoveryTest, AUserWithoutRoleIsToldWhy) {
  RedisServerProcess primary;
  ASSERT_TRUE(primary.Start().ok());
  ASSERT_TRUE(Direct(primary)
                  ->Command({"ACL", "SETUSER", "app", "on", ">pw", "~*", "&*",
                             "+@all", "-@dangerous"})
                  .ok());
  auto sentinel =
      RedisServerProcess::Sentinel(SentinelConfig("duban", primary.port(), 1));
  ASSERT_TRUE(sentinel->Start().ok());
  RedisOptions o = ViaSentinels({sentinel->port()});
  o.user = "app";
  o.password = "pw";
  absl::Status refused = RedisPool(o).Ping();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  // The server log says why; callers only that storage is unavailable.
  EXPECT_THAT(IncidentDetail(refused), HasSubstr("+role"));
  ASSERT_TRUE(
      Direct(primary)->Command({"ACL", "SETUSER", "app", "+role"}).ok());
  absl::Status allowed = RedisPool(o).Ping();
  EXPECT_TRUE(allowed.ok()) << allowed;
}

// The sentinel list and the server flags that configure discovery.

TEST(ParseRedisSentinelsTest, AcceptsAListAndRefusesBadEntries) {
  RedisOptions o;
  ASSERT_TRUE(
      ParseRedisSentinels("redis_sentinels", "a:1, b:26379,[::1]:3", &o).ok());
  EXPECT_EQ(o.sentinels,
            (std::vector<std::string>{"a:1", "b:26379", "[::1]:3"}));
  for (const char* bad :
       {"", "a:1,", "a:1,,b:2", "nohost", "a:0", "a:70000", ":1", "::1:5"}) {
    absl::Status s = ParseRedisSentinels("redis_sentinels", bad, &o);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--redis_sentinels"));
    EXPECT_THAT(std::string(s.message()), HasSubstr(bad));
  }
}

// Runs ParseServerConfig on `args` (after the program name).
ServerConfig Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "test-server");
  args.push_back("--plaintext");  // transport security is not what is tested
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return ParseServerConfig(static_cast<int>(args.size()), argv.data(),
                           "test-server", "127.0.0.1:0", "test");
}

TEST(SentinelFlagsTest, ConfigureThePool) {
  absl::FlagSaver saver;
  const std::string password_file =
      absl::StrCat(::testing::TempDir(), "/sentinel-password");
  std::ofstream(password_file) << "s3cret\n";
  ServerConfig config =
      Parse({"--redis_sentinels=10.0.0.1:26379,s2:26379",
             "--redis_master_name=orders",
             "--redis_sentinel_password_file=" + password_file});
  EXPECT_EQ(config.redis.sentinels,
            (std::vector<std::string>{"10.0.0.1:26379", "s2:26379"}));
  EXPECT_EQ(config.redis.master_name, "orders");
  EXPECT_EQ(config.redis.sentinel_password, "s3cret");
}

TEST(SentinelFlagsTest, ComeFromTheEnvironmentToo) {
  absl::FlagSaver saver;
  setenv("DUBAN_REDIS_SENTINELS", "s1:26379", 1);
  ServerConfig config = Parse({});
  unsetenv("DUBAN_REDIS_SENTINELS");
  EXPECT_EQ(config.redis.sentinels, (std::vector<std::string>{"s1:26379"}));
  EXPECT_EQ(config.redis.master_name, "duban");
  EXPECT_TRUE(config.redis.sentinel_password.empty());
}

TEST(SentinelFlagsTest, WithoutSentinelsThePoolUsesRedis) {
  absl::FlagSaver saver;
  ServerConfig config = Parse({"--redis=10.1.2.3:6379"});
  EXPECT_TRUE(config.redis.sentinels.empty());
  EXPECT_EQ(config.redis.host, "10.1.2.3");
}

class SentinelFlagsDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(SentinelFlagsDeathTest, BadValuesAreRefusedNamingTheFlag) {
  EXPECT_EXIT(Parse({"--redis_sentinels=s1"}), ::testing::ExitedWithCode(2),
              "--redis_sentinels: want host:port.*\"s1\"");
  EXPECT_EXIT(Parse({"--redis_sentinels=s1:1,,s2:2"}),
              ::testing::ExitedWithCode(2),
              "--redis_sentinels: .*empty entry.*s1:1,,s2:2");
  EXPECT_EXIT(Parse({"--redis_sentinels=s1:0"}), ::testing::ExitedWithCode(2),
              "--redis_sentinels: a sentinel port must be 1-65535.*s1:0");
  EXPECT_EXIT(Parse({"--redis_sentinels=s1:1", "--redis_master_name=a b"}),
              ::testing::ExitedWithCode(2), "--redis_master_name: .*\"a b\"");
  EXPECT_EXIT(Parse({"--redis_sentinels=s1:1", "--redis_master_name="}),
              ::testing::ExitedWithCode(2), "--redis_master_name: .*\"\"");
  EXPECT_EXIT(Parse({"--redis_sentinels=s1:1",
                     "--redis_sentinel_password_file=/no/such/file"}),
              ::testing::ExitedWithCode(2),
              "--redis_sentinel_password_file.*/no/such/file");
}

TEST_F(SentinelFlagsDeathTest, RedisAndSentinelsTogetherAreRefused) {
  EXPECT_EXIT(Parse({"--redis=10.0.0.5:6379", "--redis_sentinels=s1:26379"}),
              ::testing::ExitedWithCode(2),
              "--redis_sentinels: leave --redis unset.*10.0.0.5:6379");
}

TEST_F(SentinelFlagsDeathTest, SentinelPasswordWithoutSentinelsIsRefused) {
  EXPECT_EXIT(Parse({"--redis_sentinel_password_file=/run/secrets/x"}),
              ::testing::ExitedWithCode(2),
              "--redis_sentinel_password_file: only used with "
              "--redis_sentinels");
}

TEST_F(SentinelFlagsDeathTest, BadEnvironmentValueIsRefusedNamingTheFlag) {
  EXPECT_EXIT(
      {
        setenv("DUBAN_REDIS_SENTINELS", "s1:99999", 1);
        Parse({});
      },
      ::testing::ExitedWithCode(2), "--redis_sentinels: .*s1:99999");
}

}  // namespace
}  // namespace duban
