#include "services/progress/store.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace duban::progress {

absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseCursor(
    absl::string_view field, absl::string_view cursor) {
  std::vector<absl::string_view> parts = absl::StrSplit(cursor, '-');
  uint64_t ms = 0, seq = 0;
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty() ||
      !absl::SimpleAtoi(parts[0], &ms) || !absl::SimpleAtoi(parts[1], &seq) ||
      parts[0][0] == '+' || parts[1][0] == '+') {
    return InvalidField(field, cursor,
                        "must be the cursor of an event (\"<ms>-<seq>\")");
  }
  return std::make_pair(ms, seq);
}

std::string ReportName(absl::string_view plan_id, absl::string_view report_id) {
  const std::size_t slash = report_id.find('/');
  return absl::StrCat("plans/", plan_id, "/items/", report_id.substr(0, slash),
                      "/reports/", report_id.substr(slash + 1));
}

absl::Status ReportNotFound(absl::string_view plan_id,
                            absl::string_view report_id) {
  return absl::NotFoundError(absl::StrCat(
      "name: report \"", ReportName(plan_id, report_id), "\" not found"));
}

absl::Status ReportChanged(absl::string_view plan_id,
                           absl::string_view report_id) {
  return absl::AbortedError(
      absl::StrCat("etag: report \"", ReportName(plan_id, report_id),
                   "\" was changed by another request; read it again and "
                   "retry"));
}

absl::Status ScheduleNotFound(absl::string_view plan_id) {
  return absl::NotFoundError(absl::StrCat("name: schedule \"plans/", plan_id,
                                          "/schedule\" not found"));
}

absl::Status ScheduleChanged(absl::string_view plan_id) {
  return absl::AbortedError(
      absl::StrCat("etag: schedule \"plans/", plan_id,
                   "/schedule\" was changed by another request; read it "
                   "again and retry"));
}

absl::Status RequestIdReused(absl::string_view request_id) {
  return absl::InvalidArgumentError(
      absl::StrCat("request_id: \"", request_id,
                   "\" was already used with a different request"));
}

v1::Report BriefOf(const v1::Report& report) {
  v1::Report brief = report;
  v1::Revision* latest = brief.mutable_latest();
  latest->clear_progress();
  latest->clear_problems();
  latest->clear_next_steps();
  latest->clear_evidence();
  latest->clear_review_comment();
  // Who and by which request: the rules read only when.
  latest->clear_name();
  latest->mutable_submitted()->clear_principal();
  latest->mutable_submitted()->clear_request_id();
  latest->clear_reviewed();
  brief.clear_first_submitted();
  return brief;
}

absl::string_view ItemIdOf(absl::string_view report_id) {
  return report_id.substr(0, report_id.find('/'));
}

absl::StatusOr<std::vector<v1::Event>> ProgressStore::ReadEvents(
    absl::string_view plan_id, absl::string_view cursor, int limit,
    absl::Duration wait) {
  DUBAN_ASSIGN_OR_RETURN(
      auto feeds, ReadFeeds({Feed{std::string(plan_id), std::string(cursor)}},
                            limit, wait));
  return std::move(feeds.front());
}

absl::StatusOr<ProgressStore::SubmitContext> ProgressStore::ReadForSubmit(
    absl::string_view plan_id, absl::string_view request_id,
    absl::string_view fingerprint, absl::string_view report_id,
    int64_t /*known_item_version*/) {
  SubmitContext context;
  DUBAN_ASSIGN_OR_RETURN(context.replay,
                         FindRequest(plan_id, request_id, fingerprint));
  if (context.replay) return context;
  auto schedule = GetSchedule(plan_id);
  if (schedule.ok()) {
    context.schedule = *std::move(schedule);
  } else if (schedule.status().code() != absl::StatusCode::kNotFound) {
    return schedule.status();
  }
  auto report = GetReport(plan_id, report_id);
  if (report.ok()) {
    context.report = *std::move(report);
  } else if (report.status().code() != absl::StatusCode::kNotFound) {
    return report.status();
  }
  DUBAN_ASSIGN_OR_RETURN(
      std::vector<ItemBriefs> items,
      ListItemBriefs(plan_id, {std::string(ItemIdOf(report_id))}));
  context.item = std::move(items.front());
  return context;
}

}  // namespace duban::progress
