// The permission table: for every RPC of the plan, unit and progress
// services (and AuthService.WhoAmI), the permission it needs, the request
// fields that name the resource it acts on, and which roles at which scope
// may call it. One table, checked before any handler runs
// (common/auth_server.h); tests assert that every RPC has an entry.
//
// The resource comes from the first non-empty field of the entry's list
// (dotted paths reach into sub-messages: "plan.name"), parsed as
// "organizations/{org}", "organizations/{org}/units/{unit}/..." or
// "plans/{plan}/...". No non-empty field: the request names nothing, and
// only a role whose level is kAnyScope, or a binding with scope "*", grants
// it.
//
// Plans: a request that names only a plan does not say its organization.
// Each server's PlanOrganizationResolver tells it (plan-server from its
// store, unit-server from its plan bindings, progress-server by asking
// plan-server with the caller's credential). A plan whose organization is
// unknown (no resolver, no such plan, no issuing organization yet) is
// granted only to bindings with scope "*" and to kAnyScope grants.
//
// List calls that name no organization (ListPlans, ListOrganizations) are
// granted to every role; their handlers return only what
// OrganizationFilter::ReadableBy admits.
#ifndef DUBAN_COMMON_PERMISSIONS_H_
#define DUBAN_COMMON_PERMISSIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth.h"
#include "google/protobuf/message.h"

namespace duban {

// How far a role binding's scope must reach for a grant to apply.
enum class GrantLevel {
  // The request's unit: a binding of that unit, of its organization, or "*".
  kUnit,
  // Any binding inside the request's organization (organization or one of
  // its units), or "*": reading.
  kMember,
  // The request's organization (or "*"); unit bindings do not suffice.
  kOrganization,
  // Any binding of the role, whatever its scope.
  kAnyScope,
  // Only a binding with scope "*".
  kGlobal,
};

struct Grant {
  Role role;
  GrantLevel level;
};

struct PermissionEntry {
  // "/duban.progress.v1.ProgressService/SubmitReport".
  std::string method;
  // "progress.reports.submit".
  std::string permission;
  // Request fields naming the resource, first non-empty wins.
  std::vector<std::string> scope_fields;
  std::vector<Grant> grants;
  // Any authenticated principal, whatever its roles (WhoAmI).
  bool any_principal = false;
  // Further fields naming a resource the call also reaches: each one set
  // must be granted too (UpdatePlan moving a draft to another
  // organization).
  std::vector<std::string> also_scope_fields = {};
};

// Every entry, in one table.
const std::vector<PermissionEntry>& PermissionTable();

// The entry of a full method name, or null.
const PermissionEntry* FindPermission(absl::string_view method);

// Finds the organization that issued a plan; every server sets one
// (ServerAuthOptions::resolver). Runs before the handler, on the handler's
// thread, where CallerBearerToken() is already the caller's.
class PlanOrganizationResolver {
 public:
  virtual ~PlanOrganizationResolver() = default;
  // The {org} id of `plan` ("plans/{plan}"). NOT_FOUND when the plan is
  // unknown or names no organization; PERMISSION_DENIED or UNAUTHENTICATED
  // when another service refused to say. All three deny the call unless a
  // "*" binding or a kAnyScope grant allows it. Any other error ends the
  // call with UNAVAILABLE.
  virtual absl::StatusOr<std::string> OrganizationOfPlan(
      absl::string_view plan) = 0;
};

// Which organizations' data a caller may read, for list calls that span
// organizations. Mirrors the reading grants of the table: any binding
// inside an organization reads it; a "*" binding or an INTEGRATOR binding
// reads everything.
class OrganizationFilter {
 public:
  // Admits everything (authentication off).
  static OrganizationFilter All();
  // What `principal` may read; null (authentication off): everything.
  static OrganizationFilter ReadableBy(const Principal* principal);

  // Whether the organization `org` (the {org} id, or
  // "organizations/{org}") is admitted. An empty name (data of no
  // organization yet) is admitted only when everything is.
  bool Admits(absl::string_view org) const;
  bool admits_all() const { return all_; }

 private:
  bool all_ = false;
  std::vector<std::string> organizations_;
};

// Checked by a handler beyond the table: SubmitReportRequest.backdate_to
// needs an ADMINISTRATOR of the plan's organization (or "*") when
// authentication is on.
inline constexpr char kBackdateReportsPermission[] =
    "progress.reports.backdate";

// Whether `principal` holds `role` with scope "*" or "organizations/{org}"
// (`org` the {org} id or "organizations/{org}"; a unit binding does not
// count).
bool HoldsRoleInOrganization(const Principal& principal, Role role,
                             absl::string_view org);

// What a request acts on, as the table's fields name it.
struct ResourceTarget {
  enum class Kind { kNone, kOrganization, kUnit, kPlan, kUnparsed };
  Kind kind = Kind::kNone;
  std::string organization;
  std::string unit;
  std::string plan;  // "plans/{plan}"
};

// Reads the target of `request` by the entry's fields.
ResourceTarget TargetOf(const PermissionEntry& entry,
                        const google::protobuf::Message& request);

// OK when `principal` may make the call; PERMISSION_DENIED naming the
// permission (never the request's data) otherwise; UNAVAILABLE when the
// plan's organization could not be looked up. `resolver` may be null.
absl::Status CheckPermission(const PermissionEntry& entry,
                             const Principal& principal,
                             const google::protobuf::Message& request,
                             PlanOrganizationResolver* resolver);

// The same with the target already read (tests); a resolver error counts
// as an unknown organization.
bool IsGranted(const PermissionEntry& entry, const Principal& principal,
               const ResourceTarget& target,
               PlanOrganizationResolver* resolver);

}  // namespace duban

#endif  // DUBAN_COMMON_PERMISSIONS_H_
