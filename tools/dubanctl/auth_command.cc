#include "tools/dubanctl/auth_command.h"

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "duban/auth/v1/auth_service.grpc.pb.h"

namespace duban::cli {
namespace {

namespace av1 = ::duban::auth::v1;

int RunWhoAmI(const GlobalOptions& globals, const std::string& which) {
  const Server server = which == "unit"       ? UnitServer(globals)
                        : which == "progress" ? ProgressServer(globals)
                                              : PlanServer(globals);
  auto channel = MakeChannel(globals, server.address);
  auto stub = av1::AuthService::NewStub(channel);
  av1::WhoAmIResponse response;
  grpc::Status status = CallWithRetry(globals, [&](grpc::ClientContext* c) {
    return stub->WhoAmI(c, av1::WhoAmIRequest(), &response);
  });
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    status = grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED,
        absl::StrCat(server.name, " at ", server.address,
                     " does not authenticate callers (started without "
                     "--auth_public_key_file)"));
  }
  if (!status.ok()) return ReportCallError(status, server, channel.get());
  if (globals.json) return PrintJson(response);
  PrintField("id", response.id());
  PrintField("kind", response.kind());
  PrintField("name", response.display_name());
  if (response.roles().empty()) PrintField("roles", "(none)");
  for (const av1::RoleBinding& role : response.roles()) {
    PrintField("role", absl::StrCat(role.role(), " ", role.scope()));
  }
  return kExitOk;
}

}  // namespace

void AddWhoAmICommand(CLI::App* app, const GlobalOptions* globals,
                      Action* action) {
  auto which = std::make_shared<std::string>("plan");
  CLI::App* cmd = app->add_subcommand(
      "whoami",
      "Show the principal and roles a server sees in the bearer token "
      "(--token-file, DUBAN_TOKEN_FILE or DUBAN_TOKEN)");
  cmd->add_option("SERVER", *which, "plan, unit or progress")
      ->check(CLI::IsMember({"plan", "unit", "progress"}))
      ->capture_default_str();
  cmd->callback([=] { *action = [=] { return RunWhoAmI(*globals, *which); }; });
}

}  // namespace duban::cli
