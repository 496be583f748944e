// `dubanctl health [plan|unit|progress]`: asks a server's grpc.health.v1
// service whether it is SERVING, optionally waiting until it is. Used by
// deploy/run-local.sh and the end-to-end tests as the readiness probe.
#ifndef DUBAN_TOOLS_DUBANCTL_HEALTH_COMMAND_H_
#define DUBAN_TOOLS_DUBANCTL_HEALTH_COMMAND_H_

#include "CLI/CLI.hpp"
#include "tools/dubanctl/cli.h"

namespace duban::cli {

// Adds the `health` command to `app`; see AddPlanCommands.
void AddHealthCommand(CLI::App* app, const GlobalOptions* globals,
                      Action* action);

}  // namespace duban::cli

#endif  // DUBAN_TOOLS_DUBANCTL_HEALTH_COMMAND_H_
