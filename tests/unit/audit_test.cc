// The audited methods (common/audit.h): every state-changing RPC of the
// plan, unit and progress services is recorded and no reading one is; the
// table's message types are the methods' own; and what the summaries say.
#include "common/audit.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "duban/plan/v1/plan_service.pb.h"
#include "duban/progress/v1/progress_service.pb.h"
#include "duban/unit/v1/unit_service.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace duban {
namespace {

namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;
namespace gv1 = ::duban::progress::v1;
using google::protobuf::MethodDescriptor;
using ::testing::HasSubstr;

std::vector<const MethodDescriptor*> ServiceMethods() {
  std::vector<const google::protobuf::FileDescriptor*> files = {
      pv1::ImportPlanRequest::descriptor()->file(),
      uv1::CreateOrganizationRequest::descriptor()->file(),
      gv1::SubmitReportRequest::descriptor()->file()};
  std::vector<const MethodDescriptor*> methods;
  for (const auto* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        methods.push_back(file->service(s)->method(m));
      }
    }
  }
  return methods;
}

// Reading methods by their names' verbs; everything else changes state.
bool Reads(absl::string_view name) {
  for (absl::string_view verb :
       {"Get", "List", "BatchGet", "Resolve", "Watch"}) {
    if (absl::StartsWith(name, verb)) return true;
  }
  return false;
}

TEST(AuditedMethodsTest, EveryChangingRpcIsRecordedAndNoReadingOne) {
  const std::vector<const MethodDescriptor*> methods = ServiceMethods();
  ASSERT_GT(methods.size(), 40u);
  int changing = 0;
  for (const MethodDescriptor* method : methods) {
    const std::string name =
        absl::StrCat("/", method->service()->full_name(), "/", method->name());
    SCOPED_TRACE(name);
    const AuditedMethod* entry = FindAuditedMethod(name);
    if (Reads(method->name())) {
      EXPECT_EQ(entry, nullptr);
      continue;
    }
    ++changing;
    ASSERT_NE(entry, nullptr) << "a changing RPC is not recorded";
    EXPECT_EQ(entry->request_type, method->input_type());
    EXPECT_EQ(entry->response_type, method->output_type());
    EXPECT_FALSE(method->client_streaming() || method->server_streaming());
  }
  EXPECT_EQ(changing, static_cast<int>(AuditedMethods().size()));
  EXPECT_EQ(FindAuditedMethod("/duban.plan.v1.PlanService/GetPlan"), nullptr);
  EXPECT_EQ(FindAuditedMethod("duban.plan.v1.PlanService/IssuePlan"), nullptr)
      << "full names start with a slash";
}

AuditedChange Describe(absl::string_view method,
                       const google::protobuf::Message& request,
                       const google::protobuf::Message& response) {
  const AuditedMethod* entry = FindAuditedMethod(method);
  EXPECT_NE(entry, nullptr) << method;
  if (entry == nullptr) return AuditedChange();
  return entry->describe(request, response);
}

TEST(AuditedMethodsTest, SubmitReportNamesRevisionStatusAndOrganization) {
  gv1::SubmitReportRequest request;
  request.set_unit("organizations/yy/units/jjk");
  gv1::Report report;
  report.set_name("plans/yy2020/items/8/reports/jjk~2020-03");
  report.set_unit("organizations/yy/units/jjk");
  report.mutable_latest()->set_number(2);
  report.mutable_latest()->set_status(gv1::ON_TRACK);
  report.mutable_latest()->set_percent_complete(50);
  AuditedChange change = Describe(
      "/duban.progress.v1.ProgressService/SubmitReport", request, report);
  EXPECT_TRUE(change.recorded);
  EXPECT_EQ(change.resource, "plans/yy2020/items/8/reports/jjk~2020-03");
  EXPECT_EQ(change.organization, "organizations/yy");
  EXPECT_EQ(change.plan, "plans/yy2020");
  EXPECT_EQ(change.summary,
            "submitted report plans/yy2020/items/8/reports/jjk~2020-03, "
            "revision 2, ON_TRACK 50%");
}

TEST(AuditedMethodsTest, PlanChangesTakeTheIssuingOrganization) {
  pv1::IssuePlanRequest request;
  request.set_name("plans/hunan-2020");
  pv1::Plan plan;
  plan.set_name("plans/hunan-2020");
  plan.set_title("2020年工作要点");
  plan.set_issuing_organization("organizations/hunan-edu");
  AuditedChange change =
      Describe("/duban.plan.v1.PlanService/IssuePlan", request, plan);
  EXPECT_EQ(change.organization, "organizations/hunan-edu");
  EXPECT_EQ(change.summary, "issued plan plans/hunan-2020 \"2020年工作要点\"");

  // Without one, the plan is left to the resolver.
  plan.clear_issuing_organization();
  change = Describe("/duban.plan.v1.PlanService/IssuePlan", request, plan);
  EXPECT_EQ(change.organization, "");
  EXPECT_EQ(change.plan, "plans/hunan-2020");
}

TEST(AuditedMethodsTest, ChangesThatChangeNothingAreNotRecorded) {
  pv1::ImportPlanRequest import;
  import.set_dry_run(true);
  pv1::ImportPlanResponse dry;
  dry.mutable_plan()->set_name("plans/x");
  EXPECT_FALSE(
      Describe("/duban.plan.v1.PlanService/ImportPlan", import, dry).recorded);
  dry.set_stored(true);
  EXPECT_TRUE(
      Describe("/duban.plan.v1.PlanService/ImportPlan", import, dry).recorded);

  uv1::CommitPlanAssignmentsRequest commit;
  commit.set_plan("plans/x");
  uv1::CommitPlanAssignmentsResponse none;
  EXPECT_FALSE(
      Describe("/duban.unit.v1.UnitService/CommitPlanAssignments", commit, none)
          .recorded);
  none.set_committed_count(3);
  AuditedChange committed = Describe(
      "/duban.unit.v1.UnitService/CommitPlanAssignments", commit, none);
  EXPECT_TRUE(committed.recorded);
  EXPECT_EQ(committed.summary, "committed 3 assignments of plans/x");
}

TEST(AuditedMethodsTest, LongTextIsClippedAtACharacterBoundary) {
  uv1::ReassignItemRequest request;
  request.set_item("plans/x/items/3");
  request.set_from_unit("organizations/yy/units/a");
  request.set_to_unit("organizations/yy/units/b");
  std::string reason;
  for (int i = 0; i < 60; ++i) reason += "调整";  // 3 bytes each
  request.set_reason(reason);
  AuditedChange change = Describe("/duban.unit.v1.UnitService/ReassignItem",
                                  request, uv1::ReassignItemResponse());
  EXPECT_EQ(change.organization, "organizations/yy");
  EXPECT_THAT(
      change.summary,
      HasSubstr("reassigned item plans/x/items/3 from "
                "organizations/yy/units/a to organizations/yy/units/b"));
  EXPECT_THAT(change.summary, HasSubstr("…\")"));
  EXPECT_LT(change.summary.size(), 200u);
}

TEST(AuditedMethodsTest, OrganizationOfName) {
  EXPECT_EQ(OrganizationOfName("organizations/yy"), "organizations/yy");
  EXPECT_EQ(OrganizationOfName("organizations/yy/units/a"), "organizations/yy");
  EXPECT_EQ(OrganizationOfName("organizations/"), "");
  EXPECT_EQ(OrganizationOfName("plans/yy"), "");
  EXPECT_EQ(OrganizationOfName(""), "");
}

}  // namespace
}  // namespace duban
