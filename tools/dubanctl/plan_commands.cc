#include "tools/dubanctl/plan_commands.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/ids.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "tools/dubanctl/table.h"

namespace duban::cli {
namespace {

namespace pb = ::duban::plan::v1;

constexpr absl::string_view kPlanPrefix = "plans/";
// Widest a title or unit list gets in a table unless --wide.
constexpr int kTitleWidth = 48;
constexpr int kUnitsWidth = 28;
// Pages asked for when following page tokens (the server's maximum).
constexpr int kPlansPageSize = 500;
constexpr int kItemsPageSize = 1000;

std::string FormatNumber(double value) {
  if (std::fabs(value) < 1e15 && value == std::floor(value)) {
    return absl::StrFormat("%.0f", value);
  }
  return absl::StrFormat("%g", value);
}

std::string FormatDeadline(const pb::Item& item) {
  if (!item.has_deadline()) return "";
  const std::string date = FormatDate(item.deadline().date());
  if (item.deadline().text().empty()) return date;
  if (date.empty()) return item.deadline().text();
  return absl::StrCat(date, " (", item.deadline().text(), ")");
}

std::string ItemId(absl::string_view name) {
  const std::size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name
                                                      : name.substr(slash + 1));
}

std::string PlanId(absl::string_view name) {
  return std::string(absl::StripPrefix(name, kPlanPrefix));
}

std::string UnitList(const pb::Item& item) {
  std::vector<std::string> names;
  for (const auto& unit : item.units()) names.push_back(unit.printed_name());
  std::string out = absl::StrJoin(names, "、");
  if (item.units_open_ended()) out += "等";
  return out;
}

std::string SectionHeading(const pb::Section& section) {
  return absl::StrCat(section.label(), section.label().empty() ? "" : "、",
                      section.title());
}

void PrintSections(const GlobalOptions& globals, const pb::Plan& plan,
                   const std::map<std::string, int>* item_counts) {
  if (plan.sections().empty()) return;
  std::vector<std::string> headers = {"SECTION", "LABEL", "TITLE"};
  if (item_counts != nullptr) headers.insert(headers.begin() + 2, "ITEMS");
  Table table(headers);
  const std::size_t title_column = headers.size() - 1;
  table.SetMaxWidth(title_column, Cap(globals, kTitleWidth + 16));
  if (item_counts != nullptr) table.SetRightAligned(2);
  for (const auto& section : plan.sections()) {
    std::vector<std::string> row = {section.id(), section.label(),
                                    section.title()};
    if (item_counts != nullptr) {
      const auto it = item_counts->find(section.id());
      row.insert(row.begin() + 2,
                 absl::StrCat(it == item_counts->end() ? 0 : it->second));
    }
    table.AddRow(std::move(row));
  }
  std::cout << '\n' << table.Render();
}

void PrintPlanHeader(const pb::Plan& plan) {
  PrintField("title", plan.title());
  PrintField("document", plan.document_number());
  PrintField("organization", plan.organization());
  if (plan.year() != 0) PrintField("year", absl::StrCat(plan.year()));
  PrintField("parent", plan.parent_plan());
}

// --- plan import -------------------------------------------------------------

struct ImportOptions {
  std::string file;
  std::string id;
  bool dry_run = false;
  int year = 0;
  std::string parent;
};

bool ReadFile(const std::string& path, std::string* content,
              std::string* error) {
  if (path == "-") {
    content->assign(std::istreambuf_iterator<char>(std::cin),
                    std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = absl::StrCat("cannot open ", path, ": ", std::strerror(errno));
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    *error = absl::StrCat("cannot read ", path);
    return false;
  }
  *content = std::move(buffer).str();
  return true;
}

int RunImport(const GlobalOptions& globals, const ImportOptions& options) {
  pb::ImportPlanRequest request;
  std::string error;
  if (!ReadFile(options.file, request.mutable_content(), &error)) {
    return ReportUsageError(grpc::StatusCode::NOT_FOUND, error);
  }
  if (!options.id.empty()) {
    auto name = PlanNameFromArg("--id", options.id);
    if (!name.ok()) {
      return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                              name.status().message());
    }
    request.set_plan_id(PlanId(*name));
  }
  if (!options.parent.empty()) {
    auto parent = PlanNameFromArg("--parent", options.parent);
    if (!parent.ok()) {
      return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                              parent.status().message());
    }
    request.set_parent_plan(*parent);
  }
  request.set_dry_run(options.dry_run);
  request.set_year(options.year);
  request.set_request_id(NewRequestId());
  if (options.file != "-") {
    const std::size_t slash = options.file.rfind('/');
    request.set_source_name(slash == std::string::npos
                                ? options.file
                                : options.file.substr(slash + 1));
  }

  PlanClient client(globals);
  pb::ImportPlanResponse response;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->ImportPlan(context, request, &response);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(response);

  const pb::Plan& plan = response.plan();
  if (response.stored()) {
    std::cout << "Imported " << plan.name() << " ("
              << pb::Plan::State_Name(plan.state()) << ")\n";
  } else {
    std::cout << "Parsed " << plan.name() << " (dry run)\n";
  }
  PrintPlanHeader(plan);
  PrintField("sections", absl::StrCat(plan.sections_size()));
  int numbered = 0;
  std::map<std::string, int> per_section;
  for (const auto& item : response.items()) {
    if (item.kind() == pb::Item::NUMBERED) ++numbered;
    ++per_section[item.section_id()];
  }
  const int item_count = response.items_size();
  PrintField("items", absl::StrCat(item_count, " (", numbered, " numbered, ",
                                   item_count - numbered, " general)"));
  PrintField("warnings", absl::StrCat(response.warnings_size()));
  PrintSections(globals, plan, &per_section);
  if (!response.warnings().empty()) {
    Table table({"LINE", "CODE", "WARNING"});
    table.SetRightAligned(0);
    for (const auto& warning : response.warnings()) {
      table.AddRow(
          {absl::StrCat(warning.line()), warning.code(), warning.message()});
    }
    std::cout << '\n' << table.Render();
  }
  if (!response.stored()) {
    std::cout << "\nDry run: nothing was stored.\n";
  }
  return kExitOk;
}

// --- plan list ---------------------------------------------------------------

int RunList(const GlobalOptions& globals, const std::string& state) {
  pb::ListPlansRequest request;
  request.set_page_size(kPlansPageSize);
  if (!state.empty()) {
    pb::Plan::State value;
    if (!pb::Plan::State_Parse(absl::AsciiStrToUpper(state), &value) ||
        value == pb::Plan::STATE_UNSPECIFIED) {
      return ReportUsageError(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("--state: must be draft, issued or archived (got \"",
                       state, "\")"));
    }
    request.set_state(value);
  }
  PlanClient client(globals);
  pb::ListPlansResponse all;
  std::set<std::string> seen_tokens;
  while (true) {
    pb::ListPlansResponse page;
    const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
      return client.stub()->ListPlans(context, request, &page);
    });
    if (!status.ok()) return client.Fail(status);
    for (auto& plan : *page.mutable_plans()) {
      *all.add_plans() = std::move(plan);
    }
    // A token seen before would loop forever; the server never repeats one.
    if (page.next_page_token().empty() ||
        !seen_tokens.insert(page.next_page_token()).second) {
      break;
    }
    request.set_page_token(page.next_page_token());
  }
  if (globals.json) return PrintJson(all);
  if (all.plans().empty()) {
    std::cout << "No plans.\n";
    return kExitOk;
  }
  Table table({"PLAN", "STATE", "YEAR", "ITEMS", "TITLE"});
  table.SetRightAligned(3);
  table.SetMaxWidth(4, Cap(globals, kTitleWidth + 16));
  for (const auto& plan : all.plans()) {
    table.AddRow({PlanId(plan.name()), pb::Plan::State_Name(plan.state()),
                  plan.year() == 0 ? "" : absl::StrCat(plan.year()),
                  absl::StrCat(plan.item_count()), plan.title()});
  }
  std::cout << table.Render();
  return kExitOk;
}

// --- plan get ----------------------------------------------------------------

int RunGet(const GlobalOptions& globals, const std::string& plan_arg) {
  auto name = PlanNameFromArg("PLAN", plan_arg);
  if (!name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            name.status().message());
  }
  PlanClient client(globals);
  pb::GetPlanRequest request;
  request.set_name(*name);
  pb::Plan plan;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->GetPlan(context, request, &plan);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(plan);

  PrintField("name", plan.name());
  PrintField("state", pb::Plan::State_Name(plan.state()));
  PrintPlanHeader(plan);
  PrintField("notice", plan.notice_title());
  PrintField("authorities", absl::StrJoin(plan.issuing_authorities(), "、"));
  PrintField("recipients", absl::StrJoin(plan.recipients(), "、"));
  PrintField("issue date", FormatDate(plan.issue_date()));
  PrintField("items", absl::StrCat(plan.item_count()));
  PrintField("general items", absl::StrJoin(plan.general_item_ids(), ", "));
  PrintField("source", plan.source_name());
  PrintField("sha256", plan.source_sha256());
  PrintField("created", FormatTimestamp(plan.create_time()));
  PrintField("updated", FormatTimestamp(plan.update_time()));
  if (plan.has_issued_by()) {
    PrintField("issued by",
               absl::StrCat(plan.issued_by().principal(), " at ",
                            FormatTimestamp(plan.issued_by().time())));
  }
  PrintField("etag", plan.etag());
  if (!plan.general_requirements().empty()) {
    std::cout << "\ngeneral requirements\n  " << plan.general_requirements()
              << '\n';
  }
  PrintSections(globals, plan, nullptr);
  return kExitOk;
}

// --- plan items --------------------------------------------------------------

struct ItemsOptions {
  std::string plan;
  std::string unit;
  std::string section;
  std::string keyword;
};

int RunItems(const GlobalOptions& globals, const ItemsOptions& options) {
  auto name = PlanNameFromArg("PLAN", options.plan);
  if (!name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            name.status().message());
  }
  pb::ListItemsRequest request;
  request.set_parent(*name);
  request.set_page_size(kItemsPageSize);
  request.set_unit(options.unit);
  request.set_section_id(options.section);
  request.set_keyword(options.keyword);

  PlanClient client(globals);
  pb::ListItemsResponse all;
  std::set<std::string> seen_tokens;
  while (true) {
    pb::ListItemsResponse page;
    const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
      return client.stub()->ListItems(context, request, &page);
    });
    if (!status.ok()) return client.Fail(status);
    for (auto& item : *page.mutable_items()) {
      *all.add_items() = std::move(item);
    }
    all.set_total_size(page.total_size());
    if (page.next_page_token().empty() ||
        !seen_tokens.insert(page.next_page_token()).second) {
      break;
    }
    request.set_page_token(page.next_page_token());
  }
  if (globals.json) return PrintJson(all);
  if (all.items().empty()) {
    std::cout << "No items.\n";
    return kExitOk;
  }
  Table table({"ITEM", "SECTION", "UNITS", "DEADLINE", "TITLE"});
  table.SetMaxWidth(2, Cap(globals, kUnitsWidth));
  table.SetMaxWidth(4, Cap(globals, kTitleWidth));
  for (const auto& item : all.items()) {
    table.AddRow({ItemId(item.name()), item.section_id(), UnitList(item),
                  FormatDate(item.deadline().date()), item.title()});
  }
  std::cout << table.Render();
  return kExitOk;
}

// --- plan item ---------------------------------------------------------------

int RunItem(const GlobalOptions& globals, const std::string& plan_arg,
            const std::string& item_arg) {
  auto plan_name = PlanNameFromArg("PLAN", plan_arg);
  if (!plan_name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            plan_name.status().message());
  }
  auto item_name = ItemNameFromArg(*plan_name, item_arg);
  if (!item_name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            item_name.status().message());
  }
  PlanClient client(globals);
  pb::GetItemRequest request;
  request.set_name(*item_name);
  pb::Item item;
  grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->GetItem(context, request, &item);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(item);

  // The section heading makes the item readable on its own; without it
  // (an old server, a race with a delete) the section id will do.
  std::string section = item.section_id();
  pb::GetPlanRequest plan_request;
  plan_request.set_name(*plan_name);
  pb::Plan plan;
  status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->GetPlan(context, plan_request, &plan);
  });
  if (status.ok()) {
    for (const auto& s : plan.sections()) {
      if (s.id() == item.section_id()) {
        section = absl::StrCat(s.id(), "  ", SectionHeading(s));
      }
    }
  }

  PrintField("name", item.name());
  PrintField("number", item.number());
  PrintField("kind", pb::Item::Kind_Name(item.kind()));
  PrintField("section", section);
  PrintField("title", item.title());
  PrintField("deadline", FormatDeadline(item));
  if (item.source_line() != 0) {
    PrintField("source line", absl::StrCat(item.source_line()));
  }
  PrintField("etag", item.etag());
  if (!item.target().empty()) {
    std::cout << "\ntarget (目标任务)\n  " << item.target() << '\n';
  }
  if (!item.measures().empty()) {
    std::cout << "\nmeasures (工作措施)\n";
    int n = 0;
    for (const auto& measure : item.measures()) {
      std::cout << "  " << ++n << ". " << measure << '\n';
    }
  } else if (!item.measures_text().empty()) {
    std::cout << "\nmeasures (工作措施)\n  " << item.measures_text() << '\n';
  }
  std::cout << "\nresponsible units (责任单位)\n";
  if (!item.responsible_units_text().empty()) {
    std::cout << "  as printed: " << item.responsible_units_text() << '\n';
  }
  if (item.units().empty()) {
    std::cout << "  none\n";
  } else {
    Table table({"ROLE", "KIND", "UNIT"});
    for (const auto& unit : item.units()) {
      table.AddRow({pb::Role_Name(unit.role()),
                    pb::UnitRef::Kind_Name(unit.kind()), unit.printed_name()});
    }
    std::istringstream lines(table.Render());
    for (std::string line; std::getline(lines, line);) {
      std::cout << "  " << line << '\n';
    }
    if (item.units_open_ended()) {
      std::cout << "  (open-ended list: 等)\n";
    }
  }
  if (!item.indicators().empty()) {
    std::cout << "\nindicators\n";
    Table table({"ID", "VALUE", "UNIT", "DIRECTION", "SUBJECT", "TEXT"});
    table.SetRightAligned(1);
    table.SetMaxWidth(4, Cap(globals, 24));
    table.SetMaxWidth(5, Cap(globals, 40));
    for (const auto& indicator : item.indicators()) {
      table.AddRow({indicator.id(), FormatNumber(indicator.value()),
                    indicator.unit(), pb::Direction_Name(indicator.direction()),
                    indicator.subject(), indicator.text()});
      for (const auto& part : indicator.parts()) {
        table.AddRow({"", FormatNumber(part.value()), part.unit(), "",
                      absl::StrCat("└ ", part.label()), ""});
      }
    }
    std::istringstream lines(table.Render());
    for (std::string line; std::getline(lines, line);) {
      std::cout << "  " << line << '\n';
    }
  }
  if (!item.aligned_items().empty()) {
    std::cout << "\naligned with\n";
    for (const auto& aligned : item.aligned_items()) {
      std::cout << "  " << aligned << '\n';
    }
  }
  if (!item.amendments().empty()) {
    std::cout << "\namendments\n";
    for (const auto& amendment : item.amendments()) {
      std::cout << "  " << FormatTimestamp(amendment.actor().time()) << "  "
                << amendment.actor().principal() << "  ["
                << absl::StrJoin(amendment.fields(), ", ") << "]  "
                << amendment.reason() << '\n';
    }
  }
  return kExitOk;
}

// --- plan issue / archive / delete -------------------------------------------

struct StateChangeOptions {
  std::string plan;
  std::string etag;
  std::string principal;
};

int RunIssue(const GlobalOptions& globals, const StateChangeOptions& options) {
  auto name = PlanNameFromArg("PLAN", options.plan);
  if (!name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            name.status().message());
  }
  pb::IssuePlanRequest request;
  request.set_name(*name);
  request.set_etag(options.etag);
  request.set_principal(options.principal.empty() ? LocalPrincipal()
                                                  : options.principal);
  request.set_request_id(NewRequestId());
  PlanClient client(globals);
  pb::Plan plan;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->IssuePlan(context, request, &plan);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(plan);
  std::cout << "Issued " << plan.name() << " ("
            << pb::Plan::State_Name(plan.state()) << ", etag " << plan.etag()
            << ")\n";
  return kExitOk;
}

int RunArchive(const GlobalOptions& globals,
               const StateChangeOptions& options) {
  auto name = PlanNameFromArg("PLAN", options.plan);
  if (!name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            name.status().message());
  }
  pb::ArchivePlanRequest request;
  request.set_name(*name);
  request.set_etag(options.etag);
  PlanClient client(globals);
  pb::Plan plan;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->ArchivePlan(context, request, &plan);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(plan);
  std::cout << "Archived " << plan.name() << " ("
            << pb::Plan::State_Name(plan.state()) << ", etag " << plan.etag()
            << ")\n";
  return kExitOk;
}

int RunDelete(const GlobalOptions& globals, const StateChangeOptions& options) {
  auto name = PlanNameFromArg("PLAN", options.plan);
  if (!name.ok()) {
    return ReportUsageError(grpc::StatusCode::INVALID_ARGUMENT,
                            name.status().message());
  }
  pb::DeletePlanRequest request;
  request.set_name(*name);
  request.set_etag(options.etag);
  PlanClient client(globals);
  pb::DeletePlanResponse response;
  const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
    return client.stub()->DeletePlan(context, request, &response);
  });
  if (!status.ok()) return client.Fail(status);
  if (globals.json) return PrintJson(response);
  std::cout << "Deleted " << *name << '\n';
  return kExitOk;
}

}  // namespace

absl::StatusOr<std::string> PlanNameFromArg(absl::string_view field,
                                            absl::string_view arg) {
  absl::string_view id = arg;
  absl::ConsumePrefix(&id, kPlanPrefix);
  if (absl::Status status = ValidateResourceId(field, id); !status.ok()) {
    return status;
  }
  return absl::StrCat(kPlanPrefix, id);
}

absl::StatusOr<std::string> ItemNameFromArg(absl::string_view plan_name,
                                            absl::string_view arg) {
  const std::string items_prefix = absl::StrCat(plan_name, "/items/");
  absl::string_view id = arg;
  if (absl::StartsWith(arg, kPlanPrefix)) {
    if (!absl::ConsumePrefix(&id, items_prefix)) {
      return absl::InvalidArgumentError(
          absl::StrCat("ITEM: must be an item id (19) or a name under ",
                       items_prefix, " (got \"", arg, "\")"));
    }
  }
  if (id.empty() || absl::StrContains(id, '/') || absl::StrContains(id, ' ')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ITEM: must be an item id such as 19, 3.2 or general (got \"", arg,
        "\")"));
  }
  return absl::StrCat(items_prefix, id);
}

void AddPlanCommands(CLI::App* app, const GlobalOptions* globals,
                     Action* action) {
  CLI::App* plan = app->add_subcommand("plan", "Plans and their items");
  plan->require_subcommand(1);

  {
    auto options = std::make_shared<ImportOptions>();
    CLI::App* cmd = plan->add_subcommand(
        "import", "Import a plan document (UTF-8 text) as a DRAFT plan");
    cmd->add_option("FILE", options->file, "The document; - reads stdin")
        ->required();
    cmd->add_option("--id", options->id,
                    "Plan id to give it (hunan-2020); derived when absent");
    cmd->add_flag("--dry-run", options->dry_run,
                  "Parse and report, store nothing");
    cmd->add_option("--year", options->year,
                    "Plan year when the document prints none")
        ->check(CLI::Range(1, 9999));
    cmd->add_option("--parent", options->parent,
                    "The plan this one implements (plans/X or X)");
    cmd->callback(
        [=] { *action = [=] { return RunImport(*globals, *options); }; });
  }
  {
    auto state = std::make_shared<std::string>();
    CLI::App* cmd = plan->add_subcommand("list", "List plans (all pages)");
    cmd->add_option("--state", *state, "draft, issued or archived");
    cmd->callback([=] { *action = [=] { return RunList(*globals, *state); }; });
  }
  {
    auto plan_arg = std::make_shared<std::string>();
    CLI::App* cmd = plan->add_subcommand("get", "Show a plan");
    cmd->add_option("PLAN", *plan_arg, "hunan-2020 or plans/hunan-2020")
        ->required();
    cmd->callback(
        [=] { *action = [=] { return RunGet(*globals, *plan_arg); }; });
  }
  {
    auto options = std::make_shared<ItemsOptions>();
    CLI::App* cmd =
        plan->add_subcommand("items", "List a plan's items (all pages)");
    cmd->add_option("PLAN", options->plan, "hunan-2020 or plans/hunan-2020")
        ->required();
    cmd->add_option("--unit", options->unit,
                    "Only items naming this unit as printed (基教科)");
    cmd->add_option("--section", options->section,
                    "Only items in this section id (3) or its sub-sections");
    cmd->add_option("--keyword", options->keyword,
                    "Only items whose title or text contains this");
    cmd->callback(
        [=] { *action = [=] { return RunItems(*globals, *options); }; });
  }
  {
    auto plan_arg = std::make_shared<std::string>();
    auto item_arg = std::make_shared<std::string>();
    CLI::App* cmd = plan->add_subcommand(
        "item", "Show one item: target, measures, units, indicators");
    cmd->add_option("PLAN", *plan_arg, "hunan-2020 or plans/hunan-2020")
        ->required();
    cmd->add_option("ITEM", *item_arg, "Item id (19) or full name")->required();
    cmd->callback([=] {
      *action = [=] { return RunItem(*globals, *plan_arg, *item_arg); };
    });
  }
  {
    auto options = std::make_shared<StateChangeOptions>();
    CLI::App* cmd = plan->add_subcommand("issue", "DRAFT → ISSUED");
    cmd->add_option("PLAN", options->plan, "hunan-2020 or plans/hunan-2020")
        ->required();
    cmd->add_option("--etag", options->etag,
                    "Fail with ABORTED if the plan changed since this etag");
    cmd->add_option("--principal", options->principal,
                    "Who issues it (default: the local user name)");
    cmd->callback(
        [=] { *action = [=] { return RunIssue(*globals, *options); }; });
  }
  {
    auto options = std::make_shared<StateChangeOptions>();
    CLI::App* cmd = plan->add_subcommand("archive", "ISSUED → ARCHIVED");
    cmd->add_option("PLAN", options->plan, "hunan-2020 or plans/hunan-2020")
        ->required();
    cmd->add_option("--etag", options->etag,
                    "Fail with ABORTED if the plan changed since this etag");
    cmd->callback(
        [=] { *action = [=] { return RunArchive(*globals, *options); }; });
  }
  {
    auto options = std::make_shared<StateChangeOptions>();
    CLI::App* cmd =
        plan->add_subcommand("delete", "Delete a DRAFT plan and its items");
    cmd->add_option("PLAN", options->plan, "hunan-2020 or plans/hunan-2020")
        ->required();
    cmd->add_option("--etag", options->etag,
                    "Fail with ABORTED if the plan changed since this etag");
    cmd->callback(
        [=] { *action = [=] { return RunDelete(*globals, *options); }; });
  }
}

}  // namespace duban::cli
