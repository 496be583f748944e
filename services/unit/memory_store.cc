#include "services/unit/memory_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace duban::unit {
namespace {

bool InScope(const v1::Assignment& a, const AssignmentScope& scope) {
  switch (scope.kind) {
    case AssignmentScope::Kind::kPlan:
      return LastSegment(a.plan()) == scope.id;
    case AssignmentScope::Kind::kUnit:
      return LastSegment(a.unit()) == scope.id;
    case AssignmentScope::Kind::kItem:
      return ItemScopeId(a.item()) == scope.id;
  }
  return false;
}

}  // namespace

void MemoryUnitStore::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

absl::Status MemoryUnitStore::CheckAvailable() const {
  if (unavailable_) return absl::UnavailableError("storage unavailable");
  return absl::OkStatus();
}

absl::Status MemoryUnitStore::Ping() {
  absl::MutexLock lock(&mu_);
  return CheckAvailable();
}

absl::StatusOr<MemoryUnitStore::Org*> MemoryUnitStore::FindOrg(
    absl::string_view org_id) {
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto it = orgs_.find(org_id);
  if (it == orgs_.end()) return OrganizationNotFound(org_id);
  return &it->second;
}

absl::StatusOr<WriteOutcome> MemoryUnitStore::CreateOrganization(
    const v1::Organization& organization, const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  const std::string id = LastSegment(organization.name());
  auto it = orgs_.find(id);
  if (it != orgs_.end()) {
    if (!request.id.empty()) {
      auto seen = it->second.requests.find(absl::StrCat("create:", request.id));
      if (seen != it->second.requests.end()) {
        if (seen->second != request.fingerprint) {
          return RequestIdReused(request.id);
        }
        return WriteOutcome::kReplayed;
      }
    }
    return OrganizationExists(id);
  }
  Org org;
  org.organization = {organization, 1};
  if (!request.id.empty()) {
    org.requests[absl::StrCat("create:", request.id)] = request.fingerprint;
  }
  orgs_.emplace(id, std::move(org));
  return WriteOutcome::kApplied;
}

absl::StatusOr<StoredOrganization> MemoryUnitStore::GetOrganization(
    absl::string_view org_id) {
  absl::MutexLock lock(&mu_);
  auto org = FindOrg(org_id);
  if (!org.ok()) return org.status();
  return (*org)->organization;
}

absl::StatusOr<std::vector<std::string>> MemoryUnitStore::ListOrganizationIds(
    absl::string_view after_id, int limit) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  std::vector<std::string> ids;
  for (auto it = orgs_.upper_bound(after_id);
       it != orgs_.end() && static_cast<int>(ids.size()) < limit; ++it) {
    ids.push_back(it->first);
  }
  return ids;
}

absl::StatusOr<int64_t> MemoryUnitStore::UpdateOrganization(
    const v1::Organization& organization, int64_t expected_version) {
  absl::MutexLock lock(&mu_);
  const std::string id = LastSegment(organization.name());
  auto org = FindOrg(id);
  if (!org.ok()) return org.status();
  StoredOrganization& stored = (*org)->organization;
  if (stored.version != expected_version) return OrganizationChanged(id);
  stored.organization = organization;
  return ++stored.version;
}

absl::Status MemoryUnitStore::DeleteOrganization(absl::string_view org_id,
                                                 int64_t expected_version) {
  absl::MutexLock lock(&mu_);
  auto org = FindOrg(org_id);
  if (!org.ok()) return org.status();
  if ((*org)->organization.version != expected_version) {
    return OrganizationChanged(org_id);
  }
  if (!(*org)->units.empty() || !(*org)->plans.empty()) {
    return OrganizationNotEmpty(org_id, (*org)->units.size(),
                                (*org)->plans.size());
  }
  orgs_.erase(orgs_.find(org_id));
  return absl::OkStatus();
}

absl::Status MemoryUnitStore::CheckNamesAndMembers(
    const Org& org, absl::string_view org_id, absl::string_view unit_id,
    const std::vector<std::string>& name_keys,
    const std::vector<std::string>& member_ids) {
  for (const std::string& key : name_keys) {
    auto it = org.names.find(key);
    if (it != org.names.end() && it->second != unit_id) {
      return NameTaken(org_id, key, it->second);
    }
  }
  for (const std::string& member : member_ids) {
    if (org.units.count(member) == 0) return MemberNotFound(org_id, member);
  }
  return absl::OkStatus();
}

void MemoryUnitStore::SetNameKeys(Org* org, const std::string& unit_id,
                                  const std::vector<std::string>& name_keys) {
  for (const std::string& old : org->unit_keys[unit_id]) {
    auto it = org->names.find(old);
    if (it != org->names.end() && it->second == unit_id) org->names.erase(it);
  }
  for (const std::string& key : name_keys) org->names[key] = unit_id;
  org->unit_keys[unit_id] = name_keys;
}

absl::StatusOr<WriteOutcome> MemoryUnitStore::CreateUnit(
    absl::string_view org_id, const v1::Unit& unit,
    const std::vector<std::string>& name_keys,
    const std::vector<std::string>& member_ids, const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  auto found = FindOrg(org_id);
  if (!found.ok()) return found.status();
  Org& org = **found;
  const std::string scope = absl::StrCat("unit:", request.id);
  if (!request.id.empty()) {
    auto seen = org.requests.find(scope);
    if (seen != org.requests.end()) {
      if (seen->second != request.fingerprint)
        return RequestIdReused(request.id);
      return WriteOutcome::kReplayed;
    }
  }
  const std::string id = LastSegment(unit.name());
  if (org.units.count(id) > 0) return UnitExists(org_id, id);
  if (auto s = CheckNamesAndMembers(org, org_id, id, name_keys, member_ids);
      !s.ok()) {
    return s;
  }
  org.units[id] = {unit, 1};
  SetNameKeys(&org, id, name_keys);
  if (!request.id.empty()) org.requests[scope] = request.fingerprint;
  return WriteOutcome::kApplied;
}

absl::StatusOr<StoredUnit> MemoryUnitStore::GetUnit(absl::string_view org_id,
                                                    absl::string_view unit_id) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto org = orgs_.find(org_id);
  if (org == orgs_.end()) return UnitNotFound(org_id, unit_id);
  auto it = org->second.units.find(std::string(unit_id));
  if (it == org->second.units.end()) return UnitNotFound(org_id, unit_id);
  return it->second;
}

absl::StatusOr<std::vector<StoredUnit>> MemoryUnitStore::ListUnits(
    absl::string_view org_id) {
  absl::MutexLock lock(&mu_);
  auto org = FindOrg(org_id);
  if (!org.ok()) return org.status();
  std::vector<StoredUnit> units;
  for (const auto& [id, unit] : (*org)->units) units.push_back(unit);
  return units;
}

absl::StatusOr<int64_t> MemoryUnitStore::UpdateUnit(
    absl::string_view org_id, const v1::Unit& unit,
    const std::vector<std::string>& name_keys,
    const std::vector<std::string>& member_ids, int64_t expected_version) {
  absl::MutexLock lock(&mu_);
  auto found = FindOrg(org_id);
  if (!found.ok()) return found.status();
  Org& org = **found;
  const std::string id = LastSegment(unit.name());
  auto it = org.units.find(id);
  if (it == org.units.end()) return UnitNotFound(org_id, id);
  if (it->second.version != expected_version) return UnitChanged(org_id, id);
  if (auto s = CheckNamesAndMembers(org, org_id, id, name_keys, member_ids);
      !s.ok()) {
    return s;
  }
  it->second.unit = unit;
  ++it->second.version;
  SetNameKeys(&org, id, name_keys);
  return it->second.version;
}

absl::StatusOr<std::string> MemoryUnitStore::GetPlanOrganization(
    absl::string_view plan_id) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto it = plan_orgs_.find(plan_id);
  return it == plan_orgs_.end() ? std::string() : it->second;
}

absl::Status MemoryUnitStore::BindPlan(absl::string_view plan_id,
                                       absl::string_view org_id,
                                       absl::string_view replace_org_id) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto it = plan_orgs_.find(plan_id);
  if (it != plan_orgs_.end() && it->second != org_id &&
      (replace_org_id.empty() || it->second != replace_org_id)) {
    return PlanBoundElsewhere(plan_id, it->second);
  }
  plan_orgs_[std::string(plan_id)] = std::string(org_id);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryUnitStore::GetAssignmentVersion(
    absl::string_view org_id) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto it = orgs_.find(org_id);
  return it == orgs_.end() ? 0 : it->second.assignment_version;
}

absl::StatusOr<std::optional<PlanRecord>> MemoryUnitStore::GetPlanRecord(
    absl::string_view org_id, absl::string_view plan_id) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto org = orgs_.find(org_id);
  if (org == orgs_.end()) return std::optional<PlanRecord>();
  auto it = org->second.plans.find(std::string(plan_id));
  if (it == org->second.plans.end()) return std::optional<PlanRecord>();
  return std::optional<PlanRecord>(it->second);
}

absl::StatusOr<std::vector<StoredAssignment>> MemoryUnitStore::ScanAssignments(
    absl::string_view org_id, const AssignmentScope& scope, int64_t after_seq,
    int limit) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  std::vector<StoredAssignment> out;
  auto org = orgs_.find(org_id);
  if (org == orgs_.end()) return out;
  for (const auto& [id, stored] : org->second.assignments) {
    if (stored.seq > after_seq && InScope(stored.assignment, scope)) {
      out.push_back(stored);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const StoredAssignment& a, const StoredAssignment& b) {
              return a.seq < b.seq;
            });
  if (out.size() > static_cast<std::size_t>(std::max(limit, 0))) {
    out.resize(std::max(limit, 0));
  }
  return out;
}

absl::StatusOr<bool> MemoryUnitStore::RequestSeen(absl::string_view org_id,
                                                  absl::string_view scope,
                                                  const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  if (request.id.empty()) return false;
  auto org = orgs_.find(org_id);
  if (org == orgs_.end()) return false;
  auto seen = org->second.requests.find(absl::StrCat(scope, ":", request.id));
  if (seen == org->second.requests.end()) return false;
  if (seen->second != request.fingerprint) return RequestIdReused(request.id);
  return true;
}

absl::StatusOr<WriteOutcome> MemoryUnitStore::WriteAssignments(
    absl::string_view org_id, const AssignmentWrite& write) {
  absl::MutexLock lock(&mu_);
  auto found = FindOrg(org_id);
  if (!found.ok()) return found.status();
  Org& org = **found;
  const std::string scope =
      absl::StrCat(write.request_scope, ":", write.request.id);
  if (!write.request.id.empty()) {
    auto seen = org.requests.find(scope);
    if (seen != org.requests.end()) {
      if (seen->second != write.request.fingerprint) {
        return RequestIdReused(write.request.id);
      }
      return WriteOutcome::kReplayed;
    }
  }
  auto record = org.plans.find(write.plan_id);
  switch (write.plan_op) {
    case AssignmentWrite::PlanOp::kNone:
      break;
    case AssignmentWrite::PlanOp::kCreate:
      if (record != org.plans.end()) {
        if (record->second.request_id == write.plan_record.request_id) {
          if (record->second.fingerprint != write.plan_record.fingerprint) {
            return RequestIdReused(write.plan_record.request_id);
          }
          return WriteOutcome::kReplayed;
        }
        return PlanAssignmentsExist(write.plan_id);
      }
      break;
    case AssignmentWrite::PlanOp::kCommit:
    case AssignmentWrite::PlanOp::kDelete:
      if (record == org.plans.end()) return AssignmentsChanged(org_id);
      break;
  }
  if (write.expected_version.has_value() &&
      *write.expected_version != org.assignment_version) {
    return AssignmentsChanged(org_id);
  }
  for (const auto& [unit_id, version] : write.unit_versions) {
    auto it = org.units.find(unit_id);
    if ((it == org.units.end() ? 0 : it->second.version) != version) {
      return AssignmentsChanged(org_id);
    }
  }
  // Everything checked: write.
  for (const v1::Unit& unit : write.units) {
    StoredUnit& stored = org.units[LastSegment(unit.name())];
    stored.unit = unit;
    ++stored.version;
  }
  for (const v1::Assignment& assignment : write.put) {
    const std::string id = LastSegment(assignment.name());
    auto it = org.assignments.find(id);
    if (it == org.assignments.end()) {
      org.assignments[id] = {assignment, ++org.seq};
    } else {
      it->second.assignment = assignment;
    }
  }
  for (const v1::Assignment& assignment : write.remove) {
    org.assignments.erase(LastSegment(assignment.name()));
  }
  switch (write.plan_op) {
    case AssignmentWrite::PlanOp::kNone:
      break;
    case AssignmentWrite::PlanOp::kCreate: {
      PlanRecord created = write.plan_record;
      created.state = PlanRecord::State::kPending;
      org.plans[write.plan_id] = created;
      break;
    }
    case AssignmentWrite::PlanOp::kCommit:
      org.plans[write.plan_id].state = PlanRecord::State::kCommitted;
      break;
    case AssignmentWrite::PlanOp::kDelete:
      org.plans.erase(write.plan_id);
      break;
  }
  if (!write.request.id.empty())
    org.requests[scope] = write.request.fingerprint;
  ++org.assignment_version;
  return WriteOutcome::kApplied;
}

}  // namespace duban::unit
