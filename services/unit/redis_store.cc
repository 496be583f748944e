#include "services/unit/redis_store.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace duban::unit {
namespace {

using v1::Assignment;
using v1::Organization;
using v1::Unit;

// Every script answers {outcome, details…}; the outcome names are mapped to
// the shared store errors (store.h) so both stores word them alike.

// KEYS: org req. ARGV: request id, fingerprint, organization bytes.
constexpr char kCreateOrganizationScript[] = R"lua(
local rid, fp = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 1 then
  if rid ~= '' then
    local seen = redis.call('HGET', KEYS[2], 'create:' .. rid)
    if seen then
      if seen == fp then return {'REPLAY'} end
      return {'REUSED'}
    end
  end
  return {'EXISTS'}
end
redis.call('HSET', KEYS[1], 'pb', ARGV[3], 'v', 1)
if rid ~= '' then redis.call('HSET', KEYS[2], 'create:' .. rid, fp) end
return {'OK'}
)lua";

// KEYS: org. ARGV: expected version, organization bytes.
constexpr char kUpdateOrganizationScript[] = R"lua(
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return {'NOT_FOUND'} end
if tonumber(v) ~= tonumber(ARGV[1]) then return {'CHANGED'} end
redis.call('HSET', KEYS[1], 'pb', ARGV[2])
return {'OK', redis.call('HINCRBY', KEYS[1], 'v', 1)}
)lua";

// KEYS: org req units unitv names unitnames meta asg plans. ARGV: expected
// version.
constexpr char kDeleteOrganizationScript[] = R"lua(
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return {'NOT_FOUND'} end
if tonumber(v) ~= tonumber(ARGV[1]) then return {'CHANGED'} end
local units = redis.call('HLEN', KEYS[3])
local plans = redis.call('SCARD', KEYS[9])
if units > 0 or plans > 0 then return {'NOT_EMPTY', units, plans} end
redis.call('DEL', unpack(KEYS))
return {'OK'}
)lua";

// KEYS: org units unitv names unitnames req. ARGV: request id, fingerprint,
// unit id, unit bytes, number of name keys, the keys, then member ids.
constexpr char kCreateUnitScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {'ORG_NOT_FOUND'} end
local rid, fp, id = ARGV[1], ARGV[2], ARGV[3]
if rid ~= '' then
  local seen = redis.call('HGET', KEYS[6], 'unit:' .. rid)
  if seen then
    if seen == fp then return {'REPLAY'} end
    return {'REUSED'}
  end
end
if redis.call('HEXISTS', KEYS[2], id) == 1 then return {'EXISTS'} end
local n = tonumber(ARGV[5])
for i = 6, 5 + n do
  local holder = redis.call('HGET', KEYS[4], ARGV[i])
  if holder and holder ~= id then return {'NAME_TAKEN', ARGV[i], holder} end
end
for i = 6 + n, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then
    return {'MEMBER_NOT_FOUND', ARGV[i]}
  end
end
redis.call('HSET', KEYS[2], id, ARGV[4])
redis.call('HSET', KEYS[3], id, 1)
local joined = {}
for i = 6, 5 + n do
  redis.call('HSET', KEYS[4], ARGV[i], id)
  joined[#joined + 1] = ARGV[i]
end
redis.call('HSET', KEYS[5], id, table.concat(joined, '\31'))
if rid ~= '' then redis.call('HSET', KEYS[6], 'unit:' .. rid, fp) end
return {'OK'}
)lua";

// KEYS: org units unitv names unitnames. ARGV: unit id, expected version,
// unit bytes, number of name keys, the keys, then member ids.
constexpr char kUpdateUnitScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {'ORG_NOT_FOUND'} end
local id = ARGV[1]
local v = redis.call('HGET', KEYS[3], id)
if not v then return {'NOT_FOUND'} end
if tonumber(v) ~= tonumber(ARGV[2]) then return {'CHANGED'} end
local n = tonumber(ARGV[4])
for i = 5, 4 + n do
  local holder = redis.call('HGET', KEYS[4], ARGV[i])
  if holder and holder ~= id then return {'NAME_TAKEN', ARGV[i], holder} end
end
for i = 5 + n, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then
    return {'MEMBER_NOT_FOUND', ARGV[i]}
  end
end
local old = redis.call('HGET', KEYS[5], id)
if old then
  for key in string.gmatch(old, '[^\31]+') do
    if redis.call('HGET', KEYS[4], key) == id then
      redis.call('HDEL', KEYS[4], key)
    end
  end
end
local joined = {}
for i = 5, 4 + n do
  redis.call('HSET', KEYS[4], ARGV[i], id)
  joined[#joined + 1] = ARGV[i]
end
redis.call('HSET', KEYS[5], id, table.concat(joined, '\31'))
redis.call('HSET', KEYS[2], id, ARGV[3])
return {'OK', redis.call('HINCRBY', KEYS[3], id, 1)}
)lua";

// KEYS: units unitv. ARGV: unit id. Answers {bytes, version}, nil for both
// when missing.
constexpr char kGetUnitScript[] = R"lua(
return {redis.call('HGET', KEYS[1], ARGV[1]),
        redis.call('HGET', KEYS[2], ARGV[1])}
)lua";

// KEYS: org units unitv. Answers {} when the organization does not exist,
// else {{id, bytes, …}, {id, version, …}}.
constexpr char kListUnitsScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
return {redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3])}
)lua";

// KEYS: plan-org. ARGV: plan id, org id, org id it may replace.
constexpr char kBindPlanScript[] = R"lua(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and cur ~= ARGV[2] and (ARGV[3] == '' or cur ~= ARGV[3]) then
  return {'BOUND', cur}
end
if cur ~= ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return {'OK'}
)lua";

// KEYS: one index, asg. ARGV: after sequence, limit. Answers {seq, bytes, …}.
constexpr char kScanScript[] = R"lua(
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf',
                       'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #ids, 2 do
  local pb = redis.call('HGET', KEYS[2], ids[i])
  if pb then
    out[#out + 1] = ids[i + 1]
    out[#out + 1] = pb
  end
end
return out
)lua";

// KEYS: org meta asg units unitv req plans plan:<p>, then three index keys
// (byplan, byunit, byitem) per put, then three per remove.
// ARGV: expected assignment version ('' = unchecked), request field
// ('' = none), request fingerprint, plan op ('', create, commit, delete),
// plan id, plan request id, plan fingerprint; then a count and
// (unit id, version) pairs to check; a count and (unit id, bytes) pairs to
// store; a count and (assignment id, bytes) pairs to store; a count and
// assignment ids to remove.
constexpr char kWriteAssignmentsScript[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {'ORG_NOT_FOUND'} end
local reqf, fp = ARGV[2], ARGV[3]
if reqf ~= '' then
  local seen = redis.call('HGET', KEYS[6], reqf)
  if seen then
    if seen == fp then return {'REPLAY'} end
    return {'REUSED'}
  end
end
local op = ARGV[4]
if op == 'create' then
  local cur = redis.call('HGET', KEYS[8], 'rid')
  if cur then
    if cur == ARGV[6] then
      if redis.call('HGET', KEYS[8], 'fp') == ARGV[7] then
        return {'PLAN_REPLAY'}
      end
      return {'PLAN_REUSED'}
    end
    return {'PLAN_EXISTS'}
  end
elseif op ~= '' then
  if redis.call('EXISTS', KEYS[8]) == 0 then return {'CHANGED'} end
end
local meta = redis.call('HMGET', KEYS[2], 'asgv', 'seq')
local asgv = tonumber(meta[1]) or 0
local seq = tonumber(meta[2]) or 0
if ARGV[1] ~= '' and asgv ~= tonumber(ARGV[1]) then return {'CHANGED'} end
local a = 8
local n = tonumber(ARGV[a])
a = a + 1
for i = 1, n do
  local v = tonumber(redis.call('HGET', KEYS[5], ARGV[a]) or '0')
  if v ~= tonumber(ARGV[a + 1]) then return {'CHANGED'} end
  a = a + 2
end
n = tonumber(ARGV[a])
a = a + 1
for i = 1, n do
  redis.call('HSET', KEYS[4], ARGV[a], ARGV[a + 1])
  redis.call('HINCRBY', KEYS[5], ARGV[a], 1)
  a = a + 2
end
local k = 9
n = tonumber(ARGV[a])
a = a + 1
for i = 1, n do
  local id = ARGV[a]
  if redis.call('HEXISTS', KEYS[3], id) == 0 then
    seq = seq + 1
    redis.call('ZADD', KEYS[k], seq, id)
    redis.call('ZADD', KEYS[k + 1], seq, id)
    redis.call('ZADD', KEYS[k + 2], seq, id)
  end
  redis.call('HSET', KEYS[3], id, ARGV[a + 1])
  k = k + 3
  a = a + 2
end
n = tonumber(ARGV[a])
a = a + 1
for i = 1, n do
  local id = ARGV[a]
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[k], id)
  redis.call('ZREM', KEYS[k + 1], id)
  redis.call('ZREM', KEYS[k + 2], id)
  k = k + 3
  a = a + 1
end
if op == 'create' then
  redis.call('HSET', KEYS[8], 'state', 'PENDING', 'rid', ARGV[6], 'fp',
             ARGV[7])
  redis.call('SADD', KEYS[7], ARGV[5])
elseif op == 'commit' then
  redis.call('HSET', KEYS[8], 'state', 'COMMITTED')
elseif op == 'delete' then
  redis.call('DEL', KEYS[8])
  redis.call('SREM', KEYS[7], ARGV[5])
end
if reqf ~= '' then redis.call('HSET', KEYS[6], reqf, fp) end
redis.call('HSET', KEYS[2], 'asgv', asgv + 1, 'seq', seq)
return {'OK', asgv + 1}
)lua";

// A script's answer as strings: the outcome, then its details.
absl::StatusOr<std::vector<std::string>> ReadAnswer(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::kArray || reply.elements.empty()) {
    return absl::InternalError("unit store: unexpected script reply");
  }
  std::vector<std::string> out;
  for (const RedisReply& e : reply.elements) {
    if (e.type == RedisReply::Type::kString) {
      out.push_back(e.str);
    } else if (e.type == RedisReply::Type::kInteger) {
      out.push_back(absl::StrCat(e.integer));
    } else {
      return absl::InternalError("unit store: unexpected script reply");
    }
  }
  return out;
}

absl::Status UnknownOutcome(absl::string_view outcome) {
  return absl::InternalError(
      absl::StrCat("unit store: unknown script outcome ", outcome));
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("unit store: stored ", what, " cannot be parsed"));
}

absl::StatusOr<int64_t> ParseNumber(absl::string_view what,
                                    const RedisReply& reply) {
  int64_t v = 0;
  if (reply.type == RedisReply::Type::kInteger) return reply.integer;
  if (reply.type != RedisReply::Type::kString ||
      !absl::SimpleAtoi(reply.str, &v)) {
    return Corrupt(what);
  }
  return v;
}

absl::StatusOr<int64_t> ParseNumber(absl::string_view what,
                                    const std::string& text) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v)) return Corrupt(what);
  return v;
}

// Shared by CreateUnit and UpdateUnit.
absl::Status UnitWriteError(const std::vector<std::string>& answer,
                            absl::string_view org_id, absl::string_view unit_id,
                            absl::string_view request_id) {
  const std::string& outcome = answer[0];
  if (outcome == "ORG_NOT_FOUND") return OrganizationNotFound(org_id);
  if (outcome == "NOT_FOUND") return UnitNotFound(org_id, unit_id);
  if (outcome == "EXISTS") return UnitExists(org_id, unit_id);
  if (outcome == "CHANGED") return UnitChanged(org_id, unit_id);
  if (outcome == "REUSED") return RequestIdReused(request_id);
  if (outcome == "NAME_TAKEN" && answer.size() == 3) {
    return NameTaken(org_id, answer[1], answer[2]);
  }
  if (outcome == "MEMBER_NOT_FOUND" && answer.size() == 2) {
    return MemberNotFound(org_id, answer[1]);
  }
  return UnknownOutcome(outcome);
}

std::vector<std::string> UnitArgs(const std::vector<std::string>& name_keys,
                                  const std::vector<std::string>& member_ids) {
  std::vector<std::string> args;
  args.push_back(absl::StrCat(name_keys.size()));
  args.insert(args.end(), name_keys.begin(), name_keys.end());
  args.insert(args.end(), member_ids.begin(), member_ids.end());
  return args;
}

const char* PlanOpName(AssignmentWrite::PlanOp op) {
  switch (op) {
    case AssignmentWrite::PlanOp::kNone:
      return "";
    case AssignmentWrite::PlanOp::kCreate:
      return "create";
    case AssignmentWrite::PlanOp::kCommit:
      return "commit";
    case AssignmentWrite::PlanOp::kDelete:
      return "delete";
  }
  return "";
}

}  // namespace

RedisUnitStore::RedisUnitStore(RedisPool* pool, std::string ns)
    : pool_(pool), ns_(std::move(ns)) {}

std::string RedisUnitStore::Key(absl::string_view org_id,
                                absl::string_view suffix) const {
  return absl::StrCat(ns_, ":{org:", org_id, "}:", suffix);
}

std::vector<std::string> RedisUnitStore::IndexKeys(
    absl::string_view org_id, const Assignment& assignment) const {
  return {Key(org_id, absl::StrCat("byplan:", LastSegment(assignment.plan()))),
          Key(org_id, absl::StrCat("byunit:", LastSegment(assignment.unit()))),
          Key(org_id, absl::StrCat("byitem:", ItemScopeId(assignment.item())))};
}

absl::StatusOr<WriteOutcome> RedisUnitStore::CreateOrganization(
    const Organization& organization, const RequestKey& request) {
  const std::string id = LastSegment(organization.name());
  // Index first: a reader may meet an id whose organization is not there
  // yet, but never an organization missing from the index.
  DUBAN_RETURN_IF_ERROR(
      pool_->Command({"ZADD", absl::StrCat(ns_, ":orgs"), "0", id}).status());
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(
          kCreateOrganizationScript, {Key(id, "org"), Key(id, "req")},
          {request.id, request.fingerprint, organization.SerializeAsString()}));
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> answer, ReadAnswer(reply));
  if (answer[0] == "OK") return WriteOutcome::kApplied;
  if (answer[0] == "REPLAY") return WriteOutcome::kReplayed;
  if (answer[0] == "REUSED") return RequestIdReused(request.id);
  if (answer[0] == "EXISTS") return OrganizationExists(id);
  return UnknownOutcome(answer[0]);
}

absl::StatusOr<StoredOrganization> RedisUnitStore::GetOrganization(
    absl::string_view org_id) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"HMGET", Key(org_id, "org"), "pb", "v"}));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 2) {
    return absl::InternalError("unit store: unexpected HMGET reply");
  }
  if (reply.elements[0].is_nil()) return OrganizationNotFound(org_id);
  StoredOrganization stored;
  if (!stored.organization.ParseFromString(reply.elements[0].str)) {
    return Corrupt("organization");
  }
  DUBAN_ASSIGN_OR_RETURN(stored.version,
                         ParseNumber("version", reply.elements[1]));
  return stored;
}

absl::StatusOr<std::vector<std::string>> RedisUnitStore::ListOrganizationIds(
    absl::string_view after_id, int limit) {
  const std::string min = after_id.empty() ? "-" : absl::StrCat("(", after_id);
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"ZRANGEBYLEX", absl::StrCat(ns_, ":orgs"), min, "+",
                      "LIMIT", "0", absl::StrCat(limit)}));
  std::vector<std::string> ids;
  for (const RedisReply& e : reply.elements) ids.push_back(e.str);
  return ids;
}

absl::StatusOr<int64_t> RedisUnitStore::UpdateOrganization(
    const Organization& organization, int64_t expected_version) {
  const std::string id = LastSegment(organization.name());
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply, pool_->Eval(kUpdateOrganizationScript, {Key(id, "org")},
                                    {absl::StrCat(expected_version),
                                     organization.SerializeAsString()}));
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> answer, ReadAnswer(reply));
  if (answer[0] == "OK" && answer.size() == 2) {
    return ParseNumber("version", answer[1]);
  }
  if (answer[0] == "NOT_FOUND") return OrganizationNotFound(id);
  if (answer[0] == "CHANGED") return OrganizationChanged(id);
  return UnknownOutcome(answer[0]);
}

absl::Status RedisUnitStore::DeleteOrganization(absl::string_view org_id,
                                                int64_t expected_version) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(
          kDeleteOrganizationScript,
          {Key(org_id, "org"), Key(org_id, "req"), Key(org_id, "units"),
           Key(org_id, "unitv"), Key(org_id, "names"), Key(org_id, "unitnames"),
           Key(org_id, "meta"), Key(org_id, "asg"), Key(org_id, "plans")},
          {absl::StrCat(expected_version)}));
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> answer, ReadAnswer(reply));
  if (answer[0] == "NOT_FOUND") return OrganizationNotFound(org_id);
  if (answer[0] == "CHANGED") return OrganizationChanged(org_id);
  if (answer[0] == "NOT_EMPTY" && answer.size() == 3) {
    DUBAN_ASSIGN_OR_RETURN(int64_t units, ParseNumber("count", answer[1]));
    DUBAN_ASSIGN_OR_RETURN(int64_t plans, ParseNumber("count", answer[2]));
    return OrganizationNotEmpty(org_id, units, plans);
  }
  if (answer[0] != "OK") return UnknownOutcome(answer[0]);
  // Index last: see the layout comment in the header.
  return pool_
      ->Command({"ZREM", absl::StrCat(ns_, ":orgs"), std::string(org_id)})
      .status();
}

absl::StatusOr<WriteOutcome> RedisUnitStore::CreateUnit(
    absl::string_view org_id, const Unit& unit,
    const std::vector<std::string>& name_keys,
    const std::vector<std::string>& member_ids, const RequestKey& request) {
  const std::string id = LastSegment(unit.name());
  std::vector<std::string> args = {request.id, request.fingerprint, id,
                                   unit.SerializeAsString()};
  for (std::string& arg : UnitArgs(name_keys, member_ids)) {
    args.push_back(std::move(arg));
  }
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(
          kCreateUnitScript,
          {Key(org_id, "org"), Key(org_id, "units"), Key(org_id, "unitv"),
           Key(org_id, "names"), Key(org_id, "unitnames"), Key(org_id, "req")},
          args));
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> answer, ReadAnswer(reply));
  if (answer[0] == "OK") return WriteOutcome::kApplied;
  if (answer[0] == "REPLAY") return WriteOutcome::kReplayed;
  return UnitWriteError(answer, org_id, id, request.id);
}

absl::StatusOr<StoredUnit> RedisUnitStore::GetUnit(absl::string_view org_id,
                                                   absl::string_view unit_id) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(kGetUnitScript, {Key(org_id, "units"), Key(org_id, "unitv")},
                  {std::string(unit_id)}));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 2) {
    return absl::InternalError("unit store: unexpected unit reply");
  }
  if (reply.elements[0].is_nil()) return UnitNotFound(org_id, unit_id);
  StoredUnit stored;
  if (!stored.unit.ParseFromString(reply.elements[0].str))
    return Corrupt("unit");
  DUBAN_ASSIGN_OR_RETURN(stored.version,
                         ParseNumber("version", reply.elements[1]));
  return stored;
}

absl::StatusOr<std::vector<StoredUnit>> RedisUnitStore::ListUnits(
    absl::string_view org_id) {
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply,
                         pool_->Eval(kListUnitsScript,
                                     {Key(org_id, "org"), Key(org_id, "units"),
                                      Key(org_id, "unitv")},
                                     {}));
  if (reply.type != RedisReply::Type::kArray) {
    return absl::InternalError("unit store: unexpected units reply");
  }
  if (reply.elements.empty()) return OrganizationNotFound(org_id);
  if (reply.elements.size() != 2) {
    return absl::InternalError("unit store: unexpected units reply");
  }
  const auto& unit_fields = reply.elements[0].elements;
  const auto& version_fields = reply.elements[1].elements;
  absl::flat_hash_map<std::string, int64_t> versions;
  for (std::size_t i = 0; i + 1 < version_fields.size(); i += 2) {
    DUBAN_ASSIGN_OR_RETURN(versions[version_fields[i].str],
                           ParseNumber("version", version_fields[i + 1]));
  }
  std::vector<std::pair<std::string, StoredUnit>> by_id;
  for (std::size_t i = 0; i + 1 < unit_fields.size(); i += 2) {
    StoredUnit stored;
    if (!stored.unit.ParseFromString(unit_fields[i + 1].str)) {
      return Corrupt("unit");
    }
    stored.version = versions[unit_fields[i].str];
    by_id.emplace_back(unit_fields[i].str, std::move(stored));
  }
  std::sort(by_id.begin(), by_id.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<StoredUnit> units;
  units.reserve(by_id.size());
  for (auto& [id, stored] : by_id) units.push_back(std::move(stored));
  return units;
}

absl::StatusOr<int64_t> RedisUnitStore::UpdateUnit(
    absl::string_view org_id, const Unit& unit,
    const std::vector<std::string>& name_keys,
    const std::vector<std::string>& member_ids, int64_t expected_version) {
  const std::string id = LastSegment(unit.name());
  std::vector<std::string> args = {id, absl::StrCat(expected_version),
                                   unit.SerializeAsString()};
  for (std::string& arg : UnitArgs(name_keys, member_ids)) {
    args.push_back(std::move(arg));
  }
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply, pool_->Eval(kUpdateUnitScript,
                                    {Key(org_id, "org"), Key(org_id, "units"),
                                     Key(org_id, "unitv"), Key(org_id, "names"),
                                     Key(org_id, "unitnames")},
                                    args));
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> answer, ReadAnswer(reply));
  if (answer[0] == "OK" && answer.size() == 2) {
    return ParseNumber("version", answer[1]);
  }
  return UnitWriteError(answer, org_id, id, "");
}

absl::StatusOr<std::string> RedisUnitStore::GetPlanOrganization(
    absl::string_view plan_id) {
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply,
                         pool_->Command({"HGET", absl::StrCat(ns_, ":plan-org"),
                                         std::string(plan_id)}));
  return reply.is_nil() ? std::string() : reply.str;
}

absl::Status RedisUnitStore::BindPlan(absl::string_view plan_id,
                                      absl::string_view org_id,
                                      absl::string_view replace_org_id) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(kBindPlanScript, {absl::StrCat(ns_, ":plan-org")},
                  {std::string(plan_id), std::string(org_id),
                   std::string(replace_org_id)}));
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> answer, ReadAnswer(reply));
  if (answer[0] == "OK") return absl::OkStatus();
  if (answer[0] == "BOUND" && answer.size() == 2) {
    return PlanBoundElsewhere(plan_id, answer[1]);
  }
  return UnknownOutcome(answer[0]);
}

absl::StatusOr<int64_t> RedisUnitStore::GetAssignmentVersion(
    absl::string_view org_id) {
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply,
                         pool_->Command({"HGET", Key(org_id, "meta"), "asgv"}));
  if (reply.is_nil()) return 0;
  return ParseNumber("assignment version", reply);
}

absl::StatusOr<std::optional<PlanRecord>> RedisUnitStore::GetPlanRecord(
    absl::string_view org_id, absl::string_view plan_id) {
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Command({"HMGET", Key(org_id, absl::StrCat("plan:", plan_id)),
                      "state", "rid", "fp"}));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 3) {
    return absl::InternalError("unit store: unexpected HMGET reply");
  }
  if (reply.elements[0].is_nil()) return std::optional<PlanRecord>();
  PlanRecord record;
  const std::string& state = reply.elements[0].str;
  if (state == "PENDING") {
    record.state = PlanRecord::State::kPending;
  } else if (state == "COMMITTED") {
    record.state = PlanRecord::State::kCommitted;
  } else {
    return Corrupt("plan record");
  }
  record.request_id = reply.elements[1].str;
  record.fingerprint = reply.elements[2].str;
  return std::optional<PlanRecord>(std::move(record));
}

absl::StatusOr<std::vector<StoredAssignment>> RedisUnitStore::ScanAssignments(
    absl::string_view org_id, const AssignmentScope& scope, int64_t after_seq,
    int limit) {
  std::string index;
  switch (scope.kind) {
    case AssignmentScope::Kind::kPlan:
      index = absl::StrCat("byplan:", scope.id);
      break;
    case AssignmentScope::Kind::kUnit:
      index = absl::StrCat("byunit:", scope.id);
      break;
    case AssignmentScope::Kind::kItem:
      index = absl::StrCat("byitem:", scope.id);
      break;
  }
  std::vector<StoredAssignment> out;
  if (limit <= 0) return out;
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply,
      pool_->Eval(kScanScript, {Key(org_id, index), Key(org_id, "asg")},
                  {absl::StrCat(after_seq), absl::StrCat(limit)}));
  if (reply.type != RedisReply::Type::kArray) {
    return absl::InternalError("unit store: unexpected scan reply");
  }
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    StoredAssignment stored;
    DUBAN_ASSIGN_OR_RETURN(stored.seq,
                           ParseNumber("sequence", reply.elements[i]));
    if (!stored.assignment.ParseFromString(reply.elements[i + 1].str)) {
      return Corrupt("assignment");
    }
    out.push_back(std::move(stored));
  }
  return out;
}

absl::StatusOr<bool> RedisUnitStore::RequestSeen(absl::string_view org_id,
                                                 absl::string_view scope,
                                                 const RequestKey& request) {
  if (request.id.empty()) return false;
  DUBAN_ASSIGN_OR_RETURN(
      RedisReply reply, pool_->Command({"HGET", Key(org_id, "req"),
                                        absl::StrCat(scope, ":", request.id)}));
  if (reply.is_nil()) return false;
  if (reply.str != request.fingerprint) return RequestIdReused(request.id);
  return true;
}

absl::StatusOr<WriteOutcome> RedisUnitStore::WriteAssignments(
    absl::string_view org_id, const AssignmentWrite& write) {
  std::vector<std::string> keys = {
      Key(org_id, "org"),   Key(org_id, "meta"),
      Key(org_id, "asg"),   Key(org_id, "units"),
      Key(org_id, "unitv"), Key(org_id, "req"),
      Key(org_id, "plans"), Key(org_id, absl::StrCat("plan:", write.plan_id))};
  const std::string request_field =
      write.request.id.empty()
          ? std::string()
          : absl::StrCat(write.request_scope, ":", write.request.id);
  std::vector<std::string> args = {write.expected_version.has_value()
                                       ? absl::StrCat(*write.expected_version)
                                       : std::string(),
                                   request_field,
                                   write.request.fingerprint,
                                   PlanOpName(write.plan_op),
                                   write.plan_id,
                                   write.plan_record.request_id,
                                   write.plan_record.fingerprint};
  args.push_back(absl::StrCat(write.unit_versions.size()));
  for (const auto& [unit_id, version] : write.unit_versions) {
    args.push_back(unit_id);
    args.push_back(absl::StrCat(version));
  }
  args.push_back(absl::StrCat(write.units.size()));
  for (const Unit& unit : write.units) {
    args.push_back(LastSegment(unit.name()));
    args.push_back(unit.SerializeAsString());
  }
  args.push_back(absl::StrCat(write.put.size()));
  for (const Assignment& assignment : write.put) {
    args.push_back(LastSegment(assignment.name()));
    args.push_back(assignment.SerializeAsString());
    for (std::string& key : IndexKeys(org_id, assignment)) {
      keys.push_back(std::move(key));
    }
  }
  args.push_back(absl::StrCat(write.remove.size()));
  for (const Assignment& assignment : write.remove) {
    args.push_back(LastSegment(assignment.name()));
    for (std::string& key : IndexKeys(org_id, assignment)) {
      keys.push_back(std::move(key));
    }
  }
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply,
                         pool_->Eval(kWriteAssignmentsScript, keys, args));
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> answer, ReadAnswer(reply));
  const std::string& outcome = answer[0];
  if (outcome == "OK") return WriteOutcome::kApplied;
  if (outcome == "REPLAY" || outcome == "PLAN_REPLAY") {
    return WriteOutcome::kReplayed;
  }
  if (outcome == "ORG_NOT_FOUND") return OrganizationNotFound(org_id);
  if (outcome == "REUSED") return RequestIdReused(write.request.id);
  if (outcome == "PLAN_REUSED") {
    return RequestIdReused(write.plan_record.request_id);
  }
  if (outcome == "PLAN_EXISTS") return PlanAssignmentsExist(write.plan_id);
  if (outcome == "CHANGED") return AssignmentsChanged(org_id);
  return UnknownOutcome(outcome);
}

absl::Status RedisUnitStore::Ping() { return pool_->Ping(); }

}  // namespace duban::unit
