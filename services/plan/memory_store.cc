#include "services/plan/memory_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace duban::plan {

void MemoryPlanStore::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

absl::Status MemoryPlanStore::CheckAvailable() const {
  if (unavailable_) return absl::UnavailableError("storage unavailable");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<WriteOutcome>> MemoryPlanStore::CheckRequest(
    const Entry& entry, absl::string_view scope, const RequestKey& request) {
  if (request.id.empty()) return std::nullopt;
  auto it = entry.requests.find(absl::StrCat(scope, ":", request.id));
  if (it == entry.requests.end()) return std::nullopt;
  if (it->second != request.fingerprint) return RequestIdReused(request.id);
  return WriteOutcome::kReplayed;
}

absl::StatusOr<WriteOutcome> MemoryPlanStore::CreatePlan(
    const duban::plan::v1::Plan& plan,
    const std::vector<duban::plan::v1::Item>& items,
    const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  const std::string id = plan.name().substr(plan.name().find('/') + 1);
  auto it = plans_.find(id);
  if (it != plans_.end()) {
    auto seen = CheckRequest(it->second, "create", request);
    if (!seen.ok()) return seen.status();
    if (seen->has_value()) return **seen;
    return PlanExists(id);
  }
  Entry entry;
  entry.plan = {plan, 1};
  for (const auto& item : items) entry.items[ItemIdOf(item)] = {item, 1};
  if (!request.id.empty()) {
    entry.requests[absl::StrCat("create:", request.id)] = request.fingerprint;
  }
  plans_.emplace(id, std::move(entry));
  return WriteOutcome::kApplied;
}

absl::StatusOr<StoredPlan> MemoryPlanStore::GetPlan(absl::string_view plan_id) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return PlanNotFound(plan_id);
  return it->second.plan;
}

absl::StatusOr<std::pair<StoredPlan, std::vector<StoredItem>>>
MemoryPlanStore::GetPlanWithItems(absl::string_view plan_id) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return PlanNotFound(plan_id);
  std::vector<StoredItem> items;
  for (const auto& [id, item] : it->second.items) items.push_back(item);
  std::sort(items.begin(), items.end(),
            [](const StoredItem& a, const StoredItem& b) {
              return a.item.ordinal() < b.item.ordinal();
            });
  return std::make_pair(it->second.plan, std::move(items));
}

absl::StatusOr<std::vector<std::string>> MemoryPlanStore::ListPlanIds(
    absl::string_view after_id, int limit) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  std::vector<std::string> ids;
  for (auto it = plans_.upper_bound(after_id);
       it != plans_.end() && static_cast<int>(ids.size()) < limit; ++it) {
    ids.push_back(it->first);
  }
  return ids;
}

absl::StatusOr<std::pair<WriteOutcome, int64_t>> MemoryPlanStore::UpdatePlan(
    const duban::plan::v1::Plan& plan, int64_t expected_version,
    const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  const std::string id = plan.name().substr(plan.name().find('/') + 1);
  auto it = plans_.find(id);
  if (it == plans_.end()) return PlanNotFound(id);
  Entry& entry = it->second;
  auto seen = CheckRequest(entry, "update", request);
  if (!seen.ok()) return seen.status();
  if (seen->has_value()) {
    return std::make_pair(**seen, entry.plan.version);
  }
  if (entry.plan.version != expected_version) return PlanChanged(id);
  entry.plan.plan = plan;
  ++entry.plan.version;
  if (!request.id.empty()) {
    entry.requests[absl::StrCat("update:", request.id)] = request.fingerprint;
  }
  return std::make_pair(WriteOutcome::kApplied, entry.plan.version);
}

absl::Status MemoryPlanStore::DeletePlan(absl::string_view plan_id,
                                         int64_t expected_version) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return PlanNotFound(plan_id);
  if (it->second.plan.version != expected_version) return PlanChanged(plan_id);
  plans_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<std::pair<WriteOutcome, int64_t>> MemoryPlanStore::UpdateItem(
    absl::string_view plan_id, int64_t expected_plan_version,
    const duban::plan::v1::Item& item, int64_t expected_item_version,
    const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return PlanNotFound(plan_id);
  Entry& entry = it->second;
  const std::string item_id = ItemIdOf(item);
  auto item_it = entry.items.find(item_id);
  if (item_it == entry.items.end()) return ItemNotFound(plan_id, item_id);
  auto seen = CheckRequest(entry, absl::StrCat("item:", item_id), request);
  if (!seen.ok()) return seen.status();
  if (seen->has_value()) {
    return std::make_pair(**seen, item_it->second.version);
  }
  if (entry.plan.version != expected_plan_version) return PlanChanged(plan_id);
  if (item_it->second.version != expected_item_version) {
    return ItemChanged(plan_id, item_id);
  }
  item_it->second.item = item;
  ++item_it->second.version;
  if (!request.id.empty()) {
    entry.requests[absl::StrCat("item:", item_id, ":", request.id)] =
        request.fingerprint;
  }
  return std::make_pair(WriteOutcome::kApplied, item_it->second.version);
}

absl::StatusOr<StoredItem> MemoryPlanStore::GetItem(absl::string_view plan_id,
                                                    absl::string_view item_id) {
  absl::MutexLock lock(&mu_);
  if (auto s = CheckAvailable(); !s.ok()) return s;
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return PlanNotFound(plan_id);
  auto item_it = it->second.items.find(std::string(item_id));
  if (item_it == it->second.items.end()) return ItemNotFound(plan_id, item_id);
  return item_it->second;
}

}  // namespace duban::plan
