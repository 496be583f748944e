// The unit service's storage interface. The domain layer (unit_domain.h)
// talks only to this; MemoryUnitStore backs the domain unit tests and
// RedisUnitStore the running service. One shared test suite
// (tests/integration/unit_store_test.cc) runs against both so they cannot
// drift apart.
//
// Everything of one organization (the organization, its units and their
// name index, the assignments of its plans and their indexes) is stored
// together, so that every multi-record write is atomic.
//
// Versions: organizations and units carry a version the store bumps on each
// write (the domain's etag). The assignments of an organization share one
// version, bumped by every assignment write: the domain reads it first,
// then reads what it needs, and writes with the version it read, so a
// read-check-write on assignments (reassign, deactivate, commit) is
// race-free and fails with ABORTED when another write got in between.
#ifndef DUBAN_SERVICES_UNIT_STORE_H_
#define DUBAN_SERVICES_UNIT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "duban/unit/v1/unit.pb.h"

namespace duban::unit {

// An organization as stored, with its version.
struct StoredOrganization {
  v1::Organization organization;  // etag not set
  int64_t version = 0;
};

// A unit as stored, with its version.
struct StoredUnit {
  v1::Unit unit;  // etag not set
  int64_t version = 0;
};

// An assignment with its sequence number: assignments of an organization
// are numbered in the order they were first stored; lists are in that
// order and page tokens carry it.
struct StoredAssignment {
  v1::Assignment assignment;
  int64_t seq = 0;
};

// A request id with the fingerprint of the request body it was first used
// with. Empty id: the write is not idempotent.
struct RequestKey {
  std::string id;
  std::string fingerprint;
};

// What a conditional write found.
enum class WriteOutcome {
  kApplied,  // the write was stored now
  kReplayed  // the same request id and body were stored before; nothing done
};

// The assignments of one plan as a whole: created PENDING by one request,
// then committed (see the protocol in unit_service.proto).
struct PlanRecord {
  enum class State { kPending, kCommitted };
  State state = State::kPending;
  std::string request_id;
  std::string fingerprint;
};

// Which index of assignments to scan.
struct AssignmentScope {
  enum class Kind { kPlan, kUnit, kItem };
  Kind kind = Kind::kPlan;
  // The plan id; the unit id; "<plan id>/<item id>".
  std::string id;
};

// One atomic change to the assignments (and possibly units and a plan
// record) of an organization. The conditions are all checked before
// anything is written; then everything is written, or nothing.
struct AssignmentWrite {
  enum class PlanOp {
    kNone,
    // Creates the plan record (state PENDING, plan_record's request id and
    // fingerprint). kReplayed when the record exists with the same request
    // id and fingerprint, INVALID_ARGUMENT with the same request id and
    // another fingerprint, ALREADY_EXISTS otherwise.
    kCreate,
    // Marks the existing plan record COMMITTED (ABORTED when it is gone).
    kCommit,
    // Deletes the existing plan record (ABORTED when it is gone).
    kDelete,
  };

  // Conditions. The organization's assignment version, when set.
  std::optional<int64_t> expected_version;
  // Units whose version must still be the one given (units the write relies
  // on: resolved names, active flags).
  std::vector<std::pair<std::string, int64_t>> unit_versions;
  // When request.id is set: kReplayed if it was applied before under
  // `request_scope` with the same fingerprint, INVALID_ARGUMENT with
  // another; recorded on success.
  std::string request_scope;
  RequestKey request;

  PlanOp plan_op = PlanOp::kNone;
  std::string plan_id;
  PlanRecord plan_record;

  // Writes. Units replaced whole (version bumped); their names must not
  // change (the name index is not touched): use UpdateUnit for that.
  std::vector<v1::Unit> units;
  // Assignments stored (new ones are numbered and indexed by plan, unit and
  // item; existing ones replaced).
  std::vector<v1::Assignment> put;
  // Assignments removed with their index entries (pending ones only).
  std::vector<v1::Assignment> remove;
};

class UnitStore {
 public:
  virtual ~UnitStore() = default;

  // --- organizations --------------------------------------------------------

  // Stores a new organization and the request key. kReplayed when
  // `request` was used with the same fingerprint on this id before;
  // INVALID_ARGUMENT with another fingerprint; ALREADY_EXISTS when the id is
  // taken otherwise.
  virtual absl::StatusOr<WriteOutcome> CreateOrganization(
      const v1::Organization& organization, const RequestKey& request) = 0;

  // NOT_FOUND when there is no such organization.
  virtual absl::StatusOr<StoredOrganization> GetOrganization(
      absl::string_view org_id) = 0;

  // Organization ids in ascending order after `after_id` (exclusive), at
  // most `limit`. Ids of organizations being created or deleted at the same
  // moment may appear; GetOrganization tells.
  virtual absl::StatusOr<std::vector<std::string>> ListOrganizationIds(
      absl::string_view after_id, int limit) = 0;

  // Replaces the organization when its version is still `expected_version`;
  // returns the new version. ABORTED on a mismatch; NOT_FOUND when gone.
  virtual absl::StatusOr<int64_t> UpdateOrganization(
      const v1::Organization& organization, int64_t expected_version) = 0;

  // Deletes the organization when its version is still `expected_version`
  // and it has no units and no plan records (else FAILED_PRECONDITION
  // saying how many).
  virtual absl::Status DeleteOrganization(absl::string_view org_id,
                                          int64_t expected_version) = 0;

  // --- units ----------------------------------------------------------------

  // Stores a new unit of an existing organization with its name keys
  // (UnitNameKeys) in the organization's name index. `member_ids` must be
  // units of the organization (else NOT_FOUND naming the first missing).
  // NOT_FOUND when the organization does not exist; ALREADY_EXISTS when the
  // id is taken or a key is another unit's; kReplayed / INVALID_ARGUMENT for
  // a used request key, as for organizations.
  virtual absl::StatusOr<WriteOutcome> CreateUnit(
      absl::string_view org_id, const v1::Unit& unit,
      const std::vector<std::string>& name_keys,
      const std::vector<std::string>& member_ids,
      const RequestKey& request) = 0;

  // NOT_FOUND when there is no such unit.
  virtual absl::StatusOr<StoredUnit> GetUnit(absl::string_view org_id,
                                             absl::string_view unit_id) = 0;

  // Every unit of the organization in id order, from one consistent
  // snapshot. NOT_FOUND when the organization does not exist.
  virtual absl::StatusOr<std::vector<StoredUnit>> ListUnits(
      absl::string_view org_id) = 0;

  // Replaces a unit and its name keys when its version is still
  // `expected_version`; returns the new version. ABORTED on a mismatch,
  // NOT_FOUND when gone, ALREADY_EXISTS when a key is another unit's,
  // NOT_FOUND for a missing member.
  virtual absl::StatusOr<int64_t> UpdateUnit(
      absl::string_view org_id, const v1::Unit& unit,
      const std::vector<std::string>& name_keys,
      const std::vector<std::string>& member_ids, int64_t expected_version) = 0;

  // --- plans and assignments ------------------------------------------------

  // The organization a plan's assignments live in; empty when the plan has
  // none.
  virtual absl::StatusOr<std::string> GetPlanOrganization(
      absl::string_view plan_id) = 0;

  // Records that the plan's assignments live in `org_id`: done when the plan
  // is unbound, already bound to `org_id`, or bound to `replace_org_id`
  // (non-empty; the caller has checked that it holds nothing of the plan).
  // FAILED_PRECONDITION naming the organization it is bound to otherwise.
  virtual absl::Status BindPlan(absl::string_view plan_id,
                                absl::string_view org_id,
                                absl::string_view replace_org_id) = 0;

  // The organization's assignment version (0 before the first write).
  virtual absl::StatusOr<int64_t> GetAssignmentVersion(
      absl::string_view org_id) = 0;

  // The plan's record in the organization; nullopt when there is none.
  virtual absl::StatusOr<std::optional<PlanRecord>> GetPlanRecord(
      absl::string_view org_id, absl::string_view plan_id) = 0;

  // Assignments of one index with a sequence number above `after_seq`, in
  // sequence order, at most `limit`, from one consistent snapshot. Every
  // state; callers filter.
  virtual absl::StatusOr<std::vector<StoredAssignment>> ScanAssignments(
      absl::string_view org_id, const AssignmentScope& scope, int64_t after_seq,
      int limit) = 0;

  // Whether `request` was applied under `scope` in the organization by
  // WriteAssignments: true with the same fingerprint, INVALID_ARGUMENT with
  // another, false when it is new (or request.id is empty). Lets a retry be
  // answered before it is validated against state it changed itself;
  // WriteAssignments checks again atomically.
  virtual absl::StatusOr<bool> RequestSeen(absl::string_view org_id,
                                           absl::string_view scope,
                                           const RequestKey& request) = 0;

  // Applies `write` atomically (see AssignmentWrite). NOT_FOUND when the
  // organization does not exist; ABORTED when a version condition fails.
  virtual absl::StatusOr<WriteOutcome> WriteAssignments(
      absl::string_view org_id, const AssignmentWrite& write) = 0;

  // OK while the backing store answers.
  virtual absl::Status Ping() = 0;
};

// The last path segment of a resource name: "organizations/o/units/u" → "u".
std::string LastSegment(absl::string_view name);
// The "plan/item" index id of an assignment's item
// ("plans/p/items/3" → "p/3").
std::string ItemScopeId(absl::string_view item_name);

// The errors every store reports, worded once.
absl::Status OrganizationNotFound(absl::string_view org_id);
absl::Status OrganizationExists(absl::string_view org_id);
absl::Status OrganizationChanged(absl::string_view org_id);
absl::Status OrganizationNotEmpty(absl::string_view org_id, int64_t units,
                                  int64_t plans);
absl::Status UnitNotFound(absl::string_view org_id, absl::string_view unit_id);
absl::Status UnitExists(absl::string_view org_id, absl::string_view unit_id);
absl::Status UnitChanged(absl::string_view org_id, absl::string_view unit_id);
absl::Status MemberNotFound(absl::string_view org_id,
                            absl::string_view unit_id);
absl::Status NameTaken(absl::string_view org_id, absl::string_view key,
                       absl::string_view holder_unit_id);
absl::Status AssignmentsChanged(absl::string_view org_id);
absl::Status PlanAssignmentsExist(absl::string_view plan_id);
absl::Status PlanBoundElsewhere(absl::string_view plan_id,
                                absl::string_view org_id);
absl::Status RequestIdReused(absl::string_view request_id);

}  // namespace duban::unit

#endif  // DUBAN_SERVICES_UNIT_STORE_H_
