// The audit trail of proto/duban/audit/v1/audit_service.proto: which calls
// change state and how each change is described (AuditedMethods), and where
// the records are kept (AuditLog, on Redis). common/audit_server.h records
// the calls of a server and serves ListAuditRecords.
//
// Redis layout, one stream per organization (the hash tag keeps an
// organization's keys in one slot):
//   duban:audit:{org:<org>}   stream: one entry per record; the entry id is
//                             the record's id and time; its fields are the
//                             record's principal, principal_kind, method,
//                             request_id, resource, organization, summary
//                             and service
//   duban:audit:{global}      the same, for records without an organization
//   <stream>:request:<method>:<request_id>
//                             string, 7 days: the id of the record of that
//                             request, so that a retry is recorded once
// Records are never changed or trimmed.
#ifndef DUBAN_COMMON_AUDIT_H_
#define DUBAN_COMMON_AUDIT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/redis.h"
#include "duban/audit/v1/audit_service.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace duban {

// What one successful call changed.
struct AuditedChange {
  // False when the call changed nothing (a dry run, a commit of assignments
  // already committed): no record.
  bool recorded = true;
  // The resource changed ("plans/hunan-2020").
  std::string resource;
  // `organizations/{org}` when the messages name it, else empty.
  std::string organization;
  // `plans/{plan}` the change belongs to, when the organization must be
  // asked of the plan's owner (PlanOrganizationResolver); else empty.
  std::string plan;
  // One line: "issued plan plans/hunan-2020".
  std::string summary;
};

// A method whose successful calls are recorded.
struct AuditedMethod {
  // The full method name, "/duban.plan.v1.PlanService/IssuePlan".
  std::string method;
  const google::protobuf::Descriptor* request_type = nullptr;
  const google::protobuf::Descriptor* response_type = nullptr;
  // The request's `request_id` field, or null (RequestIdField).
  const google::protobuf::FieldDescriptor* request_id = nullptr;
  // Describes a call from its request and response (of the types above).
  // Called with the response type's default instance to learn, before the
  // handler runs, the plan of a change after which the plan is gone.
  std::function<AuditedChange(const google::protobuf::Message& request,
                              const google::protobuf::Message& response)>
      describe;
  // Ask the plan's organization before the handler runs (DeletePlan: the
  // plan cannot be resolved afterwards).
  bool resolve_before = false;
};

// Every state-changing method of the plan, unit and progress services.
const std::vector<AuditedMethod>& AuditedMethods();

// The entry of a full method name ("/duban.plan.v1.PlanService/IssuePlan"),
// or null for a method that is not recorded.
const AuditedMethod* FindAuditedMethod(absl::string_view method);

// "organizations/{org}" of a resource name below an organization
// ("organizations/x/units/y" → "organizations/x"), else "".
std::string OrganizationOfName(absl::string_view name);

// The records on Redis. Thread-safe.
class AuditLog {
 public:
  // `pool` is not owned. Retries of one request are recognized for
  // `request_ttl`.
  explicit AuditLog(RedisPool* pool, std::string ns = "duban:audit",
                    absl::Duration request_ttl = absl::Hours(7 * 24));

  // Stores `record` (its id and time are set by the store) in its
  // organization's stream. When record.request_id is set and a record of
  // the same method and request id is already stored there, stores nothing
  // and sets record->id and time to the stored one's; answers whether it
  // stored. UNAVAILABLE when Redis fails.
  absl::StatusOr<bool> Append(duban::audit::v1::AuditRecord* record);

  // The records of one organization, newest first, filtered and paged as
  // ListAuditRecordsRequest says; INVALID_ARGUMENT naming the field for a
  // bad request.
  absl::StatusOr<duban::audit::v1::ListAuditRecordsResponse> List(
      const duban::audit::v1::ListAuditRecordsRequest& request);

 private:
  std::string StreamKey(absl::string_view organization) const;

  RedisPool* const pool_;
  const std::string ns_;
  const absl::Duration request_ttl_;
};

}  // namespace duban

#endif  // DUBAN_COMMON_AUDIT_H_
