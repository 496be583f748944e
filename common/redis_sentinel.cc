#include "common/redis_sentinel.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/redaction.h"

namespace duban {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval TimeoutTimeval(absl::Duration d) {
  if (d <= absl::ZeroDuration()) d = absl::Milliseconds(1);
  return absl::ToTimeval(d);
}

int64_t NowNs() { return absl::ToUnixNanos(absl::Now()); }

// One command on a sentinel connection: the reply, or UNAVAILABLE with
// hiredis's reason (no address: the caller logs it).
absl::StatusOr<ReplyPtr> SentinelCommand(redisContext* ctx,
                                         const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(
      ctx, static_cast<int>(args.size()), args.data(), lens.data())));
  if (reply == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "no reply: ", ctx->errstr[0] != '\0' ? ctx->errstr : "I/O error"));
  }
  return reply;
}

}  // namespace

std::string RedisAddress::ToString() const {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::Status ParseRedisSentinels(absl::string_view flag,
                                 absl::string_view value,
                                 RedisOptions* options) {
  const std::string name =
      absl::StrCat(absl::StartsWith(flag, "-") ? "" : "--", flag);
  std::vector<std::string> sentinels;
  for (absl::string_view entry : absl::StrSplit(value, ',')) {
    entry = absl::StripAsciiWhitespace(entry);
    if (entry.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          name,
          ": want a comma-separated list of host:port with no empty "
          "entry (got \"",
          value, "\")"));
    }
    absl::Status s = ValidateHostPort(name, entry);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(s.message(), " in the list \"", value, "\""));
    }
    std::string host;
    int port = 0;
    SplitHostPort(entry, &host, &port);
    if (port == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": a sentinel port must be 1-65535 (got \"", entry,
                       "\" in the list \"", value, "\")"));
    }
    sentinels.emplace_back(entry);
  }
  options->sentinels = std::move(sentinels);
  return absl::OkStatus();
}

absl::Status ValidateMasterName(absl::string_view flag,
                                absl::string_view value) {
  const bool ok =
      !value.empty() && value.size() <= 64 &&
      std::all_of(value.begin(), value.end(), [](char c) {
        return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
      });
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      absl::StartsWith(flag, "-") ? "" : "--", flag,
      ": want 1-64 letters, digits, '.', '-' or '_' (got \"", value, "\")"));
}

absl::Status CheckPrimaryRole(const absl::StatusOr<RedisReply>& role) {
  if (!role.ok()) {
    std::string hint;
    if (absl::StrContains(role.status().message(), "NOPERM")) {
      hint = " (the Redis user needs +role for Sentinel discovery)";
    }
    return absl::UnavailableError(absl::StrCat(
        "redis primary: ROLE failed: ", role.status().message(), hint));
  }
  if (role->type != RedisReply::Type::kArray || role->elements.empty() ||
      role->elements[0].type != RedisReply::Type::kString) {
    return absl::UnavailableError(
        "redis primary: unexpected reply to ROLE; not using the server");
  }
  const std::string& name = role->elements[0].str;
  if (name != "master") {
    return absl::UnavailableError(absl::StrCat(
        "redis primary: the server the sentinels named is not the primary "
        "(ROLE says \"",
        name.substr(0, 16),
        "\"), probably during a failover; asking the sentinels again"));
  }
  return absl::OkStatus();
}

RedisSentinel::RedisSentinel(const RedisOptions& options)
    : master_name_(options.master_name),
      password_(options.sentinel_password),
      timeout_(options.connect_timeout),
      refresh_(options.sentinel_refresh) {
  absl::MutexLock lock(&mu_);
  for (const std::string& s : options.sentinels) {
    RedisAddress a;
    SplitHostPort(s, &a.host, &a.port);
    sentinels_.push_back(std::move(a));
  }
}

absl::StatusOr<RedisAddress> RedisSentinel::Ask(
    const RedisAddress& sentinel) const {
  ContextPtr ctx(redisConnectWithTimeout(sentinel.host.c_str(), sentinel.port,
                                         TimeoutTimeval(timeout_)));
  if (ctx == nullptr) return absl::UnavailableError("out of memory");
  if (ctx->err != 0) {
    return absl::UnavailableError(absl::StrCat("unreachable: ", ctx->errstr));
  }
  if (redisSetTimeout(ctx.get(), TimeoutTimeval(timeout_)) != REDIS_OK) {
    return absl::UnavailableError(
        absl::StrCat("cannot set the timeout: ", ctx->errstr));
  }
  if (!password_.empty()) {
    absl::StatusOr<ReplyPtr> auth =
        SentinelCommand(ctx.get(), {"AUTH", password_});
    if (!auth.ok()) return auth.status();
    if ((*auth)->type == REDIS_REPLY_ERROR) {
      return absl::UnavailableError(absl::StrCat(
          "AUTH failed: ", absl::string_view((*auth)->str, (*auth)->len)));
    }
  }
  absl::StatusOr<ReplyPtr> reply = SentinelCommand(
      ctx.get(), {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", master_name_});
  if (!reply.ok()) return reply.status();
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_NIL) {
    return absl::NotFoundError("does not know the master name");
  }
  if (r.type == REDIS_REPLY_ERROR) {
    return absl::UnavailableError(
        absl::StrCat("error reply: ", absl::string_view(r.str, r.len)));
  }
  RedisAddress primary;
  if (r.type != REDIS_REPLY_ARRAY || r.elements != 2 ||
      r.element[0]->type != REDIS_REPLY_STRING ||
      r.element[1]->type != REDIS_REPLY_STRING ||
      !absl::SimpleAtoi(absl::string_view(r.element[1]->str, r.element[1]->len),
                        &primary.port) ||
      primary.port < 1 || primary.port > 65535 || r.element[0]->len == 0) {
    return absl::UnavailableError(
        "unexpected reply to GET-MASTER-ADDR-BY-NAME");
  }
  primary.host.assign(r.element[0]->str, r.element[0]->len);
  return primary;
}

absl::StatusOr<RedisAddress> RedisSentinel::Discover() {
  discovered_at_ns_.store(NowNs());  // an attempt, answered or not
  for (size_t i = 0; i < sentinels_.size(); ++i) {
    absl::StatusOr<RedisAddress> answer = Ask(sentinels_[i]);
    if (!answer.ok()) {
      Log(LogLevel::kWarning, "redis sentinel gave no primary",
          {{"sentinel", sentinels_[i].ToString()},
           {"master_name", master_name_},
           {"error", std::string(answer.status().message())}});
      continue;
    }
    // Ask the one that answered first next time.
    std::rotate(sentinels_.begin(), sentinels_.begin() + i,
                sentinels_.begin() + i + 1);
    if (!(*answer == primary_) || cached_generation_ == 0) {
      Log(LogLevel::kInfo, "redis primary discovered",
          {{"primary", answer->ToString()},
           {"previous", primary_.port == 0 ? "" : primary_.ToString()},
           {"sentinel", sentinels_[0].ToString()},
           {"master_name", master_name_}});
    }
    if (!(*answer == primary_)) {
      RegisterAddressForRedaction(answer->host, answer->port);
      // Connections to the old address must go, even healthy ones.
      ++generation_;
      primary_ = *answer;
    }
    cached_generation_ = generation_.load();
    return primary_;
  }
  return absl::UnavailableError(
      absl::StrCat("redis: no sentinel named a primary for \"", master_name_,
                   "\" (asked ", sentinels_.size(), "; see the server log)"));
}

absl::StatusOr<RedisAddress> RedisSentinel::Primary(uint64_t* generation) {
  absl::MutexLock lock(&mu_);
  const bool fresh =
      NowNs() - discovered_at_ns_.load() < absl::ToInt64Nanoseconds(refresh_);
  if (cached_generation_ != generation_.load() || !fresh) {
    absl::StatusOr<RedisAddress> found = Discover();
    // With no sentinel answering, a stale answer no failure has refuted is
    // still the best guess (ROLE checks it).
    if (!found.ok() && cached_generation_ != generation_.load()) return found;
  }
  *generation = cached_generation_;
  return primary_;
}

bool RedisSentinel::StillCurrent(uint64_t generation) {
  if (generation != generation_.load()) return false;
  const int64_t refresh_ns = absl::ToInt64Nanoseconds(refresh_);
  if (NowNs() - discovered_at_ns_.load() < refresh_ns) return true;
  if (!mu_.TryLock()) return true;  // another caller is asking
  if (NowNs() - discovered_at_ns_.load() >= refresh_ns) {
    (void)Discover();
  }
  mu_.Unlock();
  return generation == generation_.load();
}

void RedisSentinel::EndGeneration(uint64_t generation) {
  uint64_t expected = generation;
  generation_.compare_exchange_strong(expected, generation + 1);
}

void RedisSentinel::ReportFailure(uint64_t generation) {
  if (generation != generation_.load()) return;
  Log(LogLevel::kInfo, "redis connection failed; asking the sentinels again",
      {{"master_name", master_name_}});
  EndGeneration(generation);
}

void RedisSentinel::Reject(uint64_t generation, const RedisAddress& address,
                           const absl::Status& why) {
  Log(LogLevel::kWarning, "redis primary refused",
      {{"primary", address.ToString()},
       {"master_name", master_name_},
       {"error", std::string(why.message())}});
  EndGeneration(generation);
}

}  // namespace duban
