// `dubanctl audit --org ORG [filters]`: the audit trail of an organization
// (duban.audit.v1.AuditService.ListAuditRecords), newest first.
#ifndef DUBAN_TOOLS_DUBANCTL_AUDIT_COMMAND_H_
#define DUBAN_TOOLS_DUBANCTL_AUDIT_COMMAND_H_

#include "CLI/CLI.hpp"
#include "tools/dubanctl/cli.h"

namespace duban::cli {

// Adds the `audit` command to `app`; see AddPlanCommands.
void AddAuditCommand(CLI::App* app, const GlobalOptions* globals,
                     Action* action);

}  // namespace duban::cli

#endif  // DUBAN_TOOLS_DUBANCTL_AUDIT_COMMAND_H_
