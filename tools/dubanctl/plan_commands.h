// dubanctl's plan commands: `dubanctl plan import|list|get|items|item|issue|
// archive|delete`, talking to plan-server (duban.plan.v1.PlanService).
#ifndef DUBAN_TOOLS_DUBANCTL_PLAN_COMMANDS_H_
#define DUBAN_TOOLS_DUBANCTL_PLAN_COMMANDS_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/dubanctl/cli.h"

namespace duban::cli {

// Adds the `plan` command group to `app`. The selected command's work is
// stored in *action; `globals` must outlive it.
void AddPlanCommands(CLI::App* app, const GlobalOptions* globals,
                     Action* action);

// "hunan-2020" or "plans/hunan-2020" → "plans/hunan-2020"; INVALID_ARGUMENT
// naming `field` when the id is not a valid resource id.
absl::StatusOr<std::string> PlanNameFromArg(absl::string_view field,
                                            absl::string_view arg);

// An item given as its id ("19") or full name ("plans/x/items/19"), within
// the plan `plan_name`.
absl::StatusOr<std::string> ItemNameFromArg(absl::string_view plan_name,
                                            absl::string_view arg);

}  // namespace duban::cli

#endif  // DUBAN_TOOLS_DUBANCTL_PLAN_COMMANDS_H_
