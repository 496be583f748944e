// The audit trail over real gRPC on loopback: plan, unit and progress
// servers in-process on a real redis-server, each recording its changes.
// Every state-changing RPC of each service leaves exactly one record with
// its principal, method, request id and resource; refused and failed calls
// leave none; a retry with the same request id leaves one; a record that
// cannot be stored turns the answer into UNAVAILABLE until a retry records
// it; with authentication on the principal is the token's subject, and only
// supervisors and administrators of the organization read its records.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/audit_server.h"
#include "common/permissions.h"
#include "duban/audit/v1/audit_service.grpc.pb.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/progress/v1/progress_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/redis_fixture.h"
#include "tests/support/service_stack.h"
#include "tests/support/testdata.h"
#include "tests/support/tokens.h"

namespace duban {
namespace {

namespace av1 = ::duban::audit::v1;
namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;
namespace gv1 = ::duban::progress::v1;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::string Yiyang() { return ReadTestdata("yiyang-education-2020.txt"); }

// Tells a plan's organization by asking the plan service, as a server
// without the plan store would.
class PlanServiceResolver : public PlanOrganizationResolver {
 public:
  void Connect(std::shared_ptr<grpc::Channel> channel) {
    absl::MutexLock lock(&mu_);
    stub_ = pv1::PlanService::NewStub(channel);
  }
  absl::StatusOr<std::string> OrganizationOfPlan(
      absl::string_view plan) override {
    pv1::PlanService::Stub* stub;
    {
      absl::MutexLock lock(&mu_);
      stub = stub_.get();
    }
    if (stub == nullptr) return absl::NotFoundError("no plan service yet");
    pv1::GetPlanRequest request;
    request.set_name(std::string(plan));
    pv1::Plan got;
    grpc::ClientContext context;
    grpc::Status status = stub->GetPlan(&context, request, &got);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    absl::string_view org = got.issuing_organization();
    if (!absl::ConsumePrefix(&org, "organizations/")) {
      return absl::NotFoundError("the plan has no organization yet");
    }
    return std::string(org);
  }

 private:
  absl::Mutex mu_;
  std::unique_ptr<pv1::PlanService::Stub> stub_ ABSL_GUARDED_BY(mu_);
};

// A unary call with optional x-request-id metadata and bearer token.
template <typename Stub, typename Request, typename Response>
grpc::Status Call(Stub* stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*,
                                               const Request&, Response*),
                  const Request& request, Response* response,
                  const std::string& x_request_id = "",
                  const std::string& token = "") {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
  if (!x_request_id.empty()) context.AddMetadata("x-request-id", x_request_id);
  if (!token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  return (stub->*method)(&context, request, response);
}

// Every record of an organization ("" for those without one), newest first.
std::vector<av1::AuditRecord> AllRecords(av1::AuditService::Stub* stub,
                                         const std::string& organization,
                                         const std::string& token = "") {
  std::vector<av1::AuditRecord> out;
  av1::ListAuditRecordsRequest request;
  request.set_organization(organization);
  request.set_page_size(500);
  for (int pages = 0; pages < 20; ++pages) {
    av1::ListAuditRecordsResponse response;
    grpc::Status status = Call(stub, &av1::AuditService::Stub::ListAuditRecords,
                               request, &response, "", token);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& record : response.records()) out.push_back(record);
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return out;
}

class AuditServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = SharedTestRedis();
    ASSERT_TRUE(options.ok()) << options.status();
    options_ = *options;
    // Unit, plan and progress servers on one Redis, recording into
    // audit_pool(), each telling plans' organizations by the plan service.
    ServiceStackOptions stack_options;
    stack_options.resolver = &resolver_;
    stack_options.audit = true;
    stack_options.audit_pool = &audit_pool();
    stack_options.clock = SeedNow;
    stack_ = std::make_unique<ServiceStack>(options_, stack_options);
    ASSERT_TRUE(stack_->ok());
    resolver_.Connect(ChannelTo(*stack_->plan_server()));
    audit_stub_ = av1::AuditService::NewStub(ChannelTo(*stack_->plan_server()));
    ASSERT_TRUE(stack_->pool().Command({"FLUSHALL"}).ok());
  }
  void TearDown() override { stack_.reset(); }

  virtual RedisPool& audit_pool() {
    if (!own_audit_pool_)
      own_audit_pool_ = std::make_unique<RedisPool>(options_);
    return *own_audit_pool_;
  }

  // The records of `organization` stored since the last look.
  std::vector<av1::AuditRecord> NewRecords(const std::string& organization) {
    std::vector<av1::AuditRecord> all =
        AllRecords(audit_stub_.get(), organization);
    const size_t seen = seen_[organization];
    EXPECT_GE(all.size(), seen);
    seen_[organization] = all.size();
    all.resize(all.size() - std::min(seen, all.size()));  // newest first
    return all;
  }

  // Exactly one new record of `organization`, with these fields, recorded
  // by an anonymous caller (authentication is off here).
  void ExpectOne(const std::string& organization, absl::string_view method,
                 absl::string_view request_id, absl::string_view resource) {
    SCOPED_TRACE(method);
    std::vector<av1::AuditRecord> fresh = NewRecords(organization);
    ASSERT_EQ(fresh.size(), 1u) << "records of " << organization;
    const av1::AuditRecord& r = fresh[0];
    EXPECT_TRUE(absl::EndsWith(r.method(), absl::StrCat("/", method)))
        << r.method();
    EXPECT_EQ(r.request_id(), request_id);
    EXPECT_EQ(r.resource(), resource);
    EXPECT_EQ(r.organization(), organization);
    EXPECT_EQ(r.principal(), "anonymous");
    EXPECT_EQ(r.principal_kind(), "anonymous");
    EXPECT_FALSE(r.summary().empty());
    EXPECT_FALSE(r.service().empty());
  }

  void ExpectNone(const std::string& organization) {
    EXPECT_TRUE(NewRecords(organization).empty()) << organization;
  }

  RedisOptions options_;
  std::unique_ptr<RedisPool> own_audit_pool_;
  PlanServiceResolver resolver_;
  std::unique_ptr<ServiceStack> stack_;
  std::unique_ptr<av1::AuditService::Stub> audit_stub_;
  std::map<std::string, size_t> seen_;
};

constexpr char kYy[] = "organizations/yy";

TEST_F(AuditServiceTest, EveryChangeOfEveryServiceLeavesExactlyOneRecord) {
  pv1::PlanService::Stub* plan = stack_->plan();
  uv1::UnitService::Stub* unit = stack_->unit();
  gv1::ProgressService::Stub* progress = stack_->progress();

  // A dry run stores nothing and records nothing.
  pv1::ImportPlanRequest dry;
  dry.set_content(Yiyang());
  dry.set_dry_run(true);
  pv1::ImportPlanResponse parsed;
  ASSERT_TRUE(
      Call(plan, &pv1::PlanService::Stub::ImportPlan, dry, &parsed).ok());
  ExpectNone("");

  // Organizations and units.
  uv1::CreateOrganizationRequest create_org;
  create_org.set_organization_id("yy");
  create_org.set_request_id("org-yy");
  create_org.mutable_organization()->set_display_name(
      parsed.plan().organization());
  create_org.mutable_organization()->set_level(uv1::Organization::CITY);
  uv1::Organization org;
  ASSERT_TRUE(
      Call(unit, &uv1::UnitService::Stub::CreateOrganization, create_org, &org)
          .ok());
  ExpectOne(kYy, "CreateOrganization", "org-yy", kYy);
  ASSERT_TRUE(
      Call(unit, &uv1::UnitService::Stub::CreateOrganization, create_org, &org)
          .ok());
  ExpectNone(kYy);  // the retry

  uv1::UpdateOrganizationRequest update_org;
  update_org.mutable_organization()->set_name(kYy);
  update_org.mutable_organization()->add_aliases("益阳教育局");
  update_org.mutable_update_mask()->add_paths("aliases");
  ASSERT_TRUE(Call(unit, &uv1::UnitService::Stub::UpdateOrganization,
                   update_org, &org, "upd-org-yy")
                  .ok());
  ExpectOne(kYy, "UpdateOrganization", "upd-org-yy", kYy);

  std::set<std::string> printed;
  for (const pv1::Item& item : parsed.items()) {
    for (const auto& ref : item.units()) {
      if (ref.kind() != pv1::UnitRef::PLACEHOLDER) {
        printed.insert(ref.printed_name());
      }
    }
  }
  printed.insert("备用科");
  std::map<std::string, std::string> unit_of;
  int n = 0;
  for (const std::string& name : printed) {
    uv1::CreateUnitRequest create_unit;
    create_unit.set_parent(kYy);
    create_unit.set_unit_id(absl::StrCat("u", ++n));
    create_unit.set_request_id(absl::StrCat("unit-", n));
    create_unit.mutable_unit()->set_short_name(name);
    create_unit.mutable_unit()->set_kind(absl::StrContains(name, "小组")
                                             ? uv1::Unit::WORKING_GROUP
                                             : uv1::Unit::OFFICE);
    uv1::Unit made;
    grpc::Status s =
        Call(unit, &uv1::UnitService::Stub::CreateUnit, create_unit, &made);
    ASSERT_TRUE(s.ok()) << name << ": " << s.error_message();
    unit_of[name] = made.name();
    ExpectOne(kYy, "CreateUnit", absl::StrCat("unit-", n), made.name());
  }
  const std::string spare = unit_of["备用科"];

  uv1::UpdateUnitRequest update_unit;
  update_unit.mutable_unit()->set_name(spare);
  update_unit.mutable_unit()->set_full_name("备用工作科");
  update_unit.mutable_update_mask()->add_paths("full_name");
  uv1::Unit changed;
  ASSERT_TRUE(Call(unit, &uv1::UnitService::Stub::UpdateUnit, update_unit,
                   &changed, "upd-unit")
                  .ok());
  ExpectOne(kYy, "UpdateUnit", "upd-unit", spare);
  uv1::AddUnitAliasRequest add_alias;
  add_alias.set_name(spare);
  add_alias.set_alias("备科");
  ASSERT_TRUE(
      Call(unit, &uv1::UnitService::Stub::AddUnitAlias, add_alias, &changed)
          .ok());
  ExpectOne(kYy, "AddUnitAlias", "", spare);
  uv1::RemoveUnitAliasRequest remove_alias;
  remove_alias.set_name(spare);
  remove_alias.set_alias("备科");
  ASSERT_TRUE(Call(unit, &uv1::UnitService::Stub::RemoveUnitAlias, remove_alias,
                   &changed)
                  .ok());
  ExpectOne(kYy, "RemoveUnitAlias", "", spare);

  // Plans.
  pv1::ImportPlanRequest import;
  import.set_content(Yiyang());
  import.set_plan_id("yy2020");
  import.set_organization(kYy);
  import.set_request_id("imp-yy2020");
  pv1::ImportPlanResponse imported;
  ASSERT_TRUE(
      Call(plan, &pv1::PlanService::Stub::ImportPlan, import, &imported).ok());
  ExpectOne(kYy, "ImportPlan", "imp-yy2020", "plans/yy2020");

  pv1::UpdatePlanRequest update_plan;
  update_plan.mutable_plan()->set_name("plans/yy2020");
  update_plan.mutable_plan()->set_source_name("yiyang.txt");
  update_plan.mutable_update_mask()->add_paths("source_name");
  pv1::Plan got_plan;
  ASSERT_TRUE(Call(plan, &pv1::PlanService::Stub::UpdatePlan, update_plan,
                   &got_plan, "upd-plan")
                  .ok());
  ExpectOne(kYy, "UpdatePlan", "upd-plan", "plans/yy2020");

  import.set_plan_id("yy-draft");
  import.set_request_id("imp-draft");
  pv1::ImportPlanResponse draft;
  ASSERT_TRUE(
      Call(plan, &pv1::PlanService::Stub::ImportPlan, import, &draft).ok());
  ExpectOne(kYy, "ImportPlan", "imp-draft", "plans/yy-draft");
  ASSERT_GT(draft.items_size(), 0);
  const pv1::Item& draft_item = draft.items(draft.items_size() - 1);
  pv1::UpdateItemRequest update_item;
  update_item.mutable_item()->set_name(draft_item.name());
  update_item.mutable_item()->set_title("新的标题");
  update_item.mutable_update_mask()->add_paths("title");
  pv1::Item got_item;
  ASSERT_TRUE(Call(plan, &pv1::PlanService::Stub::UpdateItem, update_item,
                   &got_item, "upd-item")
                  .ok());
  ExpectOne(kYy, "UpdateItem", "upd-item", draft_item.name());

  // Assignments made and discarded directly (as a failed issue does).
  uv1::CreatePlanAssignmentsRequest pending;
  pending.set_organization(kYy);
  pending.set_plan("plans/yy-draft");
  pending.set_request_id("pa-draft");
  auto* entry = pending.add_entries();
  entry->set_item(draft_item.name());
  entry->set_printed_name("备用科");
  entry->set_role(uv1::LEAD);
  uv1::CreatePlanAssignmentsResponse created;
  grpc::Status s = Call(unit, &uv1::UnitService::Stub::CreatePlanAssignments,
                        pending, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectOne(kYy, "CreatePlanAssignments", "pa-draft", "plans/yy-draft");
  uv1::DiscardPlanAssignmentsRequest discard;
  discard.set_plan("plans/yy-draft");
  discard.set_request_id("pa-draft");
  uv1::DiscardPlanAssignmentsResponse discarded;
  ASSERT_TRUE(Call(unit, &uv1::UnitService::Stub::DiscardPlanAssignments,
                   discard, &discarded)
                  .ok());
  EXPECT_EQ(discarded.discarded_count(), 1);
  ExpectOne(kYy, "DiscardPlanAssignments", "pa-draft", "plans/yy-draft");
  ASSERT_TRUE(Call(unit, &uv1::UnitService::Stub::DiscardPlanAssignments,
                   discard, &discarded)
                  .ok());
  ExpectNone(kYy);  // nothing left to discard: nothing changed

  pv1::DeletePlanRequest delete_plan;
  delete_plan.set_name("plans/yy-draft");
  pv1::DeletePlanResponse deleted_plan;
  ASSERT_TRUE(Call(plan, &pv1::PlanService::Stub::DeletePlan, delete_plan,
                   &deleted_plan, "del-draft")
                  .ok());
  ExpectOne(kYy, "DeletePlan", "del-draft", "plans/yy-draft");

  // Issuing records the issue and the two steps unit-server takes for it.
  pv1::IssuePlanRequest issue;
  issue.set_name("plans/yy2020");
  issue.set_request_id("issue-yy2020");
  s = Call(plan, &pv1::PlanService::Stub::IssuePlan, issue, &got_plan);
  ASSERT_TRUE(s.ok()) << s.error_message();
  {
    std::vector<av1::AuditRecord> fresh = NewRecords(kYy);
    std::vector<std::string> methods;
    for (const auto& r : fresh) {
      methods.push_back(r.method());
      EXPECT_EQ(r.resource(), "plans/yy2020");
    }
    EXPECT_THAT(methods,
                UnorderedElementsAre(
                    "duban.plan.v1.PlanService/IssuePlan",
                    "duban.unit.v1.UnitService/CreatePlanAssignments",
                    "duban.unit.v1.UnitService/CommitPlanAssignments"));
    ASSERT_FALSE(fresh.empty());
    EXPECT_EQ(fresh[fresh.size() - 1].method(),
              "duban.unit.v1.UnitService/CreatePlanAssignments");
    EXPECT_EQ(fresh[0].method(), "duban.plan.v1.PlanService/IssuePlan");
    EXPECT_EQ(fresh[0].request_id(), "issue-yy2020");
    EXPECT_EQ(fresh[0].service(), "plan-server");
    EXPECT_THAT(fresh[0].summary(), HasSubstr("issued plan plans/yy2020"));
  }

  uv1::ListAssignmentsRequest list;
  list.set_plan("plans/yy2020");
  list.set_page_size(1000);
  uv1::ListAssignmentsResponse assigned;
  ASSERT_TRUE(
      Call(unit, &uv1::UnitService::Stub::ListAssignments, list, &assigned)
          .ok());
  ASSERT_GT(assigned.assignments_size(), 1);
  const std::string item = assigned.assignments(0).item();
  const std::string holder = assigned.assignments(0).unit();
  std::string other;
  for (const auto& a : assigned.assignments()) {
    bool on_item = false;
    for (const auto& b : assigned.assignments()) {
      on_item |= b.item() == item && b.unit() == a.unit();
    }
    if (!on_item) other = a.unit();
  }
  ASSERT_FALSE(other.empty());

  pv1::AmendItemRequest amend;
  amend.mutable_item()->set_name(item);
  amend.mutable_item()->set_target("提前完成");
  amend.mutable_update_mask()->add_paths("target");
  amend.set_reason("调整目标");
  amend.set_principal("督查室");
  amend.set_request_id("amend-1");
  s = Call(plan, &pv1::PlanService::Stub::AmendItem, amend, &got_item);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectOne(kYy, "AmendItem", "amend-1", item);

  // Progress.
  gv1::SetScheduleRequest set;
  set.mutable_schedule()->set_name("plans/yy2020/schedule");
  set.mutable_schedule()->set_cadence(gv1::QUARTERLY);
  set.mutable_schedule()->set_due_days_after_period_end(5);
  gv1::Schedule schedule;
  s = Call(progress, &gv1::ProgressService::Stub::SetSchedule, set, &schedule,
           "sched-1");
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectOne(kYy, "SetSchedule", "sched-1", "plans/yy2020/schedule");

  gv1::SubmitReportRequest submit;
  submit.set_request_id("rep-1");
  submit.set_item(item);
  submit.set_unit(holder);
  submit.set_period("2020-Q1");
  submit.set_status(gv1::ON_TRACK);
  submit.set_percent_complete(40);
  submit.set_progress("按计划推进");
  gv1::Report report;
  s = Call(progress, &gv1::ProgressService::Stub::SubmitReport, submit,
           &report);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectOne(kYy, "SubmitReport", "rep-1", report.name());
  ASSERT_TRUE(
      Call(progress, &gv1::ProgressService::Stub::SubmitReport, submit, &report)
          .ok());
  ExpectNone(kYy);  // the retry

  gv1::ReviewReportRequest review;
  review.set_name(report.name());
  review.set_decision(gv1::ReviewReportRequest::ACCEPT);
  review.set_request_id("rev-1");
  gv1::Report reviewed;
  s = Call(progress, &gv1::ProgressService::Stub::ReviewReport, review,
           &reviewed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectOne(kYy, "ReviewReport", "rev-1", report.name());

  // Reassigning, deactivating, archiving.
  uv1::ReassignItemRequest reassign;
  reassign.set_item(item);
  reassign.set_from_unit(holder);
  reassign.set_to_unit(other);
  reassign.set_mode(uv1::ReassignItemRequest::MOVE);
  reassign.set_reason("分工调整");
  reassign.set_request_id("re-1");
  uv1::ReassignItemResponse reassigned;
  s = Call(unit, &uv1::UnitService::Stub::ReassignItem, reassign, &reassigned);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectOne(kYy, "ReassignItem", "re-1", item);

  uv1::DeactivateUnitRequest deactivate;
  deactivate.set_name(spare);
  deactivate.set_request_id("deact-1");
  uv1::DeactivateUnitResponse deactivated;
  s = Call(unit, &uv1::UnitService::Stub::DeactivateUnit, deactivate,
           &deactivated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectOne(kYy, "DeactivateUnit", "deact-1", spare);

  pv1::ArchivePlanRequest archive;
  archive.set_name("plans/yy2020");
  ASSERT_TRUE(Call(plan, &pv1::PlanService::Stub::ArchivePlan, archive,
                   &got_plan, "archive-1")
                  .ok());
  ExpectOne(kYy, "ArchivePlan", "archive-1", "plans/yy2020");

  pv1::CreatePlanRequest create_plan;
  create_plan.set_plan_id("yy-empty");
  create_plan.set_request_id("cp-1");
  create_plan.mutable_plan()->set_title("空计划");
  s = Call(plan, &pv1::PlanService::Stub::CreatePlan, create_plan, &got_plan);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // A plan without an organization yet: among the records without one.
  ExpectOne("", "CreatePlan", "cp-1", "plans/yy-empty");

  // An organization of its own records there.
  create_org.set_organization_id("tmp");
  create_org.set_request_id("org-tmp");
  create_org.mutable_organization()->set_display_name("临时");
  ASSERT_TRUE(
      Call(unit, &uv1::UnitService::Stub::CreateOrganization, create_org, &org)
          .ok());
  ExpectOne("organizations/tmp", "CreateOrganization", "org-tmp",
            "organizations/tmp");
  uv1::DeleteOrganizationRequest delete_org;
  delete_org.set_name("organizations/tmp");
  uv1::DeleteOrganizationResponse deleted_org;
  ASSERT_TRUE(Call(unit, &uv1::UnitService::Stub::DeleteOrganization,
                   delete_org, &deleted_org, "del-tmp")
                  .ok());
  ExpectOne("organizations/tmp", "DeleteOrganization", "del-tmp",
            "organizations/tmp");

  // Every other record found its organization; reading recorded nothing.
  ExpectNone("");
  ExpectNone(kYy);

  // Filters over gRPC, on another server.
  auto other_audit =
      av1::AuditService::NewStub(ChannelTo(*stack_->unit_server()));
  av1::ListAuditRecordsRequest request;
  request.set_organization(kYy);
  request.set_method("SubmitReport");
  av1::ListAuditRecordsResponse listed;
  ASSERT_TRUE(Call(other_audit.get(),
                   &av1::AuditService::Stub::ListAuditRecords, request, &listed)
                  .ok());
  ASSERT_EQ(listed.records_size(), 1);
  EXPECT_EQ(listed.records(0).service(), "progress-server");
  EXPECT_THAT(listed.records(0).summary(),
              HasSubstr(absl::StrCat("submitted report ", report.name(),
                                     ", revision 1, ON_TRACK 40%")));
  request.set_method("");
  request.set_resource_prefix("plans/yy2020/schedule");
  ASSERT_TRUE(Call(other_audit.get(),
                   &av1::AuditService::Stub::ListAuditRecords, request, &listed)
                  .ok());
  ASSERT_EQ(listed.records_size(), 1);
  request.set_organization("yy");
  grpc::Status bad =
      Call(other_audit.get(), &av1::AuditService::Stub::ListAuditRecords,
           request, &listed);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("organization"));
}

TEST_F(AuditServiceTest, RefusedAndFailedCallsLeaveNoRecord) {
  uv1::UnitService::Stub* unit = stack_->unit();
  uv1::CreateOrganizationRequest bad_org;
  bad_org.set_organization_id("Bad_Id");
  bad_org.mutable_organization()->set_display_name("x");
  bad_org.mutable_organization()->set_level(uv1::Organization::CITY);
  uv1::Organization org;
  EXPECT_EQ(
      Call(unit, &uv1::UnitService::Stub::CreateOrganization, bad_org, &org)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  uv1::CreateUnitRequest no_parent;
  no_parent.set_parent("organizations/nope");
  no_parent.mutable_unit()->set_short_name("办公室");
  no_parent.mutable_unit()->set_kind(uv1::Unit::OFFICE);
  uv1::Unit made;
  EXPECT_EQ(Call(unit, &uv1::UnitService::Stub::CreateUnit, no_parent, &made)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  pv1::IssuePlanRequest issue;
  issue.set_name("plans/nope");
  pv1::Plan plan;
  EXPECT_EQ(
      Call(stack_->plan(), &pv1::PlanService::Stub::IssuePlan, issue, &plan)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  gv1::ReviewReportRequest review;
  review.set_name("plans/nope/items/1/reports/u~2020-Q1");
  review.set_decision(gv1::ReviewReportRequest::ACCEPT);
  gv1::Report report;
  EXPECT_NE(Call(stack_->progress(), &gv1::ProgressService::Stub::ReviewReport,
                 review, &report)
                .error_code(),
            grpc::StatusCode::OK);
  ExpectNone("");
  ExpectNone("organizations/nope");
  ExpectNone("organizations/bad-id");
  EXPECT_EQ(stack_->pool().Command({"KEYS", "duban:audit:*"})->elements.size(),
            0u);
}

// The records go to a Redis of their own, which the test stops.
class AuditOutageTest : public AuditServiceTest {
 protected:
  RedisPool& audit_pool() override {
    if (!audit_redis_.running()) {
      EXPECT_TRUE(audit_redis_.Start().ok());
      outage_pool_ = std::make_unique<RedisPool>(audit_redis_.options());
    }
    return *outage_pool_;
  }
  RedisServerProcess audit_redis_;
  std::unique_ptr<RedisPool> outage_pool_;
};

TEST_F(AuditOutageTest,
       UnrecordedChangeAnswersUnavailableUntilARetryRecordsIt) {
  uv1::CreateOrganizationRequest create;
  create.set_organization_id("yy");
  create.set_request_id("org-yy");
  create.mutable_organization()->set_display_name("益阳市教育局");
  create.mutable_organization()->set_level(uv1::Organization::CITY);
  uv1::Organization org;
  audit_redis_.Stop();
  grpc::Status status =
      Call(stack_->unit(), &uv1::UnitService::Stub::CreateOrganization, create,
           &org);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), kAuditNotStoredMessage);
  // The change itself was stored.
  uv1::GetOrganizationRequest get;
  get.set_name(kYy);
  ASSERT_TRUE(
      Call(stack_->unit(), &uv1::UnitService::Stub::GetOrganization, get, &org)
          .ok());

  ASSERT_TRUE(audit_redis_.Start().ok());
  status = Call(stack_->unit(), &uv1::UnitService::Stub::CreateOrganization,
                create, &org);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectOne(kYy, "CreateOrganization", "org-yy", kYy);
  ASSERT_TRUE(Call(stack_->unit(), &uv1::UnitService::Stub::CreateOrganization,
                   create, &org)
                  .ok());
  ExpectNone(kYy);
}

// Unit-server with bearer tokens on, recording its changes.
class AuditAuthTest : public RedisTest {
 protected:
  static constexpr char kIssuer[] = "https://id.duban.test";
  static constexpr char kAudience[] = "duban";

  void SetUp() override {
    RedisTest::SetUp();
    auto key = GenerateEcKey();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    key_file_ = absl::StrCat("/tmp/duban-audit-auth-test-", getpid(), ".pem");
    std::ofstream(key_file_) << key_.public_pem;
    ServiceStackOptions stack_options;
    stack_options.plan = false;
    stack_options.tokens.public_key_file = key_file_;
    stack_options.tokens.issuer = kIssuer;
    stack_options.tokens.audience = kAudience;
    stack_options.audit = true;
    stack_options.audit_pool = &pool();
    stack_ = std::make_unique<ServiceStack>(options(), stack_options);
    ASSERT_TRUE(stack_->ok());
    unit_ = stack_->unit();
    audit_ = av1::AuditService::NewStub(ChannelTo(*stack_->unit_server()));
  }
  void TearDown() override {
    stack_.reset();
    std::remove(key_file_.c_str());
    RedisTest::TearDown();
  }

  std::string Token(absl::string_view sub, absl::string_view roles) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    auto token = SignToken(
        absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience,
                     R"(","sub":")", sub, R"(","kind":"person","exp":)",
                     now + 600, R"(,"duban_roles":)", roles, "}"),
        "ES256", key_.private_pem);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }

  grpc::StatusCode List(const std::string& token,
                        const std::string& organization,
                        av1::ListAuditRecordsResponse* out = nullptr) {
    av1::ListAuditRecordsRequest request;
    request.set_organization(organization);
    av1::ListAuditRecordsResponse response;
    grpc::Status status =
        Call(audit_.get(), &av1::AuditService::Stub::ListAuditRecords, request,
             &response, "", token);
    if (out != nullptr) *out = response;
    return status.error_code();
  }

  TestKeyPair key_;
  std::string key_file_;
  std::unique_ptr<ServiceStack> stack_;
  uv1::UnitService::Stub* unit_ = nullptr;
  std::unique_ptr<av1::AuditService::Stub> audit_;
};

TEST_F(AuditAuthTest, RecordsThePrincipalAndOnlyManagersOfTheOrgReadIt) {
  const std::string admin =
      Token("admin-1", R"([{"role":"ADMINISTRATOR","scope":"*"}])");
  const std::string supervisor =
      Token("sup-yy", R"([{"role":"SUPERVISOR","scope":"organizations/yy"}])");
  const std::string org_admin = Token(
      "admin-yy", R"([{"role":"ADMINISTRATOR","scope":"organizations/yy"}])");
  const std::string other_supervisor =
      Token("sup-hn", R"([{"role":"SUPERVISOR","scope":"organizations/hn"}])");
  const std::string reporter = Token(
      "rep-yy", R"([{"role":"REPORTER","scope":"organizations/yy/units/u1"}])");
  const std::string integrator =
      Token("int-1", R"([{"role":"INTEGRATOR","scope":"*"}])");

  uv1::CreateOrganizationRequest create_org;
  create_org.set_organization_id("yy");
  create_org.set_request_id("org-yy");
  create_org.mutable_organization()->set_display_name("益阳市教育局");
  create_org.mutable_organization()->set_level(uv1::Organization::CITY);
  uv1::Organization org;
  ASSERT_TRUE(Call(unit_, &uv1::UnitService::Stub::CreateOrganization,
                   create_org, &org, "", admin)
                  .ok());
  uv1::CreateUnitRequest create_unit;
  create_unit.set_parent(kYy);
  create_unit.set_unit_id("u1");
  create_unit.set_request_id("unit-1");
  create_unit.mutable_unit()->set_short_name("办公室");
  create_unit.mutable_unit()->set_kind(uv1::Unit::OFFICE);
  uv1::Unit made;
  // Refused: no record.
  EXPECT_EQ(Call(unit_, &uv1::UnitService::Stub::CreateUnit, create_unit, &made,
                 "", reporter)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Call(unit_, &uv1::UnitService::Stub::CreateUnit, create_unit,
                   &made, "", supervisor)
                  .ok());

  av1::ListAuditRecordsResponse listed;
  ASSERT_EQ(List(supervisor, kYy, &listed), grpc::StatusCode::OK);
  ASSERT_EQ(listed.records_size(), 2);
  EXPECT_EQ(listed.records(0).principal(), "sup-yy");
  EXPECT_EQ(listed.records(0).principal_kind(), "person");
  EXPECT_EQ(listed.records(0).request_id(), "unit-1");
  EXPECT_EQ(listed.records(0).resource(), "organizations/yy/units/u1");
  EXPECT_EQ(listed.records(1).principal(), "admin-1");
  EXPECT_EQ(listed.records(1).method(),
            "duban.unit.v1.UnitService/CreateOrganization");

  EXPECT_EQ(List(org_admin, kYy), grpc::StatusCode::OK);
  EXPECT_EQ(List(admin, kYy), grpc::StatusCode::OK);
  EXPECT_EQ(List(admin, ""), grpc::StatusCode::OK);
  EXPECT_EQ(List(reporter, kYy), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(List(integrator, kYy), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(List(other_supervisor, kYy), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(List(supervisor, ""), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(List(supervisor, "organizations/hn"),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(List("", kYy), grpc::StatusCode::UNAUTHENTICATED);
  // The denial names the permission, never the data.
  av1::ListAuditRecordsRequest request;
  request.set_organization(kYy);
  grpc::Status denied =
      Call(audit_.get(), &av1::AuditService::Stub::ListAuditRecords, request,
           &listed, "", reporter);
  EXPECT_THAT(denied.error_message(), HasSubstr("audit.records.list"));
  EXPECT_THAT(denied.error_message(), ::testing::Not(HasSubstr("yy")));
}

}  // namespace
}  // namespace duban
