// Redis Sentinel discovery for RedisPool (hiredis 0.14 has none): the
// primary's address is asked of the sentinels in turn, cached, and asked
// again when a connection to it fails or the answer is old, so that the pool
// follows a failover without a restart. Every new connection is checked with
// ROLE before use, so a demoted node is never written to.
//
// Errors returned to callers never name a Redis or Sentinel address; the
// addresses are logged instead (common/log.h).
#ifndef DUBAN_COMMON_REDIS_SENTINEL_H_
#define DUBAN_COMMON_REDIS_SENTINEL_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis.h"

namespace duban {

struct RedisAddress {
  std::string host;
  int port = 0;

  bool operator==(const RedisAddress& o) const {
    return host == o.host && port == o.port;
  }
  // "host:port", "[v6]:port": for logs only.
  std::string ToString() const;
};

// Parses a comma-separated list of sentinel addresses ("host:port,...",
// port 1-65535, IPv6 in brackets) into options->sentinels. INVALID_ARGUMENT
// naming `flag`, the bad entry and the value otherwise.
absl::Status ParseRedisSentinels(absl::string_view flag,
                                 absl::string_view value,
                                 RedisOptions* options);

// Checks a master name: 1-64 characters of letters, digits, '.', '-' and
// '_'. INVALID_ARGUMENT naming `flag` and the value otherwise.
absl::Status ValidateMasterName(absl::string_view flag,
                                absl::string_view value);

// OK when `role` (the reply to ROLE) says "master"; UNAVAILABLE otherwise,
// also when ROLE itself failed (NOPERM: the ACL user lacks +role).
absl::Status CheckPrimaryRole(const absl::StatusOr<RedisReply>& role);

// Where the primary named options.master_name is, according to
// options.sentinels. Thread-safe.
//
// Generations: every connection made to an address returned by Primary()
// carries the generation Primary() gave with it. A failure reported for the
// current generation, or a new address from the sentinels, starts a new
// generation; connections of older ones are dropped by the pool.
class RedisSentinel {
 public:
  // `options.sentinels` must be non-empty and valid (ParseRedisSentinels).
  explicit RedisSentinel(const RedisOptions& options);
  RedisSentinel(const RedisSentinel&) = delete;
  RedisSentinel& operator=(const RedisSentinel&) = delete;

  // The primary's address and its generation: the cached answer while it is
  // younger than options.sentinel_refresh and no failure was reported since,
  // otherwise asked of the sentinels in turn (the last one that answered
  // first). UNAVAILABLE when no sentinel names a primary. Callers arriving
  // during a discovery wait for its answer.
  absl::StatusOr<RedisAddress> Primary(uint64_t* generation);

  // Whether an idle connection of `generation` may still be used. When the
  // cached answer is older than options.sentinel_refresh, one caller asks
  // the sentinels again (the others go on meanwhile); a new address ends
  // the generation. This bounds how long writes go to a primary demoted by
  // a manual failover. When no sentinel answers, the connection is kept: it
  // is the primary's health that matters, and ROLE checked it.
  bool StillCurrent(uint64_t generation);

  // A connection of `generation` failed (I/O error, timeout, or an error
  // reply such as READONLY that the pool maps to UNAVAILABLE): the next
  // Primary() asks the sentinels again. Reports for an older generation are
  // ignored: that failure was already acted on.
  void ReportFailure(uint64_t generation);

  // A connection of `generation` to `address` was refused before use (not
  // reachable, or ROLE is not master): logged with the address and
  // reported as a failure.
  void Reject(uint64_t generation, const RedisAddress& address,
              const absl::Status& why);

  // The generation whose connections are worth keeping.
  uint64_t generation() const { return generation_.load(); }

 private:
  // Asks the sentinels in turn; on an answer caches it (a new address
  // starts a new generation).
  absl::StatusOr<RedisAddress> Discover() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<RedisAddress> Ask(const RedisAddress& sentinel) const;
  void EndGeneration(uint64_t generation);

  const std::string master_name_;
  const std::string password_;
  const absl::Duration timeout_;
  const absl::Duration refresh_;

  // Held during a discovery, so that concurrent callers wait for one answer
  // rather than all asking.
  absl::Mutex mu_;
  // Asked in this order; the one that answered moves to the front.
  std::vector<RedisAddress> sentinels_ ABSL_GUARDED_BY(mu_);
  RedisAddress primary_ ABSL_GUARDED_BY(mu_);
  // Read without mu_ by the pool (under its own lock) and StillCurrent().
  std::atomic<uint64_t> generation_{1};
  // The generation primary_ was discovered for; != generation_ after a
  // failure, so the next Primary() asks again.
  uint64_t cached_generation_ ABSL_GUARDED_BY(mu_) = 0;
  // absl::Time of the last answer, as Unix nanoseconds (atomic for the
  // lock-free age check in StillCurrent()).
  std::atomic<int64_t> discovered_at_ns_{0};
};

}  // namespace duban

#endif  // DUBAN_COMMON_REDIS_SENTINEL_H_
