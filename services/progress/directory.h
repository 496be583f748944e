// What the progress service needs of the plan and unit services, as
// interfaces: the domain is tested with fakes, progress-server talks to
// plan-server and unit-server over gRPC (GrpcPlanDirectory,
// GrpcUnitAssignments), through short-lived caches (CachedPlanDirectory,
// CachedUnitAssignments) since these answers change rarely.
#ifndef DUBAN_SERVICES_PROGRESS_DIRECTORY_H_
#define DUBAN_SERVICES_PROGRESS_DIRECTORY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/client.h"
#include "common/permissions.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "services/progress/health.h"

namespace duban::progress {

// A plan with all its items.
struct PlanSnapshot {
  plan::v1::Plan plan;
  std::vector<plan::v1::Item> items;  // in plan order

  // The item named `name`, or null.
  const plan::v1::Item* FindItem(absl::string_view name) const;
};

class PlanDirectory {
 public:
  virtual ~PlanDirectory() = default;
  // The plan `plans/{plan}` and its items. NOT_FOUND when there is no such
  // plan; UNAVAILABLE when the plan service cannot be reached.
  virtual absl::StatusOr<std::shared_ptr<const PlanSnapshot>> GetPlan(
      absl::string_view plan_name) = 0;
};

// Who answers for what, as the views read it: ACTIVE assignments as
// duties, all of them and by item. Made once per answer of the unit
// service and shared, unchanged, by every call that reads it: a large plan
// has thousands, too many to copy or regroup on each call.
class DutySet {
 public:
  // `assignments` oldest first; only ACTIVE ones are expected.
  explicit DutySet(const std::vector<unit::v1::Assignment>& assignments);

  // Every duty, in the order of the assignments.
  const std::vector<Duty>& all() const { return all_; }
  // The duties of `item` (an item name); none when it has none.
  const std::vector<Duty>& Of(absl::string_view item) const;
  // Whether `unit` (a unit name) holds any of these duties.
  bool Holds(absl::string_view unit) const;

 private:
  std::vector<Duty> all_;
  absl::flat_hash_map<std::string, std::vector<Duty>> by_item_;
};
using Duties = std::shared_ptr<const DutySet>;
Duties MakeDuties(const std::vector<unit::v1::Assignment>& assignments);

class UnitAssignments {
 public:
  virtual ~UnitAssignments() = default;
  // The ACTIVE assignments of an item (`plans/{plan}/items/{item}`) or of a
  // whole plan (`plans/{plan}`), oldest first.
  virtual absl::StatusOr<Duties> ItemAssignments(
      absl::string_view item_name) = 0;
  virtual absl::StatusOr<Duties> PlanAssignments(
      absl::string_view plan_name) = 0;
  // As ItemAssignments, bypassing any cache: asked before a unit is
  // refused, so that a new assignment is honoured at once.
  virtual absl::StatusOr<Duties> ItemAssignmentsFresh(
      absl::string_view item_name) {
    return ItemAssignments(item_name);
  }
};

// PlanDirectory over gRPC: GetPlan, then ListItems page by page; reads,
// so retried on UNAVAILABLE per the policy.
class GrpcPlanDirectory : public PlanDirectory {
 public:
  GrpcPlanDirectory(const std::string& address, const ClientTlsOptions& tls,
                    CallPolicy policy = {});
  absl::StatusOr<std::shared_ptr<const PlanSnapshot>> GetPlan(
      absl::string_view plan_name) override;

 private:
  const std::string callee_;
  const CallPolicy policy_;
  std::unique_ptr<plan::v1::PlanService::Stub> stub_;
};

// UnitAssignments over gRPC (ListAssignments by item or plan, every page).
class GrpcUnitAssignments : public UnitAssignments {
 public:
  GrpcUnitAssignments(const std::string& address, const ClientTlsOptions& tls,
                      CallPolicy policy = {});
  absl::StatusOr<Duties> ItemAssignments(absl::string_view item_name) override;
  absl::StatusOr<Duties> PlanAssignments(absl::string_view plan_name) override;

 private:
  absl::StatusOr<Duties> List(const unit::v1::ListAssignmentsRequest& first);

  const std::string callee_;
  const CallPolicy policy_;
  std::unique_ptr<unit::v1::UnitService::Stub> stub_;
};

// A bounded cache of successful answers, each kept for `ttl`. When full,
// expired entries are dropped first, then the oldest. Thread-safe.
template <typename V>
class TtlCache {
 public:
  using Clock = std::function<absl::Time()>;
  TtlCache(absl::Duration ttl, std::size_t max_entries, Clock clock)
      : ttl_(ttl), max_entries_(max_entries), clock_(std::move(clock)) {}

  // The cached value for `key`, or what `load` answers (cached when OK).
  // `fresh` skips the cached value.
  absl::StatusOr<V> Get(const std::string& key, bool fresh,
                        const std::function<absl::StatusOr<V>()>& load) {
    const absl::Time now = clock_();
    if (!fresh) {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(key);
      if (it != entries_.end() && it->second.expires > now) {
        return it->second.value;
      }
    }
    absl::StatusOr<V> loaded = load();
    if (!loaded.ok()) return loaded;
    absl::MutexLock lock(&mu_);
    if (entries_.size() >= max_entries_ && !entries_.count(key)) Evict(now);
    entries_[key] = Entry{*loaded, now + ttl_, now};
    return loaded;
  }

 private:
  struct Entry {
    V value;
    absl::Time expires;
    absl::Time stored;
  };
  void Evict(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
    }
    while (entries_.size() >= max_entries_ && !entries_.empty()) {
      auto oldest = entries_.begin();
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->second.stored < oldest->second.stored) oldest = it;
      }
      entries_.erase(oldest);
    }
  }

  const absl::Duration ttl_;
  const std::size_t max_entries_;
  const Clock clock_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

// How long answers of the other services are cached, and how many.
struct CacheOptions {
  absl::Duration ttl = absl::Seconds(15);
  std::size_t max_entries = 1000;
  std::function<absl::Time()> clock = absl::Now;
};

class CachedPlanDirectory : public PlanDirectory {
 public:
  // `inner` must outlive this.
  CachedPlanDirectory(PlanDirectory* inner, CacheOptions options = {});
  absl::StatusOr<std::shared_ptr<const PlanSnapshot>> GetPlan(
      absl::string_view plan_name) override;

 private:
  PlanDirectory* const inner_;
  TtlCache<std::shared_ptr<const PlanSnapshot>> cache_;
};

// Caches both lists; ItemAssignmentsFresh reloads and re-caches.
class CachedUnitAssignments : public UnitAssignments {
 public:
  CachedUnitAssignments(UnitAssignments* inner, CacheOptions options = {});
  absl::StatusOr<Duties> ItemAssignments(absl::string_view item_name) override;
  absl::StatusOr<Duties> PlanAssignments(absl::string_view plan_name) override;
  absl::StatusOr<Duties> ItemAssignmentsFresh(
      absl::string_view item_name) override;

 private:
  UnitAssignments* const inner_;
  TtlCache<Duties> cache_;
};

// progress-server's PlanOrganizationResolver (common/permissions.h): the
// issuing_organization of the plan as `plans` answers it, asked with the
// caller's credential (CallerBearerToken is set while calls are
// authorized), so a caller plan-server refuses learns nothing. Give it the
// cached directory the domain uses: the handler then finds the plan cached.
class DirectoryPlanOrganizations : public PlanOrganizationResolver {
 public:
  // `plans` must outlive this.
  explicit DirectoryPlanOrganizations(PlanDirectory* plans) : plans_(plans) {}
  // NOT_FOUND when the plan names no issuing organization; the directory's
  // error otherwise (PERMISSION_DENIED when plan-server refuses the caller).
  absl::StatusOr<std::string> OrganizationOfPlan(
      absl::string_view plan) override;

 private:
  PlanDirectory* const plans_;
};

}  // namespace duban::progress

#endif  // DUBAN_SERVICES_PROGRESS_DIRECTORY_H_
