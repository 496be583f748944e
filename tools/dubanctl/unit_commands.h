// dubanctl's unit commands, talking to unit-server
// (duban.unit.v1.UnitService) and, to read plans, plan-server:
//   org create|list|get            issuing organizations
//   unit list|get|create|alias|deactivate
//                                  the responsible units of an organization
//   units resolve                  printed unit names of a plan → units, and
//                                  the fixes (aliases, new units) that let the
//                                  plan be issued
//   assignments, responsibilities  who answers for what
//   reassign                       move an item to another unit, or add one
#ifndef DUBAN_TOOLS_DUBANCTL_UNIT_COMMANDS_H_
#define DUBAN_TOOLS_DUBANCTL_UNIT_COMMANDS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/dubanctl/cli.h"

namespace duban::cli {

// Adds the `org`, `unit`, `units`, `assignments`, `responsibilities` and
// `reassign` commands to `app`. The selected command's work is stored in
// *action; `globals` must outlive it.
void AddUnitCommands(CLI::App* app, const GlobalOptions* globals,
                     Action* action);

// "hunan-edu" or "organizations/hunan-edu" → "organizations/hunan-edu";
// INVALID_ARGUMENT naming `field` when the id is not a valid resource id.
absl::StatusOr<std::string> OrganizationNameFromArg(absl::string_view field,
                                                    absl::string_view arg);

// A unit given by resource name: "organizations/o/units/u" or "o/u" →
// "organizations/o/units/u"; a bare id "u" with `org_name` set →
// "{org_name}/units/u". NOT_FOUND (meaning: not a resource name; resolve it
// as a printed name) when `arg` has no '/' and is not a resource id or no
// organization is given; INVALID_ARGUMENT naming `field` when it has a '/'
// but is not a valid unit name.
absl::StatusOr<std::string> UnitNameFromArg(absl::string_view field,
                                            absl::string_view arg,
                                            absl::string_view org_name);

// Printed names ordered for `units resolve --create-missing`: longest first
// (in code points), so that a long form (教育督导科) is created before its
// short form (督导科) is looked at, which then comes back as a suggestion of
// it instead of becoming a second unit. Ties keep their given order.
std::vector<std::string> LongestFirst(std::vector<std::string> names);

// The name of the group a printed group name denotes the members of:
// "厅扶贫领导小组成员处室" → "厅扶贫领导小组"; the name itself when it names
// no members (…成员处室, …成员单位, …成员科室站, …成员科室, …成员部门).
std::string GroupNameOf(absl::string_view printed_name);

}  // namespace duban::cli

#endif  // DUBAN_TOOLS_DUBANCTL_UNIT_COMMANDS_H_
