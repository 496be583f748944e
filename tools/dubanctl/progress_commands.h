// dubanctl's progress commands, talking to progress-server
// (duban.progress.v1.ProgressService) and, to read plans and assignments,
// plan-server and unit-server:
//   schedule set|get              a plan's reporting schedule
//   report submit|list|show|review
//                                 progress reports and their review
//   overdue                       the overdue list (催办清单)
//   scorecard                     how each unit has reported
//   rollup                        health per section and item
//   watch                         the plan's event feed, live
//   demo fill                     a believable year of reports (demo data)
#ifndef DUBAN_TOOLS_DUBANCTL_PROGRESS_COMMANDS_H_
#define DUBAN_TOOLS_DUBANCTL_PROGRESS_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "tools/dubanctl/cli.h"

namespace duban::cli {

// Adds the `schedule`, `report`, `overdue`, `scorecard`, `rollup`, `watch`
// and `demo` commands to `app`. The selected command's work is stored in
// *action; `globals` must outlive it.
void AddProgressCommands(CLI::App* app, const GlobalOptions* globals,
                         Action* action);

}  // namespace duban::cli

#endif  // DUBAN_TOOLS_DUBANCTL_PROGRESS_COMMANDS_H_
