// dubanctl: the command-line client of the duban services, for supervisors
// and operators. Each service's commands live in their own file and are
// added here; main only parses the command line and runs the one selected.
#include <iostream>

#include "CLI/CLI.hpp"
#include "tools/dubanctl/audit_command.h"
#include "tools/dubanctl/auth_command.h"
#include "tools/dubanctl/cli.h"
#include "tools/dubanctl/health_command.h"
#include "tools/dubanctl/plan_commands.h"
#include "tools/dubanctl/progress_commands.h"
#include "tools/dubanctl/unit_commands.h"

int main(int argc, char** argv) {
  using duban::cli::kExitUsage;

  CLI::App app(
      "dubanctl: import, inspect and issue work plans (工作要点) on the duban "
      "services.\nServers: --plan-addr / DUBAN_PLAN_ADDR (default "
      "127.0.0.1:50061). TLS: --tls-ca-file, --tls-cert-file, --tls-key-file "
      "(DUBAN_TLS_*), or --plaintext. Bearer token: --token-file "
      "(DUBAN_TOKEN_FILE) or DUBAN_TOKEN.",
      "dubanctl");
  // Global flags may follow the subcommand: `dubanctl plan list --json`.
  app.fallthrough();
  app.require_subcommand(1);

  duban::cli::GlobalOptions globals;
  duban::cli::Action action;
  duban::cli::AddGlobalOptions(&app, &globals);
  duban::cli::AddPlanCommands(&app, &globals, &action);
  duban::cli::AddUnitCommands(&app, &globals, &action);
  duban::cli::AddProgressCommands(&app, &globals, &action);
  duban::cli::AddHealthCommand(&app, &globals, &action);
  duban::cli::AddWhoAmICommand(&app, &globals, &action);
  duban::cli::AddAuditCommand(&app, &globals, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the usage hint
    return kExitUsage;
  }
  if (!duban::cli::ValidateGlobalOptions(&globals)) return kExitUsage;
  if (!action) {
    std::cerr << "error: no command given; see dubanctl --help\n";
    return kExitUsage;
  }
  return action();
}
