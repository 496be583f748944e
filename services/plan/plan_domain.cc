#include "services/plan/plan_domain.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "common/api.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/status.h"
#include "services/plan/importer.h"
#include "services/plan/unit_text.h"

namespace duban::plan {
namespace {

using v1::Item;
using v1::Plan;

constexpr int kMaxWriteAttempts = 3;
constexpr std::size_t kMaxTitleBytes = 1000;
constexpr std::size_t kMaxTextBytes = 64 * 1024;
constexpr std::size_t kMaxSourceNameBytes = 256;
constexpr int kMaxBatchGet = 1000;

const char* StateName(Plan::State state) {
  return Plan::State_Name(state).c_str();
}

Plan Decorated(const StoredPlan& stored) {
  Plan plan = stored.plan;
  plan.set_etag(EtagOf(stored.version));
  return plan;
}

Item Decorated(const StoredItem& stored) {
  Item item = stored.item;
  item.set_etag(EtagOf(stored.version));
  return item;
}

absl::Status ValidateYear(absl::string_view field, int year) {
  if (year != 0 && (year < 1949 || year > 2200)) {
    return InvalidField(field, absl::StrCat(year),
                        "must be a year between 1949 and 2200, or 0");
  }
  return absl::OkStatus();
}

absl::Status ValidateDate(absl::string_view field,
                          const duban::type::v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) {
    return absl::OkStatus();
  }
  const std::string shown =
      absl::StrCat(date.year(), "-", date.month(), "-", date.day());
  if (date.year() < 1 || date.year() > 9999 || date.month() < 0 ||
      date.month() > 12 || date.day() < 0 || date.day() > 31 ||
      (date.day() > 0 && date.month() == 0)) {
    return InvalidField(field, shown, "not a calendar date");
  }
  if (date.day() > 0) {
    const absl::CivilDay day(date.year(), date.month(), date.day());
    if (day.month() != date.month() || day.day() != date.day()) {
      return InvalidField(field, shown, "not a calendar date");
    }
  }
  return absl::OkStatus();
}

// A plan that must exist as a reference (parent_plan).
absl::Status CheckPlanExists(PlanStore* store, absl::string_view field,
                             absl::string_view name,
                             absl::string_view self_id) {
  DUBAN_ASSIGN_OR_RETURN(std::string id, ParsePlanName(field, name));
  if (id == self_id)
    return InvalidField(field, name, "a plan cannot implement itself");
  auto stored = store->GetPlan(id);
  if (stored.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(
        absl::StrCat(field, ": plan \"", name, "\" not found"));
  }
  return stored.status();
}

absl::Status ValidateItem(const Item& item, const Plan& plan) {
  DUBAN_RETURN_IF_ERROR(
      ValidateText("item.title", item.title(), kMaxTitleBytes, true));
  for (const auto* text : {&item.target(), &item.measures_text(),
                           &item.responsible_units_text()}) {
    DUBAN_RETURN_IF_ERROR(ValidateText("item", *text, kMaxTextBytes, false));
  }
  bool section_known = false;
  for (const auto& section : plan.sections()) {
    section_known |= section.id() == item.section_id();
  }
  if (!section_known &&
      !(item.section_id().empty() && item.kind() == Item::GENERAL)) {
    return InvalidField("item.section_id", item.section_id(),
                        "no such section in the plan");
  }
  for (int i = 0; i < item.units_size(); ++i) {
    const auto& unit = item.units(i);
    if (unit.printed_name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("item.units[", i, "].printed_name: is required"));
    }
    if (unit.role() == v1::ROLE_UNSPECIFIED) {
      return InvalidField(absl::StrCat("item.units[", i, "].role"),
                          unit.printed_name(), "must be LEAD or CO");
    }
  }
  absl::flat_hash_set<std::string> indicator_ids;
  for (int i = 0; i < item.indicators_size(); ++i) {
    const std::string& id = item.indicators(i).id();
    if (id.empty() || !indicator_ids.insert(id).second) {
      return InvalidField(absl::StrCat("item.indicators[", i, "].id"), id,
                          "must be non-empty and unique within the item");
    }
  }
  for (int i = 0; i < item.aligned_items_size(); ++i) {
    DUBAN_RETURN_IF_ERROR(
        ParseItemName(absl::StrCat("item.aligned_items[", i, "]"),
                      item.aligned_items(i))
            .status());
  }
  if (item.has_deadline()) {
    DUBAN_RETURN_IF_ERROR(
        ValidateDate("item.deadline.date", item.deadline().date()));
  }
  return absl::OkStatus();
}

// A failure of the unit service while issuing, saying the plan is unchanged.
absl::Status StillDraft(const absl::Status& status, absl::string_view plan) {
  return absl::Status(status.code(), absl::StrCat(status.message(), " (plan \"",
                                                  plan, "\" is still DRAFT)"));
}

bool ItemMatches(const Item& item, const v1::ListItemsRequest& request,
                 absl::string_view unit) {
  if (!request.section_id().empty() &&
      item.section_id() != request.section_id() &&
      !absl::StartsWith(item.section_id(),
                        absl::StrCat(request.section_id(), "."))) {
    return false;
  }
  if (!unit.empty()) {
    bool found = false;
    for (const auto& ref : item.units()) found |= ref.printed_name() == unit;
    if (!found) return false;
  }
  if (!request.keyword().empty()) {
    const std::string& k = request.keyword();
    if (!absl::StrContains(item.title(), k) &&
        !absl::StrContains(item.body(), k) &&
        !absl::StrContains(item.target(), k) &&
        !absl::StrContains(item.measures_text(), k)) {
      return false;
    }
  }
  return true;
}

}  // namespace

PlanDomain::PlanDomain(PlanStore* store, UnitDirectory* units, Clock clock)
    : store_(store), units_(units), clock_(std::move(clock)) {}

absl::StatusOr<v1::ImportPlanResponse> PlanDomain::ImportPlan(
    const v1::ImportPlanRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ChooseResourceId("plan_id", request.plan_id(),
                                          request.request_id(), "plan"));
  DUBAN_RETURN_IF_ERROR(ValidateYear("year", request.year()));
  DUBAN_RETURN_IF_ERROR(ValidateText("source_name", request.source_name(),
                                     kMaxSourceNameBytes, false));
  if (!request.parent_plan().empty()) {
    DUBAN_RETURN_IF_ERROR(
        CheckPlanExists(store_, "parent_plan", request.parent_plan(), plan_id));
  }
  if (!request.organization().empty()) {
    DUBAN_RETURN_IF_ERROR(
        ParseOrganizationName("organization", request.organization()).status());
  }
  ImportOptions options;
  options.plan_name = absl::StrCat("plans/", plan_id);
  options.default_year = request.year();
  DUBAN_ASSIGN_OR_RETURN(ParsedPlan parsed,
                         ParsePlanDocument(request.content(), options));

  Plan& plan = parsed.plan;
  plan.set_name(options.plan_name);
  plan.set_state(Plan::DRAFT);
  plan.set_parent_plan(request.parent_plan());
  plan.set_issuing_organization(request.organization());
  plan.set_source_name(request.source_name());
  plan.set_source_sha256(Sha256Hex(request.content()));
  plan.set_item_count(static_cast<int>(parsed.items.size()));
  for (const auto& warning : parsed.warnings) {
    *plan.add_import_warnings() = warning;
  }
  const absl::Time now = clock_();
  SetTimestamp(now, plan.mutable_create_time());
  SetTimestamp(now, plan.mutable_update_time());

  v1::ImportPlanResponse response;
  for (const auto& warning : parsed.warnings)
    *response.add_warnings() = warning;
  if (request.dry_run()) {
    *response.mutable_plan() = plan;
    for (auto& item : parsed.items) *response.add_items() = std::move(item);
    response.set_stored(false);
    return response;
  }
  const RequestKey key{
      request.request_id(),
      Sha256Hex(absl::StrCat(plan.source_sha256(), "|", plan_id, "|",
                             request.year(), "|", request.parent_plan(), "|",
                             request.source_name()))};
  DUBAN_RETURN_IF_ERROR(store_->CreatePlan(plan, parsed.items, key).status());
  // Answer what is stored: on a replay that is the first import's result.
  DUBAN_ASSIGN_OR_RETURN(auto stored, store_->GetPlanWithItems(plan_id));
  *response.mutable_plan() = Decorated(stored.first);
  for (const StoredItem& item : stored.second) {
    *response.add_items() = Decorated(item);
  }
  response.set_stored(true);
  return response;
}

absl::StatusOr<Plan> PlanDomain::CreatePlan(
    const v1::CreatePlanRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ChooseResourceId("plan_id", request.plan_id(),
                                          request.request_id(), "plan"));
  const Plan& in = request.plan();
  DUBAN_RETURN_IF_ERROR(
      ValidateText("plan.title", in.title(), kMaxTitleBytes, true));
  DUBAN_RETURN_IF_ERROR(ValidateYear("plan.year", in.year()));
  DUBAN_RETURN_IF_ERROR(ValidateDate("plan.issue_date", in.issue_date()));
  DUBAN_RETURN_IF_ERROR(ValidateText("plan.general_requirements",
                                     in.general_requirements(), kMaxTextBytes,
                                     false));
  if (!in.parent_plan().empty()) {
    DUBAN_RETURN_IF_ERROR(
        CheckPlanExists(store_, "plan.parent_plan", in.parent_plan(), plan_id));
  }
  if (!in.issuing_organization().empty()) {
    DUBAN_RETURN_IF_ERROR(ParseOrganizationName("plan.issuing_organization",
                                                in.issuing_organization())
                              .status());
  }
  Plan plan;
  plan.set_name(absl::StrCat("plans/", plan_id));
  // Kept: permissions judge the new plan by it (common/permissions.cc).
  plan.set_issuing_organization(in.issuing_organization());
  plan.set_title(in.title());
  *plan.mutable_issuing_authorities() = in.issuing_authorities();
  plan.set_document_number(in.document_number());
  plan.set_notice_title(in.notice_title());
  *plan.mutable_recipients() = in.recipients();
  *plan.mutable_issue_date() = in.issue_date();
  plan.set_year(in.year());
  plan.set_general_requirements(in.general_requirements());
  plan.set_parent_plan(in.parent_plan());
  plan.set_organization(in.organization().empty() &&
                                in.issuing_authorities_size() > 0
                            ? in.issuing_authorities(0)
                            : in.organization());
  plan.set_source_name(in.source_name());
  plan.set_state(Plan::DRAFT);
  const absl::Time now = clock_();
  SetTimestamp(now, plan.mutable_create_time());
  SetTimestamp(now, plan.mutable_update_time());
  std::string body;
  in.SerializeToString(&body);
  const RequestKey key{request.request_id(),
                       Sha256Hex(absl::StrCat(plan_id, "|", body))};
  DUBAN_RETURN_IF_ERROR(store_->CreatePlan(plan, {}, key).status());
  DUBAN_ASSIGN_OR_RETURN(StoredPlan stored, store_->GetPlan(plan_id));
  return Decorated(stored);
}

absl::StatusOr<Plan> PlanDomain::GetPlan(const v1::GetPlanRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string id, ParsePlanName("name", request.name()));
  DUBAN_ASSIGN_OR_RETURN(StoredPlan stored, store_->GetPlan(id));
  return Decorated(stored);
}

absl::StatusOr<v1::ListPlansResponse> PlanDomain::ListPlans(
    const v1::ListPlansRequest& request, const OrganizationFilter& readable) {
  DUBAN_ASSIGN_OR_RETURN(int page_size, PageSize(request.page_size(), 50, 500));
  std::string after;
  if (!request.page_token().empty()) {
    DUBAN_ASSIGN_OR_RETURN(after, DecodePageToken(request.page_token()));
  }
  v1::ListPlansResponse response;
  DUBAN_ASSIGN_OR_RETURN(
      std::optional<std::string> next,
      FillPage(
          after, page_size,
          [&](const std::string& from, int limit) {
            return store_->ListPlanIds(from, limit);
          },
          [](const std::string& id) { return id; },
          [&](const std::string& id, bool page_full) -> absl::StatusOr<bool> {
            auto stored = store_->GetPlan(id);
            if (stored.status().code() == absl::StatusCode::kNotFound) {
              return false;  // deleted meanwhile
            }
            if (!stored.ok()) return stored.status();
            if (request.state() != Plan::STATE_UNSPECIFIED &&
                stored->plan.state() != request.state()) {
              return false;
            }
            if (!readable.Admits(stored->plan.issuing_organization())) {
              return false;
            }
            if (!page_full) *response.add_plans() = Decorated(*stored);
            return true;
          }));
  if (next.has_value()) response.set_next_page_token(EncodePageToken(*next));
  return response;
}

absl::StatusOr<Plan> PlanDomain::UpdatePlan(
    const v1::UpdatePlanRequest& request) {
  static const std::set<std::string> kAllowed = {
      "title",        "issuing_authorities",  "document_number",
      "notice_title", "recipients",           "issue_date",
      "year",         "general_requirements", "parent_plan",
      "organization", "source_name",          "issuing_organization"};
  const Plan& in = request.plan();
  DUBAN_ASSIGN_OR_RETURN(std::string id, ParsePlanName("plan.name", in.name()));
  DUBAN_RETURN_IF_ERROR(ValidateUpdateMask(request.update_mask(), kAllowed));
  const auto& mask = request.update_mask();
  if (InMask(mask, "title")) {
    DUBAN_RETURN_IF_ERROR(
        ValidateText("plan.title", in.title(), kMaxTitleBytes, true));
  }
  if (InMask(mask, "year")) {
    DUBAN_RETURN_IF_ERROR(ValidateYear("plan.year", in.year()));
  }
  if (InMask(mask, "issue_date")) {
    DUBAN_RETURN_IF_ERROR(ValidateDate("plan.issue_date", in.issue_date()));
  }
  if (InMask(mask, "general_requirements")) {
    DUBAN_RETURN_IF_ERROR(ValidateText("plan.general_requirements",
                                       in.general_requirements(), kMaxTextBytes,
                                       false));
  }
  if (InMask(mask, "issuing_organization") &&
      !in.issuing_organization().empty()) {
    DUBAN_RETURN_IF_ERROR(ParseOrganizationName("plan.issuing_organization",
                                                in.issuing_organization())
                              .status());
  }
  if (InMask(mask, "parent_plan") && !in.parent_plan().empty()) {
    DUBAN_RETURN_IF_ERROR(
        CheckPlanExists(store_, "plan.parent_plan", in.parent_plan(), id));
  }
  return WithRetryOnConflict(kMaxWriteAttempts, [&]() -> absl::StatusOr<Plan> {
    DUBAN_ASSIGN_OR_RETURN(StoredPlan stored, store_->GetPlan(id));
    DUBAN_RETURN_IF_ERROR(
        CheckEtag("plan.etag", in.etag(), stored.version, in.name()));
    if (stored.plan.state() == Plan::ARCHIVED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "plan \"", in.name(), "\" is ARCHIVED and can no longer change"));
    }
    if (InMask(mask, "issuing_organization") &&
        stored.plan.state() != Plan::DRAFT) {
      return absl::FailedPreconditionError(
          absl::StrCat("plan.issuing_organization: plan \"", in.name(),
                       "\" is ", StateName(stored.plan.state()),
                       "; its organization is fixed once issued"));
    }
    Plan plan = stored.plan;
    for (const std::string& path : mask.paths()) {
      if (path == "title") plan.set_title(in.title());
      if (path == "issuing_authorities") {
        *plan.mutable_issuing_authorities() = in.issuing_authorities();
      }
      if (path == "document_number") {
        plan.set_document_number(in.document_number());
      }
      if (path == "notice_title") plan.set_notice_title(in.notice_title());
      if (path == "recipients") *plan.mutable_recipients() = in.recipients();
      if (path == "issue_date") *plan.mutable_issue_date() = in.issue_date();
      if (path == "year") plan.set_year(in.year());
      if (path == "general_requirements") {
        plan.set_general_requirements(in.general_requirements());
      }
      if (path == "parent_plan") plan.set_parent_plan(in.parent_plan());
      if (path == "organization") plan.set_organization(in.organization());
      if (path == "source_name") plan.set_source_name(in.source_name());
      if (path == "issuing_organization") {
        plan.set_issuing_organization(in.issuing_organization());
      }
    }
    SetTimestamp(clock_(), plan.mutable_update_time());
    DUBAN_ASSIGN_OR_RETURN(auto written,
                           store_->UpdatePlan(plan, stored.version, {}));
    return Decorated(StoredPlan{plan, written.second});
  });
}

absl::Status PlanDomain::DeletePlan(const v1::DeletePlanRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string id, ParsePlanName("name", request.name()));
  return WithRetryOnConflict(
             kMaxWriteAttempts,
             [&]() -> absl::StatusOr<bool> {
               DUBAN_ASSIGN_OR_RETURN(StoredPlan stored, store_->GetPlan(id));
               DUBAN_RETURN_IF_ERROR(CheckEtag("etag", request.etag(),
                                               stored.version, request.name()));
               if (stored.plan.state() != Plan::DRAFT) {
                 return absl::FailedPreconditionError(absl::StrCat(
                     "plan \"", request.name(), "\" is ",
                     StateName(stored.plan.state()),
                     "; only DRAFT plans can be deleted (archive it instead)"));
               }
               DUBAN_RETURN_IF_ERROR(store_->DeletePlan(id, stored.version));
               return true;
             })
      .status();
}

absl::StatusOr<Plan> PlanDomain::IssuePlan(
    const v1::IssuePlanRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string id, ParsePlanName("name", request.name()));
  if (!request.request_id().empty()) {
    DUBAN_RETURN_IF_ERROR(
        ValidateRequestId("request_id", request.request_id()));
  }
  DUBAN_RETURN_IF_ERROR(ValidateText("principal", request.principal(),
                                     kMaxSourceNameBytes, false));
  const std::string& name = request.name();
  return WithRetryOnConflict(kMaxWriteAttempts, [&]() -> absl::StatusOr<Plan> {
    DUBAN_ASSIGN_OR_RETURN(auto snapshot, store_->GetPlanWithItems(id));
    const StoredPlan& stored = snapshot.first;
    // A retry of an issue that went through answers its result.
    if (!request.request_id().empty() && stored.plan.state() == Plan::ISSUED &&
        stored.plan.issued_by().request_id() == request.request_id()) {
      return FinishIssue(stored);
    }
    DUBAN_RETURN_IF_ERROR(
        CheckEtag("etag", request.etag(), stored.version, name));
    if (stored.plan.state() != Plan::DRAFT) {
      return absl::FailedPreconditionError(absl::StrCat(
          "plan \"", name, "\" is ", StateName(stored.plan.state()),
          "; only a DRAFT plan can be issued"));
    }
    std::string organization = stored.plan.issuing_organization();
    if (organization.empty()) {
      if (stored.plan.organization().empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "issuing_organization: plan \"", name,
            "\" names no issuing organization; set issuing_organization"));
      }
      auto found = units_->FindOrganization(stored.plan.organization());
      if (!found.ok()) return StillDraft(found.status(), name);
      organization = *found;
    }
    std::vector<AssignmentEntry> entries;
    for (const StoredItem& item : snapshot.second) {
      for (const auto& unit : item.item.units()) {
        entries.push_back({item.item.name(), unit.printed_name(), unit.role()});
      }
    }
    // One request id per plan version: a retried issue of the same version
    // finds its assignments again instead of making new ones.
    const std::string assignments_request =
        absl::StrCat("issue-", id, "-", EtagOf(stored.version));
    absl::Status created = units_->CreatePlanAssignments(
        organization, name, entries, assignments_request, request.principal());
    if (created.code() == absl::StatusCode::kAlreadyExists) {
      // Pending assignments of an earlier attempt on an older version.
      absl::Status discarded = units_->DiscardPlanAssignments(name, "");
      if (!discarded.ok()) return StillDraft(discarded, name);
      created = units_->CreatePlanAssignments(organization, name, entries,
                                              assignments_request,
                                              request.principal());
    }
    if (!created.ok()) return StillDraft(created, name);
    Plan plan = stored.plan;
    plan.set_state(Plan::ISSUED);
    plan.set_issuing_organization(organization);
    plan.set_assignments_committed(false);
    const absl::Time now = clock_();
    SetTimestamp(now, plan.mutable_update_time());
    auto* actor = plan.mutable_issued_by();
    actor->set_principal(request.principal().empty() ? "unknown"
                                                     : request.principal());
    actor->set_request_id(request.request_id());
    SetTimestamp(now, actor->mutable_time());
    auto written = store_->UpdatePlan(plan, stored.version, {});
    if (!written.ok()) {
      // Not issued after all: the pending assignments must not stay behind.
      // Should this fail too, they stay invisible and the next attempt
      // discards them (ALREADY_EXISTS above).
      units_->DiscardPlanAssignments(name, assignments_request).IgnoreError();
      return written.status();
    }
    return FinishIssue(StoredPlan{plan, written->second});
  });
}

Plan PlanDomain::FinishIssue(StoredPlan issued) {
  if (!issued.plan.assignments_committed()) {
    absl::Status committed =
        units_->CommitPlanAssignments(issued.plan.name(), "");
    if (committed.ok()) {
      Plan plan = issued.plan;
      plan.set_assignments_committed(true);
      auto written = store_->UpdatePlan(plan, issued.version, {});
      if (written.ok()) issued = StoredPlan{plan, written->second};
    } else {
      Log(LogLevel::kWarning, "assignments not committed yet; will retry",
          {{"plan", issued.plan.name()},
           {"error", std::string(committed.message())}});
    }
  }
  return Decorated(issued);
}

absl::StatusOr<int> PlanDomain::CommitPendingAssignments() {
  constexpr int kBatch = 100;
  int completed = 0;
  std::string after;
  while (true) {
    DUBAN_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           store_->ListPlanIds(after, kBatch));
    for (const std::string& id : ids) {
      after = id;
      auto stored = store_->GetPlan(id);
      if (!stored.ok() || stored->plan.state() != Plan::ISSUED ||
          stored->plan.assignments_committed()) {
        continue;
      }
      completed += FinishIssue(*stored).assignments_committed() ? 1 : 0;
    }
    if (static_cast<int>(ids.size()) < kBatch) break;
  }
  return completed;
}

absl::StatusOr<Plan> PlanDomain::ArchivePlan(
    const v1::ArchivePlanRequest& request) {
  return Transition(request.name(), request.etag(), Plan::ISSUED,
                    Plan::ARCHIVED);
}

absl::StatusOr<Plan> PlanDomain::Transition(absl::string_view name,
                                            absl::string_view etag,
                                            Plan::State from, Plan::State to) {
  DUBAN_ASSIGN_OR_RETURN(std::string id, ParsePlanName("name", name));
  return WithRetryOnConflict(kMaxWriteAttempts, [&]() -> absl::StatusOr<Plan> {
    DUBAN_ASSIGN_OR_RETURN(StoredPlan stored, store_->GetPlan(id));
    DUBAN_RETURN_IF_ERROR(CheckEtag("etag", etag, stored.version, name));
    if (stored.plan.state() != from) {
      return absl::FailedPreconditionError(absl::StrCat(
          "plan \"", name, "\" is ", StateName(stored.plan.state()),
          "; only a ", StateName(from), " plan can become ", StateName(to)));
    }
    Plan plan = stored.plan;
    plan.set_state(to);
    SetTimestamp(clock_(), plan.mutable_update_time());
    DUBAN_ASSIGN_OR_RETURN(auto written,
                           store_->UpdatePlan(plan, stored.version, {}));
    return Decorated(StoredPlan{plan, written.second});
  });
}

absl::StatusOr<Item> PlanDomain::GetItem(const v1::GetItemRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(auto ids, ParseItemName("name", request.name()));
  DUBAN_ASSIGN_OR_RETURN(StoredItem stored,
                         store_->GetItem(ids.first, ids.second));
  return Decorated(stored);
}

absl::StatusOr<v1::BatchGetItemsResponse> PlanDomain::BatchGetItems(
    const v1::BatchGetItemsRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("parent", request.parent()));
  if (request.names_size() > kMaxBatchGet) {
    return absl::InvalidArgumentError(
        absl::StrCat("names: at most ", kMaxBatchGet, " per call (got ",
                     request.names_size(), ")"));
  }
  std::vector<std::string> item_ids;
  for (int i = 0; i < request.names_size(); ++i) {
    const std::string field = absl::StrCat("names[", i, "]");
    DUBAN_ASSIGN_OR_RETURN(auto ids, ParseItemName(field, request.names(i)));
    if (ids.first != plan_id) {
      return InvalidField(field, request.names(i),
                          absl::StrCat("not an item of ", request.parent()));
    }
    item_ids.push_back(ids.second);
  }
  DUBAN_ASSIGN_OR_RETURN(auto stored, store_->GetPlanWithItems(plan_id));
  v1::BatchGetItemsResponse response;
  for (const std::string& item_id : item_ids) {
    auto it = std::find_if(
        stored.second.begin(), stored.second.end(),
        [&](const StoredItem& s) { return ItemIdOf(s.item) == item_id; });
    if (it == stored.second.end()) return ItemNotFound(plan_id, item_id);
    *response.add_items() = Decorated(*it);
  }
  return response;
}

absl::StatusOr<v1::ListItemsResponse> PlanDomain::ListItems(
    const v1::ListItemsRequest& request) {
  DUBAN_ASSIGN_OR_RETURN(std::string plan_id,
                         ParsePlanName("parent", request.parent()));
  DUBAN_ASSIGN_OR_RETURN(int page_size,
                         PageSize(request.page_size(), 100, 1000));
  int offset = 0;
  if (!request.page_token().empty()) {
    DUBAN_ASSIGN_OR_RETURN(std::string raw,
                           DecodePageToken(request.page_token()));
    if (!absl::SimpleAtoi(raw, &offset) || offset < 0) {
      return InvalidField("page_token", request.page_token(),
                          "not a token from a previous response");
    }
  }
  const std::string unit(absl::StripAsciiWhitespace(request.unit()));
  DUBAN_ASSIGN_OR_RETURN(auto stored, store_->GetPlanWithItems(plan_id));
  v1::ListItemsResponse response;
  int matched = 0;
  for (const StoredItem& item : stored.second) {
    if (!ItemMatches(item.item, request, unit)) continue;
    if (matched >= offset && response.items_size() < page_size) {
      *response.add_items() = Decorated(item);
    }
    ++matched;
  }
  response.set_total_size(matched);
  if (offset + response.items_size() < matched) {
    response.set_next_page_token(
        EncodePageToken(absl::StrCat(offset + response.items_size())));
  }
  return response;
}

absl::StatusOr<Item> PlanDomain::UpdateItem(
    const v1::UpdateItemRequest& request) {
  return ChangeItem(request.item(), request.update_mask(), false, "", "", "");
}

absl::StatusOr<Item> PlanDomain::AmendItem(
    const v1::AmendItemRequest& request) {
  DUBAN_RETURN_IF_ERROR(
      ValidateText("reason", request.reason(), kMaxTitleBytes, true));
  DUBAN_RETURN_IF_ERROR(ValidateText("principal", request.principal(),
                                     kMaxSourceNameBytes, true));
  if (!request.request_id().empty()) {
    DUBAN_RETURN_IF_ERROR(
        ValidateRequestId("request_id", request.request_id()));
  }
  return ChangeItem(request.item(), request.update_mask(), true,
                    request.reason(), request.principal(),
                    request.request_id());
}

absl::StatusOr<Item> PlanDomain::ChangeItem(
    const Item& patch, const google::protobuf::FieldMask& mask, bool amendment,
    absl::string_view reason, absl::string_view principal,
    absl::string_view request_id) {
  static const std::set<std::string> kAllowed = {"title",
                                                 "target",
                                                 "measures_text",
                                                 "measures",
                                                 "responsible_units_text",
                                                 "units",
                                                 "units_open_ended",
                                                 "indicators",
                                                 "deadline",
                                                 "aligned_items",
                                                 "section_id"};
  DUBAN_ASSIGN_OR_RETURN(auto ids, ParseItemName("item.name", patch.name()));
  DUBAN_RETURN_IF_ERROR(ValidateUpdateMask(mask, kAllowed));
  std::string body;
  patch.SerializeToString(&body);
  const RequestKey key{
      std::string(request_id),
      Sha256Hex(absl::StrCat(body, "|", absl::StrJoin(mask.paths(), ","), "|",
                             reason, "|", principal))};
  return WithRetryOnConflict(kMaxWriteAttempts, [&]() -> absl::StatusOr<Item> {
    DUBAN_ASSIGN_OR_RETURN(StoredPlan plan, store_->GetPlan(ids.first));
    DUBAN_ASSIGN_OR_RETURN(StoredItem stored,
                           store_->GetItem(ids.first, ids.second));
    const std::string plan_name = absl::StrCat("plans/", ids.first);
    const Plan::State state = plan.plan.state();
    if (!amendment && state != Plan::DRAFT) {
      return absl::FailedPreconditionError(absl::StrCat(
          "plan \"", plan_name, "\" is ", StateName(state),
          "; items of an issued plan change only through AmendItem"));
    }
    if (amendment && state != Plan::ISSUED) {
      return absl::FailedPreconditionError(
          absl::StrCat("plan \"", plan_name, "\" is ", StateName(state),
                       "; AmendItem applies to ISSUED plans only",
                       state == Plan::DRAFT ? " (use UpdateItem)" : ""));
    }
    // A retried amendment that went through answers the stored item.
    if (!request_id.empty()) {
      for (const auto& change : stored.item.amendments()) {
        if (change.actor().request_id() == request_id) return Decorated(stored);
      }
    }
    DUBAN_RETURN_IF_ERROR(
        CheckEtag("item.etag", patch.etag(), stored.version, patch.name()));
    Item item = stored.item;
    for (const std::string& path : mask.paths()) {
      if (path == "title") item.set_title(patch.title());
      if (path == "target") item.set_target(patch.target());
      if (path == "measures_text")
        item.set_measures_text(patch.measures_text());
      if (path == "measures") *item.mutable_measures() = patch.measures();
      if (path == "responsible_units_text") {
        item.set_responsible_units_text(patch.responsible_units_text());
      }
      if (path == "units") *item.mutable_units() = patch.units();
      if (path == "units_open_ended") {
        item.set_units_open_ended(patch.units_open_ended());
      }
      if (path == "indicators") *item.mutable_indicators() = patch.indicators();
      if (path == "deadline") {
        if (patch.has_deadline()) {
          *item.mutable_deadline() = patch.deadline();
        } else {
          item.clear_deadline();
        }
      }
      if (path == "aligned_items") {
        *item.mutable_aligned_items() = patch.aligned_items();
      }
      if (path == "section_id") item.set_section_id(patch.section_id());
    }
    if (InMask(mask, "responsible_units_text") && !InMask(mask, "units")) {
      ParsedUnits parsed = ParseResponsibleUnits(item.responsible_units_text());
      item.clear_units();
      for (auto& unit : parsed.units) *item.add_units() = std::move(unit);
      item.set_units_open_ended(parsed.open_ended);
    }
    DUBAN_RETURN_IF_ERROR(ValidateItem(item, plan.plan));
    if (amendment) {
      auto* change = item.add_amendments();
      change->set_reason(std::string(reason));
      change->mutable_actor()->set_principal(std::string(principal));
      change->mutable_actor()->set_request_id(std::string(request_id));
      SetTimestamp(clock_(), change->mutable_actor()->mutable_time());
      for (const std::string& path : mask.paths()) change->add_fields(path);
    }
    DUBAN_ASSIGN_OR_RETURN(
        auto written,
        store_->UpdateItem(ids.first, plan.version, item, stored.version, key));
    if (written.first == WriteOutcome::kReplayed) {
      DUBAN_ASSIGN_OR_RETURN(StoredItem current,
                             store_->GetItem(ids.first, ids.second));
      return Decorated(current);
    }
    return Decorated(StoredItem{item, written.second});
  });
}

}  // namespace duban::plan
