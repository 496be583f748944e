#include "services/plan/redis_store.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace duban::plan {
namespace {

using duban::plan::v1::Item;
using duban::plan::v1::Plan;

// Every script answers {outcome, number}; the outcome names are mapped to
// the shared store errors below so both stores word them alike.

// KEYS: plan items itemv req. ARGV: request id, fingerprint, plan bytes,
// then item id / item bytes pairs.
constexpr char kCreateScript[] = R"lua(
local rid, fp = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 1 then
  if rid ~= '' then
    local seen = redis.call('HGET', KEYS[4], 'create:' .. rid)
    if seen then
      if seen == fp then return {'REPLAY', 0} end
      return {'REUSED', 0}
    end
  end
  return {'EXISTS', 0}
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[1], 'pb', ARGV[3], 'v', 1)
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[3], ARGV[i], 1)
end
if rid ~= '' then redis.call('HSET', KEYS[4], 'create:' .. rid, fp) end
return {'OK', 1}
)lua";

// KEYS: plan items itemv. Answers {} when the plan does not exist, else
// {plan bytes, version, {item id, item bytes, …}, {item id, version, …}}.
constexpr char kReadScript[] = R"lua(
local plan = redis.call('HMGET', KEYS[1], 'pb', 'v')
if not plan[1] then return {} end
return {plan[1], plan[2], redis.call('HGETALL', KEYS[2]),
        redis.call('HGETALL', KEYS[3])}
)lua";

// KEYS: plan req. ARGV: request id, fingerprint, expected version, bytes.
constexpr char kUpdatePlanScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOT_FOUND', 0} end
local rid, fp = ARGV[1], ARGV[2]
local v = tonumber(redis.call('HGET', KEYS[1], 'v'))
if rid ~= '' then
  local seen = redis.call('HGET', KEYS[2], 'update:' .. rid)
  if seen then
    if seen == fp then return {'REPLAY', v} end
    return {'REUSED', 0}
  end
end
if v ~= tonumber(ARGV[3]) then return {'CHANGED', v} end
redis.call('HSET', KEYS[1], 'pb', ARGV[4])
v = redis.call('HINCRBY', KEYS[1], 'v', 1)
if rid ~= '' then redis.call('HSET', KEYS[2], 'update:' .. rid, fp) end
return {'OK', v}
)lua";

// KEYS: plan items itemv req. ARGV: expected version.
constexpr char kDeleteScript[] = R"lua(
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return {'NOT_FOUND', 0} end
if tonumber(v) ~= tonumber(ARGV[1]) then return {'CHANGED', tonumber(v)} end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return {'OK', 0}
)lua";

// KEYS: plan items itemv req. ARGV: request id, fingerprint, expected plan
// version, item id, expected item version, item bytes.
constexpr char kUpdateItemScript[] = R"lua(
local pv = redis.call('HGET', KEYS[1], 'v')
if not pv then return {'NOT_FOUND', 0} end
local iid = ARGV[4]
local iv = redis.call('HGET', KEYS[3], iid)
if not iv then return {'ITEM_NOT_FOUND', 0} end
iv = tonumber(iv)
local rid, fp = ARGV[1], ARGV[2]
local scope = 'item:' .. iid .. ':' .. rid
if rid ~= '' then
  local seen = redis.call('HGET', KEYS[4], scope)
  if seen then
    if seen == fp then return {'REPLAY', iv} end
    return {'REUSED', 0}
  end
end
if tonumber(pv) ~= tonumber(ARGV[3]) then return {'CHANGED', 0} end
if iv ~= tonumber(ARGV[5]) then return {'ITEM_CHANGED', iv} end
redis.call('HSET', KEYS[2], iid, ARGV[6])
iv = redis.call('HINCRBY', KEYS[3], iid, 1)
if rid ~= '' then redis.call('HSET', KEYS[4], scope, fp) end
return {'OK', iv}
)lua";

// KEYS: plan items itemv. ARGV: item id. Answers {} when the plan does not
// exist, {false} when the item does not, else {item bytes, item version}.
constexpr char kReadItemScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local pb = redis.call('HGET', KEYS[2], ARGV[1])
if not pb then return {0} end
return {pb, redis.call('HGET', KEYS[3], ARGV[1])}
)lua";

struct ScriptAnswer {
  std::string outcome;
  int64_t number = 0;
};

absl::StatusOr<ScriptAnswer> ReadAnswer(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 2 ||
      reply.elements[0].type != RedisReply::Type::kString ||
      reply.elements[1].type != RedisReply::Type::kInteger) {
    return absl::InternalError("plan store: unexpected script reply");
  }
  return ScriptAnswer{reply.elements[0].str, reply.elements[1].integer};
}

// Maps a script outcome other than OK/REPLAY to the shared store error.
absl::Status OutcomeError(const ScriptAnswer& answer, absl::string_view plan_id,
                          absl::string_view item_id,
                          absl::string_view request_id) {
  if (answer.outcome == "NOT_FOUND") return PlanNotFound(plan_id);
  if (answer.outcome == "ITEM_NOT_FOUND") return ItemNotFound(plan_id, item_id);
  if (answer.outcome == "EXISTS") return PlanExists(plan_id);
  if (answer.outcome == "CHANGED") return PlanChanged(plan_id);
  if (answer.outcome == "ITEM_CHANGED") return ItemChanged(plan_id, item_id);
  if (answer.outcome == "REUSED") return RequestIdReused(request_id);
  return absl::InternalError(
      absl::StrCat("plan store: unknown script outcome ", answer.outcome));
}

absl::StatusOr<WriteOutcome> Outcome(const ScriptAnswer& answer,
                                     absl::string_view plan_id,
                                     absl::string_view item_id,
                                     absl::string_view request_id) {
  if (answer.outcome == "OK") return WriteOutcome::kApplied;
  if (answer.outcome == "REPLAY") return WriteOutcome::kReplayed;
  return OutcomeError(answer, plan_id, item_id, request_id);
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("plan store: stored ", what, " cannot be parsed"));
}

absl::StatusOr<int64_t> ParseVersion(const RedisReply& reply) {
  int64_t v = 0;
  if (reply.type == RedisReply::Type::kInteger) return reply.integer;
  if (reply.type != RedisReply::Type::kString ||
      !absl::SimpleAtoi(reply.str, &v)) {
    return Corrupt("version");
  }
  return v;
}

std::string PlanIdOf(const Plan& plan) {
  return plan.name().substr(plan.name().find('/') + 1);
}

}  // namespace

RedisPlanStore::RedisPlanStore(RedisPool* pool, std::string ns)
    : pool_(pool), ns_(std::move(ns)) {}

std::string RedisPlanStore::Key(absl::string_view plan_id,
                                absl::string_view suffix) const {
  return absl::StrCat(ns_, ":{", plan_id, "}:", suffix);
}

absl::StatusOr<WriteOutcome> RedisPlanStore::CreatePlan(
    const Plan& plan, const std::vector<Item>& items,
    const RequestKey& request) {
  const std::string id = PlanIdOf(plan);
  // Index first: a reader may meet an id whose plan is not there yet, but
  // never a plan missing from the index.
  DUBAN_RETURN_IF_ERROR(
      pool_->Command({"ZADD", absl::StrCat(ns_, ":index"), "0", id}).status());
  std::vector<std::string> args = {request.id, request.fingerprint,
                                   plan.SerializeAsString()};
  args.reserve(3 + 2 * items.size());
  for (const Item& item : items) {
    args.push_back(ItemIdOf(item));
    args.push_back(item.SerializeAsString());
  }
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply,
                         pool_->Eval(kCreateScript,
                                     {Key(id, "plan"), Key(id, "items"),
                                      Key(id, "itemv"), Key(id, "req")},
                                     args));
  DUBAN_ASSIGN_OR_RETURN(ScriptAnswer answer, ReadAnswer(reply));
  return Outcome(answer, id, "", request.id);
}

absl::StatusOr<StoredPlan> RedisPlanStore::GetPlan(absl::string_view plan_id) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"HMGET", Key(plan_id, "plan"), "pb", "v"}));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 2) {
    return absl::InternalError("plan store: unexpected HMGET reply");
  }
  if (reply.elements[0].is_nil()) return PlanNotFound(plan_id);
  StoredPlan stored;
  if (!stored.plan.ParseFromString(reply.elements[0].str)) {
    return Corrupt("plan");
  }
  DUBAN_ASSIGN_OR_RETURN(stored.version, ParseVersion(reply.elements[1]));
  return stored;
}

absl::StatusOr<std::pair<StoredPlan, std::vector<StoredItem>>>
RedisPlanStore::GetPlanWithItems(absl::string_view plan_id) {
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply, pool_->Eval(kReadScript,
                                                       {Key(plan_id, "plan"),
                                                        Key(plan_id, "items"),
                                                        Key(plan_id, "itemv")},
                                                       {}));
  if (reply.type != RedisReply::Type::kArray) {
    return absl::InternalError("plan store: unexpected read reply");
  }
  if (reply.elements.empty()) return PlanNotFound(plan_id);
  if (reply.elements.size() != 4) {
    return absl::InternalError("plan store: unexpected read reply");
  }
  StoredPlan plan;
  if (!plan.plan.ParseFromString(reply.elements[0].str)) return Corrupt("plan");
  DUBAN_ASSIGN_OR_RETURN(plan.version, ParseVersion(reply.elements[1]));
  const auto& item_fields = reply.elements[2].elements;
  const auto& version_fields = reply.elements[3].elements;
  absl::flat_hash_map<std::string, int64_t> versions;
  for (std::size_t i = 0; i + 1 < version_fields.size(); i += 2) {
    DUBAN_ASSIGN_OR_RETURN(versions[version_fields[i].str],
                           ParseVersion(version_fields[i + 1]));
  }
  std::vector<StoredItem> items;
  items.reserve(item_fields.size() / 2);
  for (std::size_t i = 0; i + 1 < item_fields.size(); i += 2) {
    StoredItem item;
    if (!item.item.ParseFromString(item_fields[i + 1].str)) {
      return Corrupt("item");
    }
    item.version = versions[item_fields[i].str];
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end(),
            [](const StoredItem& a, const StoredItem& b) {
              return a.item.ordinal() < b.item.ordinal();
            });
  return std::make_pair(std::move(plan), std::move(items));
}

absl::StatusOr<std::vector<std::string>> RedisPlanStore::ListPlanIds(
    absl::string_view after_id, int limit) {
  const std::string min = after_id.empty() ? "-" : absl::StrCat("(", after_id);
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"ZRANGEBYLEX", absl::StrCat(ns_, ":index"), min, "+",
                      "LIMIT", "0", absl::StrCat(limit)}));
  std::vector<std::string> ids;
  for (const RedisReply& e : reply.elements) ids.push_back(e.str);
  return ids;
}

absl::StatusOr<std::pair<WriteOutcome, int64_t>> RedisPlanStore::UpdatePlan(
    const Plan& plan, int64_t expected_version, const RequestKey& request) {
  const std::string id = PlanIdOf(plan);
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(kUpdatePlanScript, {Key(id, "plan"), Key(id, "req")},
                  {request.id, request.fingerprint,
                   absl::StrCat(expected_version), plan.SerializeAsString()}));
  DUBAN_ASSIGN_OR_RETURN(ScriptAnswer answer, ReadAnswer(reply));
  DUBAN_ASSIGN_OR_RETURN(WriteOutcome outcome,
                         Outcome(answer, id, "", request.id));
  return std::make_pair(outcome, answer.number);
}

absl::Status RedisPlanStore::DeletePlan(absl::string_view plan_id,
                                        int64_t expected_version) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(kDeleteScript,
                  {Key(plan_id, "plan"), Key(plan_id, "items"),
                   Key(plan_id, "itemv"), Key(plan_id, "req")},
                  {absl::StrCat(expected_version)}));
  DUBAN_ASSIGN_OR_RETURN(ScriptAnswer answer, ReadAnswer(reply));
  if (answer.outcome != "OK") return OutcomeError(answer, plan_id, "", "");
  // Index last: see the layout comment in the header.
  return pool_
      ->Command({"ZREM", absl::StrCat(ns_, ":index"), std::string(plan_id)})
      .status();
}

absl::StatusOr<std::pair<WriteOutcome, int64_t>> RedisPlanStore::UpdateItem(
    absl::string_view plan_id, int64_t expected_plan_version, const Item& item,
    int64_t expected_item_version, const RequestKey& request) {
  const std::string item_id = ItemIdOf(item);
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(
          kUpdateItemScript,
          {Key(plan_id, "plan"), Key(plan_id, "items"), Key(plan_id, "itemv"),
           Key(plan_id, "req")},
          {request.id, request.fingerprint, absl::StrCat(expected_plan_version),
           item_id, absl::StrCat(expected_item_version),
           item.SerializeAsString()}));
  DUBAN_ASSIGN_OR_RETURN(ScriptAnswer answer, ReadAnswer(reply));
  DUBAN_ASSIGN_OR_RETURN(WriteOutcome outcome,
                         Outcome(answer, plan_id, item_id, request.id));
  return std::make_pair(outcome, answer.number);
}

absl::StatusOr<StoredItem> RedisPlanStore::GetItem(absl::string_view plan_id,
                                                   absl::string_view item_id) {
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply, pool_->Eval(kReadItemScript,
                                                       {Key(plan_id, "plan"),
                                                        Key(plan_id, "items"),
                                                        Key(plan_id, "itemv")},
                                                       {std::string(item_id)}));
  if (reply.type != RedisReply::Type::kArray) {
    return absl::InternalError("plan store: unexpected item reply");
  }
  if (reply.elements.empty()) return PlanNotFound(plan_id);
  if (reply.elements.size() != 2) return ItemNotFound(plan_id, item_id);
  StoredItem item;
  if (!item.item.ParseFromString(reply.elements[0].str)) return Corrupt("item");
  DUBAN_ASSIGN_OR_RETURN(item.version, ParseVersion(reply.elements[1]));
  return item;
}

absl::Status RedisPlanStore::Ping() { return pool_->Ping(); }

}  // namespace duban::plan
