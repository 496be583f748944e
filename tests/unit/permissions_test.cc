// The permission table (common/permissions.h): complete for every RPC of
// the services' descriptors, fields that exist, and who is granted what.
#include "common/permissions.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "duban/audit/v1/audit_service.pb.h"
#include "duban/auth/v1/auth_service.pb.h"
#include "duban/plan/v1/plan_service.pb.h"
#include "duban/progress/v1/progress_service.pb.h"
#include "duban/unit/v1/unit_service.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace duban {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using ::testing::HasSubstr;
using ::testing::Not;

// Every service of the API's files, from the generated descriptors.
std::vector<const MethodDescriptor*> AllMethods() {
  std::vector<const FileDescriptor*> files = {
      plan::v1::ImportPlanRequest::descriptor()->file(),
      unit::v1::CreateOrganizationRequest::descriptor()->file(),
      progress::v1::SubmitReportRequest::descriptor()->file(),
      auth::v1::WhoAmIRequest::descriptor()->file(),
      audit::v1::ListAuditRecordsRequest::descriptor()->file()};
  std::vector<const MethodDescriptor*> methods;
  for (const FileDescriptor* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        methods.push_back(file->service(s)->method(m));
      }
    }
  }
  return methods;
}

std::string FullName(const MethodDescriptor* method) {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

TEST(PermissionTableTest, EveryRpcHasAnEntryWithExistingStringFields) {
  const std::vector<const MethodDescriptor*> methods = AllMethods();
  EXPECT_GT(methods.size(), 40u);
  for (const MethodDescriptor* method : methods) {
    SCOPED_TRACE(FullName(method));
    const PermissionEntry* entry = FindPermission(FullName(method));
    ASSERT_NE(entry, nullptr) << "no permission entry";
    EXPECT_FALSE(entry->permission.empty());
    EXPECT_TRUE(entry->any_principal || !entry->grants.empty());
    std::vector<std::string> paths = entry->scope_fields;
    paths.insert(paths.end(), entry->also_scope_fields.begin(),
                 entry->also_scope_fields.end());
    for (const std::string& path : paths) {
      const Descriptor* type = method->input_type();
      std::vector<std::string> parts = absl::StrSplit(path, '.');
      for (size_t i = 0; i < parts.size(); ++i) {
        ASSERT_NE(type, nullptr) << path;
        const FieldDescriptor* field = type->FindFieldByName(parts[i]);
        ASSERT_NE(field, nullptr) << path;
        ASSERT_FALSE(field->is_repeated()) << path;
        if (i + 1 == parts.size()) {
          EXPECT_EQ(field->type(), FieldDescriptor::TYPE_STRING) << path;
        } else {
          type = field->message_type();
        }
      }
    }
  }
  // And no entry names a method that does not exist.
  std::vector<std::string> names;
  for (const MethodDescriptor* method : methods) {
    names.push_back(FullName(method));
  }
  for (const PermissionEntry& entry : PermissionTable()) {
    EXPECT_THAT(names, ::testing::Contains(entry.method));
  }
  EXPECT_EQ(FindPermission("/duban.plan.v1.PlanService/Nope"), nullptr);
}

Principal With(Role role, absl::string_view scope) {
  Principal principal;
  principal.id = "p";
  principal.roles.push_back({role, *ParseScope(scope)});
  return principal;
}

absl::Status Check(absl::string_view method, const Principal& principal,
                   const google::protobuf::Message& request,
                   PlanOrganizationResolver* resolver = nullptr) {
  const PermissionEntry* entry = FindPermission(method);
  EXPECT_NE(entry, nullptr) << method;
  if (entry == nullptr) return absl::InternalError("no entry");
  return CheckPermission(*entry, principal, request, resolver);
}

struct Case {
  Role role;
  const char* scope;
  bool granted;
};

constexpr Role kR = Role::kReporter;
constexpr Role kS = Role::kSupervisor;
constexpr Role kA = Role::kAdministrator;
constexpr Role kI = Role::kIntegrator;

void ExpectCases(absl::string_view method,
                 const google::protobuf::Message& request,
                 const std::vector<Case>& cases,
                 PlanOrganizationResolver* resolver = nullptr) {
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(method, " ", RoleName(c.role), "@", c.scope));
    absl::Status status =
        Check(method, With(c.role, c.scope), request, resolver);
    if (c.granted) {
      EXPECT_TRUE(status.ok()) << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
    }
  }
}

TEST(PermissionCheckTest, SubmitReport) {
  progress::v1::SubmitReportRequest request;
  request.set_unit("organizations/yy/units/jyj");
  request.set_item("plans/p/items/1");
  request.set_progress("secret text");
  ExpectCases("/duban.progress.v1.ProgressService/SubmitReport", request,
              {{kR, "organizations/yy/units/jyj", true},
               {kR, "organizations/yy/units/other", false},
               {kR, "organizations/zz/units/jyj", false},
               {kR, "organizations/yy", true},
               {kR, "*", true},
               {kS, "organizations/yy", true},
               {kS, "organizations/yy/units/jyj", false},
               {kS, "organizations/zz", false},
               {kA, "organizations/yy", true},
               {kA, "organizations/zz", false},
               {kI, "*", false},
               {kI, "organizations/yy", false}});
  absl::Status denied = Check("/duban.progress.v1.ProgressService/SubmitReport",
                              With(kI, "*"), request);
  EXPECT_EQ(denied.message(), "permission progress.reports.submit denied");
  // No unit named: only "*" bindings.
  request.clear_unit();
  ExpectCases("/duban.progress.v1.ProgressService/SubmitReport", request,
              {{kR, "organizations/yy/units/jyj", false},
               {kS, "organizations/yy", false},
               {kS, "*", true}});
  // A name that is not a unit: the same.
  request.set_unit("organizations/yy");
  ExpectCases("/duban.progress.v1.ProgressService/SubmitReport", request,
              {{kR, "organizations/yy/units/jyj", false},
               {kS, "organizations/yy", true}});
}

TEST(PermissionCheckTest, CreateOrganizationNeedsAGlobalAdministrator) {
  unit::v1::CreateOrganizationRequest request;
  request.set_organization_id("yy");
  ExpectCases("/duban.unit.v1.UnitService/CreateOrganization", request,
              {{kA, "*", true},
               {kA, "organizations/yy", false},
               {kS, "*", false},
               {kI, "*", false},
               {kR, "*", false}});
}

TEST(PermissionCheckTest, ResolveUnitNamesByOrganization) {
  unit::v1::ResolveUnitNamesRequest request;
  request.set_organization("organizations/yy");
  ExpectCases("/duban.unit.v1.UnitService/ResolveUnitNames", request,
              {{kS, "organizations/yy", true},
               {kS, "organizations/zz", false},
               {kA, "organizations/yy", true},
               {kI, "organizations/zz", true},
               {kR, "organizations/yy", false},
               {kR, "organizations/yy/units/u", false}});
}

TEST(PermissionCheckTest, ReadingAUnitIsForMembersOfItsOrganization) {
  unit::v1::GetUnitRequest request;
  request.set_name("organizations/yy/units/jyj");
  ExpectCases("/duban.unit.v1.UnitService/GetUnit", request,
              {{kR, "organizations/yy/units/other", true},
               {kR, "organizations/zz/units/jyj", false},
               {kS, "organizations/zz", false},
               {kI, "organizations/zz", true}});
}

TEST(PermissionCheckTest, ImportPlanNeedsASupervisorOfTheOrganization) {
  plan::v1::ImportPlanRequest request;
  request.set_organization("organizations/yy");
  ExpectCases("/duban.plan.v1.PlanService/ImportPlan", request,
              {{kS, "organizations/yy", true},
               {kS, "organizations/zz", false},
               {kS, "organizations/yy/units/jyj", false},
               {kR, "organizations/yy", false},
               {kI, "*", false}});
}

class FixedResolver : public PlanOrganizationResolver {
 public:
  absl::StatusOr<std::string> OrganizationOfPlan(
      absl::string_view plan) override {
    ++calls;
    if (plan == "plans/p") return std::string("yy");
    return absl::NotFoundError("no such plan");
  }
  int calls = 0;
};

TEST(PermissionCheckTest, PlansWithoutAResolverOnlyForGlobalBindings) {
  progress::v1::GetPlanRollupRequest request;
  request.set_plan("plans/p");
  ExpectCases("/duban.progress.v1.ProgressService/GetPlanRollup", request,
              {{kA, "organizations/zz", false},
               {kA, "organizations/yy", false},
               {kI, "organizations/zz", true},
               {kS, "organizations/yy", false},
               {kR, "organizations/yy/units/u", false},
               {kS, "*", true}});
  plan::v1::IssuePlanRequest issue;
  issue.set_name("plans/p");
  ExpectCases("/duban.plan.v1.PlanService/IssuePlan", issue,
              {{kA, "organizations/zz", false},
               {kA, "organizations/yy", false},
               {kS, "organizations/yy", false},
               {kI, "organizations/yy", false},
               {kS, "*", true}});
}

// Answers with a fixed status and counts its calls.
class FailingResolver : public PlanOrganizationResolver {
 public:
  explicit FailingResolver(absl::Status status) : status_(std::move(status)) {}
  absl::StatusOr<std::string> OrganizationOfPlan(absl::string_view) override {
    ++calls;
    return status_;
  }
  int calls = 0;

 private:
  absl::Status status_;
};

TEST(PermissionCheckTest, ResolverRefusalDeniesAndOutageIsUnavailable) {
  plan::v1::IssuePlanRequest issue;
  issue.set_name("plans/p");
  const char* method = "/duban.plan.v1.PlanService/IssuePlan";
  for (absl::Status refusal : {absl::NotFoundError("no such plan"),
                               absl::PermissionDeniedError("refused"),
                               absl::UnauthenticatedError("token expired")}) {
    FailingResolver resolver(refusal);
    absl::Status s =
        Check(method, With(kS, "organizations/yy"), issue, &resolver);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << refusal;
    EXPECT_EQ(s.message(), "permission plan.plans.issue denied");
  }
  FailingResolver down(
      absl::UnavailableError("plan service at 10.0.0.7:50061 unreachable"));
  absl::Status s = Check(method, With(kS, "organizations/yy"), issue, &down);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), HasSubstr("plan.plans.issue"));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("10.0.0.7")));
  // Grants that hold whatever the organization is need no lookup.
  down.calls = 0;
  EXPECT_TRUE(Check(method, With(kS, "*"), issue, &down).ok());
  EXPECT_EQ(down.calls, 0);
}

TEST(OrganizationFilterTest, AdmitsWhatTheBindingsMayRead) {
  EXPECT_TRUE(OrganizationFilter::ReadableBy(nullptr).Admits("any"));
  EXPECT_TRUE(OrganizationFilter::All().Admits(""));
  const Principal supervisor = With(kS, "organizations/yy");
  const OrganizationFilter filter = OrganizationFilter::ReadableBy(&supervisor);
  EXPECT_FALSE(filter.admits_all());
  EXPECT_TRUE(filter.Admits("yy"));
  EXPECT_TRUE(filter.Admits("organizations/yy"));
  EXPECT_FALSE(filter.Admits("organizations/zz"));
  EXPECT_FALSE(filter.Admits("organizations/yyy"));
  EXPECT_FALSE(filter.Admits(""));
  const Principal reporter = With(kR, "organizations/zz/units/u");
  EXPECT_TRUE(OrganizationFilter::ReadableBy(&reporter).Admits("zz"));
  EXPECT_FALSE(OrganizationFilter::ReadableBy(&reporter).Admits("yy"));
  const Principal integrator = With(kI, "organizations/zz");
  EXPECT_TRUE(OrganizationFilter::ReadableBy(&integrator).admits_all());
  const Principal global = With(kR, "*");
  EXPECT_TRUE(OrganizationFilter::ReadableBy(&global).Admits("yy"));
  Principal nobody;
  EXPECT_FALSE(OrganizationFilter::ReadableBy(&nobody).Admits("yy"));
}

TEST(HoldsRoleInOrganizationTest, OrganizationOrGlobalBindingsOnly) {
  EXPECT_TRUE(HoldsRoleInOrganization(With(kA, "organizations/yy"), kA,
                                      "organizations/yy"));
  EXPECT_TRUE(HoldsRoleInOrganization(With(kA, "*"), kA, "organizations/yy"));
  EXPECT_TRUE(HoldsRoleInOrganization(With(kA, "*"), kA, ""));
  EXPECT_FALSE(HoldsRoleInOrganization(With(kA, "organizations/yy"), kA, ""));
  EXPECT_FALSE(HoldsRoleInOrganization(With(kA, "organizations/zz"), kA,
                                       "organizations/yy"));
  EXPECT_FALSE(HoldsRoleInOrganization(With(kA, "organizations/yy/units/u"), kA,
                                       "organizations/yy"));
  EXPECT_FALSE(HoldsRoleInOrganization(With(kS, "organizations/yy"), kA,
                                       "organizations/yy"));
}

TEST(PermissionCheckTest, PlansWithAResolver) {
  FixedResolver resolver;
  progress::v1::GetPlanRollupRequest request;
  request.set_plan("plans/p");
  ExpectCases("/duban.progress.v1.ProgressService/GetPlanRollup", request,
              {{kA, "organizations/zz", false},
               {kA, "organizations/yy", true},
               {kS, "organizations/yy", true},
               {kR, "organizations/yy/units/u", true},
               {kR, "organizations/zz/units/u", false},
               {kI, "organizations/zz", true}},
              &resolver);
  EXPECT_GT(resolver.calls, 0);
  plan::v1::IssuePlanRequest issue;
  issue.set_name("plans/p/items/3");
  ExpectCases("/duban.plan.v1.PlanService/IssuePlan", issue,
              {{kS, "organizations/yy", true},
               {kS, "organizations/zz", false},
               {kR, "organizations/yy/units/u", false}},
              &resolver);
  issue.set_name("plans/unknown");
  ExpectCases("/duban.plan.v1.PlanService/IssuePlan", issue,
              {{kS, "organizations/yy", false}, {kS, "*", true}}, &resolver);
}

TEST(PermissionCheckTest, NestedFieldsNameTheResource) {
  plan::v1::UpdateItemRequest request;
  request.mutable_item()->set_name("plans/p/items/3");
  FixedResolver resolver;
  ExpectCases("/duban.plan.v1.PlanService/UpdateItem", request,
              {{kS, "organizations/yy", true}, {kS, "organizations/zz", false}},
              &resolver);
  unit::v1::UpdateOrganizationRequest org;
  org.mutable_organization()->set_name("organizations/yy");
  ExpectCases("/duban.unit.v1.UnitService/UpdateOrganization", org,
              {{kA, "organizations/yy", true},
               {kA, "organizations/zz", false},
               {kS, "organizations/yy", false}});
}

TEST(PermissionCheckTest, EveryResourceARequestReachesMustBeGranted) {
  // UpdatePlan of a plan of yy that sets the issuing organization to zz.
  FixedResolver resolver;
  plan::v1::UpdatePlanRequest request;
  request.mutable_plan()->set_name("plans/p");
  request.mutable_plan()->set_issuing_organization("organizations/zz");
  ExpectCases("/duban.plan.v1.PlanService/UpdatePlan", request,
              {{kS, "organizations/yy", false},
               {kS, "organizations/zz", false},
               {kS, "*", true},
               {kR, "organizations/zz/units/u", false}},
              &resolver);
  Principal both = With(kS, "organizations/yy");
  both.roles.push_back({kS, *ParseScope("organizations/zz")});
  EXPECT_TRUE(
      Check("/duban.plan.v1.PlanService/UpdatePlan", both, request, &resolver)
          .ok());
  // Left unset, the plan's own organization decides alone.
  request.mutable_plan()->clear_issuing_organization();
  ExpectCases("/duban.plan.v1.PlanService/UpdatePlan", request,
              {{kS, "organizations/yy", true}}, &resolver);
}

TEST(PermissionCheckTest, NoRolesNoAccessButWhoAmI) {
  Principal nobody;
  nobody.id = "x";
  progress::v1::GetPlanRollupRequest request;
  request.set_plan("plans/p");
  EXPECT_EQ(
      Check("/duban.progress.v1.ProgressService/GetPlanRollup", nobody, request)
          .code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Check("/duban.auth.v1.AuthService/WhoAmI", nobody,
                    auth::v1::WhoAmIRequest())
                  .ok());
}

}  // namespace
}  // namespace duban
