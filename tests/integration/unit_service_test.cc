// The unit service over real gRPC on loopback, on a real redis-server:
// every RPC, its happy path and each error code it documents, and the
// provincial seed's responsible units turned into committed assignments.
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/unit/resolve.h"
#include "services/unit/store.h"
#include "tests/support/redis_fixture.h"
#include "tests/support/service_stack.h"
#include "tests/support/testdata.h"

namespace duban::unit {
namespace {

using ::duban::RedisOptions;
using ::duban::RedisServerProcess;
using ::duban::ServiceStack;
using ::duban::ServiceStackOptions;
using ::duban::SharedTestRedis;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using v1::Assignment;
using v1::Organization;
using v1::Unit;
using v1::UnitNameResolution;

// A unit-server in this process on a free loopback port.
std::unique_ptr<ServiceStack> StartStack(const RedisOptions& redis) {
  ServiceStackOptions options;
  options.plan = false;
  return std::make_unique<ServiceStack>(redis, options);
}

// Calls one RPC with a fresh context.
template <typename Request, typename Response, typename Method>
grpc::Status Call(v1::UnitService::Stub* stub, Method method,
                  const Request& request, Response* response) {
  grpc::ClientContext context;
  return (stub->*method)(&context, request, response);
}

class UnitServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = SharedTestRedis();
    ASSERT_TRUE(options.ok()) << options.status();
    stack_ = StartStack(*options);
    ASSERT_TRUE(stack_->ok());
    ASSERT_TRUE(stack_->pool().Command({"FLUSHALL"}).ok());
    stub_ = stack_->unit();
  }

  grpc::Status CreateOrg(const std::string& id, const std::string& display,
                         Organization* out,
                         std::vector<std::string> aliases = {},
                         const std::string& parent = "",
                         const std::string& request_id = "") {
    v1::CreateOrganizationRequest request;
    request.set_organization_id(id);
    request.set_request_id(request_id);
    request.mutable_organization()->set_display_name(display);
    request.mutable_organization()->set_level(
        parent.empty() ? Organization::PROVINCE : Organization::CITY);
    request.mutable_organization()->set_parent(parent);
    for (auto& a : aliases) request.mutable_organization()->add_aliases(a);
    return Call(stub_, &v1::UnitService::Stub::CreateOrganization, request,
                out);
  }

  grpc::Status CreateUnit(const std::string& org, const std::string& id,
                          const std::string& short_name, Unit* out,
                          Unit::Kind kind = Unit::OFFICE,
                          std::vector<std::string> member_ids = {},
                          const std::string& full_name = "") {
    v1::CreateUnitRequest request;
    request.set_parent("organizations/" + org);
    request.set_unit_id(id);
    request.mutable_unit()->set_short_name(short_name);
    request.mutable_unit()->set_full_name(full_name);
    request.mutable_unit()->set_kind(kind);
    for (auto& m : member_ids) {
      request.mutable_unit()->add_members("organizations/" + org + "/units/" +
                                          m);
    }
    return Call(stub_, &v1::UnitService::Stub::CreateUnit, request, out);
  }
  Unit MustCreateUnit(const std::string& org, const std::string& id,
                      const std::string& short_name,
                      Unit::Kind kind = Unit::OFFICE,
                      std::vector<std::string> member_ids = {}) {
    Unit unit;
    grpc::Status status =
        CreateUnit(org, id, short_name, &unit, kind, std::move(member_ids));
    EXPECT_TRUE(status.ok()) << status.error_message();
    return unit;
  }

  // 益阳市教育局 under 湖南省教育厅, with a few units.
  void SeedYiyang() {
    Organization org;
    ASSERT_TRUE(CreateOrg("hn", "湖南省教育厅", &org).ok());
    ASSERT_TRUE(CreateOrg("yy", "益阳市教育局", &org,
                          {"中共益阳市委教育工作委员会", "益阳市委教育工委"},
                          "organizations/hn")
                    .ok());
    MustCreateUnit("yy", "jjk", "基教科");
    MustCreateUnit("yy", "zjk", "职教科");
    MustCreateUnit("yy", "dd", "教育督导科");
  }

  grpc::Status CreatePlan(
      const std::string& plan,
      std::vector<std::tuple<std::string, std::string, v1::Role>> entries,
      const std::string& request_id,
      v1::CreatePlanAssignmentsResponse* response,
      const std::string& org = "yy") {
    v1::CreatePlanAssignmentsRequest request;
    request.set_organization("organizations/" + org);
    request.set_plan("plans/" + plan);
    request.set_request_id(request_id);
    request.set_principal("督查室");
    for (auto& [item, name, role] : entries) {
      auto* e = request.add_entries();
      e->set_item("plans/" + plan + "/items/" + item);
      e->set_printed_name(name);
      e->set_role(role);
    }
    return Call(stub_, &v1::UnitService::Stub::CreatePlanAssignments, request,
                response);
  }
  grpc::Status Commit(const std::string& plan, const std::string& request_id,
                      v1::CommitPlanAssignmentsResponse* response) {
    v1::CommitPlanAssignmentsRequest request;
    request.set_plan("plans/" + plan);
    request.set_request_id(request_id);
    return Call(stub_, &v1::UnitService::Stub::CommitPlanAssignments, request,
                response);
  }
  std::vector<Assignment> ListAll(v1::ListAssignmentsRequest request) {
    std::vector<Assignment> out;
    for (int page = 0; page < 100; ++page) {
      v1::ListAssignmentsResponse response;
      grpc::Status status = Call(stub_, &v1::UnitService::Stub::ListAssignments,
                                 request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      out.insert(out.end(), response.assignments().begin(),
                 response.assignments().end());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return out;
  }

  std::unique_ptr<ServiceStack> stack_;
  v1::UnitService::Stub* stub_ = nullptr;
};

TEST_F(UnitServiceTest, OrganizationsCrudAndTheirErrors) {
  Organization province, city, again;
  ASSERT_TRUE(CreateOrg("hn", "湖南省教育厅", &province, {}, "", "o-1").ok());
  EXPECT_EQ(province.name(), "organizations/hn");
  EXPECT_EQ(province.level(), Organization::PROVINCE);
  EXPECT_FALSE(province.etag().empty());
  EXPECT_GT(province.create_time().seconds(), 0);
  ASSERT_TRUE(CreateOrg("hn", "湖南省教育厅", &again, {}, "", "o-1").ok());
  EXPECT_EQ(again.etag(), province.etag());  // a retry, not a second create
  EXPECT_EQ(CreateOrg("hn", "湖南省教育厅（二）", &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  grpc::Status bad = CreateOrg("Bad_Id", "某局", &again);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("organization_id"));
  EXPECT_THAT(bad.error_message(), HasSubstr("Bad_Id"));
  grpc::Status orphan =
      CreateOrg("cs", "长沙市教育局", &again, {}, "organizations/none");
  EXPECT_EQ(orphan.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(orphan.error_message(), HasSubstr("organization.parent"));
  ASSERT_TRUE(CreateOrg("yy", "益阳市教育局", &city, {"益阳市委教育工委"},
                        "organizations/hn")
                  .ok());

  v1::GetOrganizationRequest get;
  get.set_name("organizations/yy");
  Organization got;
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::GetOrganization, get, &got).ok());
  EXPECT_EQ(got.parent(), "organizations/hn");
  get.set_name("organizations/none");
  EXPECT_EQ(Call(stub_, &v1::UnitService::Stub::GetOrganization, get, &got)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  get.set_name("yy");
  EXPECT_EQ(Call(stub_, &v1::UnitService::Stub::GetOrganization, get, &got)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListOrganizationsRequest list;
  list.set_printed_name("益阳市委 教育工委");
  v1::ListOrganizationsResponse listed;
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::ListOrganizations, list, &listed)
          .ok());
  ASSERT_EQ(listed.organizations_size(), 1);
  EXPECT_EQ(listed.organizations(0).name(), "organizations/yy");
  list.Clear();
  list.set_page_token("garbage!");
  EXPECT_EQ(
      Call(stub_, &v1::UnitService::Stub::ListOrganizations, list, &listed)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);

  v1::UpdateOrganizationRequest update;
  update.mutable_organization()->set_name("organizations/yy");
  update.mutable_organization()->add_aliases("中共益阳市委教育工作委员会");
  update.mutable_organization()->set_etag(city.etag());
  update.mutable_update_mask()->add_paths("aliases");
  Organization updated;
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::UpdateOrganization, update, &updated)
          .ok());
  EXPECT_THAT(updated.aliases(), ElementsAre("中共益阳市委教育工作委员会"));
  grpc::Status stale =
      Call(stub_, &v1::UnitService::Stub::UpdateOrganization, update, &updated);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(stale.error_message(), HasSubstr("etag"));
  update.mutable_organization()->clear_etag();
  update.mutable_update_mask()->add_paths("etag");
  grpc::Status mask =
      Call(stub_, &v1::UnitService::Stub::UpdateOrganization, update, &updated);
  EXPECT_EQ(mask.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(mask.error_message(), HasSubstr("update_mask"));

  MustCreateUnit("yy", "jjk", "基教科");
  v1::DeleteOrganizationRequest del;
  del.set_name("organizations/yy");
  v1::DeleteOrganizationResponse deleted;
  grpc::Status busy =
      Call(stub_, &v1::UnitService::Stub::DeleteOrganization, del, &deleted);
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(busy.error_message(), HasSubstr("1 unit(s)"));
  Organization empty;
  ASSERT_TRUE(CreateOrg("tmp", "临时", &empty).ok());
  del.set_name("organizations/tmp");
  del.set_etag("v9");
  EXPECT_EQ(
      Call(stub_, &v1::UnitService::Stub::DeleteOrganization, del, &deleted)
          .error_code(),
      grpc::StatusCode::ABORTED);
  del.set_etag(empty.etag());
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::DeleteOrganization, del, &deleted)
          .ok());
  EXPECT_EQ(
      Call(stub_, &v1::UnitService::Stub::DeleteOrganization, del, &deleted)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(UnitServiceTest, UnitsCrudAliasesAndTheirErrors) {
  SeedYiyang();
  Unit unit;
  grpc::Status taken = CreateUnit("yy", "x", "基 教 科", &unit);
  EXPECT_EQ(taken.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(taken.error_message(), HasSubstr("organizations/yy/units/jjk"));
  grpc::Status no_kind =
      CreateUnit("yy", "x", "安管办", &unit, Unit::KIND_UNSPECIFIED);
  EXPECT_EQ(no_kind.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(no_kind.error_message(), HasSubstr("unit.kind"));
  EXPECT_EQ(CreateUnit("none", "x", "安管办", &unit).error_code(),
            grpc::StatusCode::NOT_FOUND);
  Unit group = MustCreateUnit("yy", "fp", "厅扶贫领导小组", Unit::WORKING_GROUP,
                              {"jjk", "zjk"});
  EXPECT_THAT(group.members(), ElementsAre("organizations/yy/units/jjk",
                                           "organizations/yy/units/zjk"));
  EXPECT_TRUE(group.active());

  v1::GetUnitRequest get;
  get.set_name("organizations/yy/units/jjk");
  ASSERT_TRUE(Call(stub_, &v1::UnitService::Stub::GetUnit, get, &unit).ok());
  EXPECT_EQ(unit.short_name(), "基教科");
  v1::GetUnitRequest missing;
  missing.set_name("organizations/yy/units/none");
  Unit none;
  EXPECT_EQ(
      Call(stub_, &v1::UnitService::Stub::GetUnit, missing, &none).error_code(),
      grpc::StatusCode::NOT_FOUND);

  v1::ListUnitsRequest list;
  list.set_parent("organizations/yy");
  list.set_kind(Unit::WORKING_GROUP);
  v1::ListUnitsResponse listed;
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::ListUnits, list, &listed).ok());
  ASSERT_EQ(listed.units_size(), 1);
  EXPECT_EQ(listed.units(0).name(), "organizations/yy/units/fp");
  list.clear_kind();
  list.set_page_size(2);
  std::vector<std::string> ids;
  for (int page = 0; page < 5; ++page) {
    ASSERT_TRUE(
        Call(stub_, &v1::UnitService::Stub::ListUnits, list, &listed).ok());
    for (const auto& u : listed.units()) ids.push_back(LastSegment(u.name()));
    if (listed.next_page_token().empty()) break;
    list.set_page_token(listed.next_page_token());
  }
  EXPECT_THAT(ids, ElementsAre("dd", "fp", "jjk", "zjk"));

  v1::UpdateUnitRequest update;
  update.mutable_unit()->set_name("organizations/yy/units/jjk");
  update.mutable_unit()->set_full_name("基础教育科");
  update.mutable_unit()->set_etag(unit.etag());
  update.mutable_update_mask()->add_paths("full_name");
  Unit updated;
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::UpdateUnit, update, &updated).ok());
  EXPECT_EQ(updated.full_name(), "基础教育科");
  EXPECT_EQ(Call(stub_, &v1::UnitService::Stub::UpdateUnit, update, &updated)
                .error_code(),
            grpc::StatusCode::ABORTED);

  v1::AddUnitAliasRequest add;
  add.set_name("organizations/yy/units/dd");
  add.set_alias("督导科");
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::AddUnitAlias, add, &updated).ok());
  EXPECT_THAT(updated.aliases(), ElementsAre("督导科"));
  add.set_name("organizations/yy/units/zjk");
  EXPECT_EQ(Call(stub_, &v1::UnitService::Stub::AddUnitAlias, add, &updated)
                .error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  v1::RemoveUnitAliasRequest remove;
  remove.set_name("organizations/yy/units/dd");
  remove.set_alias("督导科");
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::RemoveUnitAlias, remove, &updated)
          .ok());
  EXPECT_TRUE(updated.aliases().empty());
  remove.set_alias("");
  grpc::Status empty =
      Call(stub_, &v1::UnitService::Stub::RemoveUnitAlias, remove, &updated);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.error_message(), HasSubstr("alias"));
}

TEST_F(UnitServiceTest, ResolveUnitNamesAnswersEveryOutcome) {
  SeedYiyang();
  MustCreateUnit("yy", "fp", "厅扶贫领导小组", Unit::WORKING_GROUP, {"jjk"});
  v1::ResolveUnitNamesRequest request;
  request.set_organization("organizations/yy");
  for (const char* name : {"基教科", "督导科", "相关科室站",
                           "厅扶贫领导小组成员处室", "财务科", "職教科等"}) {
    request.add_names(name);
  }
  v1::ResolveUnitNamesResponse response;
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::ResolveUnitNames, request, &response)
          .ok());
  ASSERT_EQ(response.resolutions_size(), 6);
  const auto& r = response.resolutions();
  EXPECT_EQ(r[0].outcome(), UnitNameResolution::RESOLVED);
  EXPECT_EQ(r[0].match(), UnitNameResolution::EXACT_SHORT_NAME);
  EXPECT_EQ(r[1].outcome(), UnitNameResolution::SUGGESTED);
  EXPECT_EQ(r[1].suggestions(0).unit(), "organizations/yy/units/dd");
  EXPECT_THAT(r[1].suggestions(0).reason(), HasSubstr("教育"));
  EXPECT_EQ(r[2].outcome(), UnitNameResolution::PLACEHOLDER);
  EXPECT_EQ(r[3].outcome(), UnitNameResolution::GROUP);
  EXPECT_EQ(r[3].unit(), "organizations/yy/units/fp");
  EXPECT_EQ(r[4].outcome(), UnitNameResolution::UNKNOWN);
  EXPECT_EQ(r[5].outcome(), UnitNameResolution::RESOLVED);
  EXPECT_EQ(r[5].match(), UnitNameResolution::NORMALIZED);
  EXPECT_TRUE(r[5].open_ended());

  request.set_organization("organizations/none");
  EXPECT_EQ(
      Call(stub_, &v1::UnitService::Stub::ResolveUnitNames, request, &response)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  request.set_organization("organizations/yy");
  request.add_names(std::string(300, 'a'));
  grpc::Status bad =
      Call(stub_, &v1::UnitService::Stub::ResolveUnitNames, request, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("names[6]"));
}

TEST_F(UnitServiceTest, IssuingProtocolPendingThenCommittedOrDiscarded) {
  SeedYiyang();
  v1::CreatePlanAssignmentsResponse created;
  grpc::Status unresolved =
      CreatePlan("p", {{"1", "基教科", v1::LEAD}, {"2", "督导科", v1::LEAD}},
                 "i-1", &created);
  EXPECT_EQ(unresolved.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(unresolved.error_message(), HasSubstr("\"督导科\""));
  EXPECT_THAT(unresolved.error_message(), HasSubstr("教育督导科"));

  ASSERT_TRUE(CreatePlan("p",
                         {{"1", "基教科", v1::LEAD},
                          {"1", "职教科", v1::CO},
                          {"1", "相关科室站", v1::CO},
                          {"2", "教育督导科", v1::LEAD}},
                         "i-1", &created)
                  .ok());
  ASSERT_EQ(created.assignments_size(), 3);
  EXPECT_EQ(created.assignments(0).state(), Assignment::PENDING);
  EXPECT_EQ(created.skipped_size(), 1);
  v1::ListAssignmentsRequest by_plan;
  by_plan.set_plan("plans/p");
  EXPECT_TRUE(ListAll(by_plan).empty());  // pending: invisible

  v1::CreatePlanAssignmentsResponse retry;
  ASSERT_TRUE(CreatePlan("p",
                         {{"1", "基教科", v1::LEAD},
                          {"1", "职教科", v1::CO},
                          {"1", "相关科室站", v1::CO},
                          {"2", "教育督导科", v1::LEAD}},
                         "i-1", &retry)
                  .ok());
  EXPECT_EQ(retry.assignments(2).name(), created.assignments(2).name());
  grpc::Status reused =
      CreatePlan("p", {{"1", "基教科", v1::LEAD}}, "i-1", &retry);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(reused.error_message(), HasSubstr("request_id"));
  EXPECT_EQ(
      CreatePlan("p", {{"1", "基教科", v1::LEAD}}, "i-2", &retry).error_code(),
      grpc::StatusCode::ALREADY_EXISTS);

  // The plan service failed to issue: discard, then a new attempt commits.
  v1::DiscardPlanAssignmentsRequest discard;
  discard.set_plan("plans/p");
  discard.set_request_id("i-1");
  v1::DiscardPlanAssignmentsResponse discarded;
  ASSERT_TRUE(Call(stub_, &v1::UnitService::Stub::DiscardPlanAssignments,
                   discard, &discarded)
                  .ok());
  EXPECT_EQ(discarded.discarded_count(), 3);
  ASSERT_TRUE(CreatePlan("p",
                         {{"1", "基教科", v1::LEAD}, {"2", "职教科", v1::CO}},
                         "i-2", &created)
                  .ok());
  v1::CommitPlanAssignmentsResponse committed;
  grpc::Status wrong = Commit("p", "i-1", &committed);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(wrong.error_message(), HasSubstr("i-2"));
  ASSERT_TRUE(Commit("p", "i-2", &committed).ok());
  EXPECT_EQ(committed.committed_count(), 2);
  ASSERT_TRUE(Commit("p", "", &committed).ok());
  EXPECT_EQ(committed.committed_count(), 0);
  auto listed = ListAll(by_plan);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].state(), Assignment::ACTIVE);
  EXPECT_EQ(listed[0].unit(), "organizations/yy/units/jjk");
  discard.clear_request_id();
  EXPECT_EQ(Call(stub_, &v1::UnitService::Stub::DiscardPlanAssignments, discard,
                 &discarded)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Commit("none", "", &committed).error_code(),
            grpc::StatusCode::NOT_FOUND);
  grpc::Status bad_item =
      CreatePlan("q", {{"x y", "基教科", v1::LEAD}}, "i-3", &created);
  EXPECT_EQ(bad_item.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_item.error_message(), HasSubstr("entries[0].item"));
}

TEST_F(UnitServiceTest, ConcurrentRetriesOfOneCreateStoreOneSet) {
  SeedYiyang();
  std::vector<std::thread> threads;
  std::vector<grpc::Status> statuses(6);
  std::vector<v1::CreatePlanAssignmentsResponse> responses(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] = CreatePlan(
          "p", {{"1", "基教科", v1::LEAD}, {"2", "职教科", v1::LEAD}}, "same",
          &responses[i]);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    ASSERT_EQ(responses[i].assignments_size(), 2);
    EXPECT_EQ(responses[i].assignments(0).name(),
              responses[0].assignments(0).name());
  }
  v1::CommitPlanAssignmentsResponse committed;
  ASSERT_TRUE(Commit("p", "same", &committed).ok());
  EXPECT_EQ(committed.committed_count(), 2);
}

TEST_F(UnitServiceTest, ReassignListsAndDeactivateOverGrpc) {
  SeedYiyang();
  v1::CreatePlanAssignmentsResponse created;
  ASSERT_TRUE(CreatePlan("p",
                         {{"7", "基教科", v1::LEAD}, {"8", "基教科", v1::CO}},
                         "i-1", &created)
                  .ok());
  v1::CommitPlanAssignmentsResponse committed;
  ASSERT_TRUE(Commit("p", "i-1", &committed).ok());

  v1::ReassignItemRequest move;
  move.set_item("plans/p/items/7");
  move.set_from_unit("organizations/yy/units/jjk");
  move.set_to_unit("organizations/yy/units/dd");
  move.set_mode(v1::ReassignItemRequest::MOVE);
  move.set_reason("职责调整");
  move.set_request_id("mv-1");
  v1::ReassignItemResponse moved;
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::ReassignItem, move, &moved).ok());
  EXPECT_EQ(moved.from_assignment().state(), Assignment::ENDED);
  EXPECT_EQ(moved.to_assignment().replaces(), moved.from_assignment().name());
  v1::ReassignItemResponse retried;
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::ReassignItem, move, &retried).ok());
  EXPECT_EQ(retried.to_assignment().name(), moved.to_assignment().name());

  v1::ReassignItemRequest add = move;
  add.set_mode(v1::ReassignItemRequest::ADD);
  add.set_from_unit("organizations/yy/units/dd");
  add.set_to_unit("organizations/yy/units/zjk");
  add.set_request_id("");
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::ReassignItem, add, &moved).ok());
  EXPECT_EQ(moved.to_assignment().role(), v1::CO);
  grpc::Status dup =
      Call(stub_, &v1::UnitService::Stub::ReassignItem, add, &moved);
  EXPECT_EQ(dup.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(dup.error_message(), HasSubstr("already answers"));
  add.set_from_unit("organizations/yy/units/jjk");  // ended on item 7
  add.set_to_unit("organizations/yy/units/zzz");
  grpc::Status gone =
      Call(stub_, &v1::UnitService::Stub::ReassignItem, add, &moved);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(gone.error_message(), HasSubstr("from_unit"));
  add.set_mode(v1::ReassignItemRequest::MODE_UNSPECIFIED);
  grpc::Status mode =
      Call(stub_, &v1::UnitService::Stub::ReassignItem, add, &moved);
  EXPECT_EQ(mode.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(mode.error_message(), HasSubstr("mode"));

  v1::ListAssignmentsRequest by_item;
  by_item.set_item("plans/p/items/7");
  std::vector<std::string> units;
  for (const auto& a : ListAll(by_item)) units.push_back(LastSegment(a.unit()));
  EXPECT_THAT(units, ElementsAre("dd", "zjk"));
  by_item.set_include_ended(true);
  EXPECT_EQ(ListAll(by_item).size(), 3u);
  v1::ListAssignmentsRequest by_unit;
  by_unit.set_unit("organizations/yy/units/jjk");
  EXPECT_EQ(ListAll(by_unit).size(), 1u);  // item 8

  v1::ListUnitResponsibilitiesRequest duties;
  duties.set_unit("organizations/yy/units/dd");
  v1::ListUnitResponsibilitiesResponse answered;
  ASSERT_TRUE(Call(stub_, &v1::UnitService::Stub::ListUnitResponsibilities,
                   duties, &answered)
                  .ok());
  ASSERT_EQ(answered.assignments_size(), 1);
  EXPECT_EQ(answered.assignments(0).item(), "plans/p/items/7");
  duties.set_unit("organizations/yy/units/none");
  EXPECT_EQ(Call(stub_, &v1::UnitService::Stub::ListUnitResponsibilities,
                 duties, &answered)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::DeactivateUnitRequest deactivate;
  deactivate.set_name("organizations/yy/units/jjk");
  v1::DeactivateUnitResponse done;
  grpc::Status holds =
      Call(stub_, &v1::UnitService::Stub::DeactivateUnit, deactivate, &done);
  EXPECT_EQ(holds.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(holds.error_message(), HasSubstr("plans/p/items/8"));
  deactivate.set_etag("v99");
  EXPECT_EQ(
      Call(stub_, &v1::UnitService::Stub::DeactivateUnit, deactivate, &done)
          .error_code(),
      grpc::StatusCode::ABORTED);
  deactivate.clear_etag();
  deactivate.set_reassign_to("organizations/yy/units/zjk");
  deactivate.set_reason("合并");
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::DeactivateUnit, deactivate, &done)
          .ok());
  EXPECT_FALSE(done.unit().active());
  ASSERT_EQ(done.reassigned_size(), 1);
  EXPECT_EQ(done.reassigned(0).item(), "plans/p/items/8");
  EXPECT_EQ(done.reassigned(0).unit(), "organizations/yy/units/zjk");
}

// Every responsible unit printed in the provincial seed, once the directory
// holds them, becomes an assignment: lead = first printed, the rest CO,
// placeholders skipped, the group expanded. 考试院 resolves only after the
// supervisor confirms the suggestion as an alias.
TEST_F(UnitServiceTest, ProvincialSeedBecomesCommittedAssignments) {
  const std::string doc = ReadTestdata("hunan-education-2020.txt");
  std::vector<std::vector<std::string>> items;
  for (absl::string_view line : absl::StrSplit(doc, '\n')) {
    if (!absl::ConsumePrefix(&line, "责任单位：")) continue;
    items.emplace_back();
    for (absl::string_view name : absl::StrSplit(line, "、")) {
      items.back().push_back(std::string(absl::StripAsciiWhitespace(name)));
    }
  }
  ASSERT_GE(items.size(), 33u);
  Organization org;
  ASSERT_TRUE(
      CreateOrg("hn", "湖南省教育厅", &org, {"中共湖南省委教育工作委员会"})
          .ok());
  // The directory: each distinct normalized name once, but not 考试院.
  std::map<std::string, std::string> unit_of;  // key → unit id
  for (const auto& names : items) {
    for (const std::string& name : names) {
      const std::string key = NormalizeUnitName(name).text;
      if (IsPlaceholderName(key) || GroupMembersBase(key).has_value() ||
          key == "考试院" || unit_of.count(key) > 0) {
        continue;
      }
      const std::string id = "u" + std::to_string(unit_of.size() + 1);
      MustCreateUnit("hn", id, key);
      unit_of[key] = id;
    }
  }
  // Members not printed on the group's item are new assignments there;
  // 体卫艺处 is printed beside its group and is assigned once.
  MustCreateUnit("hn", "fp", "厅扶贫领导小组", Unit::WORKING_GROUP,
                 {unit_of.at("财建处"), unit_of.at("人事处")});
  MustCreateUnit("hn", "yq", "厅新冠肺炎疫情防控领导小组", Unit::WORKING_GROUP,
                 {unit_of.at("体卫艺处"), unit_of.at("办公室")});

  v1::CreatePlanAssignmentsRequest request;
  request.set_organization("organizations/hn");
  request.set_plan("plans/hunan-2020");
  request.set_request_id("issue-hunan");
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (std::size_t j = 0; j < items[i].size(); ++j) {
      auto* e = request.add_entries();
      e->set_item("plans/hunan-2020/items/" + std::to_string(i + 1));
      e->set_printed_name(items[i][j]);
      e->set_role(j == 0 ? v1::LEAD : v1::CO);
    }
  }
  v1::CreatePlanAssignmentsResponse created;
  grpc::Status refused = Call(
      stub_, &v1::UnitService::Stub::CreatePlanAssignments, request, &created);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("1 printed unit name(s)"));
  EXPECT_THAT(refused.error_message(), HasSubstr("\"考试院\""));
  EXPECT_THAT(refused.error_message(), HasSubstr("教育考试院"));

  v1::AddUnitAliasRequest alias;
  alias.set_name("organizations/hn/units/" + unit_of.at("教育考试院"));
  alias.set_alias("考试院");
  Unit aliased;
  ASSERT_TRUE(
      Call(stub_, &v1::UnitService::Stub::AddUnitAlias, alias, &aliased).ok());
  grpc::Status ok = Call(stub_, &v1::UnitService::Stub::CreatePlanAssignments,
                         request, &created);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(created.skipped_size(), 2);  // 相关处室 twice
  v1::CommitPlanAssignmentsResponse committed;
  ASSERT_TRUE(Commit("hunan-2020", "issue-hunan", &committed).ok());
  EXPECT_EQ(committed.committed_count(), created.assignments_size());

  // Each item has exactly one lead; 基教处 answers for the items that print
  // it.
  std::map<std::string, int> leads;
  v1::ListAssignmentsRequest by_plan;
  by_plan.set_plan("plans/hunan-2020");
  by_plan.set_page_size(50);
  const auto all = ListAll(by_plan);
  EXPECT_EQ(all.size(), static_cast<std::size_t>(created.assignments_size()));
  for (const auto& a : all) leads[a.item()] += a.role() == v1::LEAD;
  EXPECT_EQ(leads.size(), items.size());
  for (const auto& [item, count] : leads) EXPECT_EQ(count, 1) << item;
  int printed_jjc = 0;
  for (const auto& names : items) {
    for (const auto& n : names) printed_jjc += n == "基教处";
  }
  v1::ListUnitResponsibilitiesRequest duties;
  duties.set_unit("organizations/hn/units/" + unit_of.at("基教处"));
  v1::ListUnitResponsibilitiesResponse answered;
  ASSERT_TRUE(Call(stub_, &v1::UnitService::Stub::ListUnitResponsibilities,
                   duties, &answered)
                  .ok());
  EXPECT_EQ(answered.assignments_size(), printed_jjc);
  // The group was expanded to its members, marked as such.
  int via_group = 0;
  for (const auto& a : all) via_group += !a.via_group().empty();
  EXPECT_EQ(via_group, 3);
}

TEST(UnitServiceOutageTest, StorageOutageIsUnavailableAndRecovers) {
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start().ok());
  std::unique_ptr<ServiceStack> stack = StartStack(redis.options());
  ASSERT_TRUE(stack->ok());
  auto create = [&](const std::string& id) {
    v1::CreateOrganizationRequest request;
    request.set_organization_id(id);
    request.mutable_organization()->set_display_name("某局" + id);
    request.mutable_organization()->set_level(Organization::OTHER);
    Organization org;
    grpc::ClientContext context;
    return stack->unit()->CreateOrganization(&context, request, &org);
  };
  ASSERT_TRUE(create("before").ok());
  redis.Stop();
  v1::GetOrganizationRequest get;
  get.set_name("organizations/before");
  Organization org;
  {
    grpc::ClientContext context;
    grpc::Status status = stack->unit()->GetOrganization(&context, get, &org);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(status.error_message(), HasSubstr("storage unavailable"));
  }
  EXPECT_EQ(create("during").error_code(), grpc::StatusCode::UNAVAILABLE);
  {
    v1::CommitPlanAssignmentsRequest commit;
    commit.set_plan("plans/p");
    v1::CommitPlanAssignmentsResponse response;
    grpc::ClientContext context;
    EXPECT_EQ(stack->unit()
                  ->CommitPlanAssignments(&context, commit, &response)
                  .error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  ASSERT_TRUE(redis.Start().ok());
  // The pool reconnects by itself (the restarted Redis starts empty).
  grpc::Status after = create("after");
  ASSERT_TRUE(after.ok()) << after.error_message();
  get.set_name("organizations/after");
  grpc::ClientContext context;
  EXPECT_TRUE(stack->unit()->GetOrganization(&context, get, &org).ok());
}

}  // namespace
}  // namespace duban::unit
