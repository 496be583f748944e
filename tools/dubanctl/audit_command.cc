#include "tools/dubanctl/audit_command.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/api.h"
#include "duban/audit/v1/audit_service.grpc.pb.h"
#include "tools/dubanctl/table.h"

namespace duban::cli {
namespace {

namespace av1 = ::duban::audit::v1;

constexpr int kSummaryWidth = 80;
constexpr int kMaxPageSize = 500;

struct AuditOptions {
  std::string server = "plan";
  std::string org;
  std::string principal;
  std::string method;
  std::string resource;
  std::string since;
  std::string until;
  int limit = 50;
};

int Usage(absl::string_view message) {
  return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// An RFC 3339 time into `out`; false when it is not one.
bool ParseRfc3339(const std::string& text, google::protobuf::Timestamp* out) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return false;
  SetTimestamp(time, out);
  return true;
}

// "duban.plan.v1.PlanService/IssuePlan" → "IssuePlan".
std::string MethodName(absl::string_view method) {
  const size_t slash = method.rfind('/');
  return std::string(
      slash == absl::string_view::npos ? method : method.substr(slash + 1));
}

int RunAudit(const GlobalOptions& globals, const AuditOptions& o) {
  av1::ListAuditRecordsRequest request;
  if (o.org != "-") {
    request.set_organization(absl::StartsWith(o.org, "organizations/")
                                 ? o.org
                                 : absl::StrCat("organizations/", o.org));
  }
  request.set_principal(o.principal);
  request.set_method(o.method);
  request.set_resource_prefix(o.resource);
  if (!o.since.empty() &&
      !ParseRfc3339(o.since, request.mutable_start_time())) {
    return Usage(absl::StrCat("--since: not an RFC 3339 time (got \"", o.since,
                              "\"), e.g. 2020-03-01T00:00:00+08:00"));
  }
  if (!o.until.empty() && !ParseRfc3339(o.until, request.mutable_end_time())) {
    return Usage(absl::StrCat("--until: not an RFC 3339 time (got \"", o.until,
                              "\"), e.g. 2020-04-01T00:00:00+08:00"));
  }
  if (o.limit < 1) {
    return Usage(
        absl::StrCat("--limit: must be at least 1 (got ", o.limit, ")"));
  }
  const Server server = o.server == "unit"       ? UnitServer(globals)
                        : o.server == "progress" ? ProgressServer(globals)
                                                 : PlanServer(globals);
  ServiceClient<av1::AuditService> client(globals, server);
  av1::ListAuditRecordsResponse all;
  std::set<std::string> seen_tokens;
  while (all.records_size() < o.limit) {
    request.set_page_size(std::min(kMaxPageSize, o.limit - all.records_size()));
    av1::ListAuditRecordsResponse page;
    const grpc::Status status = client.Call([&](grpc::ClientContext* c) {
      return client.stub()->ListAuditRecords(c, request, &page);
    });
    if (!status.ok()) return client.Fail(status);
    for (auto& record : *page.mutable_records()) {
      if (all.records_size() == o.limit) break;
      *all.add_records() = std::move(record);
    }
    if (page.next_page_token().empty() ||
        !seen_tokens.insert(page.next_page_token()).second) {
      break;
    }
    request.set_page_token(page.next_page_token());
  }
  if (globals.json) return PrintJson(all);
  if (all.records().empty()) {
    std::cout << "no audit records\n";
    return kExitOk;
  }
  Table table({"TIME", "PRINCIPAL", "METHOD", "REQUEST ID", "SUMMARY"});
  table.SetMaxWidth(1, Cap(globals, 24));
  table.SetMaxWidth(3, Cap(globals, 36));
  table.SetMaxWidth(4, Cap(globals, kSummaryWidth));
  for (const av1::AuditRecord& record : all.records()) {
    table.AddRow({FormatTimestamp(record.time()), record.principal(),
                  MethodName(record.method()), record.request_id(),
                  record.summary()});
  }
  std::cout << table.Render();
  return kExitOk;
}

}  // namespace

void AddAuditCommand(CLI::App* app, const GlobalOptions* globals,
                     Action* action) {
  auto o = std::make_shared<AuditOptions>();
  CLI::App* cmd = app->add_subcommand(
      "audit",
      "Show the audit trail of an organization, newest first: who changed "
      "what, when, under which request id (supervisors and administrators)");
  cmd->add_option("--org", o->org,
                  "organization id or organizations/{org}; \"-\" for the "
                  "records without an organization (scope \"*\" only)")
      ->required();
  cmd->add_option("--principal", o->principal, "only this principal's");
  cmd->add_option("--method", o->method,
                  "only this method's: IssuePlan, SubmitReport, ... or the "
                  "full name duban.plan.v1.PlanService/IssuePlan");
  cmd->add_option("--resource", o->resource,
                  "only records whose resource starts with this, e.g. "
                  "plans/yiyang-2020");
  cmd->add_option("--since", o->since,
                  "only records at or after this RFC 3339 time");
  cmd->add_option("--until", o->until,
                  "only records before this RFC 3339 time");
  cmd->add_option("--limit", o->limit, "at most this many records")
      ->capture_default_str();
  cmd->add_option("--server", o->server,
                  "which server to ask (each serves the same records)")
      ->check(CLI::IsMember({"plan", "unit", "progress"}))
      ->capture_default_str();
  cmd->callback([=] { *action = [=] { return RunAudit(*globals, *o); }; });
}

}  // namespace duban::cli
