#include "common/permissions.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace duban {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr Role kReporter = Role::kReporter;
constexpr Role kSupervisor = Role::kSupervisor;
constexpr Role kAdministrator = Role::kAdministrator;
constexpr Role kIntegrator = Role::kIntegrator;

// Reading: any role inside the organization; integrators everywhere.
std::vector<Grant> Readers() {
  return {{kReporter, GrantLevel::kMember},
          {kSupervisor, GrantLevel::kMember},
          {kAdministrator, GrantLevel::kMember},
          {kIntegrator, GrantLevel::kAnyScope}};
}

// Managing an organization's plans, units and assignments.
std::vector<Grant> Managers() {
  return {{kSupervisor, GrantLevel::kOrganization},
          {kAdministrator, GrantLevel::kOrganization}};
}

std::vector<Grant> Administrators() {
  return {{kAdministrator, GrantLevel::kOrganization}};
}

// Listings that name no organization: the handler filters them
// (OrganizationFilter).
std::vector<Grant> AnyRole() {
  return {{kReporter, GrantLevel::kAnyScope},
          {kSupervisor, GrantLevel::kAnyScope},
          {kAdministrator, GrantLevel::kAnyScope},
          {kIntegrator, GrantLevel::kAnyScope}};
}

std::vector<PermissionEntry> BuildTable() {
  const std::string plan = "/duban.plan.v1.PlanService/";
  const std::string unit = "/duban.unit.v1.UnitService/";
  const std::string progress = "/duban.progress.v1.ProgressService/";
  std::vector<PermissionEntry> t = {
      // --- plan service ---
      {plan + "ImportPlan", "plan.plans.import", {"organization"}, Managers()},
      {plan + "CreatePlan",
       "plan.plans.create",
       {"plan.issuing_organization"},
       Managers()},
      {plan + "GetPlan", "plan.plans.get", {"name"}, Readers()},
      {plan + "ListPlans", "plan.plans.list", {}, AnyRole()},
      // A draft moved to another organization needs the grant there too.
      {plan + "UpdatePlan",
       "plan.plans.update",
       {"plan.name"},
       Managers(),
       false,
       {"plan.issuing_organization"}},
      {plan + "DeletePlan", "plan.plans.delete", {"name"}, Managers()},
      {plan + "IssuePlan", "plan.plans.issue", {"name"}, Managers()},
      {plan + "ArchivePlan", "plan.plans.archive", {"name"}, Managers()},
      {plan + "GetItem", "plan.items.get", {"name"}, Readers()},
      {plan + "BatchGetItems", "plan.items.get", {"parent"}, Readers()},
      {plan + "ListItems", "plan.items.list", {"parent"}, Readers()},
      {plan + "UpdateItem", "plan.items.update", {"item.name"}, Managers()},
      {plan + "AmendItem", "plan.items.amend", {"item.name"}, Managers()},
      // --- unit service ---
      {unit + "CreateOrganization",
       "unit.organizations.create",
       {},
       {{kAdministrator, GrantLevel::kGlobal}}},
      {unit + "GetOrganization", "unit.organizations.get", {"name"}, Readers()},
      {unit + "ListOrganizations",
       "unit.organizations.list",
       {"parent"},
       AnyRole()},
      {unit + "UpdateOrganization",
       "unit.organizations.update",
       {"organization.name"},
       Administrators()},
      {unit + "DeleteOrganization",
       "unit.organizations.delete",
       {},
       {{kAdministrator, GrantLevel::kGlobal}}},
      {unit + "CreateUnit", "unit.units.create", {"parent"}, Managers()},
      {unit + "GetUnit", "unit.units.get", {"name"}, Readers()},
      {unit + "ListUnits", "unit.units.list", {"parent"}, Readers()},
      {unit + "UpdateUnit", "unit.units.update", {"unit.name"}, Managers()},
      {unit + "AddUnitAlias", "unit.units.update", {"name"}, Managers()},
      {unit + "RemoveUnitAlias", "unit.units.update", {"name"}, Managers()},
      {unit + "DeactivateUnit",
       "unit.units.deactivate",
       {"name"},
       Administrators()},
      {unit + "ResolveUnitNames",
       "unit.units.resolve",
       {"organization"},
       {{kSupervisor, GrantLevel::kOrganization},
        {kAdministrator, GrantLevel::kOrganization},
        {kIntegrator, GrantLevel::kAnyScope}}},
      {unit + "CreatePlanAssignments",
       "unit.assignments.create",
       {"organization", "plan"},
       Managers()},
      {unit + "CommitPlanAssignments",
       "unit.assignments.create",
       {"plan"},
       Managers()},
      {unit + "DiscardPlanAssignments",
       "unit.assignments.create",
       {"plan"},
       Managers()},
      {unit + "ListAssignments",
       "unit.assignments.list",
       {"unit", "item", "plan"},
       Readers()},
      {unit + "ListUnitResponsibilities",
       "unit.assignments.list",
       {"unit"},
       Readers()},
      {unit + "ReassignItem",
       "unit.assignments.reassign",
       {"to_unit", "from_unit", "item"},
       Managers()},
      // --- progress service ---
      {progress + "SetSchedule",
       "progress.schedules.set",
       {"schedule.name"},
       Managers()},
      {progress + "GetSchedule", "progress.schedules.get", {"name"}, Readers()},
      {progress + "SubmitReport",
       "progress.reports.submit",
       {"unit"},
       {{kReporter, GrantLevel::kUnit},
        {kSupervisor, GrantLevel::kOrganization},
        {kAdministrator, GrantLevel::kOrganization}}},
      {progress + "ReviewReport",
       "progress.reports.review",
       {"name"},
       Managers()},
      {progress + "GetReport", "progress.reports.get", {"name"}, Readers()},
      // The plan, which owns the data, before the unit, a filter.
      {progress + "ListReports",
       "progress.reports.list",
       {"parent", "unit"},
       Readers()},
      {progress + "ListRevisions",
       "progress.reports.list",
       {"parent"},
       Readers()},
      {progress + "ListOverdue",
       "progress.scorecards.get",
       {"plan", "unit"},
       Readers()},
      {progress + "GetScorecard",
       "progress.scorecards.get",
       {"plan", "unit"},
       Readers()},
      {progress + "GetPlanRollup",
       "progress.scorecards.get",
       {"plan"},
       Readers()},
      {progress + "WatchEvents",
       "progress.events.watch",
       {"organization", "plan"},
       Readers()},
      // --- every server: the audit trail (common/audit_server.h); an empty
      // organization reads the records without one: scope "*" only ---
      {"/duban.audit.v1.AuditService/ListAuditRecords",
       "audit.records.list",
       {"organization"},
       Managers()},
      // --- every server when authentication is on ---
      {"/duban.auth.v1.AuthService/WhoAmI", "auth.whoami", {}, {}, true},
  };
  return t;
}

// The value of a dotted string-field path, "" when unset or not a string.
std::string FieldValue(const Message& message, absl::string_view path) {
  const Message* current = &message;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field =
        current->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (field == nullptr || field->is_repeated()) return "";
    const auto* reflection = current->GetReflection();
    if (i + 1 == parts.size()) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return "";
      return reflection->GetString(*current, field);
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        !reflection->HasField(*current, field)) {
      return "";
    }
    current = &reflection->GetMessage(*current, field);
  }
  return "";
}

ResourceTarget ParseTarget(absl::string_view name) {
  ResourceTarget target;
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() >= 2 && parts[0] == "organizations" && !parts[1].empty()) {
    target.organization = std::string(parts[1]);
    if (parts.size() == 2) {
      target.kind = ResourceTarget::Kind::kOrganization;
      return target;
    }
    if (parts.size() >= 4 && parts[2] == "units" && !parts[3].empty()) {
      target.kind = ResourceTarget::Kind::kUnit;
      target.unit = std::string(parts[3]);
      return target;
    }
  } else if (parts.size() >= 2 && parts[0] == "plans" && !parts[1].empty()) {
    target.kind = ResourceTarget::Kind::kPlan;
    target.plan = absl::StrCat("plans/", parts[1]);
    return target;
  }
  ResourceTarget unparsed;
  unparsed.kind = ResourceTarget::Kind::kUnparsed;
  return unparsed;
}

bool Covers(const RoleBinding& binding, GrantLevel level,
            const ResourceTarget& target, const std::string* plan_org) {
  if (level == GrantLevel::kAnyScope) return true;
  if (binding.scope.kind == Scope::Kind::kAll) return true;
  if (level == GrantLevel::kGlobal) return false;
  std::string org;
  switch (target.kind) {
    case ResourceTarget::Kind::kNone:
    case ResourceTarget::Kind::kUnparsed:
      return false;
    case ResourceTarget::Kind::kOrganization:
    case ResourceTarget::Kind::kUnit:
      org = target.organization;
      break;
    case ResourceTarget::Kind::kPlan:
      // Unknown organization: only "*" (above) and kAnyScope grants.
      if (plan_org == nullptr || plan_org->empty()) return false;
      org = *plan_org;
      break;
  }
  if (binding.scope.organization != org) return false;
  switch (level) {
    case GrantLevel::kMember:
      return true;
    case GrantLevel::kOrganization:
      return binding.scope.kind == Scope::Kind::kOrganization;
    case GrantLevel::kUnit:
      return binding.scope.kind == Scope::Kind::kOrganization ||
             (target.kind == ResourceTarget::Kind::kUnit &&
              binding.scope.unit == target.unit);
    default:
      return false;
  }
}

}  // namespace

const std::vector<PermissionEntry>& PermissionTable() {
  static const auto* table = new std::vector<PermissionEntry>(BuildTable());
  return *table;
}

const PermissionEntry* FindPermission(absl::string_view method) {
  static const auto* index = [] {
    auto* map = new absl::flat_hash_map<std::string, const PermissionEntry*>;
    for (const PermissionEntry& entry : PermissionTable()) {
      (*map)[entry.method] = &entry;
    }
    return map;
  }();
  auto it = index->find(method);
  return it == index->end() ? nullptr : it->second;
}

ResourceTarget TargetOf(const PermissionEntry& entry, const Message& request) {
  for (const std::string& field : entry.scope_fields) {
    const std::string value = FieldValue(request, field);
    if (!value.empty()) return ParseTarget(value);
  }
  return ResourceTarget();
}

namespace {

bool IsGrantedFor(const PermissionEntry& entry, const Principal& principal,
                  const ResourceTarget& target, const std::string* plan_org) {
  if (entry.any_principal) return true;
  for (const RoleBinding& binding : principal.roles) {
    for (const Grant& grant : entry.grants) {
      if (grant.role != binding.role) continue;
      if (Covers(binding, grant.level, target, plan_org)) return true;
    }
  }
  return false;
}

absl::Status Denied(const PermissionEntry& entry) {
  return absl::PermissionDeniedError(
      absl::StrCat("permission ", entry.permission, " denied"));
}

}  // namespace

bool IsGranted(const PermissionEntry& entry, const Principal& principal,
               const ResourceTarget& target,
               PlanOrganizationResolver* resolver) {
  std::string plan_org;
  if (target.kind == ResourceTarget::Kind::kPlan && resolver != nullptr) {
    absl::StatusOr<std::string> org = resolver->OrganizationOfPlan(target.plan);
    if (org.ok()) plan_org = *org;
  }
  return IsGrantedFor(entry, principal, target, &plan_org);
}

namespace {

// Whether `principal` holds the entry's grant on `target`, looking up a
// plan's organization only when no grant holds without it.
absl::Status CheckTarget(const PermissionEntry& entry,
                         const Principal& principal,
                         const ResourceTarget& target,
                         PlanOrganizationResolver* resolver) {
  // Grants that hold whatever the plan's organization is need no lookup.
  if (IsGrantedFor(entry, principal, target, nullptr)) return absl::OkStatus();
  if (target.kind != ResourceTarget::Kind::kPlan || resolver == nullptr) {
    return Denied(entry);
  }
  absl::StatusOr<std::string> org = resolver->OrganizationOfPlan(target.plan);
  if (!org.ok()) {
    switch (org.status().code()) {
      case absl::StatusCode::kNotFound:
      case absl::StatusCode::kPermissionDenied:
      case absl::StatusCode::kUnauthenticated:
        return Denied(entry);
      default:
        // The lookup's own message may name another service's address.
        return absl::UnavailableError(
            absl::StrCat("permission ", entry.permission,
                         " cannot be checked now: the plan's organization "
                         "could not be looked up; retry"));
    }
  }
  if (IsGrantedFor(entry, principal, target, &*org)) return absl::OkStatus();
  return Denied(entry);
}

}  // namespace

absl::Status CheckPermission(const PermissionEntry& entry,
                             const Principal& principal, const Message& request,
                             PlanOrganizationResolver* resolver) {
  DUBAN_RETURN_IF_ERROR(
      CheckTarget(entry, principal, TargetOf(entry, request), resolver));
  for (const std::string& field : entry.also_scope_fields) {
    const std::string value = FieldValue(request, field);
    if (value.empty()) continue;
    DUBAN_RETURN_IF_ERROR(
        CheckTarget(entry, principal, ParseTarget(value), resolver));
  }
  return absl::OkStatus();
}

bool HoldsRoleInOrganization(const Principal& principal, Role role,
                             absl::string_view org) {
  absl::ConsumePrefix(&org, "organizations/");
  for (const RoleBinding& binding : principal.roles) {
    if (binding.role != role) continue;
    if (binding.scope.kind == Scope::Kind::kAll) return true;
    if (binding.scope.kind == Scope::Kind::kOrganization && !org.empty() &&
        binding.scope.organization == org) {
      return true;
    }
  }
  return false;
}

OrganizationFilter OrganizationFilter::All() {
  OrganizationFilter filter;
  filter.all_ = true;
  return filter;
}

OrganizationFilter OrganizationFilter::ReadableBy(const Principal* principal) {
  if (principal == nullptr) return All();
  OrganizationFilter filter;
  for (const RoleBinding& binding : principal->roles) {
    if (binding.scope.kind == Scope::Kind::kAll ||
        binding.role == Role::kIntegrator) {
      return All();
    }
    filter.organizations_.push_back(binding.scope.organization);
  }
  return filter;
}

bool OrganizationFilter::Admits(absl::string_view org) const {
  if (all_) return true;
  absl::ConsumePrefix(&org, "organizations/");
  if (org.empty()) return false;
  for (const std::string& readable : organizations_) {
    if (readable == org) return true;
  }
  return false;
}

}  // namespace duban
