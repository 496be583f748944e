// Every RPC of the permission table (common/permissions.h) against the
// real plan, unit and progress services with authentication on, in-process
// on a real redis-server: one plan issued by organization yy, with units
// and assignments. For each entry, a minimal request naming yy's resources
// is sent with no credential, a badly signed one, an expired one, each role
// the entry does not grant, each granted role on another organization (and,
// for unit grants, another unit), and each granted role where it applies.
// New RPCs are covered by iterating the table; one without a request
// builder here fails the test.
//
// Also: what list calls show to scoped callers, backdated reports, and a
// reporter filing for an item its unit is not assigned to.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/permissions.h"
#include "duban/auth/v1/auth_service.grpc.pb.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/progress/v1/progress_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/redis_fixture.h"
#include "tests/support/service_stack.h"
#include "tests/support/tokens.h"

namespace duban {
namespace {

namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;
namespace gv1 = ::duban::progress::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuer[] = "https://id.duban.test";
constexpr char kAudience[] = "duban";
constexpr char kOrg[] = "organizations/yy";
constexpr char kOtherOrg[] = "organizations/zz";
constexpr char kPlan[] = "plans/yy2020";

// Sets the string field at dotted `path` of `message`.
void SetField(Message* message, absl::string_view path,
              const std::string& value) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field =
        message->GetDescriptor()->FindFieldByName(parts[i]);
    ASSERT_NE(field, nullptr) << path;
    if (i + 1 == parts.size()) {
      if (field->is_repeated()) {
        message->GetReflection()->AddString(message, field, value);
      } else {
        message->GetReflection()->SetString(message, field, value);
      }
      return;
    }
    message = message->GetReflection()->MutableMessage(message, field);
  }
}

// Every non-empty string in `message`, recursively.
void StringsOf(const Message& message, std::vector<std::string>* out) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          out->push_back(reflection->GetRepeatedString(message, field, i));
        }
      } else {
        out->push_back(reflection->GetString(message, field));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          StringsOf(reflection->GetRepeatedMessage(message, field, i), out);
        }
      } else {
        StringsOf(reflection->GetMessage(message, field), out);
      }
    }
  }
}

// One credential case of the matrix.
struct Credential {
  std::string label;
  std::string token;  // empty: none sent
};

class PermissionMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = GenerateEcKey();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    auto other = GenerateEcKey();
    ASSERT_TRUE(other.ok()) << other.status();
    other_key_ = *other;
    key_file_ = absl::StrCat("/tmp/duban-permission-matrix-", getpid(), ".pem");
    std::ofstream(key_file_) << key_.public_pem;
    auto redis = SharedTestRedis();
    ASSERT_TRUE(redis.ok()) << redis.status();
    // The three services with authentication on, each with its resolver,
    // each keeping the audit trail and serving ListAuditRecords.
    ServiceStackOptions options;
    options.tokens.public_key_file = key_file_;
    options.tokens.issuer = kIssuer;
    options.tokens.audience = kAudience;
    options.audit = true;
    options.clock = SeedNow;
    options.allow_backdating = true;
    stack_ = std::make_unique<ServiceStack>(*redis, options);
    ASSERT_TRUE(stack_->ok());
    ASSERT_TRUE(stack_->pool().Command({"FLUSHALL"}).ok());
    for (const RunningServer* server :
         {stack_->plan_server(), stack_->unit_server(),
          stack_->progress_server()}) {
      channels_.push_back(ChannelTo(*server));
    }
    admin_ = Token(R"([{"role":"ADMINISTRATOR","scope":"*"}])");
    Seed();
  }
  void TearDown() override {
    stack_.reset();
    std::remove(key_file_.c_str());
  }

  // A token for `roles` (the duban_roles JSON array), expiring `valid_for`
  // from now, signed with `key` (default: the servers' key).
  std::string Token(absl::string_view roles,
                    absl::Duration valid_for = absl::Minutes(10),
                    const TestKeyPair* key = nullptr) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    auto token = SignToken(
        absl::StrCat(R"({"iss":")", kIssuer, R"(","aud":")", kAudience,
                     R"(","sub":"tester","kind":"person","exp":)",
                     now + absl::ToInt64Seconds(valid_for),
                     R"(,"duban_roles":)", roles, "}"),
        "ES256", (key == nullptr ? key_ : *key).private_pem);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }
  std::string TokenFor(Role role, absl::string_view scope) {
    return Token(absl::StrCat(R"([{"role":")", RoleName(role), R"(","scope":")",
                              scope, R"("}])"));
  }

  // The channel of the server that serves `method`.
  std::shared_ptr<grpc::Channel> ChannelFor(absl::string_view method) {
    if (absl::StartsWith(method, "/duban.plan.")) return channels_[0];
    if (absl::StartsWith(method, "/duban.unit.")) return channels_[1];
    return channels_[2];  // progress, and WhoAmI served by each
  }

  // Calls `method` with `request` and `token` (none when empty).
  grpc::Status Call(absl::string_view method, const Message& request,
                    const std::string& token, bool streaming) {
    grpc::ClientContext context;
    // A granted watch streams until cancelled: its deadline ends it.
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(streaming ? 1 : 10));
    if (!token.empty()) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
    const std::string bytes = request.SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer in(&slice, 1);
    grpc::ByteBuffer out;
    grpc::GenericStub stub(ChannelFor(method));
    absl::Notification done;
    grpc::Status status;
    stub.UnaryCall(&context, std::string(method), grpc::StubOptions(), &in,
                   &out, [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    return status;
  }

  template <typename Request, typename Response, typename Stub>
  grpc::Status Typed(Stub* stub,
                     grpc::Status (Stub::*rpc)(grpc::ClientContext*,
                                               const Request&, Response*),
                     const Request& request, Response* response,
                     const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return (stub->*rpc)(&context, request, response);
  }

  // The Yiyang plan issued by organization yy and scheduled (SeedYiyang),
  // and organization zz with one unit; all as a global administrator,
  // through the services.
  void Seed() {
    YiyangSeed seed;
    ASSERT_NO_FATAL_FAILURE(SeedYiyang(*stack_, admin_, &seed));
    item_ = seed.item;
    unit_ = seed.unit;
    other_unit_ = seed.other_unit;
    // An item unit_ does not answer for.
    for (const auto& a : seed.assignments) {
      bool unit_on_it = false;
      for (const auto& b : seed.assignments) {
        unit_on_it |= b.item() == a.item() && b.unit() == unit_;
      }
      if (!unit_on_it) {
        unassigned_item_ = a.item();
        break;
      }
    }
    ASSERT_FALSE(unassigned_item_.empty());

    auto units = uv1::UnitService::NewStub(channels_[1]);
    uv1::CreateOrganizationRequest org;
    org.set_organization_id("zz");
    org.mutable_organization()->set_display_name("另一个市教育局");
    org.mutable_organization()->set_level(uv1::Organization::CITY);
    uv1::Organization made_org;
    grpc::Status s =
        Typed(units.get(), &uv1::UnitService::Stub::CreateOrganization, org,
              &made_org, admin_);
    ASSERT_TRUE(s.ok()) << s.error_message();
    uv1::CreateUnitRequest zz_unit;
    zz_unit.set_parent(kOtherOrg);
    zz_unit.set_unit_id("office");
    zz_unit.mutable_unit()->set_short_name("办公室");
    zz_unit.mutable_unit()->set_kind(uv1::Unit::OFFICE);
    uv1::Unit made;
    s = Typed(units.get(), &uv1::UnitService::Stub::CreateUnit, zz_unit, &made,
              admin_);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // A minimal request for `method` naming yy's resources; mutating calls
  // carry a stale etag where they take one, so a granted call changes
  // nothing the others rely on.
  std::unique_ptr<Message> RequestFor(const MethodDescriptor* method) {
    using Fields = std::vector<std::pair<std::string, std::string>>;
    const std::string stale = "\"0\"";
    const std::string report = absl::StrCat(item_, "/reports/nobody~2020-Q1");
    const std::string schedule = absl::StrCat(kPlan, "/schedule");
    const std::map<std::string, Fields> builders = {
        // plan service
        {"ImportPlan", {{"organization", kOrg}, {"content", "x"}}},
        {"CreatePlan", {{"plan.issuing_organization", kOrg}}},
        {"GetPlan", {{"name", kPlan}}},
        {"ListPlans", {}},
        {"UpdatePlan", {{"plan.name", kPlan}, {"plan.etag", stale}}},
        {"DeletePlan", {{"name", kPlan}, {"etag", stale}}},
        {"IssuePlan", {{"name", kPlan}, {"etag", stale}}},
        {"ArchivePlan", {{"name", kPlan}, {"etag", stale}}},
        {"GetItem", {{"name", item_}}},
        {"BatchGetItems", {{"parent", kPlan}, {"names", item_}}},
        {"ListItems", {{"parent", kPlan}}},
        {"UpdateItem", {{"item.name", item_}, {"item.etag", stale}}},
        {"AmendItem", {{"item.name", item_}, {"item.etag", stale}}},
        // unit service
        {"CreateOrganization", {}},
        {"GetOrganization", {{"name", kOrg}}},
        {"ListOrganizations", {}},
        {"UpdateOrganization",
         {{"organization.name", kOrg}, {"organization.etag", stale}}},
        {"DeleteOrganization", {{"name", kOrg}, {"etag", stale}}},
        {"CreateUnit", {{"parent", kOrg}}},
        {"GetUnit", {{"name", unit_}}},
        {"ListUnits", {{"parent", kOrg}}},
        {"UpdateUnit", {{"unit.name", unit_}, {"unit.etag", stale}}},
        {"AddUnitAlias", {{"name", unit_}, {"alias", "别名"}, {"etag", stale}}},
        {"RemoveUnitAlias",
         {{"name", unit_}, {"alias", "别名"}, {"etag", stale}}},
        {"DeactivateUnit", {{"name", unit_}, {"etag", stale}}},
        {"ResolveUnitNames", {{"organization", kOrg}}},
        {"CreatePlanAssignments", {{"organization", kOrg}, {"plan", kPlan}}},
        {"CommitPlanAssignments", {{"plan", kPlan}}},
        {"DiscardPlanAssignments", {{"plan", kPlan}}},
        {"ListAssignments", {{"plan", kPlan}}},
        {"ListUnitResponsibilities", {{"unit", unit_}}},
        {"ReassignItem",
         {{"item", item_}, {"from_unit", unit_}, {"to_unit", unit_}}},
        // progress service
        {"SetSchedule",
         {{"schedule.name", schedule}, {"schedule.etag", stale}}},
        {"GetSchedule", {{"name", schedule}}},
        {"SubmitReport", {{"unit", unit_}, {"item", item_}}},
        {"ReviewReport", {{"name", report}, {"etag", stale}}},
        {"GetReport", {{"name", report}}},
        {"ListReports", {{"parent", kPlan}}},
        {"ListRevisions", {{"parent", report}}},
        {"ListOverdue", {{"plan", kPlan}}},
        {"GetScorecard", {{"plan", kPlan}}},
        {"GetPlanRollup", {{"plan", kPlan}}},
        {"WatchEvents", {{"plan", kPlan}}},
        // every server
        {"WhoAmI", {}},
        {"ListAuditRecords", {{"organization", kOrg}}},
    };
    auto it = builders.find(method->name());
    if (it == builders.end()) {
      ADD_FAILURE() << "no request builder for " << method->full_name();
      return nullptr;
    }
    std::unique_ptr<Message> request(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(method->input_type())
            ->New());
    for (const auto& [path, value] : it->second) {
      SetField(request.get(), path, value);
    }
    return request;
  }

  TestKeyPair key_, other_key_;
  std::string key_file_;
  std::unique_ptr<ServiceStack> stack_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::string admin_;
  std::string item_, unit_, other_unit_, unassigned_item_;
};

// "organizations/yy/units/u" → "u".
std::string UnitIdOf(const std::string& unit) {
  return std::string(unit.substr(unit.rfind('/') + 1));
}

const char* const kRoles[] = {"REPORTER", "SUPERVISOR", "ADMINISTRATOR",
                              "INTEGRATOR"};

TEST_F(PermissionMatrixTest, EveryRpcAnswersEachCredentialWithItsCode) {
  const std::string expired =
      Token(R"([{"role":"ADMINISTRATOR","scope":"*"}])", -absl::Hours(1));
  const std::string forged = Token(R"([{"role":"ADMINISTRATOR","scope":"*"}])",
                                   absl::Minutes(10), &other_key_);
  const std::string yy_unit_id = UnitIdOf(unit_);
  const std::string other_unit_id = UnitIdOf(other_unit_);
  int checked = 0;
  for (const PermissionEntry& entry : PermissionTable()) {
    SCOPED_TRACE(entry.method);
    std::vector<std::string> parts = absl::StrSplit(entry.method, '/');
    ASSERT_EQ(parts.size(), 3u);
    const MethodDescriptor* method =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            absl::StrCat(parts[1], ".", parts[2]));
    ASSERT_NE(method, nullptr);
    std::unique_ptr<Message> request = RequestFor(method);
    if (request == nullptr) continue;
    const bool streaming = method->server_streaming();
    std::vector<std::string> data;
    StringsOf(*request, &data);
    auto call = [&](const std::string& token) {
      grpc::Status status = Call(entry.method, *request, token, streaming);
      if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
          status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
        for (const std::string& value : data) {
          if (value.size() < 2) continue;
          EXPECT_THAT(status.error_message(), Not(HasSubstr(value)))
              << "the refusal repeats the request's data";
        }
      }
      ++checked;
      return status;
    };

    // Credentials that fail whatever the role.
    grpc::Status s = call("");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "none";
    s = call(forged);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "forged";
    s = call(expired);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "expired";
    EXPECT_THAT(s.error_message(), HasSubstr("token expired"));
    s = call("not-a-token");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "garbage";

    if (entry.any_principal) {
      s = call(Token("[]"));
      EXPECT_EQ(s.error_code(), grpc::StatusCode::OK) << s.error_message();
      continue;
    }

    // Wrong role: every role the entry grants nothing, even with scope "*";
    // and no role at all.
    std::set<std::string> granted;
    for (const Grant& grant : entry.grants) {
      granted.insert(std::string(RoleName(grant.role)));
    }
    std::vector<std::string> wrong;
    for (const char* role : kRoles) {
      if (granted.count(role) == 0) {
        wrong.push_back(
            absl::StrCat(R"([{"role":")", role, R"(","scope":"*"}])"));
      }
    }
    wrong.push_back("[]");
    for (const std::string& roles : wrong) {
      s = call(Token(roles));
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << roles;
      EXPECT_EQ(s.error_message(),
                absl::StrCat("permission ", entry.permission, " denied"))
          << roles;
    }

    // Each granted role: where it applies, and elsewhere.
    for (const Grant& grant : entry.grants) {
      std::string right;
      std::vector<std::string> elsewhere;
      switch (grant.level) {
        case GrantLevel::kUnit:
          right = absl::StrCat(kOrg, "/units/", yy_unit_id);
          elsewhere = {absl::StrCat(kOrg, "/units/", other_unit_id),
                       absl::StrCat(kOtherOrg, "/units/", yy_unit_id),
                       kOtherOrg};
          break;
        case GrantLevel::kMember:
          right = absl::StrCat(kOrg, "/units/", yy_unit_id);
          elsewhere = {kOtherOrg, absl::StrCat(kOtherOrg, "/units/office")};
          break;
        case GrantLevel::kOrganization:
          right = kOrg;
          elsewhere = {kOtherOrg, absl::StrCat(kOrg, "/units/", yy_unit_id)};
          break;
        case GrantLevel::kAnyScope:
          right = kOtherOrg;
          break;
        case GrantLevel::kGlobal:
          right = "*";
          elsewhere = {kOrg};
          break;
      }
      // Requests that name nothing are granted by "*" bindings only,
      // unless the grant is kAnyScope.
      if (grant.level != GrantLevel::kAnyScope &&
          TargetOf(entry, *request).kind == ResourceTarget::Kind::kNone) {
        right = "*";
      }
      SCOPED_TRACE(absl::StrCat(RoleName(grant.role), "@", right));
      s = call(TokenFor(grant.role, right));
      EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << s.error_message();
      EXPECT_NE(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << s.error_message();
      for (const std::string& scope : elsewhere) {
        s = call(TokenFor(grant.role, scope));
        EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << scope << ": " << s.error_message();
        EXPECT_EQ(s.error_message(),
                  absl::StrCat("permission ", entry.permission, " denied"))
            << scope;
      }
    }
  }
  EXPECT_GT(checked, 300);
}

TEST_F(PermissionMatrixTest, ListsShowOnlyTheCallersOrganizations) {
  auto plans = pv1::PlanService::NewStub(channels_[0]);
  auto units = uv1::UnitService::NewStub(channels_[1]);
  auto list_plans = [&](const std::string& token) {
    pv1::ListPlansRequest request;
    pv1::ListPlansResponse response;
    grpc::Status s = Typed(plans.get(), &pv1::PlanService::Stub::ListPlans,
                           request, &response, token);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& plan : response.plans()) names.push_back(plan.name());
    return names;
  };
  auto list_orgs = [&](const std::string& token) {
    uv1::ListOrganizationsRequest request;
    uv1::ListOrganizationsResponse response;
    grpc::Status s =
        Typed(units.get(), &uv1::UnitService::Stub::ListOrganizations, request,
              &response, token);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& org : response.organizations()) {
      names.push_back(org.name());
    }
    return names;
  };
  using ::testing::ElementsAre;
  using ::testing::IsEmpty;
  EXPECT_THAT(list_plans(TokenFor(Role::kSupervisor, kOrg)),
              ElementsAre(kPlan));
  EXPECT_THAT(list_plans(TokenFor(Role::kReporter, unit_)), ElementsAre(kPlan));
  EXPECT_THAT(list_plans(TokenFor(Role::kSupervisor, kOtherOrg)), IsEmpty());
  EXPECT_THAT(list_plans(TokenFor(Role::kIntegrator, kOtherOrg)),
              ElementsAre(kPlan));
  EXPECT_THAT(list_plans(admin_), ElementsAre(kPlan));

  EXPECT_THAT(list_orgs(TokenFor(Role::kSupervisor, kOrg)), ElementsAre(kOrg));
  EXPECT_THAT(list_orgs(TokenFor(Role::kReporter,
                                 absl::StrCat(kOtherOrg, "/units/office"))),
              ElementsAre(kOtherOrg));
  EXPECT_THAT(list_orgs(TokenFor(Role::kIntegrator, kOtherOrg)),
              ElementsAre(kOrg, kOtherOrg));
  EXPECT_THAT(list_orgs(admin_), ElementsAre(kOrg, kOtherOrg));
}

TEST_F(PermissionMatrixTest, ADraftMovesOnlyWhereItsEditorIsEntitled) {
  auto plans = pv1::PlanService::NewStub(channels_[0]);
  pv1::CreatePlanRequest create;
  create.set_plan_id("draft2021");
  create.mutable_plan()->set_title("2021年工作要点");
  create.mutable_plan()->set_year(2021);
  create.mutable_plan()->set_issuing_organization(kOrg);
  pv1::Plan draft;
  grpc::Status s = Typed(plans.get(), &pv1::PlanService::Stub::CreatePlan,
                         create, &draft, TokenFor(Role::kSupervisor, kOrg));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(draft.issuing_organization(), kOrg);

  pv1::UpdatePlanRequest move;
  *move.mutable_plan() = draft;
  move.mutable_plan()->set_issuing_organization(kOtherOrg);
  move.mutable_update_mask()->add_paths("issuing_organization");
  pv1::Plan moved;
  // A supervisor of yy alone may not hand the draft to zz ...
  s = Typed(plans.get(), &pv1::PlanService::Stub::UpdatePlan, move, &moved,
            TokenFor(Role::kSupervisor, kOrg));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "permission plan.plans.update denied");
  // ... nor a supervisor of zz take it (the table checks yy first) ...
  s = Typed(plans.get(), &pv1::PlanService::Stub::UpdatePlan, move, &moved,
            TokenFor(Role::kSupervisor, kOtherOrg));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // ... but one who supervises both may.
  s = Typed(plans.get(), &pv1::PlanService::Stub::UpdatePlan, move, &moved,
            Token(absl::StrCat(R"([{"role":"SUPERVISOR","scope":")", kOrg,
                               R"("},{"role":"SUPERVISOR","scope":")",
                               kOtherOrg, R"("}])")));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(moved.issuing_organization(), kOtherOrg);
}

class SubmitTest : public PermissionMatrixTest {
 protected:
  gv1::SubmitReportRequest Submit(const std::string& rid) {
    gv1::SubmitReportRequest r;
    r.set_request_id(rid);
    r.set_item(item_);
    r.set_unit(unit_);
    r.set_period("2020-Q1");
    r.set_status(gv1::ON_TRACK);
    r.set_percent_complete(40);
    r.set_progress("按计划推进");
    r.set_principal("unit-system");
    return r;
  }
  grpc::Status Send(const gv1::SubmitReportRequest& request,
                    const std::string& token) {
    auto stub = gv1::ProgressService::NewStub(channels_[2]);
    gv1::Report report;
    return Typed(stub.get(), &gv1::ProgressService::Stub::SubmitReport, request,
                 &report, token);
  }
};

TEST_F(SubmitTest, ReporterFilesOnlyOnItsUnitsAssignments) {
  const std::string reporter = TokenFor(Role::kReporter, unit_);
  grpc::Status s = Send(Submit("own"), reporter);
  EXPECT_TRUE(s.ok()) << s.error_message();

  // Its own unit, an item the unit is not assigned to.
  gv1::SubmitReportRequest foreign = Submit("foreign-item");
  foreign.set_item(unassigned_item_);
  s = Send(foreign, reporter);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("progress.reports.submit"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr(unassigned_item_)));
  EXPECT_THAT(s.error_message(), Not(HasSubstr(unit_)));

  // Another unit of the same organization: refused before the handler.
  gv1::SubmitReportRequest other = Submit("other-unit");
  other.set_unit(other_unit_);
  s = Send(other, reporter);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "permission progress.reports.submit denied");
}

TEST_F(SubmitTest, BackdatingNeedsAnAdministratorOfThePlansOrganization) {
  gv1::SubmitReportRequest request = Submit("backdated");
  // 2020-04-02, inside 2020-Q1's reporting window, before "now".
  request.mutable_backdate_to()->set_seconds(1585800000);
  for (const std::string& token :
       {TokenFor(Role::kReporter, unit_), TokenFor(Role::kReporter, kOrg),
        TokenFor(Role::kSupervisor, kOrg)}) {
    grpc::Status s = Send(request, token);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(s.error_message(), "permission progress.reports.backdate denied");
  }
  // An administrator of another organization is refused by the table.
  grpc::Status s = Send(request, TokenFor(Role::kAdministrator, kOtherOrg));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "permission progress.reports.submit denied");

  s = Send(request, TokenFor(Role::kAdministrator, kOrg));
  EXPECT_TRUE(s.ok()) << s.error_message();
  request.set_request_id("backdated-global");
  request.set_period("2020-Q2");
  request.mutable_backdate_to()->set_seconds(1593600000);  // 2020-07-01
  s = Send(request, admin_);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

}  // namespace
}  // namespace duban
