#include "tools/dubanctl/unit_commands.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/ids.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "tools/dubanctl/plan_commands.h"
#include "tools/dubanctl/table.h"

namespace duban::cli {
namespace {

namespace upb = ::duban::unit::v1;
namespace ppb = ::duban::plan::v1;

constexpr absl::string_view kOrgPrefix = "organizations/";
constexpr absl::string_view kUnitsInfix = "/units/";
constexpr absl::string_view kPlanPrefix = "plans/";
// Pages asked for when following page tokens (the servers' maximums).
constexpr int kOrganizationsPageSize = 500;
constexpr int kUnitsPageSize = 1000;
constexpr int kAssignmentsPageSize = 1000;
constexpr int kItemsPageSize = 1000;
// At most this many names per ResolveUnitNames call and items per
// BatchGetItems call.
constexpr int kResolveBatch = 1000;
constexpr int kBatchGetItems = 1000;
// Widest a cell gets in a table unless --wide.
constexpr int kNamesWidth = 40;
constexpr int kReasonWidth = 72;
constexpr int kTitleWidth = 40;
// Printed names of a group's members, as unit-server reads them (see
// services/unit/resolve.cc): 厅扶贫领导小组成员处室 denotes the members of
// 厅扶贫领导小组.
constexpr absl::string_view kGroupMemberSuffixes[] = {
    "成员处室", "成员单位", "成员科室站", "成员科室", "成员部门"};

// "organizations/o/units/u" → "organizations/o"; empty when not a unit name.
std::string OrganizationOfUnit(absl::string_view unit_name) {
  const std::size_t infix = unit_name.find(kUnitsInfix);
  if (!absl::StartsWith(unit_name, kOrgPrefix) ||
      infix == absl::string_view::npos) {
    return "";
  }
  return std::string(unit_name.substr(0, infix));
}

// "plans/p/items/i" → "p/i".
std::string ShortItemName(absl::string_view item_name) {
  absl::string_view rest = item_name;
  absl::ConsumePrefix(&rest, kPlanPrefix);
  return absl::StrReplaceAll(rest, {{"/items/", "/"}});
}

std::string KindName(upb::Unit::Kind kind) {
  return upb::Unit::Kind_Name(kind);
}

std::string LevelName(upb::Organization::Level level) {
  return upb::Organization::Level_Name(level);
}

// --- flag values -------------------------------------------------------------

std::optional<upb::Unit::Kind> ParseKind(absl::string_view text) {
  static const auto* kinds = new std::map<std::string, upb::Unit::Kind>{
      {"office", upb::Unit::OFFICE},
      {"affiliated", upb::Unit::AFFILIATED_UNIT},
      {"party", upb::Unit::PARTY_DEPARTMENT},
      {"discipline", upb::Unit::DISCIPLINE_INSPECTION_GROUP},
      {"group", upb::Unit::WORKING_GROUP},
      {"placeholder", upb::Unit::PLACEHOLDER},
  };
  const std::string lower = absl::AsciiStrToLower(text);
  if (auto it = kinds->find(lower); it != kinds->end()) return it->second;
  upb::Unit::Kind kind;
  if (upb::Unit::Kind_Parse(absl::AsciiStrToUpper(text), &kind) &&
      kind != upb::Unit::KIND_UNSPECIFIED) {
    return kind;
  }
  return std::nullopt;
}

constexpr char kKindValues[] =
    "office, affiliated, party, discipline, group or placeholder";

std::optional<upb::Organization::Level> ParseLevel(absl::string_view text) {
  upb::Organization::Level level;
  if (upb::Organization::Level_Parse(absl::AsciiStrToUpper(text), &level) &&
      level != upb::Organization::LEVEL_UNSPECIFIED) {
    return level;
  }
  return std::nullopt;
}

std::optional<upb::Role> ParseRole(absl::string_view text) {
  upb::Role role;
  if (upb::Role_Parse(absl::AsciiStrToUpper(text), &role) &&
      role != upb::ROLE_UNSPECIFIED) {
    return role;
  }
  return std::nullopt;
}

std::optional<upb::ReassignItemRequest::Mode> ParseMode(
    absl::string_view text) {
  upb::ReassignItemRequest::Mode mode;
  if (upb::ReassignItemRequest::Mode_Parse(absl::AsciiStrToUpper(text),
                                           &mode) &&
      mode != upb::ReassignItemRequest::MODE_UNSPECIFIED) {
    return mode;
  }
  return std::nullopt;
}

int BadValue(absl::string_view flag, absl::string_view allowed,
             absl::string_view got) {
  return ReportUsageError(
      grpc::StatusCode::INVALID_ARGUMENT,
      absl::StrCat(flag, ": must be ", allowed, " (got \"", got, "\")"));
}

// --- organizations and units named on the command line -----------------------

// Looks up the organization named by `arg` (an id, `organizations/{id}`, or
// a name as printed, 益阳市教育局) into *name. Returns kExitOk, or the exit
// code after printing the error.
int LookUpOrganization(UnitClient& client, absl::string_view field,
                       absl::string_view arg, std::string* name) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(arg);
  if (trimmed.empty()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            absl::StrCat(field, ": must not be empty"));
  }
  if (absl::StartsWith(trimmed, kOrgPrefix) ||
      ValidateResourceId(field, trimmed).ok()) {
    auto parsed = OrganizationNameFromArg(field, trimmed);
    if (!parsed.ok()) {
      return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                              parsed.status().message());
    }
    *name = *parsed;
    return kExitOk;
  }
  upb::ListOrganizationsRequest request;
  request.set_printed_name(std::string(trimmed));
  std::vector<std::string> found;
  const grpc::Status status =
      ForEachPage(client, request, &UnitClient::Stub::ListOrganizations,
                  [&](const upb::ListOrganizationsResponse& page) {
                    for (const auto& org : page.organizations()) {
                      found.push_back(org.name());
                    }
                  });
  if (!status.ok()) return client.Fail(status);
  if (found.empty()) {
    return client.Fail(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat(field, ": no organization is named \"", trimmed,
                     "\" (display name or alias); see dubanctl org list"));
  }
  if (found.size() > 1) {
    return client.Fail(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat(field, ": \"", trimmed, "\" names several organizations (",
                     absl::StrJoin(found, ", "), "); give the id"));
  }
  *name = found.front();
  return kExitOk;
}

// The --org of a command, looked up once, when first needed.
class OrgFlag {
 public:
  explicit OrgFlag(std::string arg) : arg_(std::move(arg)) {}

  bool given() const { return !arg_.empty() || !name_.empty(); }
  // Uses `name` (organizations/{org}) when no --org was given.
  void SetDefault(std::string name) {
    if (arg_.empty()) name_ = std::move(name);
  }

  // The organization's name into *name; kExitOk or the exit code.
  // `needed_for` says what needs it, for the error when --org is absent.
  int Get(UnitClient& client, absl::string_view needed_for, std::string* name) {
    if (name_.empty()) {
      if (arg_.empty()) {
        return ReportUsageError(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat(needed_for,
                         ": give --org ORG to say which organization's unit "
                         "it is, or name the unit as ORG/UNIT"));
      }
      if (int rc = LookUpOrganization(client, "--org", arg_, &name_);
          rc != kExitOk) {
        return rc;
      }
    }
    *name = name_;
    return kExitOk;
  }

 private:
  std::string arg_;
  std::string name_;
};

// Resolves printed names in batches the server accepts; the resolutions
// come back in the order of `names`.
grpc::Status ResolveNames(UnitClient& client, const std::string& organization,
                          const std::vector<std::string>& names,
                          std::vector<upb::UnitNameResolution>* out) {
  out->clear();
  for (std::size_t start = 0; start < names.size(); start += kResolveBatch) {
    upb::ResolveUnitNamesRequest request;
    request.set_organization(organization);
    const std::size_t end = std::min(names.size(), start + kResolveBatch);
    for (std::size_t i = start; i < end; ++i) request.add_names(names[i]);
    upb::ResolveUnitNamesResponse response;
    const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
      return client.stub()->ResolveUnitNames(context, request, &response);
    });
    if (!status.ok()) return status;
    if (response.resolutions_size() != request.names_size()) {
      return grpc::Status(
          grpc::StatusCode::INTERNAL,
          absl::StrCat("ResolveUnitNames answered ",
                       response.resolutions_size(), " resolutions for ",
                       request.names_size(), " names"));
    }
    for (auto& r : *response.mutable_resolutions()) {
      out->push_back(std::move(r));
    }
  }
  return grpc::Status::OK;
}

std::string DescribeSuggestion(const upb::UnitSuggestion& s) {
  return absl::StrFormat("%s (%s): %s (%.2f)", s.matched_name(),
                         LastSegment(s.unit()), s.reason(), s.score());
}

// Looks up the unit named by `arg` into *name: a resource name
// (organizations/o/units/u, o/u), a unit id with --org, or a name as printed
// (基教科) resolved among the units of --org. kExitOk or the exit code.
int LookUpUnit(UnitClient& client, absl::string_view field,
               absl::string_view arg, OrgFlag& org, std::string* name) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(arg);
  auto direct = UnitNameFromArg(field, trimmed, "");
  if (direct.ok()) {
    *name = *direct;
    return kExitOk;
  }
  if (direct.status().code() == absl::StatusCode::kInvalidArgument) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            direct.status().message());
  }
  if (trimmed.empty()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            absl::StrCat(field, ": must not be empty"));
  }
  std::string org_name;
  if (int rc =
          org.Get(client, absl::StrCat(field, " \"", trimmed, "\""), &org_name);
      rc != kExitOk) {
    return rc;
  }
  if (auto by_id = UnitNameFromArg(field, trimmed, org_name); by_id.ok()) {
    *name = *by_id;
    return kExitOk;
  }
  std::vector<upb::UnitNameResolution> resolutions;
  const grpc::Status status =
      ResolveNames(client, org_name, {std::string(trimmed)}, &resolutions);
  if (!status.ok()) return client.Fail(status);
  const upb::UnitNameResolution& r = resolutions.front();
  if (!r.unit().empty()) {
    *name = r.unit();
    return kExitOk;
  }
  std::string message = absl::StrCat(
      field, ": no unit of ", org_name, " is named \"", trimmed, "\" (",
      upb::UnitNameResolution::Outcome_Name(r.outcome()), ")");
  if (!r.suggestions().empty()) {
    absl::StrAppend(&message, "; did you mean ",
                    DescribeSuggestion(r.suggestions(0)));
  }
  return client.Fail(grpc::StatusCode::NOT_FOUND, message);
}

// Every unit of an organization, inactive ones included, by name.
grpc::Status ListAllUnits(UnitClient& client, const std::string& organization,
                          std::map<std::string, upb::Unit>* units) {
  upb::ListUnitsRequest request;
  request.set_parent(organization);
  request.set_page_size(kUnitsPageSize);
  return ForEachPage(client, request, &UnitClient::Stub::ListUnits,
                     [&](upb::ListUnitsResponse& page) {
                       for (auto& unit : *page.mutable_units()) {
                         (*units)[unit.name()] = std::move(unit);
                       }
                     });
}

// Short names of units for tables, the units of each organization fetched
// on first need; a unit that cannot be read shows as its id.
class UnitNames {
 public:
  explicit UnitNames(UnitClient* client) : client_(client) {}

  std::string ShortName(const std::string& unit_name) {
    if (unit_name.empty()) return "";
    const std::string org = OrganizationOfUnit(unit_name);
    if (!org.empty() && fetched_.insert(org).second) {
      // Best effort: the table still shows ids without the names.
      ListAllUnits(*client_, org, &units_);
    }
    auto it = units_.find(unit_name);
    return it == units_.end() ? LastSegment(unit_name)
                              : it->second.short_name();
  }

 private:
  UnitClient* client_;
  std::set<std::string> fetched_;
  std::map<std::string, upb::Unit> units_;
};

// --- org create --------------------------------------------------------------

struct OrgCreateOptions {
  std::string name;
  std::string level;
  std::string id;
  std::string parent;
  std::vector<std::string> aliases;
};

int RunOrgCreate(const GlobalOptions& globals,
                 const OrgCreateOptions& options) {
  const auto level = ParseLevel(options.level);
  if (!level.has_value()) {
    return BadValue("--level", "province, city, county, school or other",
                    options.level);
  }
  upb::CreateOrganizationRequest request;
  if (!options.id.empty()) {
    auto name = OrganizationNameFromArg("--id", options.id);
    if (!name.ok()) {
      return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                              name.status().message());
    }
    request.set_organization_id(LastSegment(*name));
  }
  upb::Organization* org = request.mutable_organization();
  org->set_display_name(options.name);
  org->set_level(*level);
  for (const std::string& alias : options.aliases) org->add_aliases(alias);
  request.set_request_id(NewRequestId());

  UnitClient client(globals);
  if (!options.parent.empty()) {
    if (int rc = LookUpOrganization(client, "--parent", options.parent,
                                    org->mutable_parent());
        rc != kExitOk) {
      return rc;
    }
  }
  upb::Organization created;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->CreateOrganization(context, request, &created);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(created);
  std::cout << "Created " << created.name() << " " << created.display_name()
            << " (" << LevelName(created.level()) << ")\n";
  return kExitOk;
}

// --- org list / get ----------------------------------------------------------

int RunOrgList(const GlobalOptions& globals, const std::string& parent) {
  UnitClient client(globals);
  upb::ListOrganizationsRequest request;
  request.set_page_size(kOrganizationsPageSize);
  if (!parent.empty()) {
    if (int rc = LookUpOrganization(client, "--parent", parent,
                                    request.mutable_parent());
        rc != kExitOk) {
      return rc;
    }
  }
  upb::ListOrganizationsResponse all;
  const grpc::Status status =
      ForEachPage(client, request, &UnitClient::Stub::ListOrganizations,
                  [&](upb::ListOrganizationsResponse& page) {
                    for (auto& org : *page.mutable_organizations()) {
                      *all.add_organizations() = std::move(org);
                    }
                  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(all);
  if (all.organizations().empty()) {
    std::cout << "No organizations.\n";
    return kExitOk;
  }
  Table table({"ORG", "LEVEL", "PARENT", "NAME", "ALIASES"});
  table.SetMaxWidth(4, Cap(globals, kNamesWidth));
  for (const auto& org : all.organizations()) {
    table.AddRow({LastSegment(org.name()), LevelName(org.level()),
                  LastSegment(org.parent()), org.display_name(),
                  absl::StrJoin(org.aliases(), "、")});
  }
  std::cout << table.Render();
  return kExitOk;
}

int RunOrgGet(const GlobalOptions& globals, const std::string& org_arg) {
  UnitClient client(globals);
  upb::GetOrganizationRequest request;
  if (int rc =
          LookUpOrganization(client, "ORG", org_arg, request.mutable_name());
      rc != kExitOk) {
    return rc;
  }
  upb::Organization org;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->GetOrganization(context, request, &org);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(org);
  PrintField("name", org.name());
  PrintField("display name", org.display_name());
  PrintField("aliases", absl::StrJoin(org.aliases(), "、"));
  PrintField("level", LevelName(org.level()));
  PrintField("parent", org.parent());
  PrintField("created", FormatTimestamp(org.create_time()));
  PrintField("updated", FormatTimestamp(org.update_time()));
  PrintField("etag", org.etag());
  return kExitOk;
}

// --- unit list / get ---------------------------------------------------------

struct UnitListOptions {
  std::string org;
  std::string kind;
  bool inactive = false;
};

int RunUnitList(const GlobalOptions& globals, const UnitListOptions& options) {
  upb::ListUnitsRequest request;
  request.set_page_size(kUnitsPageSize);
  if (!options.kind.empty()) {
    const auto kind = ParseKind(options.kind);
    if (!kind.has_value()) return BadValue("--kind", kKindValues, options.kind);
    request.set_kind(*kind);
  }
  if (!options.inactive) request.set_active(true);
  UnitClient client(globals);
  if (int rc = LookUpOrganization(client, "--org", options.org,
                                  request.mutable_parent());
      rc != kExitOk) {
    return rc;
  }
  upb::ListUnitsResponse all;
  const grpc::Status status =
      ForEachPage(client, request, &UnitClient::Stub::ListUnits,
                  [&](upb::ListUnitsResponse& page) {
                    for (auto& unit : *page.mutable_units()) {
                      *all.add_units() = std::move(unit);
                    }
                  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(all);
  if (all.units().empty()) {
    std::cout << "No units.\n";
    return kExitOk;
  }
  // Members may lie outside a filtered listing: looked up on their own.
  UnitNames names(&client);
  std::vector<std::string> headers = {"UNIT",      "KIND",    "SHORT NAME",
                                      "FULL NAME", "ALIASES", "MEMBERS"};
  if (options.inactive) headers.push_back("ACTIVE");
  Table table(headers);
  table.SetMaxWidth(4, Cap(globals, kNamesWidth));
  table.SetMaxWidth(5, Cap(globals, kNamesWidth));
  for (const auto& unit : all.units()) {
    std::vector<std::string> members;
    for (const std::string& member : unit.members()) {
      members.push_back(names.ShortName(member));
    }
    std::vector<std::string> row = {LastSegment(unit.name()),
                                    KindName(unit.kind()),
                                    unit.short_name(),
                                    unit.full_name(),
                                    absl::StrJoin(unit.aliases(), "、"),
                                    absl::StrJoin(members, "、")};
    if (options.inactive) row.push_back(unit.active() ? "yes" : "no");
    table.AddRow(std::move(row));
  }
  std::cout << table.Render();
  return kExitOk;
}

void PrintUnit(UnitClient& client, const upb::Unit& unit) {
  PrintField("name", unit.name());
  PrintField("short name", unit.short_name());
  PrintField("full name", unit.full_name());
  PrintField("aliases", absl::StrJoin(unit.aliases(), "、"));
  PrintField("kind", KindName(unit.kind()));
  if (!unit.members().empty()) {
    UnitNames names(&client);
    std::vector<std::string> members;
    for (const std::string& member : unit.members()) {
      members.push_back(absl::StrCat(names.ShortName(member), " (",
                                     LastSegment(member), ")"));
    }
    PrintField("members", absl::StrJoin(members, "、"));
  }
  PrintField("active", unit.active() ? "yes" : "no");
  PrintField("created", FormatTimestamp(unit.create_time()));
  PrintField("updated", FormatTimestamp(unit.update_time()));
  PrintField("etag", unit.etag());
}

int RunUnitGet(const GlobalOptions& globals, const std::string& unit_arg,
               const std::string& org_arg) {
  UnitClient client(globals);
  OrgFlag org(org_arg);
  upb::GetUnitRequest request;
  if (int rc =
          LookUpUnit(client, "UNIT", unit_arg, org, request.mutable_name());
      rc != kExitOk) {
    return rc;
  }
  upb::Unit unit;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->GetUnit(context, request, &unit);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(unit);
  PrintUnit(client, unit);
  return kExitOk;
}

// --- unit create -------------------------------------------------------------

struct UnitCreateOptions {
  std::string org;
  std::string name;
  std::string full_name;
  std::string kind;
  std::vector<std::string> members;
  std::vector<std::string> aliases;
  std::string id;
};

int RunUnitCreate(const GlobalOptions& globals,
                  const UnitCreateOptions& options) {
  upb::CreateUnitRequest request;
  upb::Unit* unit = request.mutable_unit();
  // A unit with members is a working group unless said otherwise.
  unit->set_kind(options.members.empty() ? upb::Unit::OFFICE
                                         : upb::Unit::WORKING_GROUP);
  if (!options.kind.empty()) {
    const auto kind = ParseKind(options.kind);
    if (!kind.has_value()) return BadValue("--kind", kKindValues, options.kind);
    unit->set_kind(*kind);
  }
  if (!options.id.empty()) {
    if (absl::Status s = ValidateResourceId("--id", options.id); !s.ok()) {
      return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT, s.message());
    }
    request.set_unit_id(options.id);
  }
  unit->set_short_name(options.name);
  unit->set_full_name(options.full_name);
  for (const std::string& alias : options.aliases) unit->add_aliases(alias);
  request.set_request_id(NewRequestId());

  UnitClient client(globals);
  OrgFlag org(options.org);
  if (int rc = org.Get(client, "unit create", request.mutable_parent());
      rc != kExitOk) {
    return rc;
  }
  for (const std::string& member : options.members) {
    if (int rc =
            LookUpUnit(client, "--member", member, org, unit->add_members());
        rc != kExitOk) {
      return rc;
    }
  }
  upb::Unit created;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->CreateUnit(context, request, &created);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(created);
  std::cout << "Created " << created.name() << " " << created.short_name()
            << " (" << KindName(created.kind()) << ")\n";
  return kExitOk;
}

// --- unit alias add / remove -------------------------------------------------

struct AliasOptions {
  std::string unit;
  std::string alias;
  std::string org;
  std::string etag;
};

int RunAlias(const GlobalOptions& globals, const AliasOptions& options,
             bool add) {
  UnitClient client(globals);
  OrgFlag org(options.org);
  std::string unit_name;
  if (int rc = LookUpUnit(client, "UNIT", options.unit, org, &unit_name);
      rc != kExitOk) {
    return rc;
  }
  upb::Unit unit;
  grpc::Status status;
  if (add) {
    upb::AddUnitAliasRequest request;
    request.set_name(unit_name);
    request.set_alias(options.alias);
    request.set_etag(options.etag);
    status = client.Call([&](grpc::ClientContext* context) {
      return client.stub()->AddUnitAlias(context, request, &unit);
    });
  } else {
    upb::RemoveUnitAliasRequest request;
    request.set_name(unit_name);
    request.set_alias(options.alias);
    request.set_etag(options.etag);
    status = client.Call([&](grpc::ClientContext* context) {
      return client.stub()->RemoveUnitAlias(context, request, &unit);
    });
  }
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(unit);
  std::cout << unit.name() << " " << unit.short_name() << " aliases: "
            << (unit.aliases().empty() ? "none"
                                       : absl::StrJoin(unit.aliases(), "、"))
            << '\n';
  return kExitOk;
}

// --- unit deactivate ---------------------------------------------------------

struct DeactivateOptions {
  std::string unit;
  std::string reassign_to;
  std::string reason;
  std::string org;
  std::string etag;
  std::string principal;
};

int RunDeactivate(const GlobalOptions& globals,
                  const DeactivateOptions& options) {
  upb::DeactivateUnitRequest request;
  request.set_reason(options.reason);
  request.set_etag(options.etag);
  request.set_principal(options.principal.empty() ? LocalPrincipal()
                                                  : options.principal);
  request.set_request_id(NewRequestId());
  UnitClient client(globals);
  OrgFlag org(options.org);
  if (int rc =
          LookUpUnit(client, "UNIT", options.unit, org, request.mutable_name());
      rc != kExitOk) {
    return rc;
  }
  if (!options.reassign_to.empty()) {
    // A printed name is looked for in the deactivated unit's organization.
    org.SetDefault(OrganizationOfUnit(request.name()));
    if (int rc = LookUpUnit(client, "--reassign-to", options.reassign_to, org,
                            request.mutable_reassign_to());
        rc != kExitOk) {
      return rc;
    }
  }
  upb::DeactivateUnitResponse response;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->DeactivateUnit(context, request, &response);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(response);
  std::cout << "Deactivated " << response.unit().name() << " "
            << response.unit().short_name() << ": " << response.ended_size()
            << " assignment(s) ended";
  if (!request.reassign_to().empty()) {
    std::cout << ", " << response.reassigned_size() << " taken over by "
              << request.reassign_to();
  }
  std::cout << '\n';
  return kExitOk;
}

// --- units resolve -----------------------------------------------------------

struct ResolveOptions {
  std::string plan;
  std::string org;
  bool accept_suggestions = false;
  bool create_missing = false;
};

// A unit name as printed on the items of a plan.
struct PrintedName {
  // GROUP when any item prints it as a group, else UNIT when any prints it
  // as a unit, else PLACEHOLDER.
  ppb::UnitRef::Kind kind = ppb::UnitRef::KIND_UNSPECIFIED;
  std::set<std::string> items;
};

int KindRank(ppb::UnitRef::Kind kind) {
  switch (kind) {
    case ppb::UnitRef::GROUP:
      return 3;
    case ppb::UnitRef::UNIT:
      return 2;
    case ppb::UnitRef::PLACEHOLDER:
      return 1;
    default:
      return 0;
  }
}

// True when CreatePlanAssignments accepts the name: it denotes an active
// unit or group, or nobody in particular.
bool Assignable(const upb::UnitNameResolution& r) {
  switch (r.outcome()) {
    case upb::UnitNameResolution::RESOLVED:
    case upb::UnitNameResolution::GROUP:
      return !r.unit().empty() && r.unit_active();
    case upb::UnitNameResolution::PLACEHOLDER:
      return true;
    default:
      return false;
  }
}

std::string MatchText(const upb::UnitNameResolution& r) {
  std::string text;
  switch (r.match()) {
    case upb::UnitNameResolution::EXACT_SHORT_NAME:
      text = "short name";
      break;
    case upb::UnitNameResolution::FULL_NAME:
      text = "full name";
      break;
    case upb::UnitNameResolution::ALIAS:
      text = "alias";
      break;
    case upb::UnitNameResolution::NORMALIZED:
      text = absl::StrCat("normalized: ", r.normalized_name());
      break;
    default:
      break;
  }
  if (!r.unit_active()) {
    absl::StrAppend(&text, text.empty() ? "" : "; ", "INACTIVE");
  }
  return text;
}

std::string ResolutionUnitCell(const upb::UnitNameResolution& r,
                               const std::map<std::string, upb::Unit>& units) {
  if (r.unit().empty()) return "";
  auto it = units.find(r.unit());
  if (it == units.end()) return LastSegment(r.unit());
  return absl::StrCat(it->second.short_name(), " (", LastSegment(r.unit()),
                      ")");
}

std::string ResolutionDetail(const upb::UnitNameResolution& r) {
  if (!r.unit().empty()) return MatchText(r);
  if (!r.suggestions().empty()) {
    return absl::StrCat("? ", DescribeSuggestion(r.suggestions(0)));
  }
  switch (r.outcome()) {
    case upb::UnitNameResolution::PLACEHOLDER:
      return "not a unit: never assigned";
    case upb::UnitNameResolution::GROUP:
      return "no working group of that name";
    default:
      return "no unit has this name or resembles it";
  }
}

// What a remaining name needs, for the closing error; names with the same
// remedy are listed together.
std::string RemedyFor(const upb::UnitNameResolution& r,
                      const PrintedName& printed) {
  if (!r.unit().empty() && !r.unit_active()) {
    return "inactive units: reactivate them or reassign the items";
  }
  if (!r.suggestions().empty()) {
    return "suggested units: rerun with --accept-suggestions, or add the "
           "aliases with dubanctl unit alias add";
  }
  if (printed.kind == ppb::UnitRef::PLACEHOLDER) {
    return "printed as placeholders, but not read as such by unit-server: "
           "create units of kind placeholder with these names";
  }
  return "no such unit: rerun with --create-missing, or dubanctl unit create";
}

// 督导科, or 督导科 (教育督导科?) when a unit is suggested.
std::string RemainingName(const upb::UnitNameResolution& r) {
  if (r.unit().empty() && !r.suggestions().empty()) {
    return absl::StrCat(r.printed_name(), " (", r.suggestions(0).matched_name(),
                        "?)");
  }
  return r.printed_name();
}

// The table of `units resolve`, in the order the names are printed.
void PrintResolutionTable(const GlobalOptions& globals,
                          const std::vector<std::string>& order,
                          const std::map<std::string, PrintedName>& printed,
                          const std::vector<upb::UnitNameResolution>& resolved,
                          const std::map<std::string, upb::Unit>& units) {
  Table table(
      {"PRINTED NAME", "ITEMS", "OUTCOME", "UNIT", "MATCH / BEST SUGGESTION"});
  table.SetRightAligned(1);
  table.SetMaxWidth(4, Cap(globals, kReasonWidth));
  for (std::size_t i = 0; i < order.size(); ++i) {
    const upb::UnitNameResolution& r = resolved[i];
    table.AddRow({order[i], absl::StrCat(printed.at(order[i]).items.size()),
                  upb::UnitNameResolution::Outcome_Name(r.outcome()),
                  ResolutionUnitCell(r, units), ResolutionDetail(r)});
  }
  std::cout << table.Render();
}

// The unit names printed on a plan's items, in the order first printed.
struct PlanUnitNames {
  std::vector<std::string> order;
  std::map<std::string, PrintedName> by_name;
};

void AddPrintedNames(const ppb::Item& item, PlanUnitNames* names) {
  for (const auto& ref : item.units()) {
    auto [it, inserted] = names->by_name.try_emplace(ref.printed_name());
    if (inserted) names->order.push_back(ref.printed_name());
    if (KindRank(ref.kind()) > KindRank(it->second.kind)) {
      it->second.kind = ref.kind();
    }
    it->second.items.insert(item.name());
  }
}

// Reads the plan and the unit names printed on its items. kExitOk or the
// exit code.
int ReadPlanUnitNames(PlanClient& plans, const std::string& plan_name,
                      ppb::Plan* plan, PlanUnitNames* names) {
  ppb::GetPlanRequest plan_request;
  plan_request.set_name(plan_name);
  grpc::Status status = plans.Call([&](grpc::ClientContext* context) {
    return plans.stub()->GetPlan(context, plan_request, plan);
  });
  if (!status.ok()) return plans.Fail(status);
  ppb::ListItemsRequest items_request;
  items_request.set_parent(plan_name);
  items_request.set_page_size(kItemsPageSize);
  status = ForEachPage(plans, items_request, &PlanClient::Stub::ListItems,
                       [&](const ppb::ListItemsResponse& page) {
                         for (const auto& item : page.items()) {
                           AddPrintedNames(item, names);
                         }
                       });
  if (!status.ok()) return plans.Fail(status);
  return kExitOk;
}

// The organization whose units the plan's names denote: --org, else the
// plan's issuing_organization, else the one printed on it (as IssuePlan
// finds it). Says how it was found in *source. kExitOk or the exit code.
int FindPlanOrganization(UnitClient& client, const ResolveOptions& options,
                         const ppb::Plan& plan, std::string* org_name,
                         std::string* source) {
  if (!options.org.empty()) {
    *source = "--org";
    return LookUpOrganization(client, "--org", options.org, org_name);
  }
  if (!plan.issuing_organization().empty()) {
    *org_name = plan.issuing_organization();
    *source = "the plan's issuing_organization";
    return kExitOk;
  }
  if (plan.organization().empty()) {
    return client.Fail(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat(plan.name(),
                     " names no issuing organization; pass --org ORG"));
  }
  upb::ListOrganizationsRequest request;
  request.set_printed_name(plan.organization());
  const grpc::Status status =
      ForEachPage(client, request, &UnitClient::Stub::ListOrganizations,
                  [&](const upb::ListOrganizationsResponse& page) {
                    if (org_name->empty() && !page.organizations().empty()) {
                      *org_name = page.organizations(0).name();
                    }
                  });
  if (!status.ok()) return client.Fail(status);
  if (org_name->empty()) {
    return client.Fail(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrCat("no organization is named \"", plan.organization(),
                     "\", the issuing organization printed on ", plan.name(),
                     "; create it with dubanctl org create --name ",
                     plan.organization(), " --level …, or pass --org"));
  }
  *source = absl::StrCat("printed as ", plan.organization());
  return kExitOk;
}

struct Fixes {
  int units_created = 0;
  int aliases_added = 0;
};

// Settles the names that do not resolve, as --accept-suggestions and
// --create-missing allow: longest first, each re-resolved just before
// acting on it, so that a short form (督导科) meets the long form
// (教育督导科) created before it as a suggestion, and becomes its alias
// rather than a second unit. Unit creates carry request ids derived from
// `request_id` and the name, so that a retried create never makes two.
// kExitOk or the exit code; stops at the first failed write.
int FixUnresolvedNames(const GlobalOptions& globals, UnitClient& client,
                       const ResolveOptions& options,
                       const std::string& org_name,
                       const std::string& request_id,
                       const PlanUnitNames& names,
                       const std::vector<upb::UnitNameResolution>& resolved,
                       Fixes* fixes) {
  std::vector<std::string> pending;
  for (std::size_t i = 0; i < names.order.size(); ++i) {
    const PrintedName& printed = names.by_name.at(names.order[i]);
    // What the importer read as a placeholder is never made a unit.
    if (!Assignable(resolved[i]) && printed.kind != ppb::UnitRef::PLACEHOLDER) {
      pending.push_back(names.order[i]);
    }
  }
  for (const std::string& name : LongestFirst(std::move(pending))) {
    std::vector<upb::UnitNameResolution> now;
    grpc::Status status = ResolveNames(client, org_name, {name}, &now);
    if (!status.ok()) return client.Fail(status);
    const upb::UnitNameResolution& r = now.front();
    // Settled by an earlier fix, or an inactive unit: for a human.
    if (Assignable(r) || !r.unit().empty()) continue;
    if (!r.suggestions().empty()) {
      if (!options.accept_suggestions) continue;
      const upb::UnitSuggestion& best = r.suggestions(0);
      upb::AddUnitAliasRequest request;
      request.set_name(best.unit());
      request.set_alias(name);
      upb::Unit unit;
      status = client.Call([&](grpc::ClientContext* context) {
        return client.stub()->AddUnitAlias(context, request, &unit);
      });
      if (!status.ok()) return client.Fail(status);
      ++fixes->aliases_added;
      if (!globals.json) {
        std::cout << "alias    " << name << " → " << unit.short_name() << " ("
                  << unit.name() << "): " << best.reason() << '\n';
      }
      continue;
    }
    if (!options.create_missing) continue;
    upb::CreateUnitRequest request;
    request.set_parent(org_name);
    request.set_request_id(
        absl::StrCat(request_id, "-", Sha256Hex(name).substr(0, 16)));
    upb::Unit* unit = request.mutable_unit();
    if (r.outcome() == upb::UnitNameResolution::GROUP ||
        names.by_name.at(name).kind == ppb::UnitRef::GROUP) {
      // The group itself (厅扶贫领导小组), with no members: assigned as
      // itself. The printed name stays an alias, so that it resolves to
      // the group as printed.
      unit->set_kind(upb::Unit::WORKING_GROUP);
      unit->set_short_name(GroupNameOf(name));
      if (unit->short_name() != name) unit->add_aliases(name);
    } else {
      unit->set_kind(upb::Unit::OFFICE);
      unit->set_short_name(name);
    }
    upb::Unit made;
    status = client.Call([&](grpc::ClientContext* context) {
      return client.stub()->CreateUnit(context, request, &made);
    });
    if (!status.ok()) return client.Fail(status);
    ++fixes->units_created;
    if (!globals.json) {
      std::cout << "created  " << made.short_name() << " ("
                << KindName(made.kind()) << ", " << made.name() << ")\n";
    }
  }
  return kExitOk;
}

// Prints the resolutions (table and summary, or JSON) and, when names
// remain unresolved, the error listing them with what to do. Returns the
// exit code.
int ReportResolutions(const GlobalOptions& globals, UnitClient& client,
                      const std::string& plan_name, const std::string& org_name,
                      const PlanUnitNames& names,
                      const std::vector<upb::UnitNameResolution>& resolved,
                      const Fixes& fixes) {
  int resolved_count = 0;
  int groups = 0;
  int placeholders = 0;
  int unresolved = 0;
  // Remedy → the names that need it, both in order of first appearance.
  std::vector<std::pair<std::string, std::vector<std::string>>> remedies;
  for (std::size_t i = 0; i < names.order.size(); ++i) {
    const upb::UnitNameResolution& r = resolved[i];
    if (!Assignable(r)) {
      ++unresolved;
      const std::string remedy = RemedyFor(r, names.by_name.at(names.order[i]));
      auto it = std::find_if(remedies.begin(), remedies.end(),
                             [&](const auto& e) { return e.first == remedy; });
      if (it == remedies.end()) {
        it = remedies.insert(remedies.end(), {remedy, {}});
      }
      it->second.push_back(RemainingName(r));
    } else if (r.outcome() == upb::UnitNameResolution::PLACEHOLDER) {
      ++placeholders;
    } else if (r.outcome() == upb::UnitNameResolution::GROUP) {
      ++groups;
    } else {
      ++resolved_count;
    }
  }
  if (globals.json) {
    upb::ResolveUnitNamesResponse response;
    for (const auto& r : resolved) *response.add_resolutions() = r;
    if (int rc = PrintJson(response); rc != kExitOk) return rc;
  } else {
    std::map<std::string, upb::Unit> units;
    // Best effort: without the names the table shows unit ids.
    ListAllUnits(client, org_name, &units);
    if (fixes.units_created + fixes.aliases_added > 0) std::cout << '\n';
    PrintResolutionTable(globals, names.order, names.by_name, resolved, units);
    std::cout << '\n'
              << names.order.size() << " printed name(s): " << resolved_count
              << " resolved, " << groups << " group(s), " << placeholders
              << " placeholder(s), " << unresolved << " unresolved; "
              << fixes.units_created << " unit(s) created, "
              << fixes.aliases_added << " alias(es) added\n";
  }
  if (unresolved == 0) return kExitOk;
  std::vector<std::string> parts;
  for (const auto& [remedy, remaining] : remedies) {
    parts.push_back(
        absl::StrCat(absl::StrJoin(remaining, "、"), " (", remedy, ")"));
  }
  std::cerr << "error: FAILED_PRECONDITION: " << unresolved
            << " printed unit name(s) of " << plan_name
            << " do not resolve to an active unit of " << org_name << ": "
            << absl::StrJoin(parts, "; ") << std::endl;
  return kExitServerError;
}

int RunResolve(const GlobalOptions& globals, const ResolveOptions& options) {
  auto plan_name = PlanNameFromArg("--plan", options.plan);
  if (!plan_name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            plan_name.status().message());
  }
  // One request id per invocation, built into every create.
  const std::string request_id = NewRequestId();

  PlanClient plans(globals);
  ppb::Plan plan;
  PlanUnitNames names;
  if (int rc = ReadPlanUnitNames(plans, *plan_name, &plan, &names);
      rc != kExitOk) {
    return rc;
  }
  UnitClient client(globals);
  std::string org_name;
  std::string org_source;
  if (int rc =
          FindPlanOrganization(client, options, plan, &org_name, &org_source);
      rc != kExitOk) {
    return rc;
  }
  if (!globals.json) {
    std::cout << *plan_name << ": " << names.order.size()
              << " printed unit name(s); organization " << org_name << " ("
              << org_source << ")\n";
  }

  std::vector<upb::UnitNameResolution> resolved;
  grpc::Status status = ResolveNames(client, org_name, names.order, &resolved);
  if (!status.ok()) return client.Fail(status);
  Fixes fixes;
  if (options.accept_suggestions || options.create_missing) {
    if (int rc = FixUnresolvedNames(globals, client, options, org_name,
                                    request_id, names, resolved, &fixes);
        rc != kExitOk) {
      return rc;
    }
    // Every name again, now that units and aliases changed.
    status = ResolveNames(client, org_name, names.order, &resolved);
    if (!status.ok()) return client.Fail(status);
  }
  return ReportResolutions(globals, client, *plan_name, org_name, names,
                           resolved, fixes);
}

// --- assignments / responsibilities ------------------------------------------

struct AssignmentsOptions {
  std::string unit;
  std::string plan;
  std::vector<std::string> item;  // PLAN ITEM
  std::string org;
  bool history = false;
};

void PrintAssignments(
    const GlobalOptions& globals, UnitClient& client,
    const google::protobuf::RepeatedPtrField<upb::Assignment>& assignments,
    bool full_item_names, bool history) {
  if (assignments.empty()) {
    std::cout << "No assignments.\n";
    return;
  }
  UnitNames names(&client);
  std::vector<std::string> headers = {"ITEM",  "UNIT",      "ROLE",
                                      "STATE", "VIA GROUP", "SINCE"};
  if (history) {
    headers.push_back("ENDED");
    headers.push_back("REASON");
  }
  Table table(headers);
  if (history) table.SetMaxWidth(7, Cap(globals, kTitleWidth));
  for (const auto& a : assignments) {
    std::vector<std::string> row = {
        full_item_names ? ShortItemName(a.item()) : LastSegment(a.item()),
        names.ShortName(a.unit()),
        upb::Role_Name(a.role()),
        upb::Assignment::State_Name(a.state()),
        names.ShortName(a.via_group()),
        FormatTimestamp(a.assigned().time())};
    if (history) {
      row.push_back(FormatTimestamp(a.ended().time()));
      row.push_back(a.end_reason());
    }
    table.AddRow(std::move(row));
  }
  std::cout << table.Render();
}

int RunAssignments(const GlobalOptions& globals,
                   const AssignmentsOptions& options) {
  const int selectors =
      !options.unit.empty() + !options.plan.empty() + !options.item.empty();
  if (selectors != 1) {
    return ReportUsageError(
        grpc::StatusCode::INVALID_ARGUMENT,
        "give exactly one of --unit UNIT, --plan PLAN and --item PLAN ITEM");
  }
  upb::ListAssignmentsRequest request;
  request.set_include_ended(options.history);
  request.set_page_size(kAssignmentsPageSize);
  if (!options.plan.empty()) {
    auto name = PlanNameFromArg("--plan", options.plan);
    if (!name.ok()) {
      return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                              name.status().message());
    }
    request.set_plan(*name);
  }
  if (!options.item.empty()) {
    if (options.item.size() != 2) {
      return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                              "--item: give the plan and the item: --item "
                              "hunan-2020 19");
    }
    auto plan = PlanNameFromArg("--item", options.item[0]);
    if (!plan.ok()) {
      return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                              plan.status().message());
    }
    auto item = ItemNameFromArg(*plan, options.item[1]);
    if (!item.ok()) {
      return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                              item.status().message());
    }
    request.set_item(*item);
  }
  UnitClient client(globals);
  if (!options.unit.empty()) {
    OrgFlag org(options.org);
    if (int rc = LookUpUnit(client, "--unit", options.unit, org,
                            request.mutable_unit());
        rc != kExitOk) {
      return rc;
    }
  }
  upb::ListAssignmentsResponse all;
  const grpc::Status status =
      ForEachPage(client, request, &UnitClient::Stub::ListAssignments,
                  [&](upb::ListAssignmentsResponse& page) {
                    for (auto& a : *page.mutable_assignments()) {
                      *all.add_assignments() = std::move(a);
                    }
                  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(all);
  PrintAssignments(globals, client, all.assignments(),
                   /*full_item_names=*/!options.unit.empty(), options.history);
  return kExitOk;
}

// Titles of the items assignments refer to, from plan-server; empty when
// it cannot be asked (the table is still useful without them).
std::map<std::string, std::string> ItemTitles(
    const GlobalOptions& globals,
    const google::protobuf::RepeatedPtrField<upb::Assignment>& assignments) {
  std::map<std::string, std::vector<std::string>> by_plan;
  std::set<std::string> seen;
  for (const auto& a : assignments) {
    if (seen.insert(a.item()).second) by_plan[a.plan()].push_back(a.item());
  }
  std::map<std::string, std::string> titles;
  if (by_plan.empty()) return titles;
  PlanClient plans(globals);
  for (const auto& [plan, items] : by_plan) {
    for (std::size_t start = 0; start < items.size(); start += kBatchGetItems) {
      ppb::BatchGetItemsRequest request;
      request.set_parent(plan);
      const std::size_t end = std::min(items.size(), start + kBatchGetItems);
      for (std::size_t i = start; i < end; ++i) request.add_names(items[i]);
      ppb::BatchGetItemsResponse response;
      const grpc::Status status = plans.Call([&](grpc::ClientContext* context) {
        return plans.stub()->BatchGetItems(context, request, &response);
      });
      if (!status.ok()) {
        if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
          return titles;
        }
        continue;
      }
      for (const auto& item : response.items()) {
        titles[item.name()] = item.title();
      }
    }
  }
  return titles;
}

int RunResponsibilities(const GlobalOptions& globals,
                        const std::string& unit_arg,
                        const std::string& org_arg) {
  UnitClient client(globals);
  OrgFlag org(org_arg);
  upb::ListUnitResponsibilitiesRequest request;
  request.set_page_size(kAssignmentsPageSize);
  if (int rc =
          LookUpUnit(client, "UNIT", unit_arg, org, request.mutable_unit());
      rc != kExitOk) {
    return rc;
  }
  upb::ListUnitResponsibilitiesResponse all;
  const grpc::Status status =
      ForEachPage(client, request, &UnitClient::Stub::ListUnitResponsibilities,
                  [&](upb::ListUnitResponsibilitiesResponse& page) {
                    for (auto& a : *page.mutable_assignments()) {
                      *all.add_assignments() = std::move(a);
                    }
                  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(all);
  if (all.assignments().empty()) {
    std::cout << request.unit() << " answers for no item.\n";
    return kExitOk;
  }
  const std::map<std::string, std::string> titles =
      ItemTitles(globals, all.assignments());
  UnitNames names(&client);
  Table table({"PLAN", "ITEM", "ROLE", "VIA GROUP", "SINCE", "TITLE"});
  table.SetMaxWidth(5, Cap(globals, kTitleWidth));
  for (const auto& a : all.assignments()) {
    auto title = titles.find(a.item());
    table.AddRow({LastSegment(a.plan()), LastSegment(a.item()),
                  upb::Role_Name(a.role()), names.ShortName(a.via_group()),
                  FormatTimestamp(a.assigned().time()),
                  title == titles.end() ? "" : title->second});
  }
  std::cout << table.Render();
  return kExitOk;
}

// --- reassign ----------------------------------------------------------------

struct ReassignOptions {
  std::string plan;
  std::string item;
  std::string from;
  std::string to;
  std::string mode = "move";
  std::string role;
  std::string reason;
  std::string org;
  std::string principal;
};

int RunReassign(const GlobalOptions& globals, const ReassignOptions& options) {
  auto plan_name = PlanNameFromArg("PLAN", options.plan);
  if (!plan_name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            plan_name.status().message());
  }
  auto item_name = ItemNameFromArg(*plan_name, options.item);
  if (!item_name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            item_name.status().message());
  }
  const auto mode = ParseMode(options.mode);
  if (!mode.has_value()) return BadValue("--mode", "move or add", options.mode);
  upb::ReassignItemRequest request;
  request.set_item(*item_name);
  request.set_mode(*mode);
  if (!options.role.empty()) {
    const auto role = ParseRole(options.role);
    if (!role.has_value()) {
      return BadValue("--role", "lead or co", options.role);
    }
    request.set_role(*role);
  }
  if (absl::StripAsciiWhitespace(options.reason).empty()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            "--reason: required: say why the item changes "
                            "hands");
  }
  request.set_reason(options.reason);
  request.set_principal(options.principal.empty() ? LocalPrincipal()
                                                  : options.principal);
  request.set_request_id(NewRequestId());

  UnitClient client(globals);
  OrgFlag org(options.org);
  const bool printed_names = !absl::StrContains(options.from, '/') ||
                             !absl::StrContains(options.to, '/');
  if (!org.given() && printed_names) {
    // Printed names are looked for among the units of the plan's issuing
    // organization.
    PlanClient plans(globals);
    ppb::GetPlanRequest plan_request;
    plan_request.set_name(*plan_name);
    ppb::Plan plan;
    const grpc::Status status = plans.Call([&](grpc::ClientContext* context) {
      return plans.stub()->GetPlan(context, plan_request, &plan);
    });
    if (!status.ok()) return plans.Fail(status);
    org.SetDefault(plan.issuing_organization());
  }
  if (int rc = LookUpUnit(client, "--from", options.from, org,
                          request.mutable_from_unit());
      rc != kExitOk) {
    return rc;
  }
  if (int rc = LookUpUnit(client, "--to", options.to, org,
                          request.mutable_to_unit());
      rc != kExitOk) {
    return rc;
  }
  upb::ReassignItemResponse response;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->ReassignItem(context, request, &response);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(response);
  UnitNames names(&client);
  std::cout << (*mode == upb::ReassignItemRequest::MOVE ? "Moved " : "Added ")
            << *item_name << ": "
            << names.ShortName(response.from_assignment().unit()) << " ("
            << upb::Assignment::State_Name(response.from_assignment().state())
            << ") → " << names.ShortName(response.to_assignment().unit())
            << " (" << upb::Role_Name(response.to_assignment().role()) << ", "
            << response.to_assignment().name() << ")\n";
  return kExitOk;
}

constexpr char kUnitArgHelp[] =
    "The unit: organizations/ORG/units/UNIT, ORG/UNIT, or with --org a unit "
    "id or its name as printed (基教科)";

}  // namespace

absl::StatusOr<std::string> OrganizationNameFromArg(absl::string_view field,
                                                    absl::string_view arg) {
  absl::string_view id = arg;
  absl::ConsumePrefix(&id, kOrgPrefix);
  if (absl::Status status = ValidateResourceId(field, id); !status.ok()) {
    return status;
  }
  return absl::StrCat(kOrgPrefix, id);
}

absl::StatusOr<std::string> UnitNameFromArg(absl::string_view field,
                                            absl::string_view arg,
                                            absl::string_view org_name) {
  if (!absl::StrContains(arg, '/')) {
    if (!org_name.empty() && ValidateResourceId(field, arg).ok()) {
      return absl::StrCat(org_name, kUnitsInfix, arg);
    }
    return absl::NotFoundError(
        absl::StrCat(field, ": \"", arg, "\" is not a unit's resource name"));
  }
  absl::string_view rest = arg;
  absl::ConsumePrefix(&rest, kOrgPrefix);
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');
  if (parts.size() == 3 && parts[1] == "units") parts.erase(parts.begin() + 1);
  if (parts.size() != 2 || !ValidateResourceId(field, parts[0]).ok() ||
      !ValidateResourceId(field, parts[1]).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ": must be organizations/ORG/units/UNIT or ORG/UNIT (ids of "
        "lower-case letters, digits and '-'), or a name as printed with "
        "--org (got \"",
        arg, "\")"));
  }
  return absl::StrCat(kOrgPrefix, parts[0], kUnitsInfix, parts[1]);
}

std::vector<std::string> LongestFirst(std::vector<std::string> names) {
  const auto code_points = [](const std::string& s) {
    return std::count_if(s.begin(), s.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    });
  };
  std::stable_sort(names.begin(), names.end(),
                   [&](const std::string& a, const std::string& b) {
                     return code_points(a) > code_points(b);
                   });
  return names;
}

std::string GroupNameOf(absl::string_view printed_name) {
  for (absl::string_view suffix : kGroupMemberSuffixes) {
    if (printed_name.size() > suffix.size() &&
        absl::EndsWith(printed_name, suffix)) {
      return std::string(
          printed_name.substr(0, printed_name.size() - suffix.size()));
    }
  }
  return std::string(printed_name);
}

void AddUnitCommands(CLI::App* app, const GlobalOptions* globals,
                     Action* action) {
  // --- org ---
  CLI::App* org = app->add_subcommand(
      "org", "Issuing organizations (湖南省教育厅, 益阳市教育局)");
  org->require_subcommand(1);
  {
    auto options = std::make_shared<OrgCreateOptions>();
    CLI::App* cmd = org->add_subcommand("create", "Create an organization");
    cmd->add_option("--name", options->name,
                    "The name as printed on documents (湖南省教育厅)")
        ->required();
    cmd->add_option("--level", options->level,
                    "province, city, county, school or other")
        ->required();
    cmd->add_option("--id", options->id,
                    "Id to give it (hunan-edu); derived when absent");
    cmd->add_option("--parent", options->parent,
                    "The parent organization: id, organizations/ID or its "
                    "printed name");
    cmd->add_option("--alias", options->aliases,
                    "Another printed name (中共湖南省委教育工作委员会); "
                    "repeatable");
    cmd->callback(
        [=] { *action = [=] { return RunOrgCreate(*globals, *options); }; });
  }
  {
    auto parent = std::make_shared<std::string>();
    CLI::App* cmd = org->add_subcommand("list", "List organizations");
    cmd->add_option("--parent", *parent, "Only the children of this one");
    cmd->callback(
        [=] { *action = [=] { return RunOrgList(*globals, *parent); }; });
  }
  {
    auto org_arg = std::make_shared<std::string>();
    CLI::App* cmd = org->add_subcommand("get", "Show an organization");
    cmd->add_option("ORG", *org_arg,
                    "hunan-edu, organizations/hunan-edu or its printed name")
        ->required();
    cmd->callback(
        [=] { *action = [=] { return RunOrgGet(*globals, *org_arg); }; });
  }

  // --- unit ---
  CLI::App* unit = app->add_subcommand(
      "unit", "Responsible units (责任单位) of an organization");
  unit->footer(
      "A UNIT is named organizations/ORG/units/UNIT or ORG/UNIT, or, with "
      "--org, by its id or by a name as printed (基教科), which must resolve "
      "to exactly that unit.");
  unit->require_subcommand(1);
  {
    auto options = std::make_shared<UnitListOptions>();
    CLI::App* cmd = unit->add_subcommand("list", "List units (all pages)");
    cmd->add_option("--org", options->org,
                    "The organization: id, organizations/ID or printed name")
        ->required();
    cmd->add_option("--kind", options->kind, kKindValues);
    cmd->add_flag("--inactive", options->inactive,
                  "Also list deactivated units");
    cmd->callback(
        [=] { *action = [=] { return RunUnitList(*globals, *options); }; });
  }
  {
    auto unit_arg = std::make_shared<std::string>();
    auto org_arg = std::make_shared<std::string>();
    CLI::App* cmd = unit->add_subcommand("get", "Show a unit");
    cmd->add_option("UNIT", *unit_arg, kUnitArgHelp)->required();
    cmd->add_option("--org", *org_arg, "The organization of a printed name");
    cmd->callback([=] {
      *action = [=] { return RunUnitGet(*globals, *unit_arg, *org_arg); };
    });
  }
  {
    auto options = std::make_shared<UnitCreateOptions>();
    CLI::App* cmd = unit->add_subcommand("create", "Create a unit");
    cmd->add_option("--org", options->org,
                    "The organization: id, organizations/ID or printed name")
        ->required();
    cmd->add_option("--name", options->name,
                    "Short name as usually printed (基教科)")
        ->required();
    cmd->add_option("--full-name", options->full_name,
                    "Official name (基础教育科)");
    cmd->add_option(
        "--kind", options->kind,
        absl::StrCat(kKindValues, "; default office (group with --member)"));
    cmd->add_option("--member", options->members,
                    "A member unit of a group (UNIT as above); repeatable");
    cmd->add_option("--alias", options->aliases,
                    "Another printed form; repeatable");
    cmd->add_option("--id", options->id,
                    "Id to give it (jijiao); derived when absent");
    cmd->callback(
        [=] { *action = [=] { return RunUnitCreate(*globals, *options); }; });
  }
  {
    CLI::App* alias = unit->add_subcommand(
        "alias", "Add or remove a printed form of a unit's name");
    alias->require_subcommand(1);
    for (const bool add : {true, false}) {
      auto options = std::make_shared<AliasOptions>();
      CLI::App* cmd = alias->add_subcommand(
          add ? "add" : "remove",
          add ? "Add an alias (a no-op when the unit has it)"
              : "Remove an alias (a no-op when the unit lacks it)");
      cmd->add_option("UNIT", options->unit, kUnitArgHelp)->required();
      cmd->add_option("ALIAS", options->alias, "The name as printed")
          ->required();
      cmd->add_option("--org", options->org,
                      "The organization of a printed UNIT");
      cmd->add_option("--etag", options->etag,
                      "Fail with ABORTED if the unit changed since this etag");
      cmd->callback(
          [=] { *action = [=] { return RunAlias(*globals, *options, add); }; });
    }
  }
  {
    auto options = std::make_shared<DeactivateOptions>();
    CLI::App* cmd = unit->add_subcommand(
        "deactivate",
        "Deactivate a unit; refused while it answers for items unless "
        "--reassign-to takes them over");
    cmd->add_option("UNIT", options->unit, kUnitArgHelp)->required();
    cmd->add_option("--reassign-to", options->reassign_to,
                    "The unit that takes over its active assignments");
    cmd->add_option("--reason", options->reason,
                    "Why (required with --reassign-to)");
    cmd->add_option("--org", options->org,
                    "The organization of printed unit names");
    cmd->add_option("--etag", options->etag,
                    "Fail with ABORTED if the unit changed since this etag");
    cmd->add_option("--principal", options->principal,
                    "Who deactivates it (default: the local user name)");
    cmd->callback(
        [=] { *action = [=] { return RunDeactivate(*globals, *options); }; });
  }

  // --- units resolve ---
  CLI::App* units = app->add_subcommand(
      "units", "Printed unit names of a plan and the units they denote");
  units->require_subcommand(1);
  {
    auto options = std::make_shared<ResolveOptions>();
    CLI::App* cmd = units->add_subcommand(
        "resolve",
        "Resolve every unit name printed on a plan's items; with the flags, "
        "fix what does not resolve so that the plan can be issued. Exits 0 "
        "when every name resolves (placeholders aside), else 1 listing the "
        "rest");
    cmd->add_option("--plan", options->plan, "hunan-2020 or plans/hunan-2020")
        ->required();
    cmd->add_option("--org", options->org,
                    "The organization (default: the plan's "
                    "issuing_organization, else the one printed on it)");
    cmd->add_flag("--accept-suggestions", options->accept_suggestions,
                  "Add each suggested name as an alias of the best suggested "
                  "unit (督导科 → 教育督导科)");
    cmd->add_flag("--create-missing", options->create_missing,
                  "Create an OFFICE unit for each name nothing resembles (a "
                  "WORKING_GROUP for a group), longest names first so that "
                  "short forms become aliases (with --accept-suggestions) "
                  "rather than second units");
    cmd->callback(
        [=] { *action = [=] { return RunResolve(*globals, *options); }; });
  }

  // --- assignments ---
  {
    auto options = std::make_shared<AssignmentsOptions>();
    CLI::App* cmd = app->add_subcommand(
        "assignments",
        "Who answers for what (all pages): by --unit, --plan or --item");
    cmd->add_option("--unit", options->unit, kUnitArgHelp);
    cmd->add_option("--plan", options->plan, "hunan-2020 or plans/hunan-2020");
    cmd->add_option("--item", options->item, "PLAN ITEM: hunan-2020 19")
        ->expected(2);
    cmd->add_option("--org", options->org,
                    "The organization of a printed --unit name");
    cmd->add_flag("--history", options->history,
                  "Also ended assignments (reassigned, deactivated)");
    cmd->callback(
        [=] { *action = [=] { return RunAssignments(*globals, *options); }; });
  }
  {
    auto unit_arg = std::make_shared<std::string>();
    auto org_arg = std::make_shared<std::string>();
    CLI::App* cmd = app->add_subcommand(
        "responsibilities",
        "What a unit answers for: its active assignments across all plans");
    cmd->add_option("UNIT", *unit_arg, kUnitArgHelp)->required();
    cmd->add_option("--org", *org_arg, "The organization of a printed name");
    cmd->callback([=] {
      *action = [=] {
        return RunResponsibilities(*globals, *unit_arg, *org_arg);
      };
    });
  }
  {
    auto options = std::make_shared<ReassignOptions>();
    CLI::App* cmd = app->add_subcommand(
        "reassign",
        "Move an item of an issued plan from one unit to another, or add a "
        "unit to it, keeping history");
    cmd->add_option("PLAN", options->plan, "hunan-2020 or plans/hunan-2020")
        ->required();
    cmd->add_option("ITEM", options->item, "Item id (19) or full name")
        ->required();
    cmd->add_option("--from", options->from,
                    "The unit answering now (UNIT as for `unit get`; a "
                    "printed name is looked for in the plan's organization)")
        ->required();
    cmd->add_option("--to", options->to, "The unit taking over or added")
        ->required();
    cmd->add_option("--mode", options->mode,
                    "move (--from's assignment ends) or add")
        ->capture_default_str();
    cmd->add_option("--role", options->role,
                    "lead or co (default: --from's role for move, co for "
                    "add)");
    cmd->add_option("--reason", options->reason, "Why; recorded")->required();
    cmd->add_option("--org", options->org,
                    "The organization of printed unit names");
    cmd->add_option("--principal", options->principal,
                    "Who reassigns it (default: the local user name)");
    cmd->callback(
        [=] { *action = [=] { return RunReassign(*globals, *options); }; });
  }
}

}  // namespace duban::cli
