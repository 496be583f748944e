// What the plan service needs of the unit service, as an interface: the
// domain is tested with a fake, plan-server talks to unit-server over gRPC
// (GrpcUnitDirectory). See unit_service.proto for the issuing protocol
// these calls follow.
#ifndef DUBAN_SERVICES_PLAN_UNIT_DIRECTORY_H_
#define DUBAN_SERVICES_PLAN_UNIT_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/client.h"
#include "duban/plan/v1/plan.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"

namespace duban::plan {

// One responsible unit printed on one item.
struct AssignmentEntry {
  std::string item;          // plans/{plan}/items/{item}
  std::string printed_name;  // as printed
  v1::Role role = v1::ROLE_UNSPECIFIED;
};

class UnitDirectory {
 public:
  virtual ~UnitDirectory() = default;

  // The organization (`organizations/{org}`) printed as `printed_name`;
  // FAILED_PRECONDITION when none is known by that name.
  virtual absl::StatusOr<std::string> FindOrganization(
      absl::string_view printed_name) = 0;

  // Stores the plan's assignments as PENDING. FAILED_PRECONDITION (listing
  // the names) when a printed name does not resolve. Idempotent by
  // request_id.
  virtual absl::Status CreatePlanAssignments(
      absl::string_view organization, absl::string_view plan,
      const std::vector<AssignmentEntry>& entries, absl::string_view request_id,
      absl::string_view principal) = 0;

  // PENDING → ACTIVE. Idempotent.
  virtual absl::Status CommitPlanAssignments(absl::string_view plan,
                                             absl::string_view request_id) = 0;

  // Removes PENDING assignments (all of them when request_id is empty).
  virtual absl::Status DiscardPlanAssignments(absl::string_view plan,
                                              absl::string_view request_id) = 0;
};

// UnitDirectory over gRPC, with deadlines and retries of the idempotent
// calls (all of these are).
class GrpcUnitDirectory : public UnitDirectory {
 public:
  // `tls`: the plan service's own transport security towards the unit
  // service.
  GrpcUnitDirectory(const std::string& address, const ClientTlsOptions& tls,
                    CallPolicy policy = {});

  absl::StatusOr<std::string> FindOrganization(
      absl::string_view printed_name) override;
  absl::Status CreatePlanAssignments(
      absl::string_view organization, absl::string_view plan,
      const std::vector<AssignmentEntry>& entries, absl::string_view request_id,
      absl::string_view principal) override;
  absl::Status CommitPlanAssignments(absl::string_view plan,
                                     absl::string_view request_id) override;
  absl::Status DiscardPlanAssignments(absl::string_view plan,
                                      absl::string_view request_id) override;

 private:
  const std::string callee_;
  const CallPolicy policy_;
  std::unique_ptr<duban::unit::v1::UnitService::Stub> stub_;
};

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_UNIT_DIRECTORY_H_
