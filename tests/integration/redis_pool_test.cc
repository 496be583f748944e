// RedisPool against a real redis-server: reply types, binary safety,
// pipelines, scripts, error mapping, outages and the pool bound.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/redaction.h"
#include "common/redis.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/redis_fixture.h"

namespace duban {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class RedisPoolTest : public RedisTest {
 protected:
  // A reply that must succeed.
  RedisReply Must(const std::vector<std::string>& argv) {
    absl::StatusOr<RedisReply> r = pool().Command(argv);
    EXPECT_TRUE(r.ok()) << argv[0] << ": " << r.status();
    return r.ok() ? *r : RedisReply{};
  }

  // Lines of CLIENT LIST for connections named `name`.
  int CountClientsNamed(RedisPool& admin, const std::string& name) {
    absl::StatusOr<RedisReply> list = admin.Command({"CLIENT", "LIST"});
    EXPECT_TRUE(list.ok()) << list.status();
    if (!list.ok()) return -1;
    int n = 0;
    for (absl::string_view line : absl::StrSplit(list->str, '\n')) {
      if (absl::StrContains(line, absl::StrCat(" name=", name, " "))) ++n;
    }
    return n;
  }

  // Two connections and one batch on the wire at a time, so that
  // concurrent callers queue into shared batches.
  RedisOptions OneBatchAtATime() {
    RedisOptions o = options();
    o.pool_size = 2;
    o.batch_leaders = 1;
    o.acquire_timeout = absl::Seconds(10);
    return o;
  }

  // Waits until a connection named `name` is blocked in `cmd`.
  bool WaitForCommand(RedisPool& admin, const std::string& name,
                      const std::string& cmd) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (absl::Now() < deadline) {
      absl::StatusOr<RedisReply> list = admin.Command({"CLIENT", "LIST"});
      if (list.ok()) {
        for (absl::string_view line : absl::StrSplit(list->str, '\n')) {
          if (absl::StrContains(line, absl::StrCat(" name=", name, " ")) &&
              absl::StrContains(line, absl::StrCat(" cmd=", cmd, " "))) {
            return true;
          }
        }
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return false;
  }
};

TEST_F(RedisPoolTest, BinaryValuesAndKeysRoundTripExactly) {
  const std::string key("k\0ey\xff", 5);
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += std::string("\x0a\x05hello\x12\x00\x1a", 10);  // protobuf-like
  ASSERT_EQ(value.size(), 266u);

  RedisReply set = Must({"SET", key, value});
  EXPECT_EQ(set.type, RedisReply::Type::kStatus);
  EXPECT_EQ(set.str, "OK");
  RedisReply get = Must({"GET", key});
  EXPECT_EQ(get.type, RedisReply::Type::kString);
  EXPECT_EQ(get.str, value);
  EXPECT_EQ(Must({"STRLEN", key}).integer, 266);
}

TEST_F(RedisPoolTest, EmptyStringIsAStringNotNil) {
  Must({"SET", "empty", ""});
  RedisReply get = Must({"GET", "empty"});
  EXPECT_EQ(get.type, RedisReply::Type::kString);
  EXPECT_TRUE(get.str.empty());
}

TEST_F(RedisPoolTest, MissingKeyIsNil) {
  RedisReply get = Must({"GET", "no-such-key"});
  EXPECT_TRUE(get.is_nil());
}

TEST_F(RedisPoolTest, IntegerAndArrayReplies) {
  EXPECT_EQ(Must({"RPUSH", "list", "a", "b", "c"}).integer, 3);
  EXPECT_EQ(Must({"INCRBY", "counter", "-9000000000"}).integer, -9000000000LL);
  RedisReply range = Must({"LRANGE", "list", "0", "-1"});
  ASSERT_EQ(range.type, RedisReply::Type::kArray);
  ASSERT_EQ(range.elements.size(), 3u);
  EXPECT_EQ(range.elements[2].str, "c");
  RedisReply empty = Must({"LRANGE", "nothing", "0", "-1"});
  EXPECT_EQ(empty.type, RedisReply::Type::kArray);
  EXPECT_TRUE(empty.elements.empty());
}

TEST_F(RedisPoolTest, NestedArraysWithNilFromScript) {
  absl::StatusOr<RedisReply> r =
      pool().Eval("return {1, {'x', 2}, false, 'y'}", {}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->elements.size(), 4u);
  EXPECT_EQ(r->elements[0].integer, 1);
  ASSERT_EQ(r->elements[1].elements.size(), 2u);
  EXPECT_EQ(r->elements[1].elements[0].str, "x");
  EXPECT_TRUE(r->elements[2].is_nil());  // Lua false is a nil reply
  EXPECT_EQ(r->elements[3].str, "y");
}

TEST_F(RedisPoolTest, PingAnswers) { EXPECT_TRUE(pool().Ping().ok()); }

TEST_F(RedisPoolTest, PipelineReturnsRepliesInOrder) {
  absl::StatusOr<std::vector<RedisReply>> replies = pool().Pipeline({
      {"SET", "p", "1"},
      {"INCR", "p"},
      {"GET", "p"},
      {"GET", "missing"},
  });
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_EQ((*replies)[0].str, "OK");
  EXPECT_EQ((*replies)[1].integer, 2);
  EXPECT_EQ((*replies)[2].str, "2");
  EXPECT_TRUE((*replies)[3].is_nil());
}

TEST_F(RedisPoolTest, PipelineErrorFailsTheCallButLeavesTheConnectionInSync) {
  RedisOptions o = options();
  o.pool_size = 1;  // the next command must reuse the same connection
  RedisPool one(o);
  absl::StatusOr<std::vector<RedisReply>> replies = one.Pipeline({
      {"SET", "s", "text"},
      {"INCR", "s"},  // error: not an integer
      {"SET", "after", "written"},
  });
  ASSERT_FALSE(replies.ok());
  EXPECT_EQ(replies.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(IncidentDetail(replies.status()), HasSubstr("INCR"));
  // Commands after the failing one still ran, and their replies were read:
  // the next reply is GET's, not a leftover.
  absl::StatusOr<RedisReply> after = one.Command({"GET", "after"});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->str, "written");
  absl::StatusOr<RedisReply> ping = one.Command({"ECHO", "in-sync"});
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->str, "in-sync");
}

TEST_F(RedisPoolTest, WrongTypeIsInternalWithTheRedisMessage) {
  Must({"RPUSH", "a-list", "x"});
  absl::StatusOr<RedisReply> r = pool().Command({"GET", "a-list"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(IncidentDetail(r.status()), HasSubstr("WRONGTYPE"));
  EXPECT_THAT(IncidentDetail(r.status()), HasSubstr("GET"));
}

TEST_F(RedisPoolTest, EvalPassesKeysAndArgs) {
  absl::StatusOr<RedisReply> r = pool().Eval(
      "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])",
      {"ek"}, {std::string("v\0v", 3)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, std::string("v\0v", 3));
}

// The commandstats counter of `name`, e.g. "evalsha" or "script|load".
int64_t CommandCalls(RedisPool& pool, const std::string& name) {
  absl::StatusOr<RedisReply> info = pool.Command({"INFO", "commandstats"});
  if (!info.ok()) return -1;
  const std::string prefix = absl::StrCat("cmdstat_", name, ":calls=");
  for (absl::string_view line : absl::StrSplit(info->str, "\r\n")) {
    if (absl::ConsumePrefix(&line, prefix)) {
      int64_t n = 0;
      absl::SimpleAtoi(line.substr(0, line.find(',')), &n);
      return n;
    }
  }
  return 0;
}

TEST_F(RedisPoolTest, EvalLoadsAScriptOnceThenUsesEvalsha) {
  Must({"CONFIG", "RESETSTAT"});
  const std::string script = "return tonumber(ARGV[1]) * 2";
  for (int i = 1; i <= 3; ++i) {
    absl::StatusOr<RedisReply> r = pool().Eval(script, {}, {std::to_string(i)});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->integer, 2 * i);
  }
  EXPECT_EQ(CommandCalls(pool(), "script|load"), 1);
  EXPECT_EQ(CommandCalls(pool(), "evalsha"), 3);
  EXPECT_EQ(CommandCalls(pool(), "eval"), 0);
}

TEST_F(RedisPoolTest, EvalReloadsTheScriptAfterScriptFlush) {
  const std::string script = "return 'still here'";
  ASSERT_TRUE(pool().Eval(script, {}, {}).ok());
  Must({"SCRIPT", "FLUSH"});
  Must({"CONFIG", "RESETSTAT"});
  absl::StatusOr<RedisReply> r = pool().Eval(script, {}, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->str, "still here");
  EXPECT_EQ(CommandCalls(pool(), "script|load"), 1);  // reloaded once
}

TEST_F(RedisPoolTest, ScriptErrorReplyWithDubanCodeMapsToThatCode) {
  struct Case {
    std::string code;
    absl::StatusCode want;
  };
  for (const Case& c : std::vector<Case>{
           {"ABORTED", absl::StatusCode::kAborted},
           {"NOT_FOUND", absl::StatusCode::kNotFound},
           {"FAILED_PRECONDITION", absl::StatusCode::kFailedPrecondition},
           {"ALREADY_EXISTS", absl::StatusCode::kAlreadyExists},
           {"INVALID_ARGUMENT", absl::StatusCode::kInvalidArgument},
       }) {
    absl::StatusOr<RedisReply> r = pool().Eval(
        "return redis.error_reply('DUBAN:' .. ARGV[1] .. ':etag mismatch: "
        "want 3, have 4')",
        {}, {c.code});
    ASSERT_FALSE(r.ok()) << c.code;
    EXPECT_EQ(r.status().code(), c.want) << r.status();
    EXPECT_EQ(r.status().message(), "etag mismatch: want 3, have 4");
  }
}

TEST_F(RedisPoolTest, LuaErrorWithDubanCodeDropsRedisPrefixAndSuffix) {
  // error() makes Redis 7 answer "ERR user_script:1: DUBAN:... script: <sha>,
  // on @user_script:1."
  absl::StatusOr<RedisReply> r =
      pool().Eval("error('DUBAN:NOT_FOUND:plan p-1 not found')", {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
  EXPECT_EQ(r.status().message(), "plan p-1 not found");
}

TEST_F(RedisPoolTest, ScriptErrorWithUnknownDubanCodeIsInternal) {
  absl::StatusOr<RedisReply> r =
      pool().Eval("return redis.error_reply('DUBAN:BOGUS:x')", {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(IncidentDetail(r.status()), HasSubstr("DUBAN:BOGUS:x"));
}

TEST_F(RedisPoolTest, RedisErrorInsideAScriptIsInternal) {
  Must({"SET", "text", "abc"});
  absl::StatusOr<RedisReply> r =
      pool().Eval("return redis.call('INCR', KEYS[1])", {"text"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(IncidentDetail(r.status()), HasSubstr("not an integer"));
}

TEST_F(RedisPoolTest, NothingListeningIsUnavailableNamingTheAddress) {
  RedisOptions o = options();
  o.host = "127.0.0.1";
  o.port = FreeLoopbackPort();
  RedisPool nowhere(o);
  absl::StatusOr<RedisReply> r = nowhere.Command({"PING"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(IncidentDetail(r.status()),
            absl::StrCat("redis 127.0.0.1:", o.port,
                         " unreachable: Connection refused"));
  // Callers are told neither where Redis is nor why it failed.
  EXPECT_THAT(std::string(r.status().message()),
              MatchesRegex("storage unavailable; retry later \\(incident "
                           "[0-9a-f]{16}\\)"));
  // The failed connect gave its slot back: the pool is not exhausted.
  for (int i = 0; i < 2 * o.pool_size; ++i) {
    EXPECT_EQ(nowhere.Ping().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_THAT(IncidentDetail(nowhere.Ping()), HasSubstr("unreachable"));
}

TEST_F(RedisPoolTest, NextCommandSucceedsAfterTheServerKilledAnIdleConnection) {
  RedisOptions o = options();
  o.pool_size = 1;
  RedisPool victim(o);
  absl::StatusOr<RedisReply> id = victim.Command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok()) << id.status();
  absl::StatusOr<RedisReply> killed =
      pool().Command({"CLIENT", "KILL", "ID", std::to_string(id->integer)});
  ASSERT_TRUE(killed.ok()) << killed.status();
  ASSERT_EQ(killed->integer, 1);

  absl::StatusOr<RedisReply> again = victim.Command({"CLIENT", "ID"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->integer, id->integer);  // a new connection
}

TEST_F(RedisPoolTest,
       ConnectionDroppedDuringACommandIsUnavailableThenRecovers) {
  RedisOptions o = options();
  o.pool_size = 1;
  o.client_name = "dropped-victim";
  RedisPool victim(o);
  absl::StatusOr<RedisReply> id = victim.Command({"CLIENT", "ID"});
  ASSERT_TRUE(id.ok()) << id.status();
  absl::StatusOr<RedisReply> blocked;
  std::thread t([&] { blocked = victim.Command({"BLPOP", "never", "5"}); });
  const bool seen = WaitForCommand(pool(), "dropped-victim", "blpop");
  absl::StatusOr<RedisReply> killed =
      pool().Command({"CLIENT", "KILL", "ID", std::to_string(id->integer)});
  t.join();
  ASSERT_TRUE(seen);
  ASSERT_TRUE(killed.ok()) << killed.status();
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(IncidentDetail(blocked.status()),
              HasSubstr("connection lost during BLPOP"));
  EXPECT_TRUE(victim.Ping().ok());
}

TEST_F(RedisPoolTest,
       SlowCommandTimesOutAsUnavailableAndTheLateReplyIsDropped) {
  RedisOptions o = options();
  o.pool_size = 1;
  o.command_timeout = absl::Milliseconds(200);
  RedisPool slow(o);
  absl::StatusOr<RedisReply> r = slow.Command({"BLPOP", "q", "1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(IncidentDetail(r.status()), HasSubstr("timed out"));
  // Had the connection been reused, BLPOP's late nil would answer this GET.
  Must({"SET", "q2", "value"});
  absl::SleepFor(absl::Milliseconds(900));
  absl::StatusOr<RedisReply> get = slow.Command({"GET", "q2"});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->str, "value");
}

TEST_F(RedisPoolTest, AcquireTimesOutAsUnavailableWhenEveryConnectionIsBusy) {
  RedisOptions o = options();
  o.pool_size = 1;
  o.acquire_timeout = absl::Milliseconds(100);
  o.client_name = "busy-pool";
  RedisPool busy(o);
  std::thread holder([&] { (void)busy.Command({"BLPOP", "never", "1"}); });
  const bool seen = WaitForCommand(pool(), "busy-pool", "blpop");
  const absl::Time start = absl::Now();
  absl::StatusOr<RedisReply> r = busy.Command({"PING"});
  const absl::Duration waited = absl::Now() - start;
  holder.join();
  ASSERT_TRUE(seen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(IncidentDetail(r.status()),
              HasSubstr("redis: no free connection after 100ms"));
  EXPECT_GE(waited, absl::Milliseconds(90));
  EXPECT_LT(waited, absl::Milliseconds(900));
  EXPECT_TRUE(busy.Ping().ok());  // free again after BLPOP returned
}

TEST_F(RedisPoolTest, ThirtyTwoThreadsNeverOpenMoreThanPoolSizeConnections) {
  RedisOptions o = options();
  o.pool_size = 4;
  o.acquire_timeout = absl::Seconds(10);
  o.client_name = "bounded-pool";
  RedisPool bounded(o);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  int max_seen = 0;
  std::thread monitor([&] {
    while (!done.load()) {
      max_seen = std::max(max_seen, CountClientsNamed(pool(), "bounded-pool"));
      absl::SleepFor(absl::Milliseconds(2));
    }
  });
  std::vector<std::thread> workers;
  constexpr int kThreads = 32;
  constexpr int kIncrements = 100;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        if (!bounded.Command({"INCR", "hits"}).ok()) ++failures;
        // A short block now and then keeps connections busy long enough for
        // callers to queue.
        if (i % 25 == t % 25 &&
            !bounded.Command({"BLPOP", "never", "0.01"}).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  done = true;
  monitor.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Must({"GET", "hits"}).str, std::to_string(kThreads * kIncrements));
  EXPECT_GE(max_seen, 1);
  EXPECT_LE(max_seen, 4);
  EXPECT_LE(CountClientsNamed(pool(), "bounded-pool"), 4);
}

// A counter from INFO stats ("name:value" lines).
int64_t StatOf(RedisPool& pool, absl::string_view name) {
  absl::StatusOr<RedisReply> info = pool.Command({"INFO", "stats"});
  EXPECT_TRUE(info.ok()) << info.status();
  if (!info.ok()) return -1;
  for (absl::string_view line : absl::StrSplit(info->str, "\r\n")) {
    if (absl::ConsumePrefix(&line, absl::StrCat(name, ":"))) {
      int64_t value = 0;
      if (absl::SimpleAtoi(line, &value)) return value;
    }
  }
  ADD_FAILURE() << "INFO stats has no " << name;
  return -1;
}

TEST_F(RedisPoolTest, ConcurrentCallersAreBatchedAndEachGetsItsOwnReplies) {
  RedisPool batched(OneBatchAtATime());
  constexpr char kEcho[] = "return {KEYS[1], ARGV[1]}";
  ASSERT_TRUE(batched.Eval(kEcho, {"warm"}, {"up"}).ok());
  constexpr int kThreads = 32;
  constexpr int kRounds = 100;
  std::atomic<int> wrong{0};
  const int64_t reads_before = StatOf(pool(), "total_reads_processed");
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      const std::string mine = absl::StrCat("counter-", t);
      for (int i = 0; i < kRounds; ++i) {
        const std::string value = absl::StrCat(t, ":", i);
        absl::StatusOr<RedisReply> n = batched.Command({"INCR", mine});
        if (!n.ok() || n->integer != i + 1) ++wrong;
        absl::StatusOr<std::vector<RedisReply>> p =
            batched.Pipeline({{"SET", absl::StrCat("k-", t), value},
                              {"GET", absl::StrCat("k-", t)}});
        if (!p.ok() || p->size() != 2 || (*p)[1].str != value) ++wrong;
        absl::StatusOr<RedisReply> e = batched.Eval(kEcho, {mine}, {value});
        if (!e.ok() || e->elements.size() != 2 || e->elements[0].str != mine ||
            e->elements[1].str != value) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  const int64_t reads = StatOf(pool(), "total_reads_processed") - reads_before;
  EXPECT_EQ(wrong.load(), 0);
  // 9,600 calls of 1 or 2 commands; sent one call per write they would
  // take at least as many reads.
  EXPECT_LT(reads, kThreads * kRounds * 3 / 2) << "calls were not batched";
}

TEST_F(RedisPoolTest, MultiExecInOneCallStaysWholeAmongConcurrentCalls) {
  RedisPool batched(OneBatchAtATime());
  std::atomic<int> torn{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 16; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        if (t % 2 == 0) {
          if (!batched
                   .Pipeline({{"MULTI"},
                              {"INCR", "pair-a"},
                              {"INCR", "pair-b"},
                              {"EXEC"}})
                   .ok()) {
            ++failed;
          }
        } else {
          absl::StatusOr<std::vector<RedisReply>> r = batched.Pipeline(
              {{"MULTI"}, {"GET", "pair-a"}, {"GET", "pair-b"}, {"EXEC"}});
          if (!r.ok() || r->size() != 4) {
            ++failed;
          } else if ((*r)[3].elements.size() != 2 ||
                     (*r)[3].elements[0].str != (*r)[3].elements[1].str) {
            ++torn;
          }
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(Must({"GET", "pair-a"}).str, "800");
  EXPECT_EQ(Must({"GET", "pair-b"}).str, "800");
}

TEST_F(RedisPoolTest, ConcurrentEvalsReloadTheScriptAfterScriptFlush) {
  RedisPool batched(OneBatchAtATime());
  constexpr char kScript[] = "return 'reloaded ' .. ARGV[1]";
  ASSERT_TRUE(batched.Eval(kScript, {}, {"first"}).ok());
  Must({"SCRIPT", "FLUSH"});
  std::atomic<int> wrong{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 16; ++t) {
    workers.emplace_back([&, t] {
      absl::StatusOr<RedisReply> r =
          batched.Eval(kScript, {}, {std::to_string(t)});
      if (!r.ok() || r->str != absl::StrCat("reloaded ", t)) ++wrong;
    });
  }
  for (std::thread& w : workers) w.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(RedisPoolTest, ABlockingCommandHoldsUpNoOtherCaller) {
  RedisOptions o = OneBatchAtATime();
  o.command_timeout = absl::Seconds(10);
  o.client_name = "blocking-apart";
  RedisPool pool2(o);
  std::atomic<bool> returned{false};
  std::thread blocker([&] {
    (void)pool2.Command({"BLPOP", "never-pushed", "3"});
    returned = true;
  });
  ASSERT_TRUE(WaitForCommand(pool(), "blocking-apart", "blpop"));
  // Both answered while BLPOP still waits: neither was queued behind it.
  EXPECT_EQ(Must({"SET", "side", "1"}).str, "OK");
  absl::StatusOr<RedisReply> get = pool2.Command({"GET", "side"});
  const bool blpop_done = returned.load();
  blocker.join();
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->str, "1");
  EXPECT_FALSE(blpop_done);
}

TEST_F(RedisPoolTest, AuthWithUserAndPassword) {
  Must({"ACL", "SETUSER", "duban-test", "on", ">s3cret", "~*", "&*", "+@all"});
  RedisOptions o = options();
  o.user = "duban-test";
  o.password = "s3cret";
  RedisPool authed(o);
  absl::StatusOr<RedisReply> who = authed.Command({"ACL", "WHOAMI"});
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->str, "duban-test");

  o.password = "wrong";
  RedisPool rejected(o);
  absl::Status s = rejected.Ping();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(IncidentDetail(s), HasSubstr("AUTH failed"));
  Must({"ACL", "DELUSER", "duban-test"});
}

TEST(RedisServerProcessTest, PasswordOnlyAuth) {
  RedisServerProcess server({"--requirepass", "pw-only"});
  ASSERT_TRUE(server.Start().ok());
  RedisOptions o = server.options();
  absl::Status no_password = RedisPool(o).Ping();
  EXPECT_EQ(no_password.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(IncidentDetail(no_password), HasSubstr("NOAUTH"));
  o.password = "wrong";
  absl::Status wrong = RedisPool(o).Ping();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(IncidentDetail(wrong), HasSubstr("AUTH failed"));
  o.password = "pw-only";
  EXPECT_TRUE(RedisPool(o).Ping().ok());
}

TEST(RedisServerProcessTest, PoolRecoversWhenRedisComesBackOnTheSamePort) {
  RedisServerProcess server;
  ASSERT_TRUE(server.Start().ok());
  RedisPool pool(server.options());
  ASSERT_TRUE(pool.Ping().ok());

  server.Stop();
  absl::Status down = pool.Ping();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;

  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(pool.Ping().ok());
}

TEST(RedisServerProcessTest,
     ReadOnlyReplicaIsUnavailableAndTheConnectionReplaced) {
  RedisServerProcess server;
  ASSERT_TRUE(server.Start().ok());
  RedisOptions o = server.options();
  o.pool_size = 1;
  RedisPool pool(o);
  // A replica of nothing: what a client sees on the old primary after a
  // failover.
  ASSERT_TRUE(pool.Command({"REPLICAOF", "127.0.0.1",
                            std::to_string(FreeLoopbackPort())})
                  .ok());
  absl::StatusOr<RedisReply> before = pool.Command({"CLIENT", "ID"});
  ASSERT_TRUE(before.ok());
  absl::StatusOr<RedisReply> write = pool.Command({"SET", "k", "v"});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(IncidentDetail(write.status()), HasSubstr("READONLY"));
  absl::StatusOr<RedisReply> after = pool.Command({"CLIENT", "ID"});
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->integer, before->integer);
}

TEST(RedisServerProcessTest, OutOfMemoryIsResourceExhausted) {
  RedisServerProcess server(
      {"--maxmemory", "1", "--maxmemory-policy", "noeviction"});
  ASSERT_TRUE(server.Start().ok());
  RedisPool pool(server.options());
  absl::StatusOr<RedisReply> write = pool.Command({"SET", "k", "v"});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.status().code(), absl::StatusCode::kResourceExhausted)
      << write.status();
}

TEST(ParseRedisAddressTest, AcceptsHostPortAndIpv6) {
  RedisOptions o;
  ASSERT_TRUE(ParseRedisAddress("redis", "redis.internal:6380", &o).ok());
  EXPECT_EQ(o.host, "redis.internal");
  EXPECT_EQ(o.port, 6380);
  ASSERT_TRUE(ParseRedisAddress("redis", "[::1]:6379", &o).ok());
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 6379);
}

TEST(ParseRedisAddressTest, RejectsPortZeroAndGarbageNamingTheFlag) {
  RedisOptions o;
  for (const char* bad :
       {"localhost:0", "localhost", ":6379", "h:65536", "h:port", ""}) {
    absl::Status s = ParseRedisAddress("redis", bad, &o);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--redis")) << bad;
  }
}

}  // namespace
}  // namespace duban
