#include "common/audit.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/api.h"
#include "common/observability.h"
#include "common/status.h"
#include "duban/plan/v1/plan_service.pb.h"
#include "duban/progress/v1/progress_service.pb.h"
#include "duban/unit/v1/unit_service.pb.h"

namespace duban {
namespace {

namespace av1 = ::duban::audit::v1;
namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;
namespace gv1 = ::duban::progress::v1;
using google::protobuf::Message;

// Longest text (titles, reasons, comments) quoted in a summary.
constexpr size_t kMaxQuotedBytes = 80;
// Entries read from Redis per round while filling a page.
constexpr int kMinBatch = 200;

// `text` cut to at most `max` bytes at a UTF-8 character boundary, with
// "…" when cut.
std::string Clip(absl::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return absl::StrCat(text.substr(0, end), "…");
}

std::string Quoted(absl::string_view text) {
  return absl::StrCat("\"", Clip(text, kMaxQuotedBytes), "\"");
}

std::string Fields(const google::protobuf::FieldMask& mask) {
  if (mask.paths().empty()) return "(no fields)";
  return absl::StrJoin(mask.paths(), ", ");
}

// "plans/{plan}" of a name below a plan, else "".
std::string PlanOfName(absl::string_view name) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(name, absl::MaxSplits('/', 2));
  if (parts.size() < 2 || parts[0] != "plans" || parts[1].empty()) return "";
  return absl::StrCat("plans/", parts[1]);
}

AuditedChange OfPlan(const pv1::Plan& plan, absl::string_view name) {
  AuditedChange change;
  change.resource = plan.name().empty() ? std::string(name) : plan.name();
  change.organization = OrganizationOfName(plan.issuing_organization());
  change.plan = PlanOfName(change.resource);
  return change;
}

AuditedChange OfPlanName(absl::string_view name) {
  AuditedChange change;
  change.resource = std::string(name);
  change.plan = PlanOfName(name);
  return change;
}

AuditedChange OfOrganizationName(absl::string_view name) {
  AuditedChange change;
  change.resource = std::string(name);
  change.organization = OrganizationOfName(name);
  return change;
}

// --- plan service
// -------------------------------------------------------------

AuditedChange ImportPlan(const pv1::ImportPlanRequest& request,
                         const pv1::ImportPlanResponse& response) {
  AuditedChange change = OfPlan(response.plan(), "");
  change.recorded = response.stored();
  if (change.organization.empty()) {
    change.organization = OrganizationOfName(request.organization());
  }
  change.summary =
      absl::StrCat("imported plan ", change.resource, " ",
                   Quoted(response.plan().title()), " (", response.items_size(),
                   " items, ", response.warnings_size(), " warnings)");
  return change;
}

AuditedChange CreatePlan(const pv1::CreatePlanRequest&, const pv1::Plan& plan) {
  AuditedChange change = OfPlan(plan, "");
  change.summary =
      absl::StrCat("created plan ", change.resource, " ", Quoted(plan.title()));
  return change;
}

AuditedChange UpdatePlan(const pv1::UpdatePlanRequest& request,
                         const pv1::Plan& plan) {
  AuditedChange change = OfPlan(plan, request.plan().name());
  change.summary = absl::StrCat("updated plan ", change.resource, ": ",
                                Fields(request.update_mask()));
  return change;
}

AuditedChange DeletePlan(const pv1::DeletePlanRequest& request,
                         const pv1::DeletePlanResponse&) {
  AuditedChange change = OfPlanName(request.name());
  change.summary = absl::StrCat("deleted plan ", request.name());
  return change;
}

AuditedChange IssuePlan(const pv1::IssuePlanRequest& request,
                        const pv1::Plan& plan) {
  AuditedChange change = OfPlan(plan, request.name());
  change.summary =
      absl::StrCat("issued plan ", change.resource, " ", Quoted(plan.title()));
  return change;
}

AuditedChange ArchivePlan(const pv1::ArchivePlanRequest& request,
                          const pv1::Plan& plan) {
  AuditedChange change = OfPlan(plan, request.name());
  change.summary = absl::StrCat("archived plan ", change.resource);
  return change;
}

AuditedChange UpdateItem(const pv1::UpdateItemRequest& request,
                         const pv1::Item& item) {
  AuditedChange change =
      OfPlanName(item.name().empty() ? request.item().name() : item.name());
  change.summary = absl::StrCat("updated item ", change.resource, ": ",
                                Fields(request.update_mask()));
  return change;
}

AuditedChange AmendItem(const pv1::AmendItemRequest& request,
                        const pv1::Item& item) {
  AuditedChange change =
      OfPlanName(item.name().empty() ? request.item().name() : item.name());
  change.summary = absl::StrCat("amended item ", change.resource, ": ",
                                Fields(request.update_mask()), " (reason ",
                                Quoted(request.reason()), ")");
  return change;
}

// --- unit service
// -------------------------------------------------------------

AuditedChange CreateOrganization(const uv1::CreateOrganizationRequest&,
                                 const uv1::Organization& organization) {
  AuditedChange change = OfOrganizationName(organization.name());
  change.summary = absl::StrCat("created organization ", organization.name(),
                                " ", Quoted(organization.display_name()));
  return change;
}

AuditedChange UpdateOrganization(const uv1::UpdateOrganizationRequest& request,
                                 const uv1::Organization& organization) {
  AuditedChange change = OfOrganizationName(organization.name().empty()
                                                ? request.organization().name()
                                                : organization.name());
  change.summary = absl::StrCat("updated organization ", change.resource, ": ",
                                Fields(request.update_mask()));
  return change;
}

AuditedChange DeleteOrganization(const uv1::DeleteOrganizationRequest& request,
                                 const uv1::DeleteOrganizationResponse&) {
  AuditedChange change = OfOrganizationName(request.name());
  change.summary = absl::StrCat("deleted organization ", request.name());
  return change;
}

AuditedChange CreateUnit(const uv1::CreateUnitRequest&, const uv1::Unit& unit) {
  AuditedChange change = OfOrganizationName(unit.name());
  change.summary = absl::StrCat("created unit ", unit.name(), " ",
                                Quoted(unit.short_name()));
  return change;
}

AuditedChange UpdateUnit(const uv1::UpdateUnitRequest& request,
                         const uv1::Unit& unit) {
  AuditedChange change = OfOrganizationName(
      unit.name().empty() ? request.unit().name() : unit.name());
  change.summary = absl::StrCat("updated unit ", change.resource, ": ",
                                Fields(request.update_mask()));
  return change;
}

AuditedChange AddUnitAlias(const uv1::AddUnitAliasRequest& request,
                           const uv1::Unit&) {
  AuditedChange change = OfOrganizationName(request.name());
  change.summary = absl::StrCat("added alias ", Quoted(request.alias()),
                                " to unit ", request.name());
  return change;
}

AuditedChange RemoveUnitAlias(const uv1::RemoveUnitAliasRequest& request,
                              const uv1::Unit&) {
  AuditedChange change = OfOrganizationName(request.name());
  change.summary = absl::StrCat("removed alias ", Quoted(request.alias()),
                                " from unit ", request.name());
  return change;
}

AuditedChange DeactivateUnit(const uv1::DeactivateUnitRequest& request,
                             const uv1::DeactivateUnitResponse& response) {
  AuditedChange change = OfOrganizationName(request.name());
  change.summary = absl::StrCat("deactivated unit ", request.name(), "; ",
                                response.ended_size(), " assignments ended");
  if (!request.reassign_to().empty()) {
    absl::StrAppend(&change.summary, ", ", response.reassigned_size(),
                    " taken over by ", request.reassign_to());
  }
  if (!request.reason().empty()) {
    absl::StrAppend(&change.summary, " (reason ", Quoted(request.reason()),
                    ")");
  }
  return change;
}

AuditedChange CreatePlanAssignments(
    const uv1::CreatePlanAssignmentsRequest& request,
    const uv1::CreatePlanAssignmentsResponse& response) {
  AuditedChange change = OfPlanName(request.plan());
  change.organization = OrganizationOfName(request.organization());
  change.summary = absl::StrCat("created ", response.assignments_size(),
                                " pending assignments of ", request.plan());
  return change;
}

AuditedChange CommitPlanAssignments(
    const uv1::CommitPlanAssignmentsRequest& request,
    const uv1::CommitPlanAssignmentsResponse& response) {
  AuditedChange change = OfPlanName(request.plan());
  // The plan service commits again until it knows it is done; a commit that
  // found nothing pending changed nothing.
  change.recorded = response.committed_count() > 0;
  change.summary = absl::StrCat("committed ", response.committed_count(),
                                " assignments of ", request.plan());
  return change;
}

AuditedChange DiscardPlanAssignments(
    const uv1::DiscardPlanAssignmentsRequest& request,
    const uv1::DiscardPlanAssignmentsResponse& response) {
  AuditedChange change = OfPlanName(request.plan());
  change.recorded = response.discarded_count() > 0;
  change.summary = absl::StrCat("discarded ", response.discarded_count(),
                                " pending assignments of ", request.plan());
  return change;
}

AuditedChange ReassignItem(const uv1::ReassignItemRequest& request,
                           const uv1::ReassignItemResponse&) {
  AuditedChange change = OfPlanName(request.item());
  change.organization = OrganizationOfName(request.to_unit());
  if (request.mode() == uv1::ReassignItemRequest::ADD) {
    change.summary =
        absl::StrCat("added ", request.to_unit(), " to item ", request.item(),
                     " beside ", request.from_unit());
  } else {
    change.summary =
        absl::StrCat("reassigned item ", request.item(), " from ",
                     request.from_unit(), " to ", request.to_unit());
  }
  absl::StrAppend(&change.summary, " (reason ", Quoted(request.reason()), ")");
  return change;
}

// --- progress service
// ---------------------------------------------------------

AuditedChange SetSchedule(const gv1::SetScheduleRequest& request,
                          const gv1::Schedule& schedule) {
  AuditedChange change = OfPlanName(
      schedule.name().empty() ? request.schedule().name() : schedule.name());
  change.summary = absl::StrCat(
      "set schedule ", change.resource, ": ",
      gv1::Cadence_Name(schedule.cadence()), ", due ",
      schedule.due_days_after_period_end(), " days after each period, ",
      schedule.first_period(), " to ", schedule.last_period());
  return change;
}

AuditedChange SubmitReport(const gv1::SubmitReportRequest& request,
                           const gv1::Report& report) {
  AuditedChange change = OfPlanName(report.name());
  change.organization = OrganizationOfName(
      report.unit().empty() ? request.unit() : report.unit());
  change.summary =
      absl::StrCat("submitted report ", report.name(), ", revision ",
                   report.latest().number(), ", ",
                   gv1::ReportStatus_Name(report.latest().status()), " ",
                   report.latest().percent_complete(), "%");
  if (report.latest().backdated()) {
    absl::StrAppend(&change.summary, ", backdated");
  }
  return change;
}

AuditedChange ReviewReport(const gv1::ReviewReportRequest& request,
                           const gv1::Report& report) {
  AuditedChange change =
      OfPlanName(report.name().empty() ? request.name() : report.name());
  change.organization = OrganizationOfName(report.unit());
  const bool accepted = request.decision() == gv1::ReviewReportRequest::ACCEPT;
  change.summary =
      absl::StrCat(accepted ? "accepted" : "returned", " report ",
                   change.resource, ", revision ", report.latest().number());
  if (!request.comment().empty()) {
    absl::StrAppend(&change.summary, ": ", Quoted(request.comment()));
  }
  return change;
}

template <typename Request, typename Response>
AuditedMethod Entry(absl::string_view service, absl::string_view method,
                    AuditedChange (*describe)(const Request&, const Response&),
                    bool resolve_before = false) {
  AuditedMethod entry;
  entry.method = absl::StrCat("/", service, "/", method);
  entry.request_type = Request::descriptor();
  entry.response_type = Response::descriptor();
  entry.request_id = RequestIdField(entry.request_type);
  entry.describe = [describe](const Message& request, const Message& response) {
    return describe(static_cast<const Request&>(request),
                    static_cast<const Response&>(response));
  };
  entry.resolve_before = resolve_before;
  return entry;
}

std::vector<AuditedMethod> BuildAuditedMethods() {
  constexpr absl::string_view kPlan = "duban.plan.v1.PlanService";
  constexpr absl::string_view kUnit = "duban.unit.v1.UnitService";
  constexpr absl::string_view kProgress = "duban.progress.v1.ProgressService";
  return {
      Entry(kPlan, "ImportPlan", &ImportPlan),
      Entry(kPlan, "CreatePlan", &CreatePlan),
      Entry(kPlan, "UpdatePlan", &UpdatePlan),
      Entry(kPlan, "DeletePlan", &DeletePlan, /*resolve_before=*/true),
      Entry(kPlan, "IssuePlan", &IssuePlan),
      Entry(kPlan, "ArchivePlan", &ArchivePlan),
      Entry(kPlan, "UpdateItem", &UpdateItem),
      Entry(kPlan, "AmendItem", &AmendItem),
      Entry(kUnit, "CreateOrganization", &CreateOrganization),
      Entry(kUnit, "UpdateOrganization", &UpdateOrganization),
      Entry(kUnit, "DeleteOrganization", &DeleteOrganization),
      Entry(kUnit, "CreateUnit", &CreateUnit),
      Entry(kUnit, "UpdateUnit", &UpdateUnit),
      Entry(kUnit, "AddUnitAlias", &AddUnitAlias),
      Entry(kUnit, "RemoveUnitAlias", &RemoveUnitAlias),
      Entry(kUnit, "DeactivateUnit", &DeactivateUnit),
      Entry(kUnit, "CreatePlanAssignments", &CreatePlanAssignments),
      Entry(kUnit, "CommitPlanAssignments", &CommitPlanAssignments),
      Entry(kUnit, "DiscardPlanAssignments", &DiscardPlanAssignments),
      Entry(kUnit, "ReassignItem", &ReassignItem),
      Entry(kProgress, "SetSchedule", &SetSchedule),
      Entry(kProgress, "SubmitReport", &SubmitReport),
      Entry(kProgress, "ReviewReport", &ReviewReport),
  };
}

// --- storage
// ------------------------------------------------------------------

// KEYS[1] the stream; KEYS[2], when given, the request's key.
// ARGV[1] its lifetime in seconds; ARGV[2..] the entry's fields and values.
// Answers {1, id} when stored, {0, id of the stored record} for a retry.
constexpr char kAppendScript[] = R"lua(
if #KEYS > 1 then
  local seen = redis.call('GET', KEYS[2])
  if seen then return {0, seen} end
end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
if #KEYS > 1 then redis.call('SET', KEYS[2], id, 'EX', ARGV[1]) end
return {1, id}
)lua";

// The milliseconds of a stream entry id "<ms>-<seq>".
std::optional<int64_t> MillisOfId(absl::string_view id) {
  std::vector<absl::string_view> parts = absl::StrSplit(id, '-');
  int64_t ms = 0;
  uint64_t seq = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &ms) ||
      !absl::SimpleAtoi(parts[1], &seq) || ms < 0 || parts[0].empty() ||
      !absl::ascii_isdigit(parts[0][0]) || parts[1].empty() ||
      !absl::ascii_isdigit(parts[1][0])) {
    return std::nullopt;
  }
  return ms;
}

void SetRecordTime(absl::string_view id, av1::AuditRecord* record) {
  record->set_id(std::string(id));
  std::optional<int64_t> ms = MillisOfId(id);
  if (ms.has_value())
    SetTimestamp(absl::FromUnixMillis(*ms), record->mutable_time());
}

absl::Status Unexpected(absl::string_view what) {
  return absl::InternalError(absl::StrCat(
      "unexpected answer from storage reading the audit trail (", what, ")"));
}

// A record from an XRANGE entry: [id, [field, value, ...]].
absl::StatusOr<av1::AuditRecord> RecordOfEntry(const RedisReply& entry) {
  if (entry.type != RedisReply::Type::kArray || entry.elements.size() != 2 ||
      entry.elements[0].type != RedisReply::Type::kString ||
      entry.elements[1].type != RedisReply::Type::kArray) {
    return Unexpected("entry");
  }
  av1::AuditRecord record;
  SetRecordTime(entry.elements[0].str, &record);
  const auto& fields = entry.elements[1].elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& key = fields[i].str;
    const std::string& value = fields[i + 1].str;
    if (key == "principal") {
      record.set_principal(value);
    } else if (key == "principal_kind") {
      record.set_principal_kind(value);
    } else if (key == "method") {
      record.set_method(value);
    } else if (key == "request_id") {
      record.set_request_id(value);
    } else if (key == "resource") {
      record.set_resource(value);
    } else if (key == "organization") {
      record.set_organization(value);
    } else if (key == "summary") {
      record.set_summary(value);
    } else if (key == "service") {
      record.set_service(value);
    }
  }
  return record;
}

// A request Timestamp, checked; INVALID_ARGUMENT naming `field`.
absl::StatusOr<absl::Time> TimeOfField(absl::string_view field,
                                       const google::protobuf::Timestamp& t) {
  // 0001-01-01 .. 9999-12-31, as google.protobuf.Timestamp allows.
  if (t.seconds() < -62135596800 || t.seconds() > 253402300799 ||
      t.nanos() < 0 || t.nanos() > 999999999) {
    return InvalidField(field, absl::StrCat(t.seconds(), "s ", t.nanos(), "ns"),
                        "not a valid timestamp");
  }
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// The smallest whole millisecond at or after `t`.
int64_t CeilMillis(absl::Time t) {
  const int64_t floor = absl::ToUnixMillis(t);
  return absl::FromUnixMillis(floor) < t ? floor + 1 : floor;
}

// Does `record` name `method`: the full name, or the method's name alone.
bool MethodMatches(absl::string_view record_method, absl::string_view method) {
  if (record_method == method) return true;
  return absl::EndsWith(record_method, method) &&
         record_method.size() > method.size() &&
         record_method[record_method.size() - method.size() - 1] == '/';
}

}  // namespace

const std::vector<AuditedMethod>& AuditedMethods() {
  static const auto* methods =
      new std::vector<AuditedMethod>(BuildAuditedMethods());
  return *methods;
}

const AuditedMethod* FindAuditedMethod(absl::string_view method) {
  static const auto* index = [] {
    auto* map = new absl::flat_hash_map<std::string, const AuditedMethod*>;
    for (const AuditedMethod& entry : AuditedMethods()) {
      (*map)[entry.method] = &entry;
    }
    return map;
  }();
  auto it = index->find(method);
  return it == index->end() ? nullptr : it->second;
}

std::string OrganizationOfName(absl::string_view name) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(name, absl::MaxSplits('/', 2));
  if (parts.size() < 2 || parts[0] != "organizations" || parts[1].empty()) {
    return "";
  }
  return absl::StrCat("organizations/", parts[1]);
}

AuditLog::AuditLog(RedisPool* pool, std::string ns, absl::Duration request_ttl)
    : pool_(pool), ns_(std::move(ns)), request_ttl_(request_ttl) {}

std::string AuditLog::StreamKey(absl::string_view organization) const {
  absl::string_view id = organization;
  if (!absl::ConsumePrefix(&id, "organizations/") || id.empty()) {
    return absl::StrCat(ns_, ":{global}");
  }
  return absl::StrCat(ns_, ":{org:", id, "}");
}

absl::StatusOr<bool> AuditLog::Append(av1::AuditRecord* record) {
  const std::string stream = StreamKey(record->organization());
  std::vector<std::string> keys = {stream};
  if (!record->request_id().empty()) {
    keys.push_back(absl::StrCat(stream, ":request:", record->method(), ":",
                                record->request_id()));
  }
  std::vector<std::string> args = {
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(request_ttl_))),
      "principal",
      record->principal(),
      "principal_kind",
      record->principal_kind(),
      "method",
      record->method(),
      "request_id",
      record->request_id(),
      "resource",
      record->resource(),
      "organization",
      record->organization(),
      "summary",
      record->summary(),
      "service",
      record->service(),
  };
  DUBAN_ASSIGN_OR_RETURN(RedisReply reply,
                         pool_->Eval(kAppendScript, keys, args));
  if (reply.type != RedisReply::Type::kArray || reply.elements.size() != 2 ||
      reply.elements[0].type != RedisReply::Type::kInteger ||
      reply.elements[1].type != RedisReply::Type::kString) {
    return Unexpected("append");
  }
  SetRecordTime(reply.elements[1].str, record);
  return reply.elements[0].integer == 1;
}

absl::StatusOr<av1::ListAuditRecordsResponse> AuditLog::List(
    const av1::ListAuditRecordsRequest& request) {
  if (!request.organization().empty()) {
    DUBAN_RETURN_IF_ERROR(
        ParseOrganizationName("organization", request.organization()).status());
  }
  DUBAN_RETURN_IF_ERROR(
      ValidateText("principal", request.principal(), 200, false));
  DUBAN_RETURN_IF_ERROR(
      ValidateText("resource_prefix", request.resource_prefix(), 1024, false));
  if (!request.method().empty()) {
    const bool known =
        std::any_of(AuditedMethods().begin(), AuditedMethods().end(),
                    [&](const AuditedMethod& m) {
                      return MethodMatches(absl::StripPrefix(m.method, "/"),
                                           request.method());
                    });
    if (!known) {
      return InvalidField("method", Clip(request.method(), 200),
                          "not a recorded method (IssuePlan, or "
                          "duban.plan.v1.PlanService/IssuePlan)");
    }
  }
  std::string start = "-";
  std::string end = "+";
  std::optional<absl::Time> start_time;
  if (request.has_start_time()) {
    DUBAN_ASSIGN_OR_RETURN(start_time,
                           TimeOfField("start_time", request.start_time()));
    start = absl::StrCat(std::max<int64_t>(0, CeilMillis(*start_time)));
  }
  if (request.has_end_time()) {
    DUBAN_ASSIGN_OR_RETURN(absl::Time end_time,
                           TimeOfField("end_time", request.end_time()));
    if (start_time.has_value() && end_time <= *start_time) {
      return InvalidField("end_time", absl::FormatTime(end_time),
                          "must be after start_time");
    }
    const int64_t last_ms = CeilMillis(end_time) - 1;
    if (last_ms < 0) return av1::ListAuditRecordsResponse();
    end = absl::StrCat(last_ms);
  }
  DUBAN_ASSIGN_OR_RETURN(const int page_size,
                         PageSize(request.page_size(), 50, 500));
  if (!request.page_token().empty()) {
    DUBAN_ASSIGN_OR_RETURN(std::string position,
                           DecodePageToken(request.page_token()));
    absl::string_view id = position;
    if (!absl::ConsumePrefix(&id, "(") || !MillisOfId(id).has_value()) {
      return InvalidField("page_token", request.page_token(),
                          "not a token from a previous response");
    }
    end = std::move(position);
  }

  const std::string stream = StreamKey(request.organization());
  av1::ListAuditRecordsResponse response;
  auto fetch = [&](const std::string& after,
                   int limit) -> absl::StatusOr<std::vector<av1::AuditRecord>> {
    DUBAN_ASSIGN_OR_RETURN(
        RedisReply reply,
        pool_->Command({"XREVRANGE", stream, after, start, "COUNT",
                        absl::StrCat(std::max(limit, kMinBatch))}));
    if (reply.type != RedisReply::Type::kArray) return Unexpected("range");
    std::vector<av1::AuditRecord> records;
    records.reserve(reply.elements.size());
    for (const RedisReply& entry : reply.elements) {
      DUBAN_ASSIGN_OR_RETURN(av1::AuditRecord record, RecordOfEntry(entry));
      records.push_back(std::move(record));
    }
    return records;
  };
  auto position_of = [](const av1::AuditRecord& record) {
    return absl::StrCat("(", record.id());
  };
  auto take = [&](const av1::AuditRecord& record,
                  bool page_full) -> absl::StatusOr<bool> {
    const bool matches =
        (request.principal().empty() ||
         record.principal() == request.principal()) &&
        (request.method().empty() ||
         MethodMatches(record.method(), request.method())) &&
        absl::StartsWith(record.resource(), request.resource_prefix());
    if (matches && !page_full) *response.add_records() = record;
    return matches;
  };
  DUBAN_ASSIGN_OR_RETURN(
      std::optional<std::string> next,
      FillPage<std::string>(end, page_size, fetch, position_of, take));
  if (next.has_value()) response.set_next_page_token(EncodePageToken(*next));
  return response;
}

}  // namespace duban
