// A Redis client on hiredis for the services: a fixed pool of blocking
// connections with connect/read timeouts, reconnect after a dropped
// connection, and every failure mapped to absl::Status.
//
// hiredis contexts are not thread-safe, so each batch of commands leases one
// connection from the pool for its duration. A fixed pool (not one
// connection per gRPC worker thread) keeps the number of Redis clients
// bounded. Concurrent callers' commands are batched onto one connection
// (RedisOptions::batch_leaders); each caller's commands stay contiguous, so
// MULTI/EXEC inside one Pipeline call keeps its meaning.
#ifndef DUBAN_COMMON_REDIS_H_
#define DUBAN_COMMON_REDIS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct redisContext;

namespace duban {

class RedisSentinel;

// An owned copy of a hiredis reply, so the C reply is freed at once.
struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string str;                   // kString and kStatus
  int64_t integer = 0;               // kInteger
  std::vector<RedisReply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
};

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  // Optional AUTH; empty user means the default user.
  std::string user;
  std::string password;
  // Optional CLIENT SETNAME on connect, so CLIENT LIST shows who holds
  // connections (e.g. "plan-server").
  std::string client_name;
  int pool_size = 8;
  // Commands from concurrent callers are sent together: while `batch_leaders`
  // batches are on the wire, later callers queue, and the next free caller
  // sends everything queued in one write on one connection and hands each
  // caller its replies. One Redis read then serves many callers, which is
  // where a loaded server spends its time (measured in bench/). 1 to
  // pool_size; blocking commands (BLPOP, XREAD BLOCK, ...) are never batched.
  int batch_leaders = 2;
  absl::Duration connect_timeout = absl::Seconds(1);
  // Also the longest a single command may take before UNAVAILABLE.
  absl::Duration command_timeout = absl::Seconds(2);
  // How long a caller waits for a free connection before UNAVAILABLE.
  absl::Duration acquire_timeout = absl::Seconds(2);

  // Sentinel discovery (common/redis_sentinel.h). When `sentinels` is not
  // empty, host and port are ignored: the primary is the address these
  // sentinels ("host:port" each) give for `master_name`, checked with ROLE
  // on every new connection. connect_timeout also bounds each sentinel's
  // answer.
  std::vector<std::string> sentinels;
  std::string master_name = "duban";
  // Optional AUTH to the sentinels (their requirepass).
  std::string sentinel_password;
  // How long the sentinels' answer is trusted before they are asked again
  // (sooner after a failure).
  absl::Duration sentinel_refresh = absl::Seconds(5);
  // Called (on the calling thread) with every failed call: Redis
  // unreachable, a timeout, a lost connection, no free connection, or an
  // error reply other than a script's DUBAN:<CODE>; with the detailed
  // status. For metrics; optional.
  std::function<void(const absl::Status&)> on_error;
};

// Parses "host:port" (port 1-65535) into options.host/port; INVALID_ARGUMENT
// naming `flag` otherwise.
absl::Status ParseRedisAddress(absl::string_view flag, absl::string_view value,
                               RedisOptions* options);

// A bounded pool of hiredis connections. Thread-safe.
//
// With options.sentinels set, a connection that fails as below makes the
// pool drop every connection to that primary and ask the sentinels again
// on next use, so it follows a failover; commands are never retried here
// (a write that timed out may have happened), callers retry UNAVAILABLE.
// Messages then say "primary", never an address (addresses are logged).
//
// Errors: UNAVAILABLE when Redis cannot be reached, times out, or the
// connection drops (the connection is discarded and re-made on next use);
// INTERNAL when Redis answers a command with an error reply (a bug on our
// side: wrong type, bad script). A Lua script's error reply whose text
// starts with "DUBAN:<CODE>:" is mapped to that code, so scripts can
// report ABORTED / NOT_FOUND / FAILED_PRECONDITION with a message (scripts
// must not put key names in it).
//
// UNAVAILABLE, INTERNAL and RESOURCE_EXHAUSTED messages are generic
// ("storage unavailable; retry later (incident <id>)"): the detail, which
// names the server, the command or a key, is logged with the incident id
// and kept in the status's payload (common/redaction.h: IncidentDetail).
// The pool registers its addresses and passwords for redaction.
class RedisPool {
 public:
  explicit RedisPool(RedisOptions options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // Runs one command given as separate binary-safe arguments.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& argv);

  // Runs several commands on one connection, pipelined; replies in order.
  // A command's error reply fails the whole call.
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // Runs a Lua script by EVALSHA (loading it with SCRIPT LOAD on NOSCRIPT).
  absl::StatusOr<RedisReply> Eval(absl::string_view script,
                                  const std::vector<std::string>& keys,
                                  const std::vector<std::string>& args);

  // PING; OK when Redis answers.
  absl::Status Ping();

  const RedisOptions& options() const { return options_; }

 private:
  struct Connection;
  // One caller's commands in a batch, and what became of them.
  struct Unit {
    const std::vector<std::vector<std::string>>* commands = nullptr;
    // Set for Eval: commands is one EVALSHA of it, loaded again on NOSCRIPT.
    absl::string_view script;
    std::vector<RedisReply> replies;
    // The first failure: the batch's (I/O, no connection) or this unit's
    // first error reply.
    absl::Status status;
    bool queued = false;  // waiting for a leader
    bool done = false;
  };
  // Runs `unit` in a batch with whatever else is queued (see batch_leaders).
  void Execute(Unit* unit);
  // Sends the units' commands in one write on one connection; fills each.
  void RunBatch(const std::vector<Unit*>& units);
  // SCRIPT LOAD of `script` on `conn`; its SHA1 is remembered.
  absl::StatusOr<std::string> LoadScript(Connection& conn,
                                         absl::string_view script);
  absl::StatusOr<std::string> ScriptSha(absl::string_view script);
  absl::StatusOr<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> conn, bool healthy);
  absl::StatusOr<std::unique_ptr<Connection>> Connect();
  absl::StatusOr<std::unique_ptr<Connection>> ConnectTo(const std::string& host,
                                                        int port);
  // Sentinel mode: the primary the sentinels name, checked with ROLE.
  absl::StatusOr<std::unique_ptr<Connection>> ConnectToPrimary();
  // Leases a connection for `fn`; a connection left broken by `fn` is
  // discarded instead of returned to the pool.
  absl::Status WithConnection(
      const std::function<absl::Status(Connection&)>& fn);
  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reports a failure to options_.on_error; returns `s`.
  absl::Status Observe(absl::Status s) const;

  const RedisOptions options_;
  // Set when options_.sentinels is not empty.
  const std::unique_ptr<RedisSentinel> sentinel_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Mutex batch_mu_;
  std::vector<Unit*> queue_ ABSL_GUARDED_BY(batch_mu_);
  int leaders_ ABSL_GUARDED_BY(batch_mu_) = 0;
  // Script text -> SHA1 from SCRIPT LOAD.
  absl::Mutex scripts_mu_;
  std::map<std::string, std::string, std::less<>> script_sha_
      ABSL_GUARDED_BY(scripts_mu_);
};

}  // namespace duban

#endif  // DUBAN_COMMON_REDIS_H_
