#include "tools/dubanctl/progress_commands.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/api.h"
#include "common/ids.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/progress/v1/progress_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tools/dubanctl/plan_commands.h"
#include "tools/dubanctl/table.h"
#include "tools/dubanctl/unit_commands.h"

namespace duban::cli {
namespace {

namespace pb = ::duban::progress::v1;
namespace ppb = ::duban::plan::v1;
namespace upb = ::duban::unit::v1;

// Pages asked for when following page tokens (the servers' maximums).
constexpr int kPageSize = 1000;
constexpr int kTitleWidth = 40;
constexpr int kTextWidth = 60;

int Usage(absl::string_view message) {
  return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// "on-track", "ON_TRACK", "on_track" → "ON_TRACK".
std::string EnumText(absl::string_view text) {
  return absl::StrReplaceAll(absl::AsciiStrToUpper(text), {{"-", "_"}});
}

// "ON_TRACK" → "on-track", for messages and tables.
std::string LowerEnum(absl::string_view name) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", "-"}});
}

std::optional<pb::Cadence> ParseCadence(absl::string_view text) {
  const std::string t = EnumText(text);
  if (t == "MONTHLY") return pb::MONTHLY;
  if (t == "QUARTERLY") return pb::QUARTERLY;
  if (t == "HALF_YEARLY") return pb::HALF_YEARLY;
  return std::nullopt;
}

std::optional<pb::ReportStatus> ParseStatus(absl::string_view text) {
  pb::ReportStatus value;
  if (!pb::ReportStatus_Parse(EnumText(text), &value) ||
      value == pb::REPORT_STATUS_UNSPECIFIED) {
    return std::nullopt;
  }
  return value;
}

std::optional<pb::ReviewState> ParseReview(absl::string_view text) {
  const std::string t = EnumText(text);
  if (t == "PENDING" || t == "PENDING_REVIEW") return pb::PENDING_REVIEW;
  if (t == "ACCEPTED") return pb::ACCEPTED;
  if (t == "RETURNED") return pb::RETURNED;
  return std::nullopt;
}

std::optional<type::v1::Date> ParseDate(absl::string_view text) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) return std::nullopt;
  type::v1::Date date;
  date.set_year(static_cast<int>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

// --as-of into *date (unset when empty); kExitOk or the exit code.
int AsOfFromArg(const std::string& arg, type::v1::Date* date) {
  if (arg.empty()) return kExitOk;
  auto parsed = ParseDate(arg);
  if (!parsed) {
    return Usage(
        absl::StrCat("--as-of: must be a date YYYY-MM-DD (got \"", arg, "\")"));
  }
  *date = *parsed;
  return kExitOk;
}

int PlanFromArg(absl::string_view field, const std::string& arg,
                std::string* name) {
  auto parsed = PlanNameFromArg(field, arg);
  if (!parsed.ok()) return Usage(parsed.status().message());
  *name = *parsed;
  return kExitOk;
}

std::string ColourWord(absl::string_view word, bool colour) {
  if (!colour) return std::string(word);
  const char* code = word == "GREEN"   ? "\033[32m"
                     : word == "AMBER" ? "\033[33m"
                     : word == "RED"   ? "\033[31m"
                                       : nullptr;
  if (code == nullptr) return std::string(word);
  return absl::StrCat(code, word, "\033[0m");
}

bool UseColour() {
  return isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
}

std::string FormatNumber(double value) {
  if (std::fabs(value) < 1e15 && value == std::floor(value)) {
    return absl::StrFormat("%.0f", value);
  }
  return absl::StrFormat("%.2f", value);
}

// --- units named on the command line ----------------------------------------

// Turns the unit arguments of a command into unit names, the way the unit
// commands accept them: organizations/ORG/units/UNIT, ORG/UNIT, or a unit id
// or a name as printed (基教科) within --org, which defaults to the plan's
// issuing organization. Also gives short names for tables.
class UnitLookup {
 public:
  UnitLookup(const GlobalOptions& globals, std::string org_arg,
             std::string plan_name)
      : globals_(globals),
        org_arg_(std::move(org_arg)),
        plan_name_(std::move(plan_name)),
        units_(globals) {}

  // kExitOk or the exit code, after printing the error.
  int Get(absl::string_view field, const std::string& arg, std::string* out) {
    const std::string trimmed(absl::StripAsciiWhitespace(arg));
    if (trimmed.empty()) {
      return Usage(absl::StrCat(field, ": must not be empty"));
    }
    auto direct = UnitNameFromArg(field, trimmed, "");
    if (direct.ok()) {
      *out = *direct;
      return kExitOk;
    }
    if (direct.status().code() == absl::StatusCode::kInvalidArgument) {
      return Usage(direct.status().message());
    }
    std::string org;
    if (int rc = Organization(field, trimmed, &org); rc != kExitOk) return rc;
    if (auto by_id = UnitNameFromArg(field, trimmed, org); by_id.ok()) {
      *out = *by_id;
      return kExitOk;
    }
    upb::ResolveUnitNamesRequest request;
    request.set_organization(org);
    request.add_names(trimmed);
    upb::ResolveUnitNamesResponse response;
    const grpc::Status status = units_.Call([&](grpc::ClientContext* c) {
      return units_.stub()->ResolveUnitNames(c, request, &response);
    });
    if (!status.ok()) return units_.Fail(status);
    if (response.resolutions_size() == 1 &&
        !response.resolutions(0).unit().empty()) {
      *out = response.resolutions(0).unit();
      return kExitOk;
    }
    return units_.Fail(grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat(field, ": no unit of ", org, " is named \"", trimmed,
                     "\"; see dubanctl unit list --org ", LastSegment(org))));
  }

  // The unit's short name (基教科), or its id when it cannot be read.
  std::string ShortName(const std::string& unit_name) {
    if (unit_name.empty()) return "";
    const std::size_t infix = unit_name.find("/units/");
    if (infix != std::string::npos) {
      const std::string org = unit_name.substr(0, infix);
      if (fetched_.insert(org).second) {
        upb::ListUnitsRequest request;
        request.set_parent(org);
        request.set_page_size(kPageSize);
        // Best effort: tables still show ids without the names.
        ForEachPage(units_, request, &UnitClient::Stub::ListUnits,
                    [&](const upb::ListUnitsResponse& page) {
                      for (const auto& u : page.units()) {
                        short_names_[u.name()] = u.short_name();
                      }
                    });
      }
    }
    auto it = short_names_.find(unit_name);
    return it == short_names_.end() || it->second.empty()
               ? LastSegment(unit_name)
               : it->second;
  }

 private:
  int Organization(absl::string_view field, const std::string& unit_arg,
                   std::string* org) {
    if (!org_.empty()) {
      *org = org_;
      return kExitOk;
    }
    if (!org_arg_.empty()) {
      auto parsed = OrganizationNameFromArg("--org", org_arg_);
      if (parsed.ok()) {
        org_ = *parsed;
      } else {
        upb::ListOrganizationsRequest request;
        request.set_printed_name(org_arg_);
        std::vector<std::string> found;
        const grpc::Status status =
            ForEachPage(units_, request, &UnitClient::Stub::ListOrganizations,
                        [&](const upb::ListOrganizationsResponse& page) {
                          for (const auto& o : page.organizations()) {
                            found.push_back(o.name());
                          }
                        });
        if (!status.ok()) return units_.Fail(status);
        if (found.size() != 1) {
          return units_.Fail(grpc::Status(
              found.empty() ? grpc::StatusCode::NOT_FOUND
                            : grpc::StatusCode::FAILED_PRECONDITION,
              absl::StrCat("--org: \"", org_arg_, "\" names ", found.size(),
                           " organizations; give its id")));
        }
        org_ = found.front();
      }
    } else if (!plan_name_.empty()) {
      PlanClient plans(globals_);
      ppb::GetPlanRequest request;
      request.set_name(plan_name_);
      ppb::Plan plan;
      const grpc::Status status = plans.Call([&](grpc::ClientContext* c) {
        return plans.stub()->GetPlan(c, request, &plan);
      });
      if (!status.ok()) return plans.Fail(status);
      if (plan.issuing_organization().empty()) {
        return Usage(absl::StrCat(field, " \"", unit_arg,
                                  "\": the plan has no issuing organization "
                                  "yet; give --org ORG or ORG/UNIT"));
      }
      org_ = plan.issuing_organization();
    } else {
      return Usage(absl::StrCat(field, " \"", unit_arg,
                                "\": give --org ORG, or name the unit as "
                                "ORG/UNIT"));
    }
    *org = org_;
    return kExitOk;
  }

  const GlobalOptions& globals_;
  const std::string org_arg_;
  const std::string plan_name_;
  UnitClient units_;
  std::string org_;
  std::set<std::string> fetched_;
  std::map<std::string, std::string> short_names_;
};

// --- schedule ---------------------------------------------------------------

struct ScheduleOptions {
  std::string plan;
  std::string cadence;
  int due_days = 5;
  std::string first;
  std::string last;
  std::string etag;
  std::string principal;
};

void PrintSchedule(const pb::Schedule& s) {
  PrintField("name", s.name());
  PrintField("cadence", LowerEnum(pb::Cadence_Name(s.cadence())));
  PrintField("due days",
             absl::StrCat(s.due_days_after_period_end(), " after period end"));
  PrintField("periods", absl::StrCat(s.first_period(), " … ", s.last_period()));
  if (s.has_updated()) {
    PrintField("updated", absl::StrCat(s.updated().principal(), " at ",
                                       FormatTimestamp(s.updated().time())));
  }
  PrintField("etag", s.etag());
}

int RunScheduleSet(const GlobalOptions& globals, const ScheduleOptions& o) {
  std::string plan;
  if (int rc = PlanFromArg("PLAN", o.plan, &plan); rc != kExitOk) return rc;
  auto cadence = ParseCadence(o.cadence);
  if (!cadence) {
    return Usage(absl::StrCat(
        "--cadence: must be monthly, quarterly or half-yearly (got \"",
        o.cadence, "\")"));
  }
  pb::SetScheduleRequest request;
  pb::Schedule* s = request.mutable_schedule();
  s->set_name(absl::StrCat(plan, "/schedule"));
  s->set_cadence(*cadence);
  s->set_due_days_after_period_end(o.due_days);
  s->set_first_period(o.first);
  s->set_last_period(o.last);
  s->set_etag(o.etag);
  request.set_principal(o.principal.empty() ? LocalPrincipal() : o.principal);
  ProgressClient client(globals);
  pb::Schedule out;
  const grpc::Status status = client.Call([&](grpc::ClientContext* c) {
    return client.stub()->SetSchedule(c, request, &out);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(out);
  std::cout << "Set " << out.name() << '\n';
  PrintSchedule(out);
  return kExitOk;
}

int RunScheduleGet(const GlobalOptions& globals, const std::string& plan_arg) {
  std::string plan;
  if (int rc = PlanFromArg("PLAN", plan_arg, &plan); rc != kExitOk) return rc;
  pb::GetScheduleRequest request;
  request.set_name(absl::StrCat(plan, "/schedule"));
  ProgressClient client(globals);
  pb::Schedule out;
  const grpc::Status status = client.Call([&](grpc::ClientContext* c) {
    return client.stub()->GetSchedule(c, request, &out);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(out);
  PrintSchedule(out);
  return kExitOk;
}

// --- report submit -----------------------------------------------------------

struct SubmitOptions {
  std::string plan;
  std::string item;
  std::string unit;
  std::string org;
  std::string period;
  std::string status;
  int percent = -1;
  std::string progress;
  std::string problems;
  std::string next;
  std::vector<std::string> indicators;
  std::vector<std::string> evidence;
  std::string principal;
  std::string request_id;
};

void PrintReportSummary(const pb::Report& r) {
  PrintField("name", r.name());
  PrintField("unit", r.unit());
  PrintField("period", r.period());
  PrintField("due", FormatDate(r.due_date()));
  PrintField("status", absl::StrCat(pb::ReportStatus_Name(r.latest().status()),
                                    ", ", r.latest().percent_complete(), "%"));
  PrintField("review", pb::ReviewState_Name(r.latest().review_state()));
  PrintField("revisions", absl::StrCat(r.revision_count()));
  PrintField("late", r.submitted_late() ? "yes (first filed after due)" : "no");
  PrintField("etag", r.etag());
}

int RunSubmit(const GlobalOptions& globals, const SubmitOptions& o) {
  std::string plan;
  if (int rc = PlanFromArg("PLAN", o.plan, &plan); rc != kExitOk) return rc;
  auto item = ItemNameFromArg(plan, o.item);
  if (!item.ok()) return Usage(item.status().message());
  auto status_value = ParseStatus(o.status);
  if (!status_value) {
    return Usage(absl::StrCat(
        "--status: must be on-track, at-risk, delayed, completed or "
        "not-started (got \"",
        o.status, "\")"));
  }
  pb::SubmitReportRequest request;
  request.set_request_id(o.request_id.empty() ? NewRequestId() : o.request_id);
  request.set_item(*item);
  request.set_period(o.period);
  request.set_status(*status_value);
  // Range checks are the server's: its error names the field.
  request.set_percent_complete(o.percent);
  request.set_progress(o.progress);
  request.set_problems(o.problems);
  request.set_next_steps(o.next);
  request.set_principal(o.principal.empty() ? LocalPrincipal() : o.principal);
  for (const std::string& text : o.indicators) {
    const std::size_t eq = text.find('=');
    double value = 0;
    if (eq == std::string::npos || eq == 0 ||
        !absl::SimpleAtod(text.substr(eq + 1), &value)) {
      return Usage(absl::StrCat(
          "--indicator: must be ID=VALUE such as i1=43 (got \"", text, "\")"));
    }
    pb::IndicatorValue* v = request.add_indicator_values();
    v->set_indicator_id(text.substr(0, eq));
    v->set_value(value);
  }
  for (const std::string& text : o.evidence) {
    const std::size_t comma = text.find(',');
    pb::Evidence* e = request.add_evidence();
    e->set_uri(text.substr(0, comma));
    if (comma != std::string::npos) e->set_title(text.substr(comma + 1));
  }
  UnitLookup units(globals, o.org, plan);
  if (int rc = units.Get("--unit", o.unit, request.mutable_unit());
      rc != kExitOk) {
    return rc;
  }
  ProgressClient client(globals);
  pb::Report out;
  const grpc::Status status = client.Call([&](grpc::ClientContext* c) {
    return client.stub()->SubmitReport(c, request, &out);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(out);
  std::cout << (out.revision_count() > 1 ? "Revised " : "Submitted ")
            << out.name() << " (revision " << out.latest().number() << ")\n";
  PrintReportSummary(out);
  return kExitOk;
}

// --- report list -------------------------------------------------------------

struct ListOptions {
  std::string plan;
  std::string item;
  std::string unit;
  std::string org;
  std::string period;
  std::string status;
  std::string review;
};

int RunReportList(const GlobalOptions& globals, const ListOptions& o) {
  std::string plan;
  if (int rc = PlanFromArg("PLAN", o.plan, &plan); rc != kExitOk) return rc;
  pb::ListReportsRequest request;
  request.set_parent(plan);
  request.set_page_size(kPageSize);
  request.set_period(o.period);
  if (!o.item.empty()) {
    auto item = ItemNameFromArg(plan, o.item);
    if (!item.ok()) return Usage(item.status().message());
    request.set_item(*item);
  }
  if (!o.status.empty()) {
    auto s = ParseStatus(o.status);
    if (!s) {
      return Usage(absl::StrCat(
          "--status: must be on-track, at-risk, delayed, completed or "
          "not-started (got \"",
          o.status, "\")"));
    }
    request.set_status(*s);
  }
  if (!o.review.empty()) {
    auto r = ParseReview(o.review);
    if (!r) {
      return Usage(absl::StrCat(
          "--review: must be pending, accepted or returned (got \"", o.review,
          "\")"));
    }
    request.set_review_state(*r);
  }
  UnitLookup units(globals, o.org, plan);
  if (!o.unit.empty()) {
    if (int rc = units.Get("--unit", o.unit, request.mutable_unit());
        rc != kExitOk) {
      return rc;
    }
  }
  ProgressClient client(globals);
  pb::ListReportsResponse all;
  const grpc::Status status =
      ForEachPage(client, request, &ProgressClient::Stub::ListReports,
                  [&](pb::ListReportsResponse& page) {
                    for (auto& r : *page.mutable_reports()) {
                      *all.add_reports() = std::move(r);
                    }
                  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(all);
  if (all.reports().empty()) {
    std::cout << "No reports.\n";
    return kExitOk;
  }
  Table table({"ITEM", "UNIT", "PERIOD", "STATUS", "%", "REVIEW", "REV", "LATE",
               "REPORT"});
  table.SetRightAligned(4);
  table.SetRightAligned(6);
  for (const auto& r : all.reports()) {
    table.AddRow({LastSegment(r.item()), units.ShortName(r.unit()), r.period(),
                  pb::ReportStatus_Name(r.latest().status()),
                  absl::StrCat(r.latest().percent_complete()),
                  pb::ReviewState_Name(r.latest().review_state()),
                  absl::StrCat(r.revision_count()),
                  r.submitted_late() ? "late" : "", r.name()});
  }
  std::cout << table.Render();
  return kExitOk;
}

// --- report show / review ----------------------------------------------------

int ReportFromArg(const std::string& arg, std::string* name) {
  const std::vector<std::string> parts = absl::StrSplit(arg, '/');
  if (parts.size() != 6 || parts[0] != "plans" || parts[2] != "items" ||
      parts[4] != "reports" || !absl::StrContains(parts[5], '~')) {
    return Usage(absl::StrCat(
        "REPORT: must be plans/PLAN/items/ITEM/reports/UNIT~PERIOD (got \"",
        arg, "\")"));
  }
  *name = arg;
  return kExitOk;
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options)
           .ok()) {
    return "null";
  }
  return out;
}

int RunReportShow(const GlobalOptions& globals, const std::string& arg) {
  std::string name;
  if (int rc = ReportFromArg(arg, &name); rc != kExitOk) return rc;
  ProgressClient client(globals);
  pb::GetReportRequest request;
  request.set_name(name);
  pb::Report report;
  grpc::Status status = client.Call([&](grpc::ClientContext* c) {
    return client.stub()->GetReport(c, request, &report);
  });
  if (!status.ok()) return client.Fail(status);
  pb::ListRevisionsRequest list;
  list.set_parent(name);
  list.set_page_size(kPageSize);
  std::vector<pb::Revision> revisions;
  status = ForEachPage(client, list, &ProgressClient::Stub::ListRevisions,
                       [&](pb::ListRevisionsResponse& page) {
                         for (auto& r : *page.mutable_revisions()) {
                           revisions.push_back(std::move(r));
                         }
                       });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) {
    std::vector<std::string> parts;
    for (const auto& r : revisions) parts.push_back(ToJson(r));
    std::cout << "{\"report\":" << ToJson(report) << ",\"revisions\":["
              << absl::StrJoin(parts, ",") << "]}" << std::endl;
    return kExitOk;
  }
  PrintReportSummary(report);
  PrintField("first filed",
             absl::StrCat(report.first_submitted().principal(), " at ",
                          FormatTimestamp(report.first_submitted().time())));
  for (const auto& r : revisions) {
    std::cout << "\nrevision " << r.number() << "  "
              << pb::ReportStatus_Name(r.status()) << "  "
              << r.percent_complete() << "%  "
              << pb::ReviewState_Name(r.review_state())
              << (r.late() ? "  late" : "") << '\n';
    PrintField("  submitted",
               absl::StrCat(r.submitted().principal(), " at ",
                            FormatTimestamp(r.submitted().time())));
    PrintField("  progress", OneLine(r.progress()));
    PrintField("  problems", OneLine(r.problems()));
    PrintField("  next steps", OneLine(r.next_steps()));
    for (const auto& v : r.indicator_values()) {
      PrintField("  indicator", absl::StrCat(v.indicator_id(), " = ",
                                             FormatNumber(v.value())));
    }
    for (const auto& e : r.evidence()) {
      PrintField(
          "  evidence",
          absl::StrCat(e.uri(), e.title().empty() ? "" : " ", e.title()));
    }
    if (r.has_reviewed()) {
      PrintField("  reviewed",
                 absl::StrCat(r.reviewed().principal(), " at ",
                              FormatTimestamp(r.reviewed().time())));
    }
    PrintField("  comment", OneLine(r.review_comment()));
  }
  return kExitOk;
}

struct ReviewOptions {
  std::string report;
  bool accept = false;
  bool return_it = false;
  std::string comment;
  std::string etag;
  std::string principal;
};

int RunReview(const GlobalOptions& globals, const ReviewOptions& o) {
  std::string name;
  if (int rc = ReportFromArg(o.report, &name); rc != kExitOk) return rc;
  if (o.accept == o.return_it) {
    return Usage("give exactly one of --accept and --return");
  }
  if (o.return_it && o.comment.empty()) {
    return Usage("--comment: required with --return (why it is returned)");
  }
  pb::ReviewReportRequest request;
  request.set_name(name);
  request.set_etag(o.etag);
  request.set_decision(o.accept ? pb::ReviewReportRequest::ACCEPT
                                : pb::ReviewReportRequest::RETURN);
  request.set_comment(o.comment);
  request.set_principal(o.principal.empty() ? LocalPrincipal() : o.principal);
  request.set_request_id(NewRequestId());
  ProgressClient client(globals);
  pb::Report out;
  const grpc::Status status = client.Call([&](grpc::ClientContext* c) {
    return client.stub()->ReviewReport(c, request, &out);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(out);
  std::cout << (o.accept ? "Accepted " : "Returned ") << out.name()
            << " (revision " << out.latest().number() << ")\n";
  return kExitOk;
}

// --- overdue / scorecard / rollup --------------------------------------------

struct ViewOptions {
  std::string plan;
  std::string unit;
  std::string org;
  std::string as_of;
};

// The plan and as-of day of a view request, from --plan and --as-of:
// kExitOk or the exit code, after printing the error.
template <typename Request>
int PlanAndDayFromArgs(const ViewOptions& o, Request* request) {
  if (int rc = PlanFromArg("--plan", o.plan, request->mutable_plan());
      rc != kExitOk) {
    return rc;
  }
  return AsOfFromArg(o.as_of, request->mutable_as_of());
}

// The unit of a view request, from --unit when given.
template <typename Request>
int UnitFromArg(const ViewOptions& o, UnitLookup& units, Request* request) {
  if (o.unit.empty()) return kExitOk;
  return units.Get("--unit", o.unit, request->mutable_unit());
}

int RunOverdue(const GlobalOptions& globals, const ViewOptions& o) {
  pb::ListOverdueRequest request;
  if (int rc = PlanAndDayFromArgs(o, &request); rc != kExitOk) return rc;
  UnitLookup units(globals, o.org, request.plan());
  if (int rc = UnitFromArg(o, units, &request); rc != kExitOk) return rc;
  ProgressClient client(globals);
  pb::ListOverdueResponse out;
  const grpc::Status status = client.Call([&](grpc::ClientContext* c) {
    return client.stub()->ListOverdue(c, request, &out);
  });
  if (!status.ok()) return client.Fail(status);
  std::stable_sort(out.mutable_entries()->begin(), out.mutable_entries()->end(),
                   [](const pb::OverdueEntry& a, const pb::OverdueEntry& b) {
                     return a.days_overdue() > b.days_overdue();
                   });
  if (globals.json) return PrintJson(out);
  if (out.entries().empty()) {
    std::cout << "Nothing overdue as of " << FormatDate(out.as_of()) << ".\n";
    return kExitOk;
  }
  std::cout << "Overdue as of " << FormatDate(out.as_of())
            << " (催办清单): " << out.entries_size() << "\n\n";
  Table table(
      {"DAYS", "UNIT", "ITEM", "PERIOD", "DUE", "REASON", "ROLE", "TITLE"});
  table.SetRightAligned(0);
  table.SetMaxWidth(7, Cap(globals, kTitleWidth));
  for (const auto& e : out.entries()) {
    table.AddRow({absl::StrCat(e.days_overdue()), units.ShortName(e.unit()),
                  LastSegment(e.item()), e.period(), FormatDate(e.due_date()),
                  e.reason() == pb::MISSING ? "missing" : "returned", e.role(),
                  e.item_title()});
  }
  std::cout << table.Render();
  return kExitOk;
}

int RunScorecard(const GlobalOptions& globals, const ViewOptions& o) {
  pb::GetScorecardRequest request;
  if (int rc = PlanAndDayFromArgs(o, &request); rc != kExitOk) return rc;
  UnitLookup units(globals, o.org, request.plan());
  if (int rc = UnitFromArg(o, units, &request); rc != kExitOk) return rc;
  ProgressClient client(globals);
  pb::GetScorecardResponse out;
  const grpc::Status status = client.Call([&](grpc::ClientContext* c) {
    return client.stub()->GetScorecard(c, request, &out);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(out);
  if (out.scorecards().empty()) {
    std::cout << "No units are assigned.\n";
    return kExitOk;
  }
  std::cout << "As of " << FormatDate(out.as_of()) << "\n\n";
  // Who needs chasing first: the lowest on-time rate, then the most
  // reports missing, then by name.
  std::vector<const pb::UnitScorecard*> rows;
  for (const auto& s : out.scorecards()) rows.push_back(&s);
  std::stable_sort(
      rows.begin(), rows.end(),
      [&units](const pb::UnitScorecard* a, const pb::UnitScorecard* b) {
        return std::make_tuple(a->on_time_rate(), -a->missing(),
                               units.ShortName(a->unit())) <
               std::make_tuple(b->on_time_rate(), -b->missing(),
                               units.ShortName(b->unit()));
      });
  Table table({"UNIT", "ASSIGNED", "DUE", "ON TIME", "LATE", "MISSING",
               "ACCEPTED", "RETURNED", "COMPLETED", "ON-TIME %"});
  for (std::size_t i = 1; i < 10; ++i) table.SetRightAligned(i);
  for (const pb::UnitScorecard* row : rows) {
    const pb::UnitScorecard& s = *row;
    table.AddRow({units.ShortName(s.unit()), absl::StrCat(s.assigned_items()),
                  absl::StrCat(s.reports_due()), absl::StrCat(s.on_time()),
                  absl::StrCat(s.late()), absl::StrCat(s.missing()),
                  absl::StrCat(s.accepted()), absl::StrCat(s.returned()),
                  absl::StrCat(s.completed_items()),
                  absl::StrFormat("%.0f%%", 100 * s.on_time_rate())});
  }
  std::cout << table.Render();
  return kExitOk;
}

std::string HealthWord(pb::Health h) {
  return h == pb::HEALTH_UNSPECIFIED ? "-" : pb::Health_Name(h);
}

// Colours the first word of each line after the header when it is a
// health; the table is rendered first, so the escapes never count as width.
std::string ColourFirstColumn(const std::string& rendered, bool colour) {
  if (!colour) return rendered;
  std::string out;
  bool header = true;
  for (absl::string_view line : absl::StrSplit(rendered, '\n')) {
    if (line.empty()) continue;
    std::string text(line);
    if (!header) {
      for (absl::string_view word : {"GREEN", "AMBER", "RED"}) {
        if (absl::StartsWith(line, word) &&
            (line.size() == word.size() || line[word.size()] == ' ')) {
          text = absl::StrCat(ColourWord(word, true), line.substr(word.size()));
          break;
        }
      }
    }
    header = false;
    absl::StrAppend(&out, text, "\n");
  }
  return out;
}

std::string IndicatorCell(const pb::ItemRollup& item) {
  std::vector<std::string> parts;
  for (const auto& i : item.indicators()) {
    if (!i.has_value()) {
      parts.push_back(absl::StrCat(i.indicator_id(), " -/",
                                   FormatNumber(i.target()), i.unit()));
    } else {
      parts.push_back(absl::StrFormat(
          "%s %s/%s%s %.0f%%", i.indicator_id(), FormatNumber(i.value()),
          FormatNumber(i.target()), i.unit(), i.percent_of_target()));
    }
  }
  return absl::StrJoin(parts, "; ");
}

int RunRollup(const GlobalOptions& globals, const ViewOptions& o) {
  pb::GetPlanRollupRequest request;
  if (int rc = PlanAndDayFromArgs(o, &request); rc != kExitOk) return rc;
  ProgressClient client(globals);
  pb::PlanRollup out;
  const grpc::Status status = client.Call([&](grpc::ClientContext* c) {
    return client.stub()->GetPlanRollup(c, request, &out);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(out);
  const bool colour = UseColour();
  std::cout << out.plan() << " as of " << FormatDate(out.as_of()) << ": "
            << ColourWord("GREEN", colour) << ' ' << out.green() << "  "
            << ColourWord("AMBER", colour) << ' ' << out.amber() << "  "
            << ColourWord("RED", colour) << ' ' << out.red() << '\n';
  for (const auto& section : out.sections()) {
    const std::string heading =
        section.section_id().empty()
            ? std::string("General items")
            : absl::StrCat(section.label(), section.label().empty() ? "" : "、",
                           section.title());
    std::cout << '\n'
              << ColourWord(HealthWord(section.health()), colour) << "  "
              << heading
              << absl::StrFormat("  (green %d, amber %d, red %d, avg %.0f%%)",
                                 section.green(), section.amber(),
                                 section.red(), section.average_percent())
              << '\n';
    Table table({"HEALTH", "ITEM", "STATUS", "%", "OVERDUE", "INDICATORS",
                 "TITLE", "WHY"});
    table.SetRightAligned(3);
    table.SetRightAligned(4);
    table.SetMaxWidth(5, Cap(globals, kTitleWidth));
    table.SetMaxWidth(6, Cap(globals, 30));
    table.SetMaxWidth(7, Cap(globals, kTextWidth));
    for (const auto& item : section.items()) {
      table.AddRow({HealthWord(item.health()), LastSegment(item.item()),
                    item.latest_status() == pb::REPORT_STATUS_UNSPECIFIED
                        ? "-"
                        : pb::ReportStatus_Name(item.latest_status()),
                    absl::StrCat(item.percent_complete()),
                    absl::StrCat(item.overdue_reports()), IndicatorCell(item),
                    item.title(), absl::StrJoin(item.health_reasons(), "; ")});
    }
    std::cout << ColourFirstColumn(table.Render(), colour);
  }
  return kExitOk;
}

// --- watch -------------------------------------------------------------------

struct WatchOptions {
  std::string plan;
  std::string org;
  std::string from;
};

std::string EventLine(const pb::Event& e, UnitLookup& units) {
  std::vector<std::string> parts = {e.cursor(), FormatTimestamp(e.time()),
                                    pb::Event::Type_Name(e.type())};
  if (!e.item().empty())
    parts.push_back(absl::StrCat("item ", LastSegment(e.item())));
  if (!e.unit().empty())
    parts.push_back(absl::StrCat("unit ", units.ShortName(e.unit())));
  if (!e.period().empty()) parts.push_back(e.period());
  switch (e.type()) {
    case pb::Event::REPORT_SUBMITTED:
    case pb::Event::REPORT_REVISED:
      parts.push_back(absl::StrCat("rev ", e.revision(), " ",
                                   pb::ReportStatus_Name(e.status())));
      break;
    case pb::Event::REPORT_REVIEWED:
      parts.push_back(absl::StrCat("rev ", e.revision(), " ",
                                   pb::ReviewState_Name(e.review_state())));
      break;
    case pb::Event::ITEM_HEALTH_CHANGED:
      parts.push_back(absl::StrCat(HealthWord(e.previous_health()), " → ",
                                   HealthWord(e.health())));
      break;
    case pb::Event::REPORT_OVERDUE:
      parts.push_back(pb::OverdueReason_Name(e.overdue_reason()));
      break;
    default:
      break;
  }
  if (!e.principal().empty())
    parts.push_back(absl::StrCat("by ", e.principal()));
  return absl::StrJoin(parts, "  ");
}

int RunWatch(const GlobalOptions& globals, const WatchOptions& o) {
  pb::WatchEventsRequest request;
  if (o.plan.empty() == o.org.empty()) {
    return Usage("watch: give exactly one of --plan and --org");
  }
  if (!o.org.empty()) {
    const std::string org(absl::StripPrefix(o.org, "organizations/"));
    if (org.empty() || absl::StrContains(org, "/")) {
      return Usage(absl::StrCat(
          "--org: must be ORG or organizations/ORG (got \"", o.org, "\")"));
    }
    request.set_organization(absl::StrCat("organizations/", org));
  } else if (int rc = PlanFromArg("--plan", o.plan, request.mutable_plan());
             rc != kExitOk) {
    return rc;
  }
  std::string cursor = o.from;
  ProgressClient client(globals);
  UnitLookup units(globals, "", request.plan());
  // Failures in a row without an event; before the stream ever worked,
  // UNAVAILABLE is fatal after a few, as for other calls.
  int failures = 0;
  bool ever_connected = false;
  while (true) {
    request.set_cursor(cursor);
    grpc::ClientContext context;
    AddCredentials(globals, &context);
    const absl::Time started = absl::Now();
    auto reader = client.stub()->WatchEvents(&context, request);
    pb::Event event;
    while (reader->Read(&event)) {
      ever_connected = true;
      failures = 0;
      cursor = event.cursor();
      if (globals.json) {
        std::cout << ToJson(event) << std::endl;
      } else {
        std::cout << EventLine(event, units) << std::endl;
      }
    }
    const grpc::Status status = reader->Finish();
    if (absl::Now() - started > absl::Seconds(2)) ever_connected = true;
    const bool retriable =
        status.ok() || status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
        status.error_code() == grpc::StatusCode::INTERNAL;
    if (!retriable || (!ever_connected && failures >= 3)) {
      return client.Fail(status);
    }
    ++failures;
    const absl::Duration backoff =
        std::min(absl::Milliseconds(250) * (1 << std::min(failures, 5)),
                 absl::Seconds(5));
    std::cerr << "watch: stream ended ("
              << (status.ok() ? std::string("OK")
                              : CodeName(status.error_code()))
              << "); reconnecting"
              << (cursor.empty() ? std::string()
                                 : absl::StrCat(" after cursor ", cursor))
              << " in " << absl::FormatDuration(backoff) << std::endl;
    absl::SleepFor(backoff);
  }
}

// --- demo fill ---------------------------------------------------------------

struct DemoOptions {
  std::string plan;
  int year = 0;
  std::string as_of;
  int seed = 1;
  int threads = 4;
  bool backdate = true;
};

// A uniform number in [0, 1) from the hash of `parts`: every choice of the
// demo is a function of the seed and what it is about, so a second run
// makes the same choices.
double Chance(const std::vector<std::string>& parts) {
  const std::string hex = Sha256Hex(absl::StrJoin(parts, "|")).substr(0, 13);
  std::uint64_t value = 0;
  for (char c : hex) {
    value = value * 16 +
            static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return static_cast<double>(value) / static_cast<double>(1ULL << 52);
}

struct Period {
  int year = 0;
  int index = 0;  // month, quarter or half
};

int PeriodsPerYear(pb::Cadence c) {
  return c == pb::QUARTERLY ? 4 : c == pb::HALF_YEARLY ? 2 : 12;
}

std::string PeriodText(pb::Cadence c, const Period& p) {
  if (c == pb::QUARTERLY) return absl::StrFormat("%04d-Q%d", p.year, p.index);
  if (c == pb::HALF_YEARLY) return absl::StrFormat("%04d-H%d", p.year, p.index);
  return absl::StrFormat("%04d-%02d", p.year, p.index);
}

std::optional<Period> ParsePeriodText(pb::Cadence c, absl::string_view text) {
  Period p;
  if (text.size() < 6 || text[4] != '-' ||
      !absl::SimpleAtoi(text.substr(0, 4), &p.year)) {
    return std::nullopt;
  }
  absl::string_view rest = text.substr(5);
  if (c == pb::QUARTERLY && !absl::ConsumePrefix(&rest, "Q")) {
    return std::nullopt;
  }
  if (c == pb::HALF_YEARLY && !absl::ConsumePrefix(&rest, "H")) {
    return std::nullopt;
  }
  if (!absl::SimpleAtoi(rest, &p.index) || p.index < 1 ||
      p.index > PeriodsPerYear(c)) {
    return std::nullopt;
  }
  return p;
}

absl::CivilDay PeriodStart(pb::Cadence c, const Period& p) {
  const int months = 12 / PeriodsPerYear(c);
  return absl::CivilDay(p.year, (p.index - 1) * months + 1, 1);
}

Period NextPeriod(pb::Cadence c, Period p) {
  if (++p.index > PeriodsPerYear(c)) {
    p.index = 1;
    ++p.year;
  }
  return p;
}

// One call the demo makes on a (unit, item, period).
struct Step {
  enum Kind { kSubmit, kAccept, kReturn } kind = kSubmit;
  int revision = 1;
  pb::ReportStatus status = pb::ON_TRACK;
  int percent = 0;
  // A submission's believable filing day (see DemoFiller::FiledOn).
  absl::CivilDay filed;
};

struct Duty {
  std::string unit;
  std::string item;
  bool lead = false;
};

class DemoFiller {
 public:
  DemoFiller(const GlobalOptions& globals, const DemoOptions& options)
      : globals_(globals), options_(options) {}

  int Run() {
    if (int rc = PlanFromArg("--plan", options_.plan, &plan_); rc != kExitOk) {
      return rc;
    }
    if (options_.as_of.empty()) {
      return Usage("--as-of: required, the date to fill reports up to");
    }
    auto as_of = ParseDate(options_.as_of);
    if (!as_of) {
      return Usage(absl::StrCat("--as-of: must be a date YYYY-MM-DD (got \"",
                                options_.as_of, "\")"));
    }
    as_of_ = absl::CivilDay(as_of->year(), as_of->month(), as_of->day());
    if (int rc = LoadPlan(); rc != kExitOk) return rc;
    if (int rc = EnsureSchedule(); rc != kExitOk) return rc;
    if (int rc = LoadDuties(); rc != kExitOk) return rc;
    if (int rc = LoadReports(); rc != kExitOk) return rc;

    std::atomic<std::size_t> next{0};
    std::vector<std::thread> workers;
    const int threads = std::clamp(options_.threads, 1, 16);
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        ProgressClient client(globals_);
        while (true) {
          const std::size_t i = next.fetch_add(1);
          if (i >= duties_.size() || failed()) return;
          FillDuty(client, duties_[i]);
        }
      });
    }
    for (auto& w : workers) w.join();
    if (!error_.ok()) {
      ProgressClient client(globals_);
      return client.Fail(error_);
    }
    if (globals_.json) {
      std::cout << absl::StrFormat(
                       "{\"plan\":\"%s\",\"assignments\":%d,\"periods\":%d,"
                       "\"submitted\":%d,\"reviewed\":%d,\"skipped\":%d}",
                       plan_, duties_.size(), periods_.size(),
                       submitted_.load(), reviewed_.load(), skipped_.load())
                << std::endl;
    } else {
      std::cout << "Filled " << plan_ << " up to " << options_.as_of << ": "
                << duties_.size() << " assignments × " << periods_.size()
                << " periods; " << submitted_ << " revisions submitted, "
                << reviewed_ << " reviews, " << skipped_
                << " steps already done\n";
    }
    return kExitOk;
  }

 private:
  bool failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return !error_.ok();
  }
  void SetError(const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) error_ = status;
  }

  int LoadPlan() {
    PlanClient plans(globals_);
    ppb::GetPlanRequest request;
    request.set_name(plan_);
    grpc::Status status = plans.Call([&](grpc::ClientContext* c) {
      return plans.stub()->GetPlan(c, request, &plan_message_);
    });
    if (!status.ok()) return plans.Fail(status);
    ppb::ListItemsRequest items;
    items.set_parent(plan_);
    items.set_page_size(kPageSize);
    status = ForEachPage(plans, items, &PlanClient::Stub::ListItems,
                         [&](ppb::ListItemsResponse& page) {
                           for (auto& item : *page.mutable_items()) {
                             std::string name = item.name();
                             items_[name] = std::move(item);
                           }
                         });
    if (!status.ok()) return plans.Fail(status);
    return kExitOk;
  }

  int EnsureSchedule() {
    ProgressClient client(globals_);
    pb::GetScheduleRequest get;
    get.set_name(absl::StrCat(plan_, "/schedule"));
    grpc::Status status = client.Call([&](grpc::ClientContext* c) {
      return client.stub()->GetSchedule(c, get, &schedule_);
    });
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      pb::SetScheduleRequest set;
      set.mutable_schedule()->set_name(get.name());
      set.mutable_schedule()->set_cadence(pb::MONTHLY);
      set.mutable_schedule()->set_due_days_after_period_end(5);
      set.set_principal(LocalPrincipal());
      status = client.Call([&](grpc::ClientContext* c) {
        return client.stub()->SetSchedule(c, set, &schedule_);
      });
      if (status.ok() && !globals_.json) {
        std::cout << "Set a monthly schedule on " << plan_ << '\n';
      }
    }
    if (!status.ok()) return client.Fail(status);
    const pb::Cadence c = schedule_.cadence();
    const int year = options_.year != 0 ? options_.year : plan_message_.year();
    Period first{year, 1};
    Period last{year, PeriodsPerYear(c)};
    if (auto p = ParsePeriodText(c, schedule_.first_period())) first = *p;
    if (auto p = ParsePeriodText(c, schedule_.last_period())) last = *p;
    if (first.year == 0) {
      return Usage("--year: required when the plan and schedule name none");
    }
    for (Period p = first;
         std::tie(p.year, p.index) <= std::tie(last.year, last.index);
         p = NextPeriod(c, p)) {
      if (options_.year != 0 && p.year != options_.year) continue;
      if (PeriodStart(c, p) > as_of_) break;
      periods_.push_back(PeriodText(c, p));
    }
    return kExitOk;
  }

  int LoadDuties() {
    UnitClient units(globals_);
    upb::ListAssignmentsRequest request;
    request.set_plan(plan_);
    request.set_page_size(kPageSize);
    const grpc::Status status = ForEachPage(
        units, request, &UnitClient::Stub::ListAssignments,
        [&](const upb::ListAssignmentsResponse& page) {
          for (const auto& a : page.assignments()) {
            if (a.state() != upb::Assignment::ACTIVE) continue;
            duties_.push_back({a.unit(), a.item(), a.role() == upb::LEAD});
          }
        });
    if (!status.ok()) return units.Fail(status);
    std::sort(duties_.begin(), duties_.end(), [](const Duty& a, const Duty& b) {
      return std::tie(a.item, a.unit) < std::tie(b.item, b.unit);
    });
    return kExitOk;
  }

  int LoadReports() {
    ProgressClient client(globals_);
    pb::ListReportsRequest request;
    request.set_parent(plan_);
    request.set_page_size(kPageSize);
    const grpc::Status status =
        ForEachPage(client, request, &ProgressClient::Stub::ListReports,
                    [&](pb::ListReportsResponse& page) {
                      for (auto& r : *page.mutable_reports()) {
                        std::string key = Key(r.unit(), r.item(), r.period());
                        existing_[key] = std::move(r);
                      }
                    });
    if (!status.ok()) return client.Fail(status);
    return kExitOk;
  }

  static std::string Key(const std::string& unit, const std::string& item,
                         const std::string& period) {
    return absl::StrCat(unit, "|", item, "|", period);
  }

  double Roll(const std::vector<std::string>& parts) const {
    std::vector<std::string> all = {absl::StrCat(options_.seed), plan_};
    all.insert(all.end(), parts.begin(), parts.end());
    return Chance(all);
  }

  // The number (1-based) of the last period begun by the item's deadline
  // when that deadline is before as-of; past the last period otherwise.
  int DeadlinePeriod(const std::string& item_name) const {
    const int none = static_cast<int>(periods_.size()) + 1;
    auto it = items_.find(item_name);
    if (it == items_.end() || !it->second.has_deadline()) return none;
    const type::v1::Date& d = it->second.deadline().date();
    if (d.year() == 0) return none;
    const absl::CivilDay deadline =
        d.month() == 0 ? absl::CivilDay(d.year(), 12, 31)
        : d.day() == 0
            ? absl::CivilDay(absl::CivilMonth(d.year(), d.month()) + 1) - 1
            : absl::CivilDay(d.year(), d.month(), d.day());
    if (!(deadline < as_of_)) return none;
    int found = none;
    for (std::size_t k = 0; k < periods_.size(); ++k) {
      auto p = ParsePeriodText(schedule_.cadence(), periods_[k]);
      if (p && PeriodStart(schedule_.cadence(), *p) <= deadline) {
        found = static_cast<int>(k) + 1;
      }
    }
    return found;
  }

  // When a report would have been filed: between the period's end and its
  // due date, or (for a lagging unit, now and then) a few days after it.
  absl::CivilDay FiledOn(const Duty& duty, const std::string& period,
                         bool laggard) const {
    auto p = ParsePeriodText(schedule_.cadence(), period);
    if (!p) return absl::CivilDay();
    const absl::CivilDay end =
        PeriodStart(schedule_.cadence(), NextPeriod(schedule_.cadence(), *p)) -
        1;
    const int due_days = schedule_.due_days_after_period_end();
    const double roll = Roll({"filed", duty.unit, duty.item, period});
    if (laggard && Roll({"late", duty.unit, duty.item, period}) < 0.4) {
      return end + due_days + 1 + static_cast<int>(roll * 10);
    }
    return end + 1 + static_cast<int>(roll * std::max(1, due_days));
  }

  // The steps the demo takes on every period of one duty: a unit that
  // reports on time and rising, or one that lags and misses months; an item
  // that goes well, slips (AT_RISK) or stalls (DELAYED).
  std::vector<std::vector<Step>> Plan(const Duty& duty) const {
    const int n = static_cast<int>(periods_.size());
    const int per_year = PeriodsPerYear(schedule_.cadence());
    const bool laggard = Roll({"lag", duty.unit}) < 0.15;
    const double trouble = Roll({"trouble", duty.item});
    const bool delayed = trouble < 0.1;
    const bool at_risk = !delayed && trouble < 0.25;
    // Some healthy items finish in one of the last months filed.
    const double finish_roll = Roll({"finish", duty.item});
    const int finish_at =
        !delayed && !at_risk && finish_roll < 0.3
            ? std::max(1, n - 1 - static_cast<int>(finish_roll * 10))
            : n + 1;
    // A healthy item due before as-of is done by its deadline's period.
    const int done_by = DeadlinePeriod(duty.item);
    const int finish =
        delayed || at_risk ? finish_at : std::min(finish_at, done_by);
    const double pace = delayed ? 0.45 : at_risk ? 0.75 : 1.0;
    std::vector<std::vector<Step>> out(periods_.size());
    int percent = 0;
    for (int k = 1; k <= n; ++k) {
      const std::string& period = periods_[k - 1];
      const double noise = Roll({"pct", duty.unit, duty.item, period});
      const int target = static_cast<int>(
          std::lround(100.0 * k / per_year * pace * (0.85 + 0.25 * noise)));
      percent = std::clamp(std::max(percent, target), 0, 95);
      // Misses cluster in the newest periods (a few units behind with their
      // latest reports); an old gap is rare, and turns an item red.
      const int age = n - k;  // 0: the newest period filed
      const double miss_chance = laggard ? (age <= 1   ? 0.5
                                            : age == 2 ? 0.15
                                                       : 0.02)
                                         : (age == 0   ? 0.1
                                            : age == 1 ? 0.02
                                                       : 0.0);
      if (Roll({"miss", duty.unit, duty.item, period}) < miss_chance) {
        continue;
      }
      Step submit;
      submit.percent = percent;
      submit.filed = FiledOn(duty, period, laggard);
      if (k >= finish) {
        submit.status = pb::COMPLETED;
        submit.percent = 100;
      } else if (delayed && k > n / 3) {
        submit.status = pb::DELAYED;
      } else if (at_risk && k > n / 4 &&
                 Roll({"risk", duty.item, period}) < 0.7) {
        submit.status = pb::AT_RISK;
      } else if (percent == 0) {
        submit.status = pb::NOT_STARTED;
      }
      std::vector<Step>& steps = out[k - 1];
      steps.push_back(submit);
      const double review = Roll({"review", duty.unit, duty.item, period});
      if (k == n && review < 0.6) continue;  // the newest waits for review
      if (k >= n - 2 && review > 0.97) {
        steps.push_back({Step::kReturn, 1, submit.status, submit.percent,
                         absl::CivilDay()});
        continue;  // returned, not yet resubmitted
      }
      if (review > 0.9) {
        steps.push_back({Step::kReturn, 1, submit.status, submit.percent,
                         absl::CivilDay()});
        Step again = submit;
        again.revision = 2;
        again.filed = submit.filed + 4;
        steps.push_back(again);
        steps.push_back({Step::kAccept, 2, submit.status, submit.percent,
                         absl::CivilDay()});
      } else {
        steps.push_back({Step::kAccept, 1, submit.status, submit.percent,
                         absl::CivilDay()});
      }
    }
    return out;
  }

  std::string RequestId(const Duty& duty, const std::string& period,
                        const Step& step) const {
    const char* what = step.kind == Step::kSubmit   ? "submit"
                       : step.kind == Step::kAccept ? "accept"
                                                    : "return";
    return absl::StrCat(
        "demo-", Sha256Hex(absl::StrJoin(
                               {plan_, duty.item, duty.unit, period,
                                absl::StrCat(step.revision), std::string(what)},
                               "|"))
                     .substr(0, 40));
  }

  void FillSubmit(const Duty& duty, const std::string& period, const Step& step,
                  pb::SubmitReportRequest* r) const {
    r->set_item(duty.item);
    r->set_unit(duty.unit);
    r->set_period(period);
    r->set_status(step.status);
    r->set_percent_complete(step.percent);
    r->set_principal(absl::StrCat("demo:", LastSegment(duty.unit)));
    const ppb::Item* item = nullptr;
    if (auto it = items_.find(duty.item); it != items_.end()) {
      item = &it->second;
    }
    const std::string title =
        item == nullptr ? LastSegment(duty.item) : item->title();
    std::string progress =
        absl::StrCat(period, "：围绕“", title, "”", duty.lead ? "牵头" : "配合",
                     "推进各项工作，累计完成年度任务约", step.percent, "%。");
    if (step.status == pb::COMPLETED) {
      progress = absl::StrCat(period, "：“", title, "”各项任务已全部完成。");
    }
    if (step.revision > 1) {
      absl::StrAppend(&progress, "（按审核意见补充了数据和佐证材料）");
    }
    r->set_progress(progress);
    if (step.status == pb::AT_RISK) {
      r->set_problems("部分县市区进度不平衡，配套经费尚未全部到位。");
    } else if (step.status == pb::DELAYED) {
      r->set_problems("项目审批和建设进度滞后，年度目标完成存在较大困难。");
    }
    if (step.status != pb::COMPLETED) {
      r->set_next_steps("加强调度督导，压实责任，确保按期完成。");
    }
    if (item != nullptr) {
      for (const auto& indicator : item->indicators()) {
        const double target = indicator.value();
        const double share = step.percent / 100.0;
        double value = target * share;
        if (indicator.direction() == ppb::AT_MOST) {
          value = target * (1.2 - 0.2 * share);
        } else if (indicator.direction() == ppb::TO_ZERO) {
          value = target * (1 - share);
        }
        value = target >= 10 ? std::round(value) : std::round(value * 10) / 10;
        pb::IndicatorValue* v = r->add_indicator_values();
        v->set_indicator_id(indicator.id());
        v->set_value(value);
      }
    }
    if (Roll({"evidence", duty.unit, duty.item, period}) < 0.3) {
      pb::Evidence* e = r->add_evidence();
      e->set_uri(absl::StrCat("https://duban.example.gov.cn/",
                              absl::StrReplaceAll(duty.item, {{"plans/", ""}}),
                              "/", LastSegment(duty.unit), "/", period));
      e->set_title("工作简报");
    }
  }

  void FillDuty(ProgressClient& client, const Duty& duty) {
    const std::vector<std::vector<Step>> plan = Plan(duty);
    for (std::size_t p = 0; p < periods_.size(); ++p) {
      const std::string& period = periods_[p];
      const std::vector<Step>& steps = plan[p];
      std::size_t done = 0;
      if (auto it = existing_.find(Key(duty.unit, duty.item, period));
          it != existing_.end()) {
        const pb::Report& r = it->second;
        done = static_cast<std::size_t>(2 * (r.revision_count() - 1) + 1) +
               (r.latest().review_state() != pb::PENDING_REVIEW ? 1 : 0);
      }
      skipped_ += static_cast<int>(std::min(done, steps.size()));
      std::string report_name;
      for (std::size_t s = done; s < steps.size(); ++s) {
        const Step& step = steps[s];
        grpc::Status status;
        pb::Report out;
        if (step.kind == Step::kSubmit) {
          pb::SubmitReportRequest request;
          request.set_request_id(RequestId(duty, period, step));
          FillSubmit(duty, period, step, &request);
          if (options_.backdate && step.filed != absl::CivilDay()) {
            // 10:00 China Standard Time on the day, but never after the
            // as-of date or a minute ago.
            absl::Time when = absl::FromCivil(
                absl::CivilSecond(std::min(step.filed, as_of_)) + 10 * 3600,
                absl::FixedTimeZone(8 * 3600));
            when = std::min(when, absl::Now() - absl::Minutes(1));
            SetTimestamp(when, request.mutable_backdate_to());
          }
          status = client.Call([&](grpc::ClientContext* c) {
            return client.stub()->SubmitReport(c, request, &out);
          });
          if (status.ok()) ++submitted_;
        } else {
          pb::ReviewReportRequest request;
          request.set_name(absl::StrCat(duty.item, "/reports/",
                                        LastSegment(duty.unit), "~", period));
          request.set_decision(step.kind == Step::kAccept
                                   ? pb::ReviewReportRequest::ACCEPT
                                   : pb::ReviewReportRequest::RETURN);
          if (step.kind == Step::kReturn) {
            request.set_comment(
                "数据不完整，请补充量化指标和佐证材料后重新报送。");
          }
          request.set_principal("demo:reviewer");
          request.set_request_id(RequestId(duty, period, step));
          status = client.Call([&](grpc::ClientContext* c) {
            return client.stub()->ReviewReport(c, request, &out);
          });
          if (status.ok()) ++reviewed_;
        }
        if (!status.ok()) {
          SetError(
              grpc::Status(status.error_code(),
                           absl::StrCat(LastSegment(duty.unit), " on ",
                                        LastSegment(duty.item), " for ", period,
                                        ": ", status.error_message())));
          return;
        }
      }
    }
  }

  const GlobalOptions& globals_;
  const DemoOptions& options_;
  std::string plan_;
  absl::CivilDay as_of_;
  ppb::Plan plan_message_;
  std::map<std::string, ppb::Item> items_;
  pb::Schedule schedule_;
  std::vector<std::string> periods_;
  std::vector<Duty> duties_;
  std::map<std::string, pb::Report> existing_;
  std::atomic<int> submitted_{0};
  std::atomic<int> reviewed_{0};
  std::atomic<int> skipped_{0};
  std::mutex mu_;
  grpc::Status error_;
};

constexpr char kPlanHelp[] = "hunan-2020 or plans/hunan-2020";
constexpr char kUnitHelp[] =
    "The unit: organizations/ORG/units/UNIT, ORG/UNIT, or a unit id or its "
    "name as printed (基教科) within --org (default: the plan's issuing "
    "organization)";

}  // namespace

void AddProgressCommands(CLI::App* app, const GlobalOptions* globals,
                         Action* action) {
  CLI::App* schedule =
      app->add_subcommand("schedule", "A plan's reporting schedule");
  schedule->require_subcommand(1);
  {
    auto o = std::make_shared<ScheduleOptions>();
    CLI::App* cmd = schedule->add_subcommand(
        "set", "Set (create or replace) a plan's reporting schedule");
    cmd->add_option("PLAN", o->plan, kPlanHelp)->required();
    cmd->add_option("--cadence", o->cadence,
                    "monthly, quarterly or half-yearly")
        ->required();
    cmd->add_option("--due-days", o->due_days,
                    "Days after a period's end its report is due, 0-90")
        ->capture_default_str();
    cmd->add_option("--first", o->first,
                    "First period owed (2020-03); default the plan year's");
    cmd->add_option("--last", o->last,
                    "Last period owed; default the plan year's");
    cmd->add_option(
        "--etag", o->etag,
        "Fail with ABORTED if the schedule changed since this etag");
    cmd->add_option("--principal", o->principal,
                    "Who sets it (default: the local user name)");
    cmd->callback(
        [=] { *action = [=] { return RunScheduleSet(*globals, *o); }; });
  }
  {
    auto plan = std::make_shared<std::string>();
    CLI::App* cmd = schedule->add_subcommand("get", "Show a plan's schedule");
    cmd->add_option("PLAN", *plan, kPlanHelp)->required();
    cmd->callback(
        [=] { *action = [=] { return RunScheduleGet(*globals, *plan); }; });
  }

  CLI::App* report =
      app->add_subcommand("report", "Progress reports and their review");
  report->require_subcommand(1);
  {
    auto o = std::make_shared<SubmitOptions>();
    CLI::App* cmd = report->add_subcommand(
        "submit", "File a unit's report on an item for a period");
    cmd->add_option("PLAN", o->plan, kPlanHelp)->required();
    cmd->add_option("ITEM", o->item, "Item id (19) or full name")->required();
    cmd->add_option("--unit", o->unit, kUnitHelp)->required();
    cmd->add_option("--org", o->org, "The organization of a printed --unit");
    cmd->add_option("--period", o->period, "2020-03, 2020-Q1 or 2020-H1")
        ->required();
    cmd->add_option("--status", o->status,
                    "on-track, at-risk, delayed, completed or not-started")
        ->required();
    cmd->add_option("--percent", o->percent, "Percent complete, 0-100")
        ->required();
    cmd->add_option("--progress", o->progress, "进展情况: what was done");
    cmd->add_option("--problems", o->problems, "存在问题: problems met");
    cmd->add_option("--next", o->next, "下步打算: next steps");
    cmd->add_option("--indicator", o->indicators,
                    "An indicator's value, ID=VALUE (i1=43); repeatable")
        ->allow_extra_args(false);
    cmd->add_option("--evidence", o->evidence,
                    "A backing document, URI[,TITLE]; repeatable")
        ->allow_extra_args(false);
    cmd->add_option("--principal", o->principal,
                    "Who submits it (default: the local user name)");
    cmd->add_option("--request-id", o->request_id,
                    "Request id (default: a new one per invocation)");
    cmd->callback([=] { *action = [=] { return RunSubmit(*globals, *o); }; });
  }
  {
    auto o = std::make_shared<ListOptions>();
    CLI::App* cmd =
        report->add_subcommand("list", "List a plan's reports (all pages)");
    cmd->add_option("PLAN", o->plan, kPlanHelp)->required();
    cmd->add_option("--item", o->item, "Only this item");
    cmd->add_option("--unit", o->unit, kUnitHelp);
    cmd->add_option("--org", o->org, "The organization of a printed --unit");
    cmd->add_option("--period", o->period, "Only this period");
    cmd->add_option("--status", o->status, "Only this latest status");
    cmd->add_option("--review", o->review, "pending, accepted or returned");
    cmd->callback(
        [=] { *action = [=] { return RunReportList(*globals, *o); }; });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd =
        report->add_subcommand("show", "Show a report with its revisions");
    cmd->add_option("REPORT", *name,
                    "plans/PLAN/items/ITEM/reports/UNIT~PERIOD")
        ->required();
    cmd->callback(
        [=] { *action = [=] { return RunReportShow(*globals, *name); }; });
  }
  {
    auto o = std::make_shared<ReviewOptions>();
    CLI::App* cmd = report->add_subcommand(
        "review", "Accept or return (退回) a report's latest revision");
    cmd->add_option("REPORT", o->report,
                    "plans/PLAN/items/ITEM/reports/UNIT~PERIOD")
        ->required();
    cmd->add_flag("--accept", o->accept, "Accept it");
    cmd->add_flag("--return", o->return_it, "Return it (needs --comment)");
    cmd->add_option("--comment", o->comment, "Why, for a return");
    cmd->add_option("--etag", o->etag,
                    "Fail with ABORTED if the report changed since this etag");
    cmd->add_option("--principal", o->principal,
                    "Who reviews (default: the local user name)");
    cmd->callback([=] { *action = [=] { return RunReview(*globals, *o); }; });
  }

  auto add_view = [&](const char* name, const char* help,
                      int (*run)(const GlobalOptions&, const ViewOptions&),
                      bool unit) {
    auto o = std::make_shared<ViewOptions>();
    CLI::App* cmd = app->add_subcommand(name, help);
    cmd->add_option("--plan", o->plan, kPlanHelp)->required();
    cmd->add_option("--as-of", o->as_of,
                    "The date to judge by, YYYY-MM-DD (default today)");
    if (unit) {
      cmd->add_option("--unit", o->unit, kUnitHelp);
      cmd->add_option("--org", o->org, "The organization of a printed --unit");
    }
    cmd->callback([=] { *action = [=] { return run(*globals, *o); }; });
  };
  add_view("overdue",
           "The overdue list (催办): missing or returned reports, most days "
           "overdue first",
           &RunOverdue, true);
  add_view("scorecard", "How each unit has reported on a plan", &RunScorecard,
           true);
  add_view("rollup",
           "Health, status and indicator progress per section and item",
           &RunRollup, false);

  {
    auto o = std::make_shared<WatchOptions>();
    CLI::App* cmd = app->add_subcommand(
        "watch",
        "Follow the events of a plan, or of every plan an organization "
        "issued, until interrupted (Ctrl-C)");
    cmd->add_option("--plan", o->plan, kPlanHelp);
    cmd->add_option("--org", o->org,
                    "An organization (ORG or organizations/ORG): follow "
                    "every plan it issued that has a schedule");
    cmd->add_option("--from", o->from,
                    "Start after this cursor; \"$\" for new events only "
                    "(default: the whole feed)");
    cmd->callback([=] { *action = [=] { return RunWatch(*globals, *o); }; });
  }

  CLI::App* demo = app->add_subcommand("demo", "Demo data");
  demo->require_subcommand(1);
  {
    auto o = std::make_shared<DemoOptions>();
    CLI::App* cmd = demo->add_subcommand(
        "fill",
        "File a believable year of reports for every ACTIVE assignment of a "
        "plan, up to --as-of (deterministic; running it again adds nothing)");
    cmd->add_option("--plan", o->plan, kPlanHelp)->required();
    cmd->add_option("--year", o->year, "The year to fill (default the plan's)")
        ->check(CLI::Range(2000, 2099));
    cmd->add_option("--as-of", o->as_of,
                    "Fill the periods begun by this date, YYYY-MM-DD")
        ->required();
    cmd->add_option("--seed", o->seed, "Seed of the demo's choices")
        ->capture_default_str();
    cmd->add_option("--threads", o->threads, "Calls in flight, 1-16")
        ->capture_default_str();
    cmd->add_option("--backdate", o->backdate,
                    "File each report on a believable day of its period "
                    "(the progress server must run with "
                    "--allow_backdated_reports); false: file it now")
        ->capture_default_str();
    cmd->callback(
        [=] { *action = [=] { return DemoFiller(*globals, *o).Run(); }; });
  }
}

}  // namespace duban::cli
