// `dubanctl whoami [plan|unit|progress]`: asks a server (AuthService.WhoAmI)
// which principal it takes the caller's token for.
#ifndef DUBAN_TOOLS_DUBANCTL_AUTH_COMMAND_H_
#define DUBAN_TOOLS_DUBANCTL_AUTH_COMMAND_H_

#include "CLI/CLI.hpp"
#include "tools/dubanctl/cli.h"

namespace duban::cli {

// Adds the `whoami` command to `app`; see AddPlanCommands.
void AddWhoAmICommand(CLI::App* app, const GlobalOptions* globals,
                      Action* action);

}  // namespace duban::cli

#endif  // DUBAN_TOOLS_DUBANCTL_AUTH_COMMAND_H_
