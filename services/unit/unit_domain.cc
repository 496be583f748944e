#include "services/unit/unit_domain.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/api.h"
#include "common/ids.h"
#include "common/status.h"
#include "services/unit/resolve.h"

namespace duban::unit {
namespace {

using v1::Assignment;
using v1::Organization;
using v1::Unit;
using v1::UnitNameResolution;

// Assignment writes of one organization share a version, so a busy
// organization may need a few attempts.
constexpr int kMaxWriteAttempts = 5;
constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMaxTextBytes = 1000;
constexpr std::size_t kMaxPrincipalBytes = 256;
constexpr int kMaxAliases = 50;
constexpr int kMaxMembers = 200;
constexpr int kMaxResolveNames = 1000;
constexpr int kMaxPlanEntries = 20000;
constexpr int kScanBatch = 1000;
constexpr int kMaxListed = 20;  // assignments or names quoted in one error
constexpr int kMaxHierarchyDepth = 64;

Organization Decorated(const StoredOrganization& stored) {
  Organization org = stored.organization;
  org.set_etag(EtagOf(stored.version));
  return org;
}

Unit Decorated(const StoredUnit& stored) {
  Unit unit = stored.unit;
  unit.set_etag(EtagOf(stored.version));
  return unit;
}

// A printed name: UTF-8, at most kMaxNameBytes, something left after
// normalization.
absl::Status ValidateName(absl::string_view field, absl::string_view value,
                          bool required) {
  DUBAN_RETURN_IF_ERROR(ValidateText(field, value, kMaxNameBytes, required));
  if (!value.empty() && NormalizeUnitName(value).text.empty()) {
    return InvalidField(field, value,
                        "holds nothing but spaces and punctuation");
  }
  return absl::OkStatus();
}

absl::Status ValidateOptionalRequestId(absl::string_view request_id) {
  if (request_id.empty()) return absl::OkStatus();
  return ValidateRequestId("request_id", request_id);
}

std::string OrganizationName(absl::string_view org_id) {
  return absl::StrCat("organizations/", org_id);
}

std::string UnitName(absl::string_view org_id, absl::string_view unit_id) {
  return absl::StrCat("organizations/", org_id, "/units/", unit_id);
}

// Assignment ids are flat and global: 80 random (or, for idempotent calls,
// request-derived) bits keep them apart across organizations.
std::string NewAssignmentName(absl::string_view seed) {
  const std::string basis = seed.empty() ? NewRequestId() : std::string(seed);
  return absl::StrCat("assignments/a-", Sha256Hex(basis).substr(0, 20));
}

std::string PrincipalOrUnknown(absl::string_view principal) {
  return principal.empty() ? std::string("unknown") : std::string(principal);
}

void SetActor(absl::string_view principal, absl::string_view request_id,
              absl::Time now, duban::type::v1::Actor* actor) {
  actor->set_principal(PrincipalOrUnknown(principal));
  actor->set_request_id(std::string(request_id));
  SetTimestamp(now, actor->mutable_time());
}

const std::string& RoleName(v1::Role role) { return v1::Role_Name(role); }

absl::Status ValidateRole(absl::string_view field, v1::Role role,
                          bool allow_unspecified) {
  if (role == v1::LEAD || role == v1::CO ||
      (allow_unspecified && role == v1::ROLE_UNSPECIFIED)) {
    return absl::OkStatus();
  }
  return InvalidField(
      field, v1::Role_IsValid(role) ? RoleName(role) : absl::StrCat(role),
      "must be LEAD or CO");
}

// "assignments/a-1 (plans/p/items/3, LEAD), …" for error messages.
std::string DescribeAssignments(const std::vector<Assignment>& assignments) {
  std::vector<std::string> parts;
  for (const Assignment& a : assignments) {
    if (static_cast<int>(parts.size()) == kMaxListed) {
      parts.push_back(
          absl::StrCat("and ", assignments.size() - kMaxListed, " more"));
      break;
    }
    parts.push_back(
        absl::StrCat(a.name(), " (", a.item(), ", ", RoleName(a.role()), ")"));
  }
  return absl::StrJoin(parts, ", ");
}

// The organization's names in the form they are compared in.
std::vector<std::string> OrganizationKeys(const Organization& org) {
  std::vector<std::string> keys;
  auto add = [&](const std::string& name) {
    std::string key = NormalizeUnitName(name).text;
    if (!key.empty() &&
        std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(std::move(key));
    }
  };
  add(org.display_name());
  for (const std::string& alias : org.aliases()) add(alias);
  return keys;
}

// Checks the unit's fields; answers the member unit ids.
absl::StatusOr<std::vector<std::string>> ValidateUnit(
    const Unit& unit, absl::string_view org_id, absl::string_view unit_id) {
  DUBAN_RETURN_IF_ERROR(
      ValidateName("unit.short_name", unit.short_name(), true));
  DUBAN_RETURN_IF_ERROR(
      ValidateName("unit.full_name", unit.full_name(), false));
  if (unit.aliases_size() > kMaxAliases) {
    return absl::InvalidArgumentError(
        absl::StrCat("unit.aliases: at most ", kMaxAliases, " allowed (got ",
                     unit.aliases_size(), ")"));
  }
  for (int i = 0; i < unit.aliases_size(); ++i) {
    DUBAN_RETURN_IF_ERROR(ValidateName(absl::StrCat("unit.aliases[", i, "]"),
                                       unit.aliases(i), true));
  }
  if (unit.kind() == Unit::KIND_UNSPECIFIED ||
      !Unit::Kind_IsValid(unit.kind())) {
    return InvalidField("unit.kind", absl::StrCat(unit.kind()),
                        "is required: OFFICE, AFFILIATED_UNIT, "
                        "PARTY_DEPARTMENT, DISCIPLINE_INSPECTION_GROUP, "
                        "WORKING_GROUP or PLACEHOLDER");
  }
  if (unit.members_size() > 0 && unit.kind() != Unit::WORKING_GROUP) {
    return InvalidField(
        "unit.members", unit.members(0),
        absl::StrCat("only WORKING_GROUP units have members (kind is ",
                     Unit::Kind_Name(unit.kind()), ")"));
  }
  if (unit.members_size() > kMaxMembers) {
    return absl::InvalidArgumentError(
        absl::StrCat("unit.members: at most ", kMaxMembers, " allowed (got ",
                     unit.members_size(), ")"));
  }
  std::vector<std::string> member_ids;
  for (int i = 0; i < unit.members_size(); ++i) {
    const std::string field = absl::StrCat("unit.members[", i, "]");
    DUBAN_ASSIGN_OR_RETURN(auto ids, ParseUnitName(field, unit.members(i)));
    if (ids.first != org_id) {
      return InvalidField(
          field, unit.members(i),
          absl::StrCat("must be a unit of ", OrganizationName(org_id)));
    }
    if (ids.second == unit_id) {
      return InvalidField(field, unit.members(i),
                          "a group cannot be its own member");
    }
    if (std::find(member_ids.begin(), member_ids.end(), ids.second) !=
        member_ids.end()) {
      return InvalidField(field, unit.members(i), "listed twice");
    }
    member_ids.push_back(ids.second);
  }
  return member_ids;
}

// The entries of a plan that no stored assignment came from: placeholders.
std::vector<v1::PlanAssignmentEntry> SkippedEntries(
    const v1::CreatePlanAssignmentsRequest& request,
    const std::vector<Assignment>& assignments) {
  absl::flat_hash_set<std::pair<std::string, std::string>> used;
  for (const Assignment& a : assignments) {
    used.insert({a.item(), a.printed_name()});
  }
  std::vector<v1::PlanAssignmentEntry> skipped;
  for (const auto& entry : request.entries()) {
    if (!used.contains({entry.item(), entry.printed_name()})) {
      skipped.push_back(entry);
    }
  }
  return skipped;
}

// Why a resolution cannot be assigned, or empty when it can.
std::string UnassignableReason(
    const UnitNameResolution& r,
    const absl::flat_hash_map<std::string, const Unit*>& units_by_name) {
  auto suggestions = [&]() {
    std::vector<std::string> parts;
    for (const auto& s : r.suggestions()) {
      parts.push_back(
          absl::StrCat(s.unit(), " \"", s.matched_name(), "\": ", s.reason()));
    }
    return absl::StrJoin(parts, "; ");
  };
  switch (r.outcome()) {
    case UnitNameResolution::RESOLVED:
      if (!r.unit_active())
        return absl::StrCat("unit ", r.unit(), " is inactive");
      return "";
    case UnitNameResolution::PLACEHOLDER:
      return "";
    case UnitNameResolution::GROUP: {
      if (r.unit().empty()) {
        std::string reason =
            "a group with no WORKING_GROUP unit of that name (create one with "
            "its members)";
        if (r.suggestions_size() > 0) {
          absl::StrAppend(&reason, "; did you mean: ", suggestions());
        }
        return reason;
      }
      auto it = units_by_name.find(r.unit());
      if (!r.unit_active() || it == units_by_name.end()) {
        return absl::StrCat("group unit ", r.unit(), " is inactive");
      }
      return "";
    }
    case UnitNameResolution::SUGGESTED:
      return absl::StrCat("no unit has this name; did you mean: ",
                          suggestions());
    default:
      return "no unit has this name and none resembles it";
  }
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> ParseUnitName(
    absl::string_view field, absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "organizations" || parts[2] != "units") {
    return InvalidField(field, name,
                        "must be \"organizations/{org}/units/{unit}\"");
  }
  DUBAN_RETURN_IF_ERROR(ValidateResourceId(field, parts[1]));
  DUBAN_RETURN_IF_ERROR(ValidateResourceId(field, parts[3]));
  return std::make_pair(std::string(parts[1]), std::string(parts[3]));
}

UnitDomain::UnitDomain(UnitStore* store, Clock clock)
    : store_(store), clock_(std::move(clock)) {}

// --- organizations -----------------------------------------------------------

absl::Status UnitDomain::CheckOrganizationNamesFree(const Organization& org) {
  // Organizations are few and rarely written: a scan is enough. Two
  // concurrent creates with one name may both pass; the check is for the
  // supervisor's mistakes, not a constraint the store enforces.
  const std::vector<std::string> keys = OrganizationKeys(org);
  std::string after;
  while (true) {
    DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           store_->ListOrganizationIds(after, 500));
    for (const std::string& id : ids) {
      after = id;
      if (OrganizationName(id) == org.name()) continue;
      auto other = store_->GetOrganization(id);
      if (other.status().code() == absl::StatusCode::kNotFound) continue;
      if (!other.ok()) return other.status();
      for (const std::string& key : OrganizationKeys(other->organization)) {
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
          return absl::AlreadyExistsError(
              absl::StrCat("organization: the name \"", key,
                           "\" is already used by organization \"",
                           OrganizationName(id), "\""));
        }
      }
    }
    if (ids.size() < 500) return absl::OkStatus();
  }
}

absl::Status UnitDomain::CheckParent(absl::string_view field,
                                     absl::string_view parent,
                                     absl::string_view org_id) {
  DUBAN_ASSIGN_OR_RETURN(std::string parent_id,
                         ParseOrganizationName(field, parent));
  std::string at = parent_id;
  for (int depth = 0; depth < kMaxHierarchyDepth && !at.empty(); ++depth) {
    if (at == org_id) {
      return InvalidField(field, parent,
                          absl::StrCat("would make ", OrganizationName(org_id),
                                       " its own ancestor"));
    }
    auto stored = store_->GetOrganization(at);
    if (stored.status().code() == absl::StatusCode::kNotFound) {
      if (at == parent_id) {
        return absl::NotFoundError(
            absl::StrCat(field, ": organization \"", parent, "\" not found"));
      }
      return absl::OkStatus();
    }
    if (!stored.ok()) return stored.status();
    const std::string& next = stored->organization.parent();
    at = next.empty() ? std::string() : LastSegment(next);
  }
  return absl::OkStatus();
}

absl::StatusOr<Organization> UnitDomain::CreateOrganization(
    const v1::CreateOrganizationRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(
      std::string id,
      ChooseResourceId("organization_id", request.organization_id(),
                       request.request_id(), "org"));
  const Organization& in = request.organization();
  DUBAN_RETURN_IF_ERROR(
      ValidateName("organization.display_name", in.display_name(), true));
  if (in.aliases_size() > kMaxAliases) {
    return absl::InvalidArgumentError(
        absl::StrCat("organization.aliases: at most ", kMaxAliases,
                     " allowed (got ", in.aliases_size(), ")"));
  }
  for (int i = 0; i < in.aliases_size(); ++i) {
    DUBAN_RETURN_IF_ERROR(ValidateName(
        absl::StrCat("organization.aliases[", i, "]"), in.aliases(i), true));
  }
  if (in.level() == Organization::LEVEL_UNSPECIFIED ||
      !Organization::Level_IsValid(in.level())) {
    return InvalidField("organization.level", absl::StrCat(in.level()),
                        "is required: PROVINCE, CITY, COUNTY, SCHOOL or OTHER");
  }
  if (!in.parent().empty()) {
    DUBAN_RETURN_IF_ERROR(CheckParent("organization.parent", in.parent(), id));
  }
  Organization org;
  org.set_name(OrganizationName(id));
  org.set_display_name(in.display_name());
  *org.mutable_aliases() = in.aliases();
  org.set_level(in.level());
  org.set_parent(in.parent());
  const absl::Time now = clock_();
  SetTimestamp(now, org.mutable_create_time());
  SetTimestamp(now, org.mutable_update_time());
  std::string body;
  in.SerializeToString(&body);
  const RequestKey key{request.request_id(),
                       Sha256Hex(absl::StrCat(id, "|", body))};
  // A retry finds its own organization holding the names: answer it first.
  if (!request.request_id().empty()) {
    auto existing = store_->GetOrganization(id);
    if (existing.ok()) {
      DUBAN_RETURN_IF_ERROR(store_->CreateOrganization(org, key).status());
      return Decorated(*existing);
    }
    if (existing.status().code() != absl::StatusCode::kNotFound) {
      return existing.status();
    }
  }
  DUBAN_RETURN_IF_ERROR(CheckOrganizationNamesFree(org));
  DUBAN_RETURN_IF_ERROR(store_->CreateOrganization(org, key).status());
  DUBAN_ASSIGN_OR_RETURN(StoredOrganization stored,
                         store_->GetOrganization(id));
  return Decorated(stored);
}

absl::StatusOr<Organization> UnitDomain::GetOrganization(
    const v1::GetOrganizationRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string id,
                         ParseOrganizationName("name", request.name()));
  DUBAN_ASSIGN_OR_RETURN(StoredOrganization stored,
                         store_->GetOrganization(id));
  return Decorated(stored);
}

absl::StatusOr<v1::ListOrganizationsResponse> UnitDomain::ListOrganizations(
    const v1::ListOrganizationsRequest& request,
    const OrganizationFilter& readable) {
  DUBAN_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size(), 50, 500));
  std::string after;
  if (!request.page_token().empty()) {
    DUBAN_ASSIGN_OR_RETURN(after, DecodePageToken(request.page_token()));
  }
  if (!request.parent().empty()) {
    DUBAN_RETURN_IF_ERROR(
        ParseOrganizationName("parent", request.parent()).status());
  }
  DUBAN_RETURN_IF_ERROR(
      ValidateName("printed_name", request.printed_name(), false));
  const std::string printed_key =
      request.printed_name().empty()
          ? std::string()
          : NormalizeUnitName(request.printed_name()).text;
  v1::ListOrganizationsResponse response;
  DUBAN_ASSIGN_OR_RETURN(
      std::optional<std::string> next,
      FillPage(
          after, page_size,
          [&](const std::string& from, int limit) {
            return store_->ListOrganizationIds(from, limit);
          },
          [](const std::string& id) { return id; },
          [&](const std::string& id, bool page_full) -> absl::StatusOr<bool> {
            auto stored = store_->GetOrganization(id);
            if (stored.status().code() == absl::StatusCode::kNotFound) {
              return false;  // deleted meanwhile
            }
            if (!stored.ok()) return stored.status();
            const Organization& org = stored->organization;
            if (!readable.Admits(id)) return false;
            if (!request.parent().empty() && org.parent() != request.parent()) {
              return false;
            }
            if (!printed_key.empty()) {
              const auto keys = OrganizationKeys(org);
              if (std::find(keys.begin(), keys.end(), printed_key) ==
                  keys.end()) {
                return false;
              }
            }
            if (!page_full) *response.add_organizations() = Decorated(*stored);
            return true;
          }));
  if (next.has_value()) response.set_next_page_token(EncodePageToken(*next));
  return response;
}

absl::StatusOr<Organization> UnitDomain::UpdateOrganization(
    const v1::UpdateOrganizationRequest& request) {
  static const std::set<std::string> kAllowed = {"display_name", "aliases",
                                                 "level", "parent"};
  const Organization& in = request.organization();
  DUBAN_ASSIGN_OR_RETURN(std::string id,
                         ParseOrganizationName("organization.name", in.name()));
  DUBAN_RETURN_IF_ERROR(ValidateUpdateMask(request.update_mask(), kAllowed));
  const auto& mask = request.update_mask();
  if (InMask(mask, "display_name")) {
    DUBAN_RETURN_IF_ERROR(
        ValidateName("organization.display_name", in.display_name(), true));
  }
  if (InMask(mask, "aliases")) {
    if (in.aliases_size() > kMaxAliases) {
      return absl::InvalidArgumentError(
          absl::StrCat("organization.aliases: at most ", kMaxAliases,
                       " allowed (got ", in.aliases_size(), ")"));
    }
    for (int i = 0; i < in.aliases_size(); ++i) {
      DUBAN_RETURN_IF_ERROR(ValidateName(
          absl::StrCat("organization.aliases[", i, "]"), in.aliases(i), true));
    }
  }
  if (InMask(mask, "level") && (in.level() == Organization::LEVEL_UNSPECIFIED ||
                                !Organization::Level_IsValid(in.level()))) {
    return InvalidField("organization.level", absl::StrCat(in.level()),
                        "is required: PROVINCE, CITY, COUNTY, SCHOOL or OTHER");
  }
  if (InMask(mask, "parent") && !in.parent().empty()) {
    DUBAN_RETURN_IF_ERROR(CheckParent("organization.parent", in.parent(), id));
  }
  return WithRetryOnConflict(
      kMaxWriteAttempts, [&]() -> absl::StatusOr<Organization> {
        DUBAN_ASSIGN_OR_RETURN(StoredOrganization stored,
                               store_->GetOrganization(id));
        DUBAN_RETURN_IF_ERROR(CheckEtag("organization.etag", in.etag(),
                                        stored.version, in.name()));
        Organization org = stored.organization;
        for (const std::string& path : mask.paths()) {
          if (path == "display_name") org.set_display_name(in.display_name());
          if (path == "aliases") *org.mutable_aliases() = in.aliases();
          if (path == "level") org.set_level(in.level());
          if (path == "parent") org.set_parent(in.parent());
        }
        if (InMask(mask, "display_name") || InMask(mask, "aliases")) {
          DUBAN_RETURN_IF_ERROR(CheckOrganizationNamesFree(org));
        }
        SetTimestamp(clock_(), org.mutable_update_time());
        DUBAN_ASSIGN_OR_RETURN(int64_t version,
                               store_->UpdateOrganization(org, stored.version));
        return Decorated(StoredOrganization{org, version});
      });
}

absl::Status UnitDomain::DeleteOrganization(
    const v1::DeleteOrganizationRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string id,
                         ParseOrganizationName("name", request.name()));
  return WithRetryOnConflict(
             kMaxWriteAttempts,
             [&]() -> absl::StatusOr<bool> {
               DUBAN_ASSIGN_OR_RETURN(StoredOrganization stored,
                                      store_->GetOrganization(id));
               DUBAN_RETURN_IF_ERROR(CheckEtag("etag", request.etag(),
                                               stored.version, request.name()));
               v1::ListOrganizationsRequest children;
               children.set_parent(request.name());
               children.set_page_size(1);
               DUBAN_ASSIGN_OR_RETURN(auto listed, ListOrganizations(children));
               if (listed.organizations_size() > 0) {
                 return absl::FailedPreconditionError(absl::StrCat(
                     "organization \"", request.name(),
                     "\" is the parent of \"", listed.organizations(0).name(),
                     "\"; delete or re-parent its children first"));
               }
               DUBAN_RETURN_IF_ERROR(
                   store_->DeleteOrganization(id, stored.version));
               return true;
             })
      .status();
}

// --- units
// ---------------------------------------------------------------------

absl::StatusOr<Unit> UnitDomain::CreateUnit(
    const v1::CreateUnitRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string org_id,
                         ParseOrganizationName("parent", request.parent()));
  DUBAN_ASSIGN_OR_RETURN(std::string unit_id,
                         ChooseResourceId("unit_id", request.unit_id(),
                                          request.request_id(), "unit"));
  const Unit& in = request.unit();
  DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> member_ids,
                         ValidateUnit(in, org_id, unit_id));
  Unit unit;
  unit.set_name(UnitName(org_id, unit_id));
  unit.set_short_name(in.short_name());
  unit.set_full_name(in.full_name());
  *unit.mutable_aliases() = in.aliases();
  unit.set_kind(in.kind());
  *unit.mutable_members() = in.members();
  unit.set_active(true);
  const absl::Time now = clock_();
  SetTimestamp(now, unit.mutable_create_time());
  SetTimestamp(now, unit.mutable_update_time());
  std::string body;
  in.SerializeToString(&body);
  const RequestKey key{
      request.request_id(),
      Sha256Hex(absl::StrCat(org_id, "|", unit_id, "|", body))};
  DUBAN_RETURN_IF_ERROR(
      store_->CreateUnit(org_id, unit, UnitNameKeys(unit), member_ids, key)
          .status());
  DUBAN_ASSIGN_OR_RETURN(StoredUnit stored, store_->GetUnit(org_id, unit_id));
  return Decorated(stored);
}

absl::StatusOr<Unit> UnitDomain::GetUnit(const v1::GetUnitRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(auto ids, ParseUnitName("name", request.name()));
  DUBAN_ASSIGN_OR_RETURN(StoredUnit stored,
                         store_->GetUnit(ids.first, ids.second));
  return Decorated(stored);
}

absl::StatusOr<v1::ListUnitsResponse> UnitDomain::ListUnits(
    const v1::ListUnitsRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string org_id,
                         ParseOrganizationName("parent", request.parent()));
  DUBAN_ASSIGN_OR_RETURN(int page_size,
                         PageSize(request.page_size(), 100, 1000));
  if (!Unit::Kind_IsValid(request.kind())) {
    return InvalidField("kind", absl::StrCat(request.kind()), "unknown kind");
  }
  std::string after;
  if (!request.page_token().empty()) {
    DUBAN_ASSIGN_OR_RETURN(after, DecodePageToken(request.page_token()));
  }
  DUBAN_ASSIGN_OR_RETURN(std::vector<StoredUnit> units,
                         store_->ListUnits(org_id));
  v1::ListUnitsResponse response;
  std::string last_included;
  for (const StoredUnit& stored : units) {
    const std::string id = LastSegment(stored.unit.name());
    if (!after.empty() && id <= after) continue;
    if (request.kind() != Unit::KIND_UNSPECIFIED &&
        stored.unit.kind() != request.kind()) {
      continue;
    }
    if (request.has_active() && stored.unit.active() != request.active()) {
      continue;
    }
    if (response.units_size() == page_size) {
      response.set_next_page_token(EncodePageToken(last_included));
      break;
    }
    *response.add_units() = Decorated(stored);
    last_included = id;
  }
  return response;
}

absl::StatusOr<Unit> UnitDomain::ChangeUnit(
    absl::string_view name, absl::string_view etag_field,
    absl::string_view etag,
    const std::function<absl::StatusOr<bool>(Unit*)>& change) {
  DUBAN_ASSIGN_OR_RETURN(auto ids, ParseUnitName("name", name));
  return WithRetryOnConflict(kMaxWriteAttempts, [&]() -> absl::StatusOr<Unit> {
    DUBAN_ASSIGN_OR_RETURN(StoredUnit stored,
                           store_->GetUnit(ids.first, ids.second));
    DUBAN_RETURN_IF_ERROR(CheckEtag(etag_field, etag, stored.version, name));
    Unit unit = stored.unit;
    DUBAN_ASSIGN_OR_RETURN(bool changed, change(&unit));
    if (!changed) return Decorated(stored);
    DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> member_ids,
                           ValidateUnit(unit, ids.first, ids.second));
    SetTimestamp(clock_(), unit.mutable_update_time());
    DUBAN_ASSIGN_OR_RETURN(
        int64_t version, store_->UpdateUnit(ids.first, unit, UnitNameKeys(unit),
                                            member_ids, stored.version));
    return Decorated(StoredUnit{unit, version});
  });
}

absl::StatusOr<Unit> UnitDomain::UpdateUnit(
    const v1::UpdateUnitRequest& request) {
  static const std::set<std::string> kAllowed = {
      "short_name", "full_name", "aliases", "kind", "members", "active"};
  const Unit& in = request.unit();
  DUBAN_RETURN_IF_ERROR(ParseUnitName("unit.name", in.name()).status());
  DUBAN_RETURN_IF_ERROR(ValidateUpdateMask(request.update_mask(), kAllowed));
  const auto& mask = request.update_mask();
  if (InMask(mask, "active") && !in.active()) {
    return InvalidField("unit.active", "false",
                        "use DeactivateUnit to deactivate a unit (it checks "
                        "the unit's assignments)");
  }
  return ChangeUnit(in.name(), "unit.etag", in.etag(),
                    [&](Unit* unit) -> absl::StatusOr<bool> {
                      for (const std::string& path : mask.paths()) {
                        if (path == "short_name") {
                          unit->set_short_name(in.short_name());
                        }
                        if (path == "full_name")
                          unit->set_full_name(in.full_name());
                        if (path == "aliases")
                          *unit->mutable_aliases() = in.aliases();
                        if (path == "kind") unit->set_kind(in.kind());
                        if (path == "members")
                          *unit->mutable_members() = in.members();
                        if (path == "active") unit->set_active(true);
                      }
                      return true;
                    });
}

absl::StatusOr<Unit> UnitDomain::AddUnitAlias(
    const v1::AddUnitAliasRequest& request) {
  DUBAN_RETURN_IF_ERROR(ParseUnitName("name", request.name()).status());
  DUBAN_RETURN_IF_ERROR(ValidateName("alias", request.alias(), true));
  const std::string key = NormalizeUnitName(request.alias()).text;
  return ChangeUnit(
      request.name(), "etag", request.etag(),
      [&](Unit* unit) -> absl::StatusOr<bool> {
        const auto keys = UnitNameKeys(*unit);
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
          return false;  // the unit already has this name
        }
        unit->add_aliases(request.alias());
        return true;
      });
}

absl::StatusOr<Unit> UnitDomain::RemoveUnitAlias(
    const v1::RemoveUnitAliasRequest& request) {
  DUBAN_RETURN_IF_ERROR(ParseUnitName("name", request.name()).status());
  DUBAN_RETURN_IF_ERROR(ValidateName("alias", request.alias(), true));
  const std::string key = NormalizeUnitName(request.alias()).text;
  return ChangeUnit(
      request.name(), "etag", request.etag(),
      [&](Unit* unit) -> absl::StatusOr<bool> {
        auto* aliases = unit->mutable_aliases();
        const int before = aliases->size();
        aliases->erase(std::remove_if(aliases->begin(), aliases->end(),
                                      [&](const std::string& alias) {
                                        return NormalizeUnitName(alias).text ==
                                               key;
                                      }),
                       aliases->end());
        return aliases->size() != before;
      });
}

absl::StatusOr<v1::DeactivateUnitResponse> UnitDomain::DeactivateUnit(
    const v1::DeactivateUnitRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(auto ids, ParseUnitName("name", request.name()));
  const std::string& org_id = ids.first;
  std::string to_id;
  if (!request.reassign_to().empty()) {
    DUBAN_ASSIGN_OR_RETURN(auto to,
                           ParseUnitName("reassign_to", request.reassign_to()));
    if (to.first != org_id) {
      return InvalidField(
          "reassign_to", request.reassign_to(),
          absl::StrCat("must be a unit of ", OrganizationName(org_id)));
    }
    if (to.second == ids.second) {
      return InvalidField("reassign_to", request.reassign_to(),
                          "must differ from name");
    }
    to_id = to.second;
  }
  DUBAN_RETURN_IF_ERROR(ValidateText("reason", request.reason(), kMaxTextBytes,
                                     !request.reassign_to().empty()));
  DUBAN_RETURN_IF_ERROR(ValidateText("principal", request.principal(),
                                     kMaxPrincipalBytes, false));
  DUBAN_RETURN_IF_ERROR(ValidateOptionalRequestId(request.request_id()));

  return WithRetryOnConflict(
      kMaxWriteAttempts, [&]() -> absl::StatusOr<v1::DeactivateUnitResponse> {
        DUBAN_ASSIGN_OR_RETURN(int64_t version,
                               store_->GetAssignmentVersion(org_id));
        DUBAN_ASSIGN_OR_RETURN(StoredUnit stored,
                               store_->GetUnit(org_id, ids.second));
        v1::DeactivateUnitResponse response;
        if (!stored.unit.active()) {  // done before (or a retry of this call)
          *response.mutable_unit() = Decorated(stored);
          return response;
        }
        DUBAN_RETURN_IF_ERROR(
            CheckEtag("etag", request.etag(), stored.version, request.name()));
        DUBAN_ASSIGN_OR_RETURN(
            std::vector<StoredAssignment> held,
            ScanAll(org_id, {AssignmentScope::Kind::kUnit, ids.second}));
        std::vector<Assignment> active;
        std::set<std::string> pending_plans;
        for (const StoredAssignment& s : held) {
          if (s.assignment.state() == Assignment::ACTIVE)
            active.push_back(s.assignment);
          if (s.assignment.state() == Assignment::PENDING) {
            pending_plans.insert(s.assignment.plan());
          }
        }
        if (!pending_plans.empty()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "unit \"", request.name(), "\" has PENDING assignments of ",
              absl::StrJoin(pending_plans, ", "),
              "; they must be committed or discarded before it is "
              "deactivated"));
        }
        if (!active.empty() && to_id.empty()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "unit \"", request.name(), "\" still holds ", active.size(),
              " active assignment(s): ", DescribeAssignments(active),
              "; pass reassign_to to hand them over, or reassign them first"));
        }
        AssignmentWrite write;
        write.expected_version = version;
        write.unit_versions.push_back({ids.second, stored.version});
        const absl::Time now = clock_();
        if (!active.empty()) {
          auto to = store_->GetUnit(org_id, to_id);
          if (to.status().code() == absl::StatusCode::kNotFound) {
            return absl::NotFoundError(absl::StrCat(
                "reassign_to: unit \"", request.reassign_to(), "\" not found"));
          }
          if (!to.ok()) return to.status();
          if (!to->unit.active()) {
            return absl::FailedPreconditionError(
                absl::StrCat("reassign_to: unit \"", request.reassign_to(),
                             "\" is inactive and cannot take assignments"));
          }
          if (to->unit.kind() == Unit::PLACEHOLDER) {
            return absl::FailedPreconditionError(absl::StrCat(
                "reassign_to: unit \"", request.reassign_to(),
                "\" is a PLACEHOLDER and cannot take assignments"));
          }
          write.unit_versions.push_back({to_id, to->version});
          // What the new unit already answers for, by item.
          DUBAN_ASSIGN_OR_RETURN(
              std::vector<StoredAssignment> to_held,
              ScanAll(org_id, {AssignmentScope::Kind::kUnit, to_id}));
          std::map<std::string, Assignment> to_active;
          for (const StoredAssignment& s : to_held) {
            if (s.assignment.state() == Assignment::ACTIVE) {
              to_active[s.assignment.item()] = s.assignment;
            }
          }
          for (const Assignment& old : active) {
            Assignment ended = old;
            ended.set_state(Assignment::ENDED);
            SetActor(request.principal(), request.request_id(), now,
                     ended.mutable_ended());
            ended.set_end_reason(request.reason());
            write.put.push_back(ended);
            *response.add_ended() = ended;
            auto existing = to_active.find(old.item());
            if (existing != to_active.end()) {
              if (old.role() == v1::LEAD &&
                  existing->second.role() != v1::LEAD) {
                existing->second.set_role(v1::LEAD);
                write.put.push_back(existing->second);
                *response.add_reassigned() = existing->second;
              }
              continue;
            }
            Assignment taken;
            taken.set_name(NewAssignmentName(
                request.request_id().empty()
                    ? std::string()
                    : absl::StrCat("deactivate|", request.name(), "|",
                                   request.request_id(), "|", old.name())));
            taken.set_item(old.item());
            taken.set_plan(old.plan());
            taken.set_unit(request.reassign_to());
            taken.set_role(old.role());
            taken.set_state(Assignment::ACTIVE);
            SetActor(request.principal(), request.request_id(), now,
                     taken.mutable_assigned());
            taken.set_replaces(old.name());
            to_active[old.item()] = taken;
            write.put.push_back(taken);
            *response.add_reassigned() = taken;
          }
        }
        Unit unit = stored.unit;
        unit.set_active(false);
        SetTimestamp(now, unit.mutable_update_time());
        write.units.push_back(unit);
        DUBAN_RETURN_IF_ERROR(store_->WriteAssignments(org_id, write).status());
        *response.mutable_unit() =
            Decorated(StoredUnit{unit, stored.version + 1});
        return response;
      });
}

// --- resolution
// ----------------------------------------------------------------

absl::StatusOr<v1::ResolveUnitNamesResponse> UnitDomain::ResolveUnitNames(
    const v1::ResolveUnitNamesRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(
      std::string org_id,
      ParseOrganizationName("organization", request.organization()));
  if (request.names().empty() || request.names_size() > kMaxResolveNames) {
    return absl::InvalidArgumentError(
        absl::StrCat("names: 1 to ", kMaxResolveNames, " names per call (got ",
                     request.names_size(), ")"));
  }
  for (int i = 0; i < request.names_size(); ++i) {
    DUBAN_RETURN_IF_ERROR(ValidateText(absl::StrCat("names[", i, "]"),
                                       request.names(i), kMaxNameBytes, true));
  }
  DUBAN_ASSIGN_OR_RETURN(std::vector<StoredUnit> stored,
                         store_->ListUnits(org_id));
  std::vector<Unit> units;
  units.reserve(stored.size());
  for (StoredUnit& s : stored) units.push_back(std::move(s.unit));
  v1::ResolveUnitNamesResponse response;
  for (const std::string& name : request.names()) {
    *response.add_resolutions() = ResolveUnitName(name, units);
  }
  return response;
}

// --- assignments
// ---------------------------------------------------------------

absl::StatusOr<std::vector<StoredAssignment>> UnitDomain::ScanAll(
    absl::string_view org_id, const AssignmentScope& scope) {
  std::vector<StoredAssignment> all;
  int64_t after = 0;
  while (true) {
    DUBAN_ASSIGN_OR_RETURN(
        std::vector<StoredAssignment> batch,
        store_->ScanAssignments(org_id, scope, after, kScanBatch));
    for (StoredAssignment& s : batch) {
      after = s.seq;
      all.push_back(std::move(s));
    }
    if (static_cast<int>(batch.size()) < kScanBatch) return all;
  }
}

absl::StatusOr<std::pair<std::vector<Assignment>, std::string>>
UnitDomain::ListFiltered(absl::string_view org_id, const AssignmentScope& scope,
                         int page_size, absl::string_view page_token,
                         const std::function<bool(const Assignment&)>& keep) {
  int64_t after = 0;
  if (!page_token.empty()) {
    DUBAN_ASSIGN_OR_RETURN(std::string raw, DecodePageToken(page_token));
    if (!absl::SimpleAtoi(raw, &after) || after < 0) {
      return InvalidField("page_token", page_token,
                          "not a token from a previous response");
    }
  }
  std::vector<Assignment> page;
  DUBAN_ASSIGN_OR_RETURN(
      std::optional<int64_t> next,
      FillPage(
          after, page_size,
          [&](int64_t from, int limit) {
            return store_->ScanAssignments(org_id, scope, from, limit);
          },
          [](const StoredAssignment& s) { return s.seq; },
          [&](StoredAssignment& s, bool page_full) -> absl::StatusOr<bool> {
            if (!keep(s.assignment)) return false;
            if (!page_full) page.push_back(std::move(s.assignment));
            return true;
          }));
  return std::make_pair(
      std::move(page),
      next.has_value() ? EncodePageToken(absl::StrCat(*next)) : std::string());
}

absl::StatusOr<v1::CreatePlanAssignmentsResponse>
UnitDomain::CreatePlanAssignments(
    const v1::CreatePlanAssignmentsRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(
      std::string org_id,
      ParseOrganizationName("organization", request.organization()));
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("plan", request.plan()));
  DUBAN_RETURN_IF_ERROR(ValidateRequestId("request_id", request.request_id()));
  DUBAN_RETURN_IF_ERROR(ValidateText("principal", request.principal(),
                                     kMaxPrincipalBytes, false));
  if (request.entries_size() > kMaxPlanEntries) {
    return absl::InvalidArgumentError(
        absl::StrCat("entries: at most ", kMaxPlanEntries, " per plan (got ",
                     request.entries_size(), ")"));
  }
  for (int i = 0; i < request.entries_size(); ++i) {
    const auto& entry = request.entries(i);
    const std::string prefix = absl::StrCat("entries[", i, "]");
    DUBAN_ASSIGN_OR_RETURN(
        auto item, ParseItemName(absl::StrCat(prefix, ".item"), entry.item()));
    if (item.first != plan_id) {
      return InvalidField(absl::StrCat(prefix, ".item"), entry.item(),
                          absl::StrCat("not an item of ", request.plan()));
    }
    DUBAN_RETURN_IF_ERROR(ValidateName(absl::StrCat(prefix, ".printed_name"),
                                       entry.printed_name(), true));
    DUBAN_RETURN_IF_ERROR(
        ValidateRole(absl::StrCat(prefix, ".role"), entry.role(), false));
  }
  std::string body;
  for (const auto& entry : request.entries()) {
    absl::StrAppend(&body, entry.SerializeAsString().size(), ":",
                    entry.SerializeAsString());
  }
  const std::string fingerprint = Sha256Hex(
      absl::StrCat(org_id, "|", plan_id, "|", request.principal(), "|", body));

  // The response for assignments as stored (a replay, or after the write).
  auto answer = [&](std::vector<Assignment> assignments)
      -> v1::CreatePlanAssignmentsResponse {
    v1::CreatePlanAssignmentsResponse response;
    for (auto& entry : SkippedEntries(request, assignments)) {
      *response.add_skipped() = std::move(entry);
    }
    for (auto& a : assignments) *response.add_assignments() = std::move(a);
    return response;
  };
  auto stored_answer =
      [&]() -> absl::StatusOr<v1::CreatePlanAssignmentsResponse> {
    DUBAN_ASSIGN_OR_RETURN(
        std::vector<StoredAssignment> stored,
        ScanAll(org_id, {AssignmentScope::Kind::kPlan, plan_id}));
    std::vector<Assignment> assignments;
    for (auto& s : stored) assignments.push_back(std::move(s.assignment));
    return answer(std::move(assignments));
  };

  return WithRetryOnConflict(
      kMaxWriteAttempts,
      [&]() -> absl::StatusOr<v1::CreatePlanAssignmentsResponse> {
        // Where the plan's assignments live, if anywhere yet.
        DUBAN_ASSIGN_OR_RETURN(std::string bound,
                               store_->GetPlanOrganization(plan_id));
        std::string replace;
        if (!bound.empty() && bound != org_id) {
          DUBAN_ASSIGN_OR_RETURN(auto other,
                                 store_->GetPlanRecord(bound, plan_id));
          if (other.has_value()) return PlanBoundElsewhere(plan_id, bound);
          replace = bound;  // bound by an attempt that stored nothing
        }
        DUBAN_ASSIGN_OR_RETURN(auto record,
                               store_->GetPlanRecord(org_id, plan_id));
        if (record.has_value()) {
          if (record->request_id != request.request_id()) {
            return PlanAssignmentsExist(plan_id);
          }
          if (record->fingerprint != fingerprint) {
            return RequestIdReused(request.request_id());
          }
          return stored_answer();
        }

        DUBAN_ASSIGN_OR_RETURN(std::vector<StoredUnit> stored_units,
                               store_->ListUnits(org_id));
        std::vector<Unit> units;
        absl::flat_hash_map<std::string, int64_t> versions;
        for (const StoredUnit& s : stored_units) {
          units.push_back(s.unit);
          versions[s.unit.name()] = s.version;
        }
        absl::flat_hash_map<std::string, const Unit*> by_name;
        for (const Unit& unit : units) by_name[unit.name()] = &unit;

        // Resolve each distinct printed name once.
        std::map<std::string, UnitNameResolution> resolved;
        std::vector<std::string> problems;
        int unresolved = 0;
        for (const auto& entry : request.entries()) {
          if (resolved.count(entry.printed_name()) > 0) continue;
          UnitNameResolution r = ResolveUnitName(entry.printed_name(), units);
          const std::string reason = UnassignableReason(r, by_name);
          if (!reason.empty()) {
            ++unresolved;
            if (static_cast<int>(problems.size()) < kMaxListed) {
              problems.push_back(absl::StrCat("\"", entry.printed_name(),
                                              "\" (", entry.item(),
                                              "): ", reason));
            }
          }
          resolved.emplace(entry.printed_name(), std::move(r));
        }
        if (unresolved > 0) {
          if (unresolved > kMaxListed) {
            problems.push_back(
                absl::StrCat("and ", unresolved - kMaxListed, " more"));
          }
          return absl::FailedPreconditionError(absl::StrCat(
              "entries: ", unresolved, " printed unit name(s) of ",
              request.plan(), " do not resolve to an active unit of ",
              request.organization(), ": ", absl::StrJoin(problems, " | ")));
        }

        // Build the assignments in entry order, one per (item, unit).
        const absl::Time now = clock_();
        std::vector<Assignment> assignments;
        std::map<std::pair<std::string, std::string>, std::size_t> seen;
        std::set<std::string> used_units;
        auto assign = [&](const v1::PlanAssignmentEntry& entry, int index,
                          const Unit& unit, absl::string_view via_group) {
          used_units.insert(unit.name());
          const auto key = std::make_pair(entry.item(), unit.name());
          auto it = seen.find(key);
          if (it != seen.end()) {
            if (entry.role() == v1::LEAD)
              assignments[it->second].set_role(v1::LEAD);
            return;
          }
          Assignment a;
          a.set_name(NewAssignmentName(absl::StrCat(
              "plan|", org_id, "|", plan_id, "|", request.request_id(), "|",
              index, "|", unit.name())));
          a.set_item(entry.item());
          a.set_plan(request.plan());
          a.set_unit(unit.name());
          a.set_role(entry.role());
          a.set_state(Assignment::PENDING);
          a.set_printed_name(entry.printed_name());
          a.set_via_group(std::string(via_group));
          SetActor(request.principal(), request.request_id(), now,
                   a.mutable_assigned());
          seen[key] = assignments.size();
          assignments.push_back(std::move(a));
        };
        for (int i = 0; i < request.entries_size(); ++i) {
          const auto& entry = request.entries(i);
          const UnitNameResolution& r = resolved.at(entry.printed_name());
          if (r.outcome() == UnitNameResolution::PLACEHOLDER) continue;
          const Unit& unit = *by_name.at(r.unit());
          if (r.outcome() == UnitNameResolution::GROUP) {
            std::vector<const Unit*> members;
            for (const std::string& member : unit.members()) {
              auto it = by_name.find(member);
              if (it != by_name.end() && it->second->active() &&
                  it->second->kind() != Unit::PLACEHOLDER) {
                members.push_back(it->second);
              }
            }
            if (!members.empty()) {
              used_units.insert(unit.name());  // its member list was relied on
              for (const Unit* member : members) {
                assign(entry, i, *member, unit.name());
              }
              continue;
            }
          }
          assign(entry, i, unit, "");
        }

        AssignmentWrite write;
        write.plan_op = AssignmentWrite::PlanOp::kCreate;
        write.plan_id = plan_id;
        write.plan_record.request_id = request.request_id();
        write.plan_record.fingerprint = fingerprint;
        for (const std::string& name : used_units) {
          write.unit_versions.push_back({LastSegment(name), versions[name]});
        }
        write.put = assignments;
        DUBAN_RETURN_IF_ERROR(store_->BindPlan(plan_id, org_id, replace));
        DUBAN_ASSIGN_OR_RETURN(WriteOutcome outcome,
                               store_->WriteAssignments(org_id, write));
        if (outcome == WriteOutcome::kReplayed) return stored_answer();
        return answer(std::move(assignments));
      });
}

absl::StatusOr<v1::CommitPlanAssignmentsResponse>
UnitDomain::CommitPlanAssignments(
    const v1::CommitPlanAssignmentsRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("plan", request.plan()));
  DUBAN_RETURN_IF_ERROR(ValidateOptionalRequestId(request.request_id()));
  const auto nothing = [&] {
    return absl::NotFoundError(absl::StrCat(
        "plan: plan \"", request.plan(),
        "\" has no assignments to commit (call CreatePlanAssignments first)"));
  };
  return WithRetryOnConflict(
      kMaxWriteAttempts,
      [&]() -> absl::StatusOr<v1::CommitPlanAssignmentsResponse> {
        DUBAN_ASSIGN_OR_RETURN(std::string org_id,
                               store_->GetPlanOrganization(plan_id));
        if (org_id.empty()) return nothing();
        DUBAN_ASSIGN_OR_RETURN(int64_t version,
                               store_->GetAssignmentVersion(org_id));
        DUBAN_ASSIGN_OR_RETURN(auto record,
                               store_->GetPlanRecord(org_id, plan_id));
        if (!record.has_value()) return nothing();
        if (!request.request_id().empty() &&
            record->request_id != request.request_id()) {
          return absl::FailedPreconditionError(
              absl::StrCat("request_id: the assignments of \"", request.plan(),
                           "\" were created by request \"", record->request_id,
                           "\", not \"", request.request_id(), "\""));
        }
        v1::CommitPlanAssignmentsResponse response;
        if (record->state == PlanRecord::State::kCommitted) return response;
        DUBAN_ASSIGN_OR_RETURN(
            std::vector<StoredAssignment> stored,
            ScanAll(org_id, {AssignmentScope::Kind::kPlan, plan_id}));
        AssignmentWrite write;
        write.expected_version = version;
        write.plan_op = AssignmentWrite::PlanOp::kCommit;
        write.plan_id = plan_id;
        for (StoredAssignment& s : stored) {
          if (s.assignment.state() != Assignment::PENDING) continue;
          s.assignment.set_state(Assignment::ACTIVE);
          write.put.push_back(std::move(s.assignment));
        }
        DUBAN_RETURN_IF_ERROR(store_->WriteAssignments(org_id, write).status());
        response.set_committed_count(static_cast<int32_t>(write.put.size()));
        return response;
      });
}

absl::StatusOr<v1::DiscardPlanAssignmentsResponse>
UnitDomain::DiscardPlanAssignments(
    const v1::DiscardPlanAssignmentsRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("plan", request.plan()));
  DUBAN_RETURN_IF_ERROR(ValidateOptionalRequestId(request.request_id()));
  return WithRetryOnConflict(
      kMaxWriteAttempts,
      [&]() -> absl::StatusOr<v1::DiscardPlanAssignmentsResponse> {
        v1::DiscardPlanAssignmentsResponse response;
        DUBAN_ASSIGN_OR_RETURN(std::string org_id,
                               store_->GetPlanOrganization(plan_id));
        if (org_id.empty()) return response;
        DUBAN_ASSIGN_OR_RETURN(int64_t version,
                               store_->GetAssignmentVersion(org_id));
        DUBAN_ASSIGN_OR_RETURN(auto record,
                               store_->GetPlanRecord(org_id, plan_id));
        if (!record.has_value()) return response;
        if (!request.request_id().empty() &&
            record->request_id != request.request_id()) {
          return absl::FailedPreconditionError(
              absl::StrCat("request_id: the assignments of \"", request.plan(),
                           "\" were created by request \"", record->request_id,
                           "\", not \"", request.request_id(), "\""));
        }
        if (record->state == PlanRecord::State::kCommitted) {
          return absl::FailedPreconditionError(absl::StrCat(
              "plan: the assignments of \"", request.plan(),
              "\" are committed and can no longer be discarded (use "
              "ReassignItem to change them)"));
        }
        DUBAN_ASSIGN_OR_RETURN(
            std::vector<StoredAssignment> stored,
            ScanAll(org_id, {AssignmentScope::Kind::kPlan, plan_id}));
        AssignmentWrite write;
        write.expected_version = version;
        write.plan_op = AssignmentWrite::PlanOp::kDelete;
        write.plan_id = plan_id;
        for (StoredAssignment& s : stored) {
          write.remove.push_back(std::move(s.assignment));
        }
        DUBAN_RETURN_IF_ERROR(store_->WriteAssignments(org_id, write).status());
        response.set_discarded_count(static_cast<int32_t>(write.remove.size()));
        return response;
      });
}

absl::StatusOr<v1::ListAssignmentsResponse> UnitDomain::ListAssignments(
    const v1::ListAssignmentsRequest& request) {
  const int selectors = !request.unit().empty() + !request.item().empty() +
                        !request.plan().empty();
  if (selectors != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unit, item, plan: exactly one must be set (got ", selectors, ")"));
  }
  DUBAN_ASSIGN_OR_RETURN(int page_size,
                         PageSize(request.page_size(), 100, 1000));
  std::string org_id;
  AssignmentScope scope;
  if (!request.unit().empty()) {
    DUBAN_ASSIGN_OR_RETURN(auto ids, ParseUnitName("unit", request.unit()));
    DUBAN_RETURN_IF_ERROR(store_->GetUnit(ids.first, ids.second).status());
    org_id = ids.first;
    scope = {AssignmentScope::Kind::kUnit, ids.second};
  } else {
    std::string plan_id;
    if (!request.item().empty()) {
      DUBAN_ASSIGN_OR_RETURN(auto ids, ParseItemName("item", request.item()));
      plan_id = ids.first;
      scope = {AssignmentScope::Kind::kItem,
               absl::StrCat(ids.first, "/", ids.second)};
    } else {
      DUBAN_ASSIGN_OR_RETURN(plan_id, ParsePlanName("plan", request.plan()));
      scope = {AssignmentScope::Kind::kPlan, plan_id};
    }
    DUBAN_ASSIGN_OR_RETURN(org_id, store_->GetPlanOrganization(plan_id));
  }
  v1::ListAssignmentsResponse response;
  if (org_id.empty()) {  // the plan has no assignments
    if (!request.page_token().empty()) {
      DUBAN_RETURN_IF_ERROR(DecodePageToken(request.page_token()).status());
    }
    return response;
  }
  const bool include_ended = request.include_ended();
  DUBAN_ASSIGN_OR_RETURN(
      auto page,
      ListFiltered(org_id, scope, page_size, request.page_token(),
                   [&](const Assignment& a) {
                     return a.state() == Assignment::ACTIVE ||
                            (include_ended && a.state() == Assignment::ENDED);
                   }));
  for (auto& a : page.first) *response.add_assignments() = std::move(a);
  response.set_next_page_token(page.second);
  return response;
}

absl::StatusOr<v1::ListUnitResponsibilitiesResponse>
UnitDomain::ListUnitResponsibilities(
    const v1::ListUnitResponsibilitiesRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(auto ids, ParseUnitName("unit", request.unit()));
  DUBAN_ASSIGN_OR_RETURN(int page_size,
                         PageSize(request.page_size(), 100, 1000));
  DUBAN_RETURN_IF_ERROR(store_->GetUnit(ids.first, ids.second).status());
  DUBAN_ASSIGN_OR_RETURN(
      auto page,
      ListFiltered(ids.first, {AssignmentScope::Kind::kUnit, ids.second},
                   page_size, request.page_token(), [](const Assignment& a) {
                     return a.state() == Assignment::ACTIVE;
                   }));
  v1::ListUnitResponsibilitiesResponse response;
  for (auto& a : page.first) *response.add_assignments() = std::move(a);
  response.set_next_page_token(page.second);
  return response;
}

absl::StatusOr<v1::ReassignItemResponse> UnitDomain::ReassignItem(
    const v1::ReassignItemRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(auto item, ParseItemName("item", request.item()));
  DUBAN_ASSIGN_OR_RETURN(auto from,
                         ParseUnitName("from_unit", request.from_unit()));
  DUBAN_ASSIGN_OR_RETURN(auto to, ParseUnitName("to_unit", request.to_unit()));
  const std::string& org_id = from.first;
  if (to.first != org_id) {
    return InvalidField(
        "to_unit", request.to_unit(),
        absl::StrCat("must be a unit of ", OrganizationName(org_id),
                     " like from_unit"));
  }
  if (to.second == from.second) {
    return InvalidField("to_unit", request.to_unit(),
                        "must differ from from_unit");
  }
  if (request.mode() != v1::ReassignItemRequest::MOVE &&
      request.mode() != v1::ReassignItemRequest::ADD) {
    return InvalidField("mode", absl::StrCat(request.mode()),
                        "must be MOVE or ADD");
  }
  DUBAN_RETURN_IF_ERROR(ValidateRole("role", request.role(), true));
  DUBAN_RETURN_IF_ERROR(
      ValidateText("reason", request.reason(), kMaxTextBytes, true));
  DUBAN_RETURN_IF_ERROR(ValidateText("principal", request.principal(),
                                     kMaxPrincipalBytes, false));
  DUBAN_RETURN_IF_ERROR(ValidateOptionalRequestId(request.request_id()));
  const std::string item_scope = absl::StrCat(item.first, "/", item.second);
  const RequestKey key{request.request_id(),
                       Sha256Hex(request.SerializeAsString())};
  constexpr char kScope[] = "reassign";

  // The answer of an applied request, rebuilt from what is stored.
  auto replayed = [&]() -> absl::StatusOr<v1::ReassignItemResponse> {
    DUBAN_ASSIGN_OR_RETURN(
        std::vector<StoredAssignment> on_item,
        ScanAll(org_id, {AssignmentScope::Kind::kItem, item_scope}));
    v1::ReassignItemResponse response;
    for (const StoredAssignment& s : on_item) {
      const Assignment& a = s.assignment;
      if (a.unit() == request.to_unit() &&
          a.assigned().request_id() == request.request_id()) {
        *response.mutable_to_assignment() = a;
      }
      if (a.unit() == request.from_unit()) {
        *response.mutable_from_assignment() = a;  // the latest one
      }
    }
    return response;
  };

  return WithRetryOnConflict(
      kMaxWriteAttempts, [&]() -> absl::StatusOr<v1::ReassignItemResponse> {
        DUBAN_ASSIGN_OR_RETURN(bool seen,
                               store_->RequestSeen(org_id, kScope, key));
        if (seen) return replayed();
        const auto no_assignment = [&] {
          return absl::NotFoundError(
              absl::StrCat("from_unit: unit \"", request.from_unit(),
                           "\" holds no active assignment on item \"",
                           request.item(), "\""));
        };
        DUBAN_ASSIGN_OR_RETURN(std::string bound,
                               store_->GetPlanOrganization(item.first));
        if (bound != org_id) return no_assignment();
        DUBAN_ASSIGN_OR_RETURN(int64_t version,
                               store_->GetAssignmentVersion(org_id));
        DUBAN_ASSIGN_OR_RETURN(
            std::vector<StoredAssignment> on_item,
            ScanAll(org_id, {AssignmentScope::Kind::kItem, item_scope}));
        const Assignment* from_active = nullptr;
        const Assignment* to_active = nullptr;
        bool pending = false;
        for (const StoredAssignment& s : on_item) {
          const Assignment& a = s.assignment;
          pending |= a.state() == Assignment::PENDING;
          if (a.state() != Assignment::ACTIVE) continue;
          if (a.unit() == request.from_unit()) from_active = &a;
          if (a.unit() == request.to_unit()) to_active = &a;
        }
        if (pending) {
          return absl::FailedPreconditionError(
              absl::StrCat("item: the assignments of \"", request.item(),
                           "\" are PENDING (their plan is not issued yet); "
                           "commit them first"));
        }
        if (from_active == nullptr) return no_assignment();
        auto target = store_->GetUnit(org_id, to.second);
        if (target.status().code() == absl::StatusCode::kNotFound) {
          return absl::NotFoundError(absl::StrCat(
              "to_unit: unit \"", request.to_unit(), "\" not found"));
        }
        if (!target.ok()) return target.status();
        if (!target->unit.active()) {
          return absl::FailedPreconditionError(
              absl::StrCat("to_unit: unit \"", request.to_unit(),
                           "\" is inactive and cannot take assignments"));
        }
        if (target->unit.kind() == Unit::PLACEHOLDER) {
          return absl::FailedPreconditionError(
              absl::StrCat("to_unit: unit \"", request.to_unit(),
                           "\" is a PLACEHOLDER and cannot take assignments"));
        }
        if (to_active != nullptr) {
          return absl::AlreadyExistsError(
              absl::StrCat("to_unit: unit \"", request.to_unit(),
                           "\" already answers for \"", request.item(), "\" (",
                           to_active->name(), ")"));
        }
        const absl::Time now = clock_();
        const bool move = request.mode() == v1::ReassignItemRequest::MOVE;
        v1::ReassignItemResponse response;
        Assignment& from_assignment = *response.mutable_from_assignment();
        from_assignment = *from_active;
        if (move) {
          from_assignment.set_state(Assignment::ENDED);
          SetActor(request.principal(), request.request_id(), now,
                   from_assignment.mutable_ended());
          from_assignment.set_end_reason(request.reason());
        }
        Assignment& created = *response.mutable_to_assignment();
        created.set_name(
            NewAssignmentName(request.request_id().empty()
                                  ? std::string()
                                  : absl::StrCat("reassign|", org_id, "|",
                                                 request.request_id())));
        created.set_item(request.item());
        created.set_plan(absl::StrCat("plans/", item.first));
        created.set_unit(request.to_unit());
        created.set_role(request.role() != v1::ROLE_UNSPECIFIED ? request.role()
                         : move ? from_active->role()
                                : v1::CO);
        created.set_state(Assignment::ACTIVE);
        SetActor(request.principal(), request.request_id(), now,
                 created.mutable_assigned());
        if (move) created.set_replaces(from_active->name());

        AssignmentWrite write;
        write.expected_version = version;
        write.unit_versions.push_back({to.second, target->version});
        write.request_scope = kScope;
        write.request = key;
        if (move) write.put.push_back(from_assignment);
        write.put.push_back(created);
        DUBAN_ASSIGN_OR_RETURN(WriteOutcome outcome,
                               store_->WriteAssignments(org_id, write));
        if (outcome == WriteOutcome::kReplayed) return replayed();
        return response;
      });
}

}  // namespace duban::unit
