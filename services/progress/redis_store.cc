#include "services/progress/redis_store.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace duban::progress {
namespace {

constexpr char kMaxEvents[] = "100000";

// KEYS: schedule. ARGV: expected version ('' for any), schedule bytes.
constexpr char kPutScheduleScript[] = R"lua(
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= v then return {'CHANGED'} end
redis.call('HSET', KEYS[1], 'pb', ARGV[2], 'v', v + 1)
return {'OK', v + 1}
)lua";

// KEYS: reports reportv rev req events brief itemv health rollup schedule.
// ARGV: report id, expected version, report bytes, append (1|0), scoped
// request id or '', fingerprint, event bytes, revision bytes, max events,
// brief bytes, item id, expected item version or '' (no health), health
// number, health event bytes without previous_health, cache entry, item
// version and schedule version the whole write requires or '' (answering
// STALE otherwise). The health part is kRecordHealthScript's, done only
// when the item counter was at the expected version; the answer's 4th
// element says whether it was.
constexpr char kWriteReportScript[] = R"lua(
local rid = ARGV[5]
if rid ~= '' then
  local seen = redis.call('HGET', KEYS[4], rid)
  if seen then
    local a = string.find(seen, '\31', 1, true)
    if string.sub(seen, 1, a - 1) ~= ARGV[6] then return {'REUSED'} end
    local b = string.find(seen, '\31', a + 1, true)
    return {'REPLAY', string.sub(seen, a + 1, b - 1), string.sub(seen, b + 1)}
  end
end
if ARGV[16] ~= '' then
  local held = tonumber(redis.call('HGET', KEYS[7], ARGV[11]) or '0')
  local sv = tonumber(redis.call('HGET', KEYS[10], 'v') or '0')
  if held ~= tonumber(ARGV[16]) or sv ~= tonumber(ARGV[17]) then
    return {'STALE'}
  end
end
local v = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if v ~= tonumber(ARGV[2]) then return {'CHANGED'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], v + 1)
redis.call('HSET', KEYS[6], ARGV[1], ARGV[10])
local iv = tonumber(redis.call('HGET', KEYS[7], ARGV[11]) or '0')
redis.call('HINCRBY', KEYS[7], ARGV[11], 1)
if ARGV[4] == '1' or redis.call('LLEN', KEYS[3]) == 0 then
  redis.call('RPUSH', KEYS[3], ARGV[8])
else
  redis.call('LSET', KEYS[3], -1, ARGV[8])
end
if rid ~= '' then
  redis.call('HSET', KEYS[4], rid, ARGV[6] .. '\31' .. (v + 1) .. '\31' .. ARGV[3])
end
local id = redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[9], '*', 'pb', ARGV[7])
if ARGV[12] == '' or iv ~= tonumber(ARGV[12]) then
  return {'OK', tostring(v + 1), id, 0}
end
redis.call('HSET', KEYS[9], ARGV[11], ARGV[15])
local old = redis.call('HGET', KEYS[8], ARGV[11])
if old ~= ARGV[13] then
  redis.call('HSET', KEYS[8], ARGV[11], ARGV[13])
  local pb = ARGV[14]
  if old then pb = pb .. string.char(96, tonumber(old)) end
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[9], '*', 'pb', pb)
end
return {'OK', tostring(v + 1), id, 1}
)lua";

// KEYS: health events rollup. ARGV: item id, health number, event bytes
// without previous_health, max events, cache entry or ''. The previous
// health is appended to the event bytes as field 12 (varint), which
// protobuf merges.
constexpr char kRecordHealthScript[] = R"lua(
if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[5]) end
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local pb = ARGV[3]
if old then pb = pb .. string.char(96, tonumber(old)) end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'pb', pb)
return 1
)lua";

// KEYS: once events. ARGV: key, event bytes, max events.
constexpr char kRecordOnceScript[] = R"lua(
if redis.call('HSETNX', KEYS[1], ARGV[1], 1) == 0 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'pb', ARGV[2])
return 1
)lua";

absl::string_view Unscoped(absl::string_view request_id) {
  const std::size_t colon = request_id.find(':');
  return colon == absl::string_view::npos ? request_id
                                          : request_id.substr(colon + 1);
}

template <typename T>
absl::StatusOr<T> Decode(absl::string_view what, const std::string& bytes) {
  T message;
  if (!message.ParseFromString(bytes)) {
    return absl::InternalError(absl::StrCat("stored ", what, " is corrupt"));
  }
  return message;
}

// Events from an XREAD/XRANGE entry list: [[id, [field, value, …]], …].
absl::StatusOr<std::vector<v1::Event>> EventsOf(const RedisReply& entries) {
  std::vector<v1::Event> events;
  for (const RedisReply& entry : entries.elements) {
    if (entry.elements.size() != 2) {
      return absl::InternalError("unexpected stream entry");
    }
    const RedisReply& fields = entry.elements[1];
    for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
      if (fields.elements[i].str != "pb") continue;
      DUBAN_ASSIGN_OR_RETURN(
          v1::Event event,
          Decode<v1::Event>("event", fields.elements[i + 1].str));
      event.set_cursor(entry.elements[0].str);
      events.push_back(std::move(event));
    }
  }
  return events;
}

// An item's briefs from the EXEC answer of [HGET itemv, HGETALL brief:<i>].
absl::StatusOr<ItemBriefs> BriefsOf(absl::string_view item_id,
                                    const RedisReply& exec) {
  if (exec.elements.size() != 2) {
    return absl::InternalError("unexpected answer listing item reports");
  }
  ItemBriefs item;
  item.item_id = std::string(item_id);
  if (!exec.elements[0].is_nil()) {
    absl::SimpleAtoi(exec.elements[0].str, &item.version);
  }
  // HGETALL answers in hash order; briefs go out ordered by report id,
  // decoded in place.
  const auto& fields = exec.elements[1].elements;
  std::vector<const RedisReply*> ids;
  ids.reserve(fields.size() / 2);
  for (std::size_t f = 0; f + 1 < fields.size(); f += 2) {
    ids.push_back(&fields[f]);
  }
  std::sort(
      ids.begin(), ids.end(),
      [](const RedisReply* a, const RedisReply* b) { return a->str < b->str; });
  item.briefs.resize(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const RedisReply& value = *(ids[i] + 1);
    if (!item.briefs[i].ParseFromString(value.str)) {
      return absl::InternalError("stored report is corrupt");
    }
  }
  return item;
}

}  // namespace

RedisProgressStore::RedisProgressStore(RedisPool* pool, RedisPool* watch_pool,
                                       std::string ns)
    : pool_(pool),
      watch_pool_(watch_pool != nullptr ? watch_pool : pool),
      ns_(std::move(ns)) {}

std::string RedisProgressStore::Key(absl::string_view plan_id,
                                    absl::string_view suffix) const {
  return absl::StrCat(ns_, ":{plan:", plan_id, "}:", suffix);
}

absl::StatusOr<StoredSchedule> RedisProgressStore::GetSchedule(
    absl::string_view plan_id) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"HMGET", Key(plan_id, "schedule"), "pb", "v"}));
  if (reply.elements.size() != 2 || reply.elements[0].is_nil()) {
    return ScheduleNotFound(plan_id);
  }
  StoredSchedule stored;
  DUBAN_ASSIGN_OR_RETURN(
      stored.schedule, Decode<v1::Schedule>("schedule", reply.elements[0].str));
  absl::SimpleAtoi(reply.elements[1].str, &stored.version);
  return stored;
}

absl::StatusOr<int64_t> RedisProgressStore::PutSchedule(
    absl::string_view plan_id, const v1::Schedule& schedule,
    std::optional<int64_t> expected_version) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(kPutScheduleScript, {Key(plan_id, "schedule")},
                  {expected_version ? absl::StrCat(*expected_version) : "",
                   schedule.SerializeAsString()}));
  if (reply.elements.empty() || reply.elements[0].str != "OK") {
    return ScheduleChanged(plan_id);
  }
  DUBAN_RETURN_IF_ERROR(pool_
                            ->Command({"SADD", absl::StrCat(ns_, ":schedules"),
                                       std::string(plan_id)})
                            .status());
  return reply.elements[1].integer;
}

absl::StatusOr<std::vector<std::string>>
RedisProgressStore::ListSchedulePlans() {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"SORT", absl::StrCat(ns_, ":schedules"), "ALPHA"}));
  std::vector<std::string> ids;
  for (const RedisReply& e : reply.elements) ids.push_back(e.str);
  return ids;
}

namespace {

// The answer recorded under a request id ("fingerprint \x1f version \x1f
// report"), or nullopt for a nil reply.
absl::StatusOr<std::optional<StoredReport>> RequestRecord(
    const RedisReply& reply, absl::string_view request_id,
    absl::string_view fingerprint) {
  if (reply.is_nil()) return std::nullopt;
  const std::size_t a = reply.str.find('\x1f');
  const std::size_t b =
      a == std::string::npos ? a : reply.str.find('\x1f', a + 1);
  if (b == std::string::npos) {
    return absl::InternalError("stored request record is corrupt");
  }
  if (reply.str.substr(0, a) != fingerprint) {
    return RequestIdReused(Unscoped(request_id));
  }
  StoredReport stored;
  absl::SimpleAtoi(reply.str.substr(a + 1, b - a - 1), &stored.version);
  DUBAN_ASSIGN_OR_RETURN(stored.report,
                         Decode<v1::Report>("report", reply.str.substr(b + 1)));
  return stored;
}

}  // namespace

absl::StatusOr<std::optional<StoredReport>> RedisProgressStore::FindRequest(
    absl::string_view plan_id, absl::string_view request_id,
    absl::string_view fingerprint) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"HGET", Key(plan_id, "req"), std::string(request_id)}));
  return RequestRecord(reply, request_id, fingerprint);
}

void RedisProgressStore::AppendItemBriefsRead(
    absl::string_view plan_id, absl::string_view item_id,
    std::vector<std::vector<std::string>>* commands) const {
  commands->push_back({"MULTI"});
  commands->push_back({"HGET", Key(plan_id, "itemv"), std::string(item_id)});
  commands->push_back(
      {"HGETALL", Key(plan_id, absl::StrCat("brief:", item_id))});
  commands->push_back({"EXEC"});
}

absl::StatusOr<ProgressStore::SubmitContext> RedisProgressStore::ReadForSubmit(
    absl::string_view plan_id, absl::string_view request_id,
    absl::string_view fingerprint, absl::string_view report_id,
    int64_t known_item_version) {
  const std::string item_id(ItemIdOf(report_id));
  std::vector<std::vector<std::string>> commands = {
      {"HGET", Key(plan_id, "req"), std::string(request_id)},
      {"HMGET", Key(plan_id, "schedule"), "pb", "v"},
      {"HGET", Key(plan_id, "reports"), std::string(report_id)},
      {"HGET", Key(plan_id, "reportv"), std::string(report_id)}};
  // With briefs in hand, only the item's counter says whether they stand.
  const bool check_only = known_item_version >= 0;
  if (check_only) {
    commands.push_back({"HGET", Key(plan_id, "itemv"), item_id});
  } else {
    AppendItemBriefsRead(plan_id, item_id, &commands);
  }
  DUBAN_ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                         pool_->Pipeline(commands));
  SubmitContext context;
  DUBAN_ASSIGN_OR_RETURN(context.replay,
                         RequestRecord(replies[0], request_id, fingerprint));
  if (context.replay) return context;
  const RedisReply& schedule = replies[1];
  if (schedule.elements.size() == 2 && !schedule.elements[0].is_nil()) {
    StoredSchedule& stored = context.schedule.emplace();
    DUBAN_ASSIGN_OR_RETURN(
        stored.schedule,
        Decode<v1::Schedule>("schedule", schedule.elements[0].str));
    absl::SimpleAtoi(schedule.elements[1].str, &stored.version);
  }
  if (!replies[2].is_nil()) {
    StoredReport& stored = context.report.emplace();
    DUBAN_ASSIGN_OR_RETURN(stored.report,
                           Decode<v1::Report>("report", replies[2].str));
    absl::SimpleAtoi(replies[3].str, &stored.version);
  }
  if (check_only) {
    int64_t version = 0;
    if (!replies[4].is_nil()) absl::SimpleAtoi(replies[4].str, &version);
    if (version == known_item_version) {
      context.item.item_id = item_id;
      context.item.version = version;
      context.briefs_unchanged = true;
      return context;
    }
    // Changed meanwhile (another replica): read them after all.
    DUBAN_ASSIGN_OR_RETURN(std::vector<ItemBriefs> items,
                           ListItemBriefs(plan_id, {item_id}));
    context.item = std::move(items.front());
    return context;
  }
  DUBAN_ASSIGN_OR_RETURN(context.item, BriefsOf(item_id, replies[7]));
  return context;
}

absl::StatusOr<WriteResult> RedisProgressStore::WriteReport(
    const ReportWrite& write) {
  const std::string& p = write.plan_id;
  const std::string item_id(ItemIdOf(write.report_id));
  std::string health_event;
  if (write.health) {
    v1::Event event = write.health->event;
    event.clear_previous_health();
    health_event = event.SerializeAsString();
  }
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(
          kWriteReportScript,
          {Key(p, "reports"), Key(p, "reportv"),
           Key(p, absl::StrCat("rev:", write.report_id)), Key(p, "req"),
           Key(p, "events"), Key(p, absl::StrCat("brief:", item_id)),
           Key(p, "itemv"), Key(p, "health"), Key(p, "rollup"),
           Key(p, "schedule")},
          {write.report_id, absl::StrCat(write.expected_version),
           write.report.SerializeAsString(), write.append_revision ? "1" : "0",
           write.request_id, write.fingerprint, write.event.SerializeAsString(),
           write.report.latest().SerializeAsString(), kMaxEvents,
           BriefOf(write.report).SerializeAsString(), item_id,
           write.health ? absl::StrCat(write.health->expected_item_version)
                        : "",
           write.health ? absl::StrCat(static_cast<int>(write.health->health))
                        : "",
           health_event, write.health ? write.health->cache_entry : "",
           write.unchanged_since
               ? absl::StrCat(write.unchanged_since->item_version)
               : "",
           write.unchanged_since
               ? absl::StrCat(write.unchanged_since->schedule_version)
               : ""}));
  const std::string outcome =
      reply.elements.empty() ? "" : reply.elements[0].str;
  if (outcome == "REUSED") return RequestIdReused(Unscoped(write.request_id));
  if (outcome == "STALE") {
    WriteResult stale;
    stale.outcome = WriteOutcome::kStale;
    return stale;
  }
  if (outcome == "CHANGED") return ReportChanged(p, write.report_id);
  if ((outcome != "OK" && outcome != "REPLAY") || reply.elements.size() < 3) {
    return absl::InternalError(
        absl::StrCat("unexpected answer from the report script: ", outcome));
  }
  WriteResult result;
  absl::SimpleAtoi(reply.elements[1].str, &result.stored.version);
  if (outcome == "REPLAY") {
    result.outcome = WriteOutcome::kReplayed;
    DUBAN_ASSIGN_OR_RETURN(result.stored.report,
                           Decode<v1::Report>("report", reply.elements[2].str));
    return result;
  }
  result.stored.report = write.report;
  result.cursor = reply.elements[2].str;
  result.health_recorded =
      reply.elements.size() > 3 && reply.elements[3].integer == 1;
  return result;
}

absl::StatusOr<StoredReport> RedisProgressStore::GetReport(
    absl::string_view plan_id, absl::string_view report_id) {
  DUBAN_ASSIGN_OR_RETURN(
      std::vector<RedisReply> replies,
      pool_->Pipeline(
          {{"HGET", Key(plan_id, "reports"), std::string(report_id)},
           {"HGET", Key(plan_id, "reportv"), std::string(report_id)}}));
  if (replies[0].is_nil()) return ReportNotFound(plan_id, report_id);
  StoredReport stored;
  DUBAN_ASSIGN_OR_RETURN(stored.report,
                         Decode<v1::Report>("report", replies[0].str));
  absl::SimpleAtoi(replies[1].str, &stored.version);
  return stored;
}

absl::StatusOr<std::vector<StoredReport>> RedisProgressStore::ListReports(
    absl::string_view plan_id) {
  // One MULTI so the reports and their versions are one snapshot.
  DUBAN_ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                         pool_->Pipeline({{"MULTI"},
                                          {"HGETALL", Key(plan_id, "reports")},
                                          {"HGETALL", Key(plan_id, "reportv")},
                                          {"EXEC"}}));
  const RedisReply& exec = replies.back();
  if (exec.elements.size() != 2) {
    return absl::InternalError("unexpected answer listing reports");
  }
  std::map<std::string, StoredReport> by_id;
  const auto& reports = exec.elements[0].elements;
  for (std::size_t i = 0; i + 1 < reports.size(); i += 2) {
    DUBAN_ASSIGN_OR_RETURN(by_id[reports[i].str].report,
                           Decode<v1::Report>("report", reports[i + 1].str));
  }
  const auto& versions = exec.elements[1].elements;
  for (std::size_t i = 0; i + 1 < versions.size(); i += 2) {
    auto it = by_id.find(versions[i].str);
    if (it != by_id.end()) {
      absl::SimpleAtoi(versions[i + 1].str, &it->second.version);
    }
  }
  std::vector<StoredReport> out;
  out.reserve(by_id.size());
  for (auto& [id, stored] : by_id) out.push_back(std::move(stored));
  return out;
}

absl::StatusOr<std::vector<v1::Revision>> RedisProgressStore::ListRevisions(
    absl::string_view plan_id, absl::string_view report_id) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"LRANGE", Key(plan_id, absl::StrCat("rev:", report_id)),
                      "0", "-1"}));
  std::vector<v1::Revision> revisions;
  for (const RedisReply& e : reply.elements) {
    DUBAN_ASSIGN_OR_RETURN(v1::Revision rev,
                           Decode<v1::Revision>("revision", e.str));
    revisions.push_back(std::move(rev));
  }
  return revisions;
}

absl::StatusOr<std::vector<ItemBriefs>> RedisProgressStore::ListItemBriefs(
    absl::string_view plan_id, const std::vector<std::string>& item_ids) {
  std::vector<ItemBriefs> out;
  if (item_ids.empty()) return out;
  // One MULTI per item, all pipelined: each item's counter and briefs are
  // one snapshot.
  std::vector<std::vector<std::string>> commands;
  commands.reserve(item_ids.size() * 4);
  for (const std::string& item_id : item_ids) {
    AppendItemBriefsRead(plan_id, item_id, &commands);
  }
  DUBAN_ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                         pool_->Pipeline(commands));
  for (std::size_t i = 0; i < item_ids.size(); ++i) {
    DUBAN_ASSIGN_OR_RETURN(ItemBriefs item,
                           BriefsOf(item_ids[i], replies[i * 4 + 3]));
    out.push_back(std::move(item));
  }
  return out;
}

absl::StatusOr<RollupCache> RedisProgressStore::ReadRollupCache(
    absl::string_view plan_id) {
  // Pipelined in this order: counters first (see the interface).
  DUBAN_ASSIGN_OR_RETURN(
      std::vector<RedisReply> replies,
      pool_->Pipeline({{"HGETALL", Key(plan_id, "itemv")},
                       {"HGETALL", Key(plan_id, "rollup")}}));
  RollupCache cache;
  const auto& versions = replies[0].elements;
  for (std::size_t i = 0; i + 1 < versions.size(); i += 2) {
    absl::SimpleAtoi(versions[i + 1].str, &cache.versions[versions[i].str]);
  }
  const auto& entries = replies[1].elements;
  for (std::size_t i = 0; i + 1 < entries.size(); i += 2) {
    cache.entries[entries[i].str] = entries[i + 1].str;
  }
  return cache;
}

absl::Status RedisProgressStore::WriteRollupCache(
    absl::string_view plan_id,
    const std::vector<std::pair<std::string, std::string>>& entries) {
  if (entries.empty()) return absl::OkStatus();
  std::vector<std::string> argv = {"HSET", Key(plan_id, "rollup")};
  for (const auto& [item, entry] : entries) {
    argv.push_back(item);
    argv.push_back(entry);
  }
  return pool_->Command(argv).status();
}

absl::StatusOr<int> RedisProgressStore::BackfillBriefs(
    absl::string_view plan_id) {
  DUBAN_ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                         pool_->Pipeline({{"EXISTS", Key(plan_id, "itemv")},
                                          {"HLEN", Key(plan_id, "reports")}}));
  if (replies[0].integer != 0 || replies[1].integer == 0) return 0;
  DUBAN_ASSIGN_OR_RETURN(RedisReply reports,
                         pool_->Command({"HGETALL", Key(plan_id, "reports")}));
  // HSETNX: a brief written meanwhile by a submission is newer; keep it.
  std::vector<std::vector<std::string>> commands;
  const auto& fields = reports.elements;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    DUBAN_ASSIGN_OR_RETURN(v1::Report report,
                           Decode<v1::Report>("report", fields[i + 1].str));
    const std::string item_id(ItemIdOf(fields[i].str));
    commands.push_back({"HSETNX", Key(plan_id, absl::StrCat("brief:", item_id)),
                        fields[i].str, BriefOf(report).SerializeAsString()});
    commands.push_back({"HINCRBY", Key(plan_id, "itemv"), item_id, "1"});
  }
  if (commands.empty()) return 0;
  DUBAN_RETURN_IF_ERROR(pool_->Pipeline(commands).status());
  return static_cast<int>(commands.size() / 2);
}

absl::StatusOr<bool> RedisProgressStore::RecordItemHealth(
    absl::string_view plan_id, absl::string_view item_id, v1::Health health,
    v1::Event event, absl::string_view cache_entry) {
  event.clear_previous_health();
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(
          kRecordHealthScript,
          {Key(plan_id, "health"), Key(plan_id, "events"),
           Key(plan_id, "rollup")},
          {std::string(item_id), absl::StrCat(static_cast<int>(health)),
           event.SerializeAsString(), kMaxEvents, std::string(cache_entry)}));
  return reply.integer == 1;
}

absl::StatusOr<bool> RedisProgressStore::RecordOnce(absl::string_view plan_id,
                                                    absl::string_view key,
                                                    const v1::Event& event) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(kRecordOnceScript,
                  {Key(plan_id, "once"), Key(plan_id, "events")},
                  {std::string(key), event.SerializeAsString(), kMaxEvents}));
  return reply.integer == 1;
}

absl::StatusOr<std::vector<std::vector<v1::Event>>>
RedisProgressStore::ReadFeeds(const std::vector<Feed>& feeds, int limit,
                              absl::Duration wait) {
  std::vector<std::vector<v1::Event>> out(feeds.size());
  if (feeds.empty()) {
    if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
    return out;
  }
  std::vector<std::string> argv = {"XREAD", "COUNT", absl::StrCat(limit)};
  RedisPool* pool = pool_;
  if (wait > absl::ZeroDuration()) {
    argv.push_back("BLOCK");
    argv.push_back(absl::StrCat(absl::ToInt64Milliseconds(wait)));
    pool = watch_pool_;
  }
  argv.push_back("STREAMS");
  // One XREAD over every stream (the plans' streams live in different hash
  // slots, which a single Redis primary serves; see DESIGN.md).
  absl::flat_hash_map<std::string, std::size_t> index;
  for (std::size_t f = 0; f < feeds.size(); ++f) {
    std::string key = Key(feeds[f].plan_id, "events");
    index[key] = f;
    argv.push_back(std::move(key));
  }
  for (const Feed& feed : feeds) {
    if (feed.cursor.empty()) {
      argv.push_back("0-0");
    } else {
      DUBAN_RETURN_IF_ERROR(ParseCursor("cursor", feed.cursor).status());
      argv.push_back(feed.cursor);
    }
  }
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply, pool->Command(argv));
  // nil on timeout; else [[stream, entries], …] for streams with entries.
  if (reply.is_nil()) return out;
  for (const RedisReply& stream : reply.elements) {
    if (stream.elements.size() != 2) {
      return absl::InternalError("unexpected XREAD answer");
    }
    auto it = index.find(stream.elements[0].str);
    if (it == index.end()) {
      return absl::InternalError("XREAD answered a stream not asked for");
    }
    DUBAN_ASSIGN_OR_RETURN(out[it->second], EventsOf(stream.elements[1]));
  }
  return out;
}

absl::StatusOr<std::string> RedisProgressStore::LastCursor(
    absl::string_view plan_id) {
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply,
                         pool_->Command({"XREVRANGE", Key(plan_id, "events"),
                                         "+", "-", "COUNT", "1"}));
  if (reply.elements.empty() || reply.elements[0].elements.empty()) {
    return std::string("0-0");
  }
  return reply.elements[0].elements[0].str;
}

absl::Status RedisProgressStore::Ping() { return pool_->Ping(); }

}  // namespace duban::progress
