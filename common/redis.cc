#include "common/redis.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/config.h"
#include "common/redaction.h"
#include "common/redis_sentinel.h"

namespace duban {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

timeval TimeoutTimeval(absl::Duration d) {
  if (d <= absl::ZeroDuration()) d = absl::Milliseconds(1);
  return absl::ToTimeval(d);
}

// Maps "DUBAN:<CODE>:<message>" (anywhere in a script error) to its code.
// Redis 7 prefixes errors raised with error() by "ERR user_script:1: " and
// appends " script: <sha>, on @user_script:1."; both are dropped.
bool ParseScriptError(absl::string_view text, absl::Status* out) {
  size_t pos = text.find("DUBAN:");
  if (pos == absl::string_view::npos) return false;
  absl::string_view rest = text.substr(pos + 6);
  size_t colon = rest.find(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view code_name = rest.substr(0, colon);
  absl::string_view message = rest.substr(colon + 1);
  size_t suffix = message.rfind(" script: ");
  if (suffix != absl::string_view::npos) {
    absl::string_view tail = message.substr(suffix + 9);
    if (tail.size() > 40 &&
        std::all_of(tail.begin(), tail.begin() + 40,
                    [](char c) { return absl::ascii_isxdigit(c); }) &&
        absl::StartsWith(tail.substr(40), ", on @")) {
      message = message.substr(0, suffix);
    }
  }
  static constexpr struct {
    absl::string_view name;
    absl::StatusCode code;
  } kCodes[] = {
      {"ABORTED", absl::StatusCode::kAborted},
      {"NOT_FOUND", absl::StatusCode::kNotFound},
      {"FAILED_PRECONDITION", absl::StatusCode::kFailedPrecondition},
      {"ALREADY_EXISTS", absl::StatusCode::kAlreadyExists},
      {"INVALID_ARGUMENT", absl::StatusCode::kInvalidArgument},
  };
  for (const auto& c : kCodes) {
    if (code_name == c.name) {
      *out = absl::Status(c.code, message);
      return true;
    }
  }
  return false;
}

// An error reply: a script's DUBAN code; UNAVAILABLE for a server that
// cannot serve us right now (retrying later or elsewhere helps);
// RESOURCE_EXHAUSTED at maxmemory; otherwise INTERNAL (a bug on our side,
// such as WRONGTYPE).
absl::Status ErrorReplyStatus(absl::string_view command,
                              absl::string_view text) {
  absl::Status status;
  if (ParseScriptError(text, &status)) return status;
  const std::string message = absl::StrCat("redis ", command, ": ", text);
  // LOADING: restarting; BUSY: a long script; READONLY/MASTERDOWN: a
  // replica after failover; NOAUTH/WRONGPASS: credentials missing or
  // rotated.
  for (absl::string_view prefix :
       {"LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN",
        "NOAUTH", "WRONGPASS"}) {
    if (absl::StartsWith(text, prefix)) return absl::UnavailableError(message);
  }
  if (absl::StartsWith(text, "OOM")) {
    return absl::ResourceExhaustedError(message);
  }
  return absl::InternalError(message);
}

// Copies a hiredis reply; the first error reply anywhere in it (EXEC and
// scripts can nest them) fails the conversion.
absl::Status CopyReply(absl::string_view command, const redisReply& in,
                       RedisReply* out) {
  switch (in.type) {
    case REDIS_REPLY_NIL:
      out->type = RedisReply::Type::kNil;
      return absl::OkStatus();
    case REDIS_REPLY_STRING:
      out->type = RedisReply::Type::kString;
      out->str.assign(in.str, in.len);
      return absl::OkStatus();
    case REDIS_REPLY_STATUS:
      out->type = RedisReply::Type::kStatus;
      out->str.assign(in.str, in.len);
      return absl::OkStatus();
    case REDIS_REPLY_INTEGER:
      out->type = RedisReply::Type::kInteger;
      out->integer = in.integer;
      return absl::OkStatus();
    case REDIS_REPLY_ARRAY:
      out->type = RedisReply::Type::kArray;
      out->elements.resize(in.elements);
      for (size_t i = 0; i < in.elements; ++i) {
        absl::Status s = CopyReply(command, *in.element[i], &out->elements[i]);
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    case REDIS_REPLY_ERROR:
      return ErrorReplyStatus(command, absl::string_view(in.str, in.len));
    default:
      return absl::InternalError(
          absl::StrCat("redis ", command, ": unknown reply type ", in.type));
  }
}

absl::StatusOr<RedisReply> ToRedisReply(absl::string_view command,
                                        const redisReply& in) {
  RedisReply out;
  absl::Status s = CopyReply(command, in, &out);
  if (!s.ok()) return s;
  return out;
}

// The command name for error messages (never the arguments: they may be
// large or binary).
std::string CommandName(const std::vector<std::string>& argv) {
  if (argv.empty()) return "(empty)";
  std::string name = absl::AsciiStrToUpper(argv[0].substr(0, 32));
  if (argv.size() > 1 && (name == "SCRIPT" || name == "CLIENT" ||
                          name == "CONFIG" || name == "ACL")) {
    absl::StrAppend(&name, " ", absl::AsciiStrToUpper(argv[1].substr(0, 32)));
  }
  return name;
}

bool IsNoScript(const redisReply& r) {
  return r.type == REDIS_REPLY_ERROR &&
         absl::StartsWith(absl::string_view(r.str, r.len), "NOSCRIPT");
}

// What messages call the server: its address, or "primary" when sentinels
// name it (addresses must not reach callers; the sentinel code logs them).
std::string ServerAddress(const RedisOptions& o) {
  if (!o.sentinels.empty()) return "primary";
  if (absl::StrContains(o.host, ':'))
    return absl::StrCat("[", o.host, "]:", o.port);
  return absl::StrCat(o.host, ":", o.port);
}

// The UNAVAILABLE status for a failed read or write on `ctx`.
absl::Status IoError(const RedisOptions& options, const redisContext& ctx,
                     absl::string_view command) {
  const std::string address = ServerAddress(options);
  absl::string_view err = ctx.errstr;
  // SO_RCVTIMEO expiry surfaces as EAGAIN.
  if (ctx.err == REDIS_ERR_IO &&
      (absl::StrContains(err, "Resource temporarily unavailable") ||
       absl::StrContains(err, "timed out"))) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address, ": ", command, " timed out after ",
                     absl::FormatDuration(options.command_timeout)));
  }
  return absl::UnavailableError(
      absl::StrCat("redis ", address, ": connection lost during ", command,
                   ": ", err.empty() ? "unknown I/O error" : err));
}

// What callers are told of a failed Redis call (the detail, which names
// addresses, commands and keys, goes to the server log).
absl::string_view StorageFailureSummary(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
      return "storage unavailable; retry later";
    case absl::StatusCode::kResourceExhausted:
      return "storage full";
    default:
      return "storage error";
  }
}

void ToArgv(const std::vector<std::string>& argv,
            std::vector<const char*>* args, std::vector<size_t>* lens) {
  args->clear();
  lens->clear();
  for (const std::string& a : argv) {
    args->push_back(a.data());
    lens->push_back(a.size());
  }
}

// A server that answered "cannot serve you" (READONLY after a failover,
// LOADING) may be a different one after reconnecting: do not reuse.
template <typename Conn>
void DiscardIfUnavailable(const absl::Status& s, Conn& conn) {
  if (absl::IsUnavailable(s)) conn.broken = true;
}

// Sends one command and reads its reply. I/O failure → UNAVAILABLE and the
// connection is marked broken. (A template because Connection is private.)
template <typename Conn>
absl::StatusOr<ReplyPtr> RoundTrip(const RedisOptions& options, Conn& conn,
                                   const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  ToArgv(argv, &args, &lens);
  ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(
      conn.ctx, static_cast<int>(args.size()), args.data(), lens.data())));
  if (reply == nullptr) {
    conn.broken = true;
    return IoError(options, *conn.ctx, CommandName(argv));
  }
  return reply;
}

}  // namespace

struct RedisPool::Connection {
  explicit Connection(redisContext* c) : ctx(c) {}
  ~Connection() {
    if (ctx != nullptr) redisFree(ctx);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  redisContext* ctx;
  // Sentinel mode: the RedisSentinel generation this connection was made in.
  uint64_t generation = 0;
  // Set after an I/O failure: replies on this connection can no longer be
  // matched to commands, so it must not be reused.
  bool broken = false;

  // True when the server has closed the connection while it sat idle
  // (CLIENT KILL, timeout, restart): Redis never sends unsolicited data on a
  // RESP2 connection, so any readability means EOF or garbage.
  bool ClosedWhileIdle() const {
    pollfd p{ctx->fd, POLLIN, 0};
    return poll(&p, 1, 0) != 0;
  }
};

absl::Status ParseRedisAddress(absl::string_view flag, absl::string_view value,
                               RedisOptions* options) {
  absl::Status s = ValidateHostPort(flag, value);
  if (!s.ok()) return s;
  std::string host;
  int port = 0;
  SplitHostPort(value, &host, &port);
  if (port == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(absl::StartsWith(flag, "-") ? "" : "--", flag,
                     ": the Redis port must be 1-65535 (got \"", value, "\")"));
  }
  options->host = std::move(host);
  options->port = port;
  return absl::OkStatus();
}

RedisPool::RedisPool(RedisOptions options)
    : options_([&] {
        options.pool_size = std::max(1, options.pool_size);
        options.batch_leaders =
            std::clamp(options.batch_leaders, 1, options.pool_size);
        return std::move(options);
      }()),
      sentinel_(options_.sentinels.empty()
                    ? nullptr
                    : std::make_unique<RedisSentinel>(options_)) {
  // None of these may reach a caller (common/redaction.h).
  RegisterAddressForRedaction(options_.host, options_.port);
  for (const std::string& sentinel : options_.sentinels) {
    std::string host;
    int port = 0;
    SplitHostPort(sentinel, &host, &port);
    RegisterAddressForRedaction(host, port);
  }
  RegisterSecretForRedaction(options_.password);
  RegisterSecretForRedaction(options_.sentinel_password);
}

RedisPool::~RedisPool() {
  absl::MutexLock lock(&mu_);
  idle_.clear();
}

bool RedisPool::CanAcquire() const {
  return !idle_.empty() || open_ < options_.pool_size;
}

absl::StatusOr<std::unique_ptr<RedisPool::Connection>> RedisPool::Acquire() {
  std::unique_ptr<Connection> stale;
  {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &RedisPool::CanAcquire),
                              options_.acquire_timeout)) {
      return absl::UnavailableError(
          absl::StrCat("redis: no free connection after ",
                       absl::FormatDuration(options_.acquire_timeout),
                       " (pool of ", options_.pool_size, " all busy)"));
    }
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (!conn->ClosedWhileIdle() && sentinel_ == nullptr) return conn;
      // Keep the slot (open_ unchanged) and replace the connection below,
      // freeing it outside the lock; in sentinel mode it is checked there
      // first.
      stale = std::move(conn);
    } else {
      ++open_;
    }
  }
  // In sentinel mode a connection to a primary that may have been replaced
  // is dropped as if the server had closed it (checked outside the lock: it
  // may ask the sentinels).
  if (stale != nullptr && sentinel_ != nullptr && !stale->ClosedWhileIdle() &&
      sentinel_->StillCurrent(stale->generation)) {
    return stale;
  }
  stale.reset();
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connect();
  if (!conn.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return conn;
}

void RedisPool::Release(std::unique_ptr<Connection> conn, bool healthy) {
  if (!healthy && sentinel_ != nullptr) {
    sentinel_->ReportFailure(conn->generation);
  }
  if (!healthy) conn.reset();  // close outside the lock
  absl::MutexLock lock(&mu_);
  if (conn != nullptr) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
}

absl::StatusOr<std::unique_ptr<RedisPool::Connection>> RedisPool::Connect() {
  if (sentinel_ != nullptr) return ConnectToPrimary();
  return ConnectTo(options_.host, options_.port);
}

absl::StatusOr<std::unique_ptr<RedisPool::Connection>>
RedisPool::ConnectToPrimary() {
  // A second attempt asks the sentinels again: the first answer may have
  // been the old primary, down or demoted, during a failover.
  absl::Status last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    uint64_t generation = 0;
    absl::StatusOr<RedisAddress> primary = sentinel_->Primary(&generation);
    if (!primary.ok()) return primary.status();
    absl::StatusOr<std::unique_ptr<Connection>> conn =
        ConnectTo(primary->host, primary->port);
    if (conn.ok()) {
      absl::StatusOr<RedisReply> role;
      absl::StatusOr<ReplyPtr> reply = RoundTrip(options_, **conn, {"ROLE"});
      role = reply.ok() ? ToRedisReply("ROLE", **reply)
                        : absl::StatusOr<RedisReply>(reply.status());
      last = CheckPrimaryRole(role);
      if (last.ok()) {
        (*conn)->generation = generation;
        return conn;
      }
    } else {
      last = conn.status();
    }
    sentinel_->Reject(generation, *primary, last);
  }
  return last;
}

absl::StatusOr<std::unique_ptr<RedisPool::Connection>> RedisPool::ConnectTo(
    const std::string& host, int port) {
  const std::string address = ServerAddress(options_);
  redisContext* raw = redisConnectWithTimeout(
      host.c_str(), port, TimeoutTimeval(options_.connect_timeout));
  if (raw == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address, " unreachable: out of memory"));
  }
  auto conn = std::make_unique<Connection>(raw);
  if (raw->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address, " unreachable: ", raw->errstr));
  }
  if (redisSetTimeout(raw, TimeoutTimeval(options_.command_timeout)) !=
      REDIS_OK) {
    return absl::UnavailableError(absl::StrCat(
        "redis ", address, ": cannot set the timeout: ", raw->errstr));
  }
  // Keepalive notices a peer that vanished without closing (host down).
  redisEnableKeepAlive(raw);

  auto handshake = [&](const std::vector<std::string>& argv,
                       absl::string_view what) -> absl::Status {
    absl::StatusOr<ReplyPtr> reply = RoundTrip(options_, *conn, argv);
    if (!reply.ok()) return reply.status();
    if ((*reply)->type == REDIS_REPLY_ERROR) {
      // Wrong credentials make Redis unusable to this process: the same as
      // unreachable for callers, who should retry later.
      return absl::UnavailableError(absl::StrCat(
          "redis ", address, ": ", what,
          " failed: ", absl::string_view((*reply)->str, (*reply)->len)));
    }
    return absl::OkStatus();
  };
  if (!options_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!options_.user.empty()) auth.push_back(options_.user);
    auth.push_back(options_.password);
    absl::Status s = handshake(auth, "AUTH");
    if (!s.ok()) return s;
  }
  if (!options_.client_name.empty()) {
    absl::Status s = handshake({"CLIENT", "SETNAME", options_.client_name},
                               "CLIENT SETNAME");
    if (!s.ok()) return s;
  }
  return conn;
}

absl::Status RedisPool::WithConnection(
    const std::function<absl::Status(Connection&)>& fn) {
  absl::StatusOr<std::unique_ptr<Connection>> conn = Acquire();
  if (!conn.ok()) return conn.status();
  absl::Status s = fn(**conn);
  bool healthy = !(*conn)->broken && (*conn)->ctx->err == 0;
  Release(*std::move(conn), healthy);
  return s;
}

namespace {

// Commands that wait on the server (a blocked connection would hold up
// every caller batched behind it): they get a connection of their own.
bool IsBlocking(const std::vector<std::string>& argv) {
  static constexpr absl::string_view kBlocking[] = {
      "BLPOP",    "BRPOP",    "BLMOVE", "BRPOPLPUSH", "BLMPOP",
      "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT",       "WAITAOF"};
  const std::string& name = argv[0];
  for (absl::string_view blocking : kBlocking) {
    if (absl::EqualsIgnoreCase(name, blocking)) return true;
  }
  if (absl::EqualsIgnoreCase(name, "XREAD") ||
      absl::EqualsIgnoreCase(name, "XREADGROUP")) {
    return std::any_of(argv.begin() + 1, argv.end(), [](const std::string& a) {
      return absl::EqualsIgnoreCase(a, "BLOCK");
    });
  }
  return false;
}

struct LeaderSlot {
  bool* queued;
  bool* done;
  const int* leaders;
  int max_leaders;
};

bool DoneOrMayLead(LeaderSlot* s) {
  return *s->done || (*s->queued && *s->leaders < s->max_leaders);
}

}  // namespace

void RedisPool::Execute(Unit* unit) {
  const bool blocking =
      std::any_of(unit->commands->begin(), unit->commands->end(), IsBlocking);
  if (blocking) {
    RunBatch({unit});
    return;
  }
  std::vector<Unit*> batch;
  {
    absl::MutexLock lock(&batch_mu_);
    unit->queued = true;
    queue_.push_back(unit);
    LeaderSlot slot{&unit->queued, &unit->done, &leaders_,
                    options_.batch_leaders};
    batch_mu_.Await(absl::Condition(&DoneOrMayLead, &slot));
    if (unit->done) return;
    // Lead: everything queued (this unit among it) goes in one batch.
    batch.swap(queue_);
    for (Unit* u : batch) u->queued = false;
    ++leaders_;
  }
  RunBatch(batch);
  absl::MutexLock lock(&batch_mu_);
  --leaders_;
  for (Unit* u : batch) u->done = true;
}

void RedisPool::RunBatch(const std::vector<Unit*>& units) {
  absl::Status s = WithConnection([&](Connection& conn) -> absl::Status {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (Unit* u : units) {
      for (const auto& argv : *u->commands) {
        ToArgv(argv, &args, &lens);
        if (redisAppendCommandArgv(conn.ctx, static_cast<int>(args.size()),
                                   args.data(), lens.data()) != REDIS_OK) {
          conn.broken = true;
          return IoError(options_, *conn.ctx, CommandName(argv));
        }
      }
    }
    // Every reply is read, even after an error reply, so that the
    // connection is left with nothing pending and can be reused.
    std::vector<Unit*> reload;
    for (size_t k = 0; k < units.size(); ++k) {
      Unit* u = units[k];
      const auto& commands = *u->commands;
      u->replies.resize(commands.size());
      for (size_t i = 0; i < commands.size(); ++i) {
        void* raw = nullptr;
        if (redisGetReply(conn.ctx, &raw) != REDIS_OK || raw == nullptr) {
          conn.broken = true;
          // This unit and those after it: their commands may or may not
          // have run.
          const absl::Status lost =
              IoError(options_, *conn.ctx,
                      commands.size() == 1
                          ? CommandName(commands[i])
                          : absl::StrCat("pipeline (", CommandName(commands[i]),
                                         ", command ", i + 1, " of ",
                                         commands.size(), ")"));
          for (size_t j = k; j < units.size(); ++j) units[j]->status = lost;
          return absl::OkStatus();
        }
        ReplyPtr reply(static_cast<redisReply*>(raw));
        if (!u->script.empty() && IsNoScript(*reply)) {
          reload.push_back(u);
          continue;
        }
        absl::Status c =
            CopyReply(CommandName(commands[i]), *reply, &u->replies[i]);
        DiscardIfUnavailable(c, conn);
        if (!c.ok() && u->status.ok()) u->status = c;
      }
    }
    // The script cache was flushed (SCRIPT FLUSH, restart, failover): load
    // the script again and run the EVALSHA once more.
    for (Unit* u : reload) {
      absl::StatusOr<std::string> sha = LoadScript(conn, u->script);
      if (!sha.ok()) {
        u->status = sha.status();
        continue;
      }
      std::vector<std::string> argv = u->commands->front();
      argv[1] = *sha;
      absl::StatusOr<ReplyPtr> reply = RoundTrip(options_, conn, argv);
      if (!reply.ok()) {
        u->status = reply.status();
        continue;
      }
      absl::Status c = CopyReply("EVALSHA", **reply, &u->replies[0]);
      DiscardIfUnavailable(c, conn);
      if (!c.ok()) u->status = c;
    }
    return absl::OkStatus();
  });
  if (!s.ok()) {
    for (Unit* u : units) {
      if (u->status.ok()) u->status = s;
    }
  }
}

absl::StatusOr<std::string> RedisPool::LoadScript(Connection& conn,
                                                  absl::string_view script) {
  absl::StatusOr<ReplyPtr> reply =
      RoundTrip(options_, conn, {"SCRIPT", "LOAD", std::string(script)});
  if (!reply.ok()) return reply.status();
  absl::StatusOr<RedisReply> r = ToRedisReply("SCRIPT LOAD", **reply);
  if (!r.ok()) return r.status();
  if (r->type != RedisReply::Type::kString || r->str.empty()) {
    return absl::InternalError("redis SCRIPT LOAD: unexpected reply");
  }
  absl::MutexLock lock(&scripts_mu_);
  script_sha_[std::string(script)] = r->str;
  return r->str;
}

absl::StatusOr<std::string> RedisPool::ScriptSha(absl::string_view script) {
  {
    absl::MutexLock lock(&scripts_mu_);
    auto it = script_sha_.find(script);
    if (it != script_sha_.end()) return it->second;
  }
  absl::StatusOr<std::string> sha;
  absl::Status s = WithConnection([&](Connection& conn) {
    sha = LoadScript(conn, script);
    return sha.status();
  });
  if (!s.ok()) return s;
  return sha;
}

absl::StatusOr<RedisReply> RedisPool::Command(
    const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("redis: empty command");
  const std::vector<std::vector<std::string>> commands = {argv};
  Unit unit;
  unit.commands = &commands;
  Execute(&unit);
  if (!unit.status.ok()) return Observe(unit.status);
  return std::move(unit.replies.front());
}

absl::StatusOr<std::vector<RedisReply>> RedisPool::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (commands.empty()) return std::vector<RedisReply>();
  for (const auto& argv : commands) {
    if (argv.empty()) return absl::InvalidArgumentError("redis: empty command");
  }
  Unit unit;
  unit.commands = &commands;
  Execute(&unit);
  if (!unit.status.ok()) return Observe(unit.status);
  return std::move(unit.replies);
}

absl::StatusOr<RedisReply> RedisPool::Eval(
    absl::string_view script, const std::vector<std::string>& keys,
    const std::vector<std::string>& args) {
  absl::StatusOr<std::string> sha = ScriptSha(script);
  if (!sha.ok()) return Observe(sha.status());
  std::vector<std::vector<std::string>> commands(1);
  std::vector<std::string>& argv = commands.front();
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(*std::move(sha));
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  Unit unit;
  unit.commands = &commands;
  unit.script = script;
  Execute(&unit);
  if (!unit.status.ok()) return Observe(unit.status);
  return std::move(unit.replies.front());
}

absl::Status RedisPool::Observe(absl::Status s) const {
  // Scripts report domain outcomes (ABORTED, NOT_FOUND, ...) as error
  // replies; only these codes mean Redis itself failed.
  if (!absl::IsUnavailable(s) && !absl::IsInternal(s) &&
      !absl::IsResourceExhausted(s)) {
    return s;
  }
  if (options_.on_error) options_.on_error(s);
  return ConcealDetail(s, StorageFailureSummary(s.code()));
}

absl::Status RedisPool::Ping() {
  absl::StatusOr<RedisReply> reply = Command({"PING"});
  if (!reply.ok()) return reply.status();
  if (reply->str != "PONG") {
    return ConcealDetail(
        absl::InternalError(absl::StrCat("redis PING: unexpected reply \"",
                                         reply->str.substr(0, 64), "\"")),
        StorageFailureSummary(absl::StatusCode::kInternal));
  }
  return absl::OkStatus();
}

}  // namespace duban
