#include "services/progress/memory_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace duban::progress {
namespace {

absl::string_view Unscoped(absl::string_view request_id) {
  const std::size_t colon = request_id.find(':');
  return colon == absl::string_view::npos ? request_id
                                          : request_id.substr(colon + 1);
}

}  // namespace

std::string MemoryProgressStore::Append(Plan& plan, v1::Event event) {
  std::string cursor = absl::StrCat(plan.events.size() + 1, "-0");
  event.set_cursor(cursor);
  plan.events.push_back(std::move(event));
  return cursor;
}

absl::StatusOr<StoredSchedule> MemoryProgressStore::GetSchedule(
    absl::string_view plan_id) {
  absl::MutexLock lock(&mu_);
  auto it = plans_.find(plan_id);
  if (it == plans_.end() || !it->second.schedule) {
    return ScheduleNotFound(plan_id);
  }
  return *it->second.schedule;
}

absl::StatusOr<int64_t> MemoryProgressStore::PutSchedule(
    absl::string_view plan_id, const v1::Schedule& schedule,
    std::optional<int64_t> expected_version) {
  absl::MutexLock lock(&mu_);
  Plan& plan = plans_[std::string(plan_id)];
  const int64_t version = plan.schedule ? plan.schedule->version : 0;
  if (expected_version && *expected_version != version) {
    return ScheduleChanged(plan_id);
  }
  plan.schedule = StoredSchedule{schedule, version + 1};
  return version + 1;
}

absl::StatusOr<std::vector<std::string>>
MemoryProgressStore::ListSchedulePlans() {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, plan] : plans_) {
    if (plan.schedule) ids.push_back(id);
  }
  return ids;
}

absl::StatusOr<std::optional<StoredReport>> MemoryProgressStore::FindRequest(
    absl::string_view plan_id, absl::string_view request_id,
    absl::string_view fingerprint) {
  absl::MutexLock lock(&mu_);
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return std::nullopt;
  auto req = it->second.requests.find(std::string(request_id));
  if (req == it->second.requests.end()) return std::nullopt;
  if (req->second.fingerprint != fingerprint) {
    return RequestIdReused(Unscoped(request_id));
  }
  return req->second.answer;
}

absl::StatusOr<WriteResult> MemoryProgressStore::WriteReport(
    const ReportWrite& write) {
  absl::MutexLock lock(&mu_);
  Plan& plan = plans_[write.plan_id];
  WriteResult result;
  if (!write.request_id.empty()) {
    auto req = plan.requests.find(write.request_id);
    if (req != plan.requests.end()) {
      if (req->second.fingerprint != write.fingerprint) {
        return RequestIdReused(Unscoped(write.request_id));
      }
      result.outcome = WriteOutcome::kReplayed;
      result.stored = req->second.answer;
      return result;
    }
  }
  const std::string item_id(ItemIdOf(write.report_id));
  auto counter = plan.item_versions.find(item_id);
  if (write.unchanged_since &&
      ((counter == plan.item_versions.end() ? 0 : counter->second) !=
           write.unchanged_since->item_version ||
       (plan.schedule ? plan.schedule->version : 0) !=
           write.unchanged_since->schedule_version)) {
    result.outcome = WriteOutcome::kStale;
    return result;
  }
  auto it = plan.reports.find(write.report_id);
  const int64_t version = it == plan.reports.end() ? 0 : it->second.version;
  if (version != write.expected_version) {
    return ReportChanged(write.plan_id, write.report_id);
  }
  StoredReport stored{write.report, version + 1};
  plan.reports[write.report_id] = stored;
  const int64_t item_version = plan.item_versions[item_id]++;
  std::vector<v1::Revision>& revisions = plan.revisions[write.report_id];
  if (write.append_revision || revisions.empty()) {
    revisions.push_back(write.report.latest());
  } else {
    revisions.back() = write.report.latest();
  }
  if (!write.request_id.empty()) {
    plan.requests[write.request_id] = Request{write.fingerprint, stored};
  }
  result.stored = std::move(stored);
  result.cursor = Append(plan, write.event);
  if (write.health && write.health->expected_item_version == item_version) {
    result.health_recorded = true;
    plan.rollups[item_id] = write.health->cache_entry;
    auto it = plan.health.find(item_id);
    if (it == plan.health.end() || it->second != write.health->health) {
      v1::Event event = write.health->event;
      event.set_previous_health(it == plan.health.end() ? v1::HEALTH_UNSPECIFIED
                                                        : it->second);
      plan.health[item_id] = write.health->health;
      Append(plan, std::move(event));
    }
  }
  return result;
}

absl::StatusOr<StoredReport> MemoryProgressStore::GetReport(
    absl::string_view plan_id, absl::string_view report_id) {
  absl::MutexLock lock(&mu_);
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return ReportNotFound(plan_id, report_id);
  auto report = it->second.reports.find(std::string(report_id));
  if (report == it->second.reports.end()) {
    return ReportNotFound(plan_id, report_id);
  }
  return report->second;
}

absl::StatusOr<std::vector<StoredReport>> MemoryProgressStore::ListReports(
    absl::string_view plan_id) {
  absl::MutexLock lock(&mu_);
  std::vector<StoredReport> reports;
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return reports;
  for (const auto& [id, report] : it->second.reports) reports.push_back(report);
  return reports;
}

absl::StatusOr<std::vector<v1::Revision>> MemoryProgressStore::ListRevisions(
    absl::string_view plan_id, absl::string_view report_id) {
  absl::MutexLock lock(&mu_);
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return std::vector<v1::Revision>();
  auto revs = it->second.revisions.find(std::string(report_id));
  if (revs == it->second.revisions.end()) return std::vector<v1::Revision>();
  return revs->second;
}

absl::StatusOr<std::vector<ItemBriefs>> MemoryProgressStore::ListItemBriefs(
    absl::string_view plan_id, const std::vector<std::string>& item_ids) {
  absl::MutexLock lock(&mu_);
  std::vector<ItemBriefs> out;
  auto it = plans_.find(plan_id);
  for (const std::string& item_id : item_ids) {
    ItemBriefs& item = out.emplace_back();
    item.item_id = item_id;
    if (it == plans_.end()) continue;
    auto version = it->second.item_versions.find(item_id);
    if (version != it->second.item_versions.end()) {
      item.version = version->second;
    }
    for (auto r = it->second.reports.lower_bound(item_id + "/");
         r != it->second.reports.end() && ItemIdOf(r->first) == item_id; ++r) {
      item.briefs.push_back(BriefOf(r->second.report));
    }
  }
  return out;
}

absl::StatusOr<RollupCache> MemoryProgressStore::ReadRollupCache(
    absl::string_view plan_id) {
  absl::MutexLock lock(&mu_);
  RollupCache cache;
  auto it = plans_.find(plan_id);
  if (it == plans_.end()) return cache;
  for (const auto& [item, version] : it->second.item_versions) {
    cache.versions[item] = version;
  }
  for (const auto& [item, entry] : it->second.rollups) {
    cache.entries[item] = entry;
  }
  return cache;
}

absl::Status MemoryProgressStore::WriteRollupCache(
    absl::string_view plan_id,
    const std::vector<std::pair<std::string, std::string>>& entries) {
  absl::MutexLock lock(&mu_);
  Plan& plan = plans_[std::string(plan_id)];
  for (const auto& [item, entry] : entries) plan.rollups[item] = entry;
  return absl::OkStatus();
}

absl::StatusOr<bool> MemoryProgressStore::RecordItemHealth(
    absl::string_view plan_id, absl::string_view item_id, v1::Health health,
    v1::Event event, absl::string_view cache_entry) {
  absl::MutexLock lock(&mu_);
  Plan& plan = plans_[std::string(plan_id)];
  if (!cache_entry.empty()) {
    plan.rollups[std::string(item_id)] = std::string(cache_entry);
  }
  auto it = plan.health.find(std::string(item_id));
  if (it != plan.health.end() && it->second == health) return false;
  event.set_previous_health(it == plan.health.end() ? v1::HEALTH_UNSPECIFIED
                                                    : it->second);
  plan.health[std::string(item_id)] = health;
  Append(plan, std::move(event));
  return true;
}

absl::StatusOr<bool> MemoryProgressStore::RecordOnce(absl::string_view plan_id,
                                                     absl::string_view key,
                                                     const v1::Event& event) {
  absl::MutexLock lock(&mu_);
  Plan& plan = plans_[std::string(plan_id)];
  if (!plan.once.emplace(std::string(key), true).second) return false;
  Append(plan, event);
  return true;
}

absl::StatusOr<std::vector<std::vector<v1::Event>>>
MemoryProgressStore::ReadFeeds(const std::vector<Feed>& feeds, int limit,
                               absl::Duration wait) {
  std::vector<uint64_t> after;
  for (const Feed& feed : feeds) {
    uint64_t n = 0;
    if (!feed.cursor.empty()) {
      DUBAN_ASSIGN_OR_RETURN(auto parsed, ParseCursor("cursor", feed.cursor));
      n = parsed.first;
    }
    after.push_back(n);
  }
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (std::size_t f = 0; f < feeds.size(); ++f) {
      auto it = plans_.find(feeds[f].plan_id);
      if (it != plans_.end() && it->second.events.size() > after[f]) {
        return true;
      }
    }
    return false;
  };
  if (wait > absl::ZeroDuration()) {
    mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
  }
  std::vector<std::vector<v1::Event>> out(feeds.size());
  for (std::size_t f = 0; f < feeds.size(); ++f) {
    auto it = plans_.find(feeds[f].plan_id);
    if (it == plans_.end()) continue;
    const std::vector<v1::Event>& events = it->second.events;
    for (uint64_t i = after[f];
         i < events.size() && static_cast<int>(out[f].size()) < limit; ++i) {
      out[f].push_back(events[i]);
    }
  }
  return out;
}

absl::StatusOr<std::string> MemoryProgressStore::LastCursor(
    absl::string_view plan_id) {
  absl::MutexLock lock(&mu_);
  auto it = plans_.find(plan_id);
  if (it == plans_.end() || it->second.events.empty()) return "0-0";
  return it->second.events.back().cursor();
}

absl::Status MemoryProgressStore::Ping() { return absl::OkStatus(); }

}  // namespace duban::progress
