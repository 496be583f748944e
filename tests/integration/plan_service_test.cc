// The plan service over real gRPC on loopback, on a real redis-server:
// every RPC, its happy path and each error code it documents.
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/redis_fixture.h"
#include "tests/support/service_stack.h"
#include "tests/support/testdata.h"

namespace duban::plan {
namespace {

namespace uv1 = ::duban::unit::v1;
using ::duban::RedisOptions;
using ::duban::RedisServerProcess;
using ::duban::ServiceStack;
using ::duban::ServiceStackOptions;
using ::duban::SharedTestRedis;

using ::testing::HasSubstr;
using v1::Item;
using v1::Plan;

const std::string& Hunan() {
  static const std::string* doc =
      new std::string(ReadTestdata("hunan-education-2020.txt"));
  return *doc;
}
const std::string& Yiyang() {
  static const std::string* doc =
      new std::string(ReadTestdata("yiyang-education-2020.txt"));
  return *doc;
}

// The two services a plan-server needs, in this process on free loopback
// ports: a unit service and the plan service calling it over gRPC.
std::unique_ptr<ServiceStack> StartStack(const RedisOptions& redis) {
  ServiceStackOptions options;
  options.progress_replicas = 0;
  options.unit_directory_policy.timeout = absl::Seconds(2);
  options.unit_directory_policy.attempts = 2;
  return std::make_unique<ServiceStack>(redis, options);
}

class PlanServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = SharedTestRedis();
    ASSERT_TRUE(options.ok()) << options.status();
    stack_ = StartStack(*options);
    ASSERT_TRUE(stack_->ok());
    ASSERT_TRUE(stack_->pool().Command({"FLUSHALL"}).ok());
    stub_ = stack_->plan();
  }

  grpc::Status Import(const std::string& content, const std::string& id,
                      v1::ImportPlanResponse* response,
                      const std::string& request_id = "",
                      bool dry_run = false) {
    v1::ImportPlanRequest request;
    request.set_content(content);
    request.set_plan_id(id);
    request.set_request_id(request_id);
    request.set_dry_run(dry_run);
    grpc::ClientContext context;
    return stub_->ImportPlan(&context, request, response);
  }
  Plan MustImport(const std::string& content, const std::string& id) {
    v1::ImportPlanResponse response;
    grpc::Status status = Import(content, id, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.plan();
  }
  grpc::Status Get(const std::string& name, Plan* plan) {
    v1::GetPlanRequest request;
    request.set_name(name);
    grpc::ClientContext context;
    return stub_->GetPlan(&context, request, plan);
  }
  // Creates the issuing organization of `plan_name` and a unit for every
  // name printed on its items (a working group for group names), as a
  // supervisor would before issuing. `skip` names are left out.
  void PrepareDirectory(const std::string& plan_name,
                        const std::set<std::string>& skip = {}) {
    Plan plan;
    ASSERT_TRUE(Get(plan_name, &plan).ok());
    uv1::CreateOrganizationRequest org;
    org.set_organization_id("org-" + plan_name.substr(6));
    org.mutable_organization()->set_display_name(plan.organization());
    org.mutable_organization()->set_level(uv1::Organization::CITY);
    uv1::Organization created;
    {
      grpc::ClientContext context;
      grpc::Status status =
          stack_->unit()->CreateOrganization(&context, org, &created);
      ASSERT_TRUE(status.ok() ||
                  status.error_code() == grpc::StatusCode::ALREADY_EXISTS)
          << status.error_message();
    }
    v1::ListItemsRequest list;
    list.set_parent(plan_name);
    list.set_page_size(1000);
    v1::ListItemsResponse items;
    ASSERT_TRUE(ListItems(list, &items).ok());
    std::set<std::string> done;
    for (const Item& item : items.items()) {
      for (const auto& ref : item.units()) {
        if (ref.kind() == v1::UnitRef::PLACEHOLDER ||
            skip.count(ref.printed_name()) ||
            !done.insert(ref.printed_name()).second) {
          continue;
        }
        uv1::CreateUnitRequest unit;
        unit.set_parent("organizations/org-" + plan_name.substr(6));
        unit.mutable_unit()->set_short_name(ref.printed_name());
        unit.mutable_unit()->set_kind(ref.kind() == v1::UnitRef::GROUP
                                          ? uv1::Unit::WORKING_GROUP
                                          : uv1::Unit::OFFICE);
        uv1::Unit made;
        grpc::ClientContext context;
        grpc::Status status = stack_->unit()->CreateUnit(&context, unit, &made);
        ASSERT_TRUE(status.ok() ||
                    status.error_code() == grpc::StatusCode::ALREADY_EXISTS)
            << ref.printed_name() << ": " << status.error_message();
      }
    }
  }
  int CountAssignments(const std::string& plan_name) {
    uv1::ListAssignmentsRequest request;
    request.set_plan(plan_name);
    request.set_page_size(1000);
    uv1::ListAssignmentsResponse response;
    grpc::ClientContext context;
    grpc::Status status =
        stack_->unit()->ListAssignments(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.assignments_size();
  }

  grpc::Status Issue(const std::string& name, const std::string& etag,
                     Plan* plan, const std::string& request_id = "") {
    PrepareDirectory(name);
    v1::IssuePlanRequest request;
    request.set_name(name);
    request.set_etag(etag);
    request.set_principal("督查室");
    request.set_request_id(request_id);
    grpc::ClientContext context;
    return stub_->IssuePlan(&context, request, plan);
  }
  grpc::Status ListItems(const v1::ListItemsRequest& request,
                         v1::ListItemsResponse* response) {
    grpc::ClientContext context;
    return stub_->ListItems(&context, request, response);
  }
  int CountPlans() {
    v1::ListPlansRequest request;
    v1::ListPlansResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->ListPlans(&context, request, &response).ok());
    return response.plans_size();
  }

  std::unique_ptr<ServiceStack> stack_;
  v1::PlanService::Stub* stub_ = nullptr;
};

TEST_F(PlanServiceTest, ImportStoresTheSeedAsDraftWithAllItems) {
  v1::ImportPlanResponse response;
  ASSERT_TRUE(Import(Yiyang(), "yiyang-2020", &response).ok());
  EXPECT_TRUE(response.stored());
  EXPECT_EQ(response.plan().name(), "plans/yiyang-2020");
  EXPECT_EQ(response.plan().state(), Plan::DRAFT);
  EXPECT_EQ(response.plan().document_number(), "益教发〔2020〕2号");
  EXPECT_EQ(response.plan().item_count(), response.items_size());
  EXPECT_FALSE(response.plan().etag().empty());
  EXPECT_EQ(response.plan().source_sha256().size(), 64u);
  Plan got;
  ASSERT_TRUE(Get("plans/yiyang-2020", &got).ok());
  EXPECT_EQ(got.title(), response.plan().title());
  EXPECT_EQ(got.sections_size(), 9);
  v1::ListItemsRequest list;
  list.set_parent("plans/yiyang-2020");
  list.set_page_size(1000);
  v1::ListItemsResponse items;
  ASSERT_TRUE(ListItems(list, &items).ok());
  EXPECT_EQ(items.items_size(), response.items_size());
  EXPECT_EQ(items.items(0).name(), "plans/yiyang-2020/items/1");
}

TEST_F(PlanServiceTest, DryRunReturnsTheParseAndStoresNothing) {
  v1::ImportPlanResponse response;
  ASSERT_TRUE(Import(Yiyang(), "yiyang-2020", &response, "", true).ok());
  EXPECT_FALSE(response.stored());
  EXPECT_GE(response.items_size(), 39);
  bool repeated_section_warned = false;
  for (const auto& w : response.warnings()) {
    repeated_section_warned |= w.code() == "REPEATED_SECTION_LABEL";
  }
  EXPECT_TRUE(repeated_section_warned);
  Plan got;
  EXPECT_EQ(Get("plans/yiyang-2020", &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CountPlans(), 0);
}

TEST_F(PlanServiceTest, RetriedImportWithSameRequestIdReturnsTheFirstResult) {
  v1::ImportPlanResponse first, second;
  ASSERT_TRUE(Import(Hunan(), "", &first, "req-1").ok());
  ASSERT_TRUE(Import(Hunan(), "", &second, "req-1").ok());
  EXPECT_EQ(first.plan().name(), second.plan().name());
  EXPECT_EQ(first.plan().etag(), second.plan().etag());
  EXPECT_EQ(CountPlans(), 1);
}

TEST_F(PlanServiceTest, ConcurrentRetriesOfOneImportStoreOnePlan) {
  std::vector<std::thread> threads;
  std::vector<grpc::Status> statuses(6);
  std::vector<v1::ImportPlanResponse> responses(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back(
        [&, i] { statuses[i] = Import(Hunan(), "", &responses[i], "same"); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(responses[i].plan().name(), responses[0].plan().name());
  }
  EXPECT_EQ(CountPlans(), 1);
}

TEST_F(PlanServiceTest, ReusedRequestIdWithAnotherDocumentIsInvalidArgument) {
  v1::ImportPlanResponse response;
  ASSERT_TRUE(Import(Hunan(), "", &response, "req-1").ok());
  grpc::Status status = Import(Yiyang(), "", &response, "req-1");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("request_id"));
  EXPECT_EQ(CountPlans(), 1);
}

TEST_F(PlanServiceTest, ImportingOverAnExistingIdIsAlreadyExists) {
  MustImport(Hunan(), "p2020");
  v1::ImportPlanResponse response;
  grpc::Status status = Import(Yiyang(), "p2020", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("plans/p2020"));
  Plan got;
  ASSERT_TRUE(Get("plans/p2020", &got).ok());
  EXPECT_EQ(got.source_sha256(), MustImport(Hunan(), "check").source_sha256());
}

TEST_F(PlanServiceTest, BadDocumentsAreInvalidArgumentAndStoreNothing) {
  struct Case {
    std::string content;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"", "content"},
      {"   \n\n  ", "content"},
      {"\xff\xfe\x00t\x00", "UTF-8"},
      {std::string("一、总则\n1.条目\0x", 24), "content"},
      {std::string(5 * 1024 * 1024, 'a'), "content"},
  };
  for (const Case& c : cases) {
    v1::ImportPlanResponse response;
    grpc::Status status = Import(c.content, "bad", &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.expected;
    EXPECT_THAT(status.error_message(), HasSubstr(c.expected));
  }
  EXPECT_EQ(CountPlans(), 0);
}

TEST_F(PlanServiceTest, BadIdsAndNamesAreInvalidArgumentNamingTheField) {
  v1::ImportPlanResponse response;
  grpc::Status status = Import(Hunan(), "Bad_Id", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("plan_id"));
  EXPECT_THAT(status.error_message(), HasSubstr("Bad_Id"));
  Plan plan;
  status = Get("hunan", &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("name"));
  v1::GetItemRequest item_request;
  item_request.set_name("plans/x/things/1");
  Item item;
  grpc::ClientContext context;
  status = stub_->GetItem(&context, item_request, &item);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(CountPlans(), 0);
}

TEST_F(PlanServiceTest, MissingParentPlanIsNotFound) {
  v1::ImportPlanRequest request;
  request.set_content(Yiyang());
  request.set_plan_id("yiyang");
  request.set_parent_plan("plans/hunan");
  v1::ImportPlanResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub_->ImportPlan(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("parent_plan"));
  MustImport(Hunan(), "hunan");
  grpc::ClientContext again;
  ASSERT_TRUE(stub_->ImportPlan(&again, request, &response).ok());
  EXPECT_EQ(response.plan().parent_plan(), "plans/hunan");
}

TEST_F(PlanServiceTest, GetOfUnknownPlanOrItemIsNotFound) {
  Plan plan;
  grpc::Status status = Get("plans/nothing", &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("plans/nothing"));
  MustImport(Hunan(), "hunan");
  v1::GetItemRequest request;
  request.set_name("plans/hunan/items/99");
  Item item;
  grpc::ClientContext context;
  status = stub_->GetItem(&context, request, &item);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  request.set_name("plans/hunan/items/11");
  grpc::ClientContext ok_context;
  ASSERT_TRUE(stub_->GetItem(&ok_context, request, &item).ok());
  EXPECT_EQ(item.number(), "11");
}

TEST_F(PlanServiceTest, CreatePlanValidatesAndIsIdempotent) {
  v1::CreatePlanRequest request;
  request.set_plan_id("manual");
  request.set_request_id("c-1");
  Plan created;
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->CreatePlan(&context, request, &created);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("plan.title"));
  }
  request.mutable_plan()->set_title("手工计划");
  request.mutable_plan()->set_year(2021);
  request.mutable_plan()->mutable_issue_date()->set_year(2021);
  request.mutable_plan()->mutable_issue_date()->set_month(2);
  request.mutable_plan()->mutable_issue_date()->set_day(30);
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->CreatePlan(&context, request, &created);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("plan.issue_date"));
  }
  request.mutable_plan()->mutable_issue_date()->set_day(28);
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->CreatePlan(&context, request, &created).ok());
    EXPECT_EQ(created.name(), "plans/manual");
    EXPECT_EQ(created.state(), Plan::DRAFT);
  }
  EXPECT_EQ(CountPlans(), 1);
}

TEST_F(PlanServiceTest, ListPlansPagesAndFiltersByState) {
  for (const char* id : {"a1", "a2", "a3", "a4", "a5"}) MustImport(Hunan(), id);
  Plan issued;
  ASSERT_TRUE(Issue("plans/a3", "", &issued).ok());
  std::vector<std::string> names;
  v1::ListPlansRequest request;
  request.set_page_size(2);
  for (int page = 0; page < 10; ++page) {
    v1::ListPlansResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListPlans(&context, request, &response).ok());
    for (const auto& p : response.plans()) names.push_back(p.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("plans/a1", "plans/a2", "plans/a3",
                                            "plans/a4", "plans/a5"));
  v1::ListPlansRequest filtered;
  filtered.set_state(Plan::ISSUED);
  v1::ListPlansResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListPlans(&context, filtered, &response).ok());
  ASSERT_EQ(response.plans_size(), 1);
  EXPECT_EQ(response.plans(0).name(), "plans/a3");

  v1::ListPlansRequest bad;
  bad.set_page_token("garbage!");
  grpc::ClientContext bad_context;
  grpc::Status status = stub_->ListPlans(&bad_context, bad, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  bad.set_page_token("");
  bad.set_page_size(-1);
  grpc::ClientContext negative;
  EXPECT_EQ(stub_->ListPlans(&negative, bad, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PlanServiceTest, UpdatePlanAppliesTheMaskAndChecksTheEtag) {
  Plan plan = MustImport(Hunan(), "hunan");
  v1::UpdatePlanRequest request;
  request.mutable_plan()->set_name("plans/hunan");
  request.mutable_plan()->set_title("改过的标题");
  request.mutable_plan()->set_year(1800);
  request.mutable_plan()->set_etag(plan.etag());
  request.mutable_update_mask()->add_paths("title");
  Plan updated;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->UpdatePlan(&context, request, &updated).ok());
    EXPECT_EQ(updated.title(), "改过的标题");
    EXPECT_EQ(updated.year(), plan.year());  // not in the mask
    EXPECT_NE(updated.etag(), plan.etag());
  }
  {
    grpc::ClientContext context;  // stale etag
    grpc::Status status = stub_->UpdatePlan(&context, request, &updated);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
    EXPECT_THAT(status.error_message(), HasSubstr("etag"));
  }
  request.mutable_plan()->clear_etag();
  request.mutable_update_mask()->add_paths("state");
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->UpdatePlan(&context, request, &updated);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("state"));
  }
  request.mutable_update_mask()->Clear();
  request.mutable_update_mask()->add_paths("year");
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->UpdatePlan(&context, request, &updated);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("1800"));
  }
  request.mutable_update_mask()->Clear();
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->UpdatePlan(&context, request, &updated).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  Plan got;
  ASSERT_TRUE(Get("plans/hunan", &got).ok());
  EXPECT_EQ(got.title(), "改过的标题");
  EXPECT_EQ(got.year(), plan.year());
}

TEST_F(PlanServiceTest, LifecycleDraftIssuedArchived) {
  Plan plan = MustImport(Hunan(), "hunan");
  Plan issued;
  EXPECT_EQ(Issue("plans/hunan", "v999", &issued).error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_EQ(Issue("plans/hunan", "nonsense", &issued).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Issue("plans/hunan", plan.etag(), &issued, "iss-1").ok());
  EXPECT_EQ(issued.state(), Plan::ISSUED);
  EXPECT_EQ(issued.issued_by().principal(), "督查室");
  EXPECT_GT(issued.issued_by().time().seconds(), 0);
  // A retry of the same issue call answers the result; another is refused.
  Plan again;
  ASSERT_TRUE(Issue("plans/hunan", plan.etag(), &again, "iss-1").ok());
  EXPECT_EQ(again.etag(), issued.etag());
  grpc::Status status = Issue("plans/hunan", "", &again, "iss-2");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("ISSUED"));

  v1::DeletePlanRequest del;
  del.set_name("plans/hunan");
  v1::DeletePlanResponse deleted;
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->DeletePlan(&context, del, &deleted).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  v1::ArchivePlanRequest archive;
  archive.set_name("plans/hunan");
  Plan archived;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ArchivePlan(&context, archive, &archived).ok());
    EXPECT_EQ(archived.state(), Plan::ARCHIVED);
  }
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->ArchivePlan(&context, archive, &archived).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  v1::UpdatePlanRequest update;
  update.mutable_plan()->set_name("plans/hunan");
  update.mutable_plan()->set_title("x");
  update.mutable_update_mask()->add_paths("title");
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->UpdatePlan(&context, update, &archived).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
}

TEST_F(PlanServiceTest, DeleteRemovesADraftAndChecksTheEtag) {
  Plan plan = MustImport(Hunan(), "hunan");
  v1::DeletePlanRequest del;
  del.set_name("plans/hunan");
  del.set_etag("v42");
  v1::DeletePlanResponse deleted;
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->DeletePlan(&context, del, &deleted).error_code(),
              grpc::StatusCode::ABORTED);
  }
  del.set_etag(plan.etag());
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->DeletePlan(&context, del, &deleted).ok());
  }
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->DeletePlan(&context, del, &deleted).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  Plan got;
  EXPECT_EQ(Get("plans/hunan", &got).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CountPlans(), 0);
}

TEST_F(PlanServiceTest, ListItemsFiltersBySectionUnitAndKeyword) {
  MustImport(Yiyang(), "yiyang");
  v1::ListItemsRequest request;
  request.set_parent("plans/yiyang");
  request.set_unit("基教科");
  v1::ListItemsResponse response;
  ASSERT_TRUE(ListItems(request, &response).ok());
  ASSERT_GT(response.items_size(), 5);
  for (const Item& item : response.items()) {
    bool has = false;
    for (const auto& u : item.units()) has |= u.printed_name() == "基教科";
    EXPECT_TRUE(has) << item.name();
  }
  request.clear_unit();
  request.set_section_id("2");
  ASSERT_TRUE(ListItems(request, &response).ok());
  ASSERT_EQ(response.items_size(), 3);  // items 7, 8, 9
  EXPECT_EQ(response.items(0).number(), "7");
  request.clear_section_id();
  request.set_keyword("大班额");
  ASSERT_TRUE(ListItems(request, &response).ok());
  ASSERT_GE(response.items_size(), 1);
  EXPECT_EQ(response.items(0).number(), "20");

  // Pages of 10 cover all items exactly once.
  v1::ListItemsRequest paged;
  paged.set_parent("plans/yiyang");
  paged.set_page_size(10);
  int seen = 0;
  for (int page = 0; page < 10; ++page) {
    ASSERT_TRUE(ListItems(paged, &response).ok());
    seen += response.items_size();
    EXPECT_EQ(response.total_size(), 39);
    if (response.next_page_token().empty()) break;
    paged.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen, 39);
  paged.set_parent("plans/none");
  paged.clear_page_token();
  EXPECT_EQ(ListItems(paged, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(PlanServiceTest, BatchGetItemsReturnsInTheOrderAsked) {
  MustImport(Hunan(), "hunan");
  v1::BatchGetItemsRequest request;
  request.set_parent("plans/hunan");
  request.add_names("plans/hunan/items/11");
  request.add_names("plans/hunan/items/1");
  v1::BatchGetItemsResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->BatchGetItems(&context, request, &response).ok());
    ASSERT_EQ(response.items_size(), 2);
    EXPECT_EQ(response.items(0).number(), "11");
    EXPECT_EQ(response.items(1).number(), "1");
  }
  request.add_names("plans/hunan/items/404");
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->BatchGetItems(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(status.error_message(), HasSubstr("items/404"));
  }
  request.set_names(2, "plans/other/items/1");
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->BatchGetItems(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(PlanServiceTest, UpdateItemEditsDraftsOnlyAndReparsesUnits) {
  Plan plan = MustImport(Hunan(), "hunan");
  v1::UpdateItemRequest request;
  request.mutable_item()->set_name("plans/hunan/items/1");
  request.mutable_item()->set_responsible_units_text("基教处牵头，财建处配合");
  request.mutable_update_mask()->add_paths("responsible_units_text");
  Item item;
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->UpdateItem(&context, request, &item);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_GE(item.units_size(), 2);
    EXPECT_EQ(item.units(0).printed_name(), "基教处");
    EXPECT_EQ(item.units(0).role(), v1::LEAD);
  }
  request.mutable_item()->set_section_id("99");
  request.mutable_update_mask()->add_paths("section_id");
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->UpdateItem(&context, request, &item);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("section_id"));
  }
  Plan issued;
  ASSERT_TRUE(Issue("plans/hunan", "", &issued).ok());
  request.mutable_update_mask()->Clear();
  request.mutable_update_mask()->add_paths("title");
  request.mutable_item()->set_title("新标题");
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->UpdateItem(&context, request, &item);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(status.error_message(), HasSubstr("AmendItem"));
  }
}

TEST_F(PlanServiceTest, AmendItemRecordsWhoWhenWhyOnIssuedPlans) {
  MustImport(Hunan(), "hunan");
  v1::AmendItemRequest request;
  request.mutable_item()->set_name("plans/hunan/items/7");
  request.mutable_item()->set_title("加强教育督导评估考核（调整）");
  request.mutable_update_mask()->add_paths("title");
  request.set_principal("督查室");
  request.set_reason("厅务会调整");
  request.set_request_id("amend-1");
  Item item;
  {
    grpc::ClientContext context;  // still DRAFT
    EXPECT_EQ(stub_->AmendItem(&context, request, &item).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
  }
  Plan issued;
  ASSERT_TRUE(Issue("plans/hunan", "", &issued).ok());
  request.clear_reason();
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->AmendItem(&context, request, &item);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("reason"));
  }
  request.set_reason("厅务会调整");
  for (int i = 0; i < 2; ++i) {  // the retry is not a second amendment
    grpc::ClientContext context;
    grpc::Status status = stub_->AmendItem(&context, request, &item);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(item.title(), "加强教育督导评估考核（调整）");
  ASSERT_EQ(item.amendments_size(), 1);
  EXPECT_EQ(item.amendments(0).reason(), "厅务会调整");
  EXPECT_EQ(item.amendments(0).actor().principal(), "督查室");
  EXPECT_THAT(item.amendments(0).fields(), ::testing::ElementsAre("title"));
  request.mutable_item()->set_etag("v1");
  request.set_request_id("amend-2");
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->AmendItem(&context, request, &item).error_code(),
              grpc::StatusCode::ABORTED);
  }
}

TEST_F(PlanServiceTest, IssueCreatesTheAssignmentsOfEveryItemInTheUnitService) {
  MustImport(Hunan(), "hunan");
  v1::ListItemsRequest list;
  list.set_parent("plans/hunan");
  list.set_page_size(1000);
  v1::ListItemsResponse items;
  ASSERT_TRUE(ListItems(list, &items).ok());
  // Every (item, unit) printed, less placeholders: groups without members
  // are assigned themselves.
  int expected = 0;
  for (const Item& item : items.items()) {
    std::set<std::string> names;
    for (const auto& ref : item.units()) {
      if (ref.kind() != v1::UnitRef::PLACEHOLDER)
        names.insert(ref.printed_name());
    }
    expected += static_cast<int>(names.size());
  }
  ASSERT_GT(expected, 100);
  Plan issued;
  grpc::Status status = Issue("plans/hunan", "", &issued);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(issued.state(), Plan::ISSUED);
  EXPECT_TRUE(issued.assignments_committed());
  EXPECT_EQ(issued.issuing_organization(), "organizations/org-hunan");
  EXPECT_EQ(CountAssignments("plans/hunan"), expected);
}

TEST_F(PlanServiceTest,
       IssueIsRefusedListingUnresolvedNamesAndNothingIsAssigned) {
  MustImport(Hunan(), "hunan");
  PrepareDirectory("plans/hunan", {"老干处", "研究生处"});
  v1::IssuePlanRequest request;
  request.set_name("plans/hunan");
  Plan plan;
  grpc::ClientContext context;
  grpc::Status status = stub_->IssuePlan(&context, request, &plan);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("老干处"));
  EXPECT_THAT(status.error_message(), HasSubstr("研究生处"));
  ASSERT_TRUE(Get("plans/hunan", &plan).ok());
  EXPECT_EQ(plan.state(), Plan::DRAFT);
  EXPECT_EQ(CountAssignments("plans/hunan"), 0);
}

TEST_F(PlanServiceTest, IssueWithTheUnitServiceStoppedLeavesNothingHalfDone) {
  MustImport(Hunan(), "hunan");
  PrepareDirectory("plans/hunan");
  const int unit_port = stack_->unit_server()->port();
  stack_->unit_server()->Shutdown();
  v1::IssuePlanRequest request;
  request.set_name("plans/hunan");
  request.set_request_id("issue-1");
  Plan plan;
  {
    grpc::ClientContext context;
    grpc::Status status = stub_->IssuePlan(&context, request, &plan);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(status.error_message(), HasSubstr("unit service"));
    EXPECT_THAT(status.error_message(), HasSubstr("still DRAFT"));
  }
  ASSERT_TRUE(Get("plans/hunan", &plan).ok());
  EXPECT_EQ(plan.state(), Plan::DRAFT);
  ASSERT_TRUE(stack_->StartUnitServer(unit_port));
  EXPECT_EQ(CountAssignments("plans/hunan"), 0);
  // The same request, retried once the unit service is back (the plan
  // service's channel needs a moment to reconnect).
  grpc::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {
    grpc::ClientContext context;
    status = stub_->IssuePlan(&context, request, &plan);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(plan.state(), Plan::ISSUED);
  EXPECT_GT(CountAssignments("plans/hunan"), 100);
}

TEST(PlanServiceOutageTest, StorageOutageIsUnavailableAndRecovers) {
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start().ok());
  std::unique_ptr<ServiceStack> stack = StartStack(redis.options());
  ASSERT_TRUE(stack->ok());
  auto import = [&](const std::string& id) {
    v1::ImportPlanRequest request;
    request.set_content(Hunan());
    request.set_plan_id(id);
    v1::ImportPlanResponse response;
    grpc::ClientContext context;
    return stack->plan()->ImportPlan(&context, request, &response);
  };
  ASSERT_TRUE(import("before").ok());
  redis.Stop();
  v1::GetPlanRequest get;
  get.set_name("plans/before");
  Plan plan;
  {
    grpc::ClientContext context;
    grpc::Status status = stack->plan()->GetPlan(&context, get, &plan);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(status.error_message(), HasSubstr("storage unavailable"));
  }
  EXPECT_EQ(import("during").error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(redis.Start().ok());
  // The pool reconnects by itself (the restarted Redis starts empty).
  grpc::Status after = import("after");
  ASSERT_TRUE(after.ok()) << after.error_message();
  get.set_name("plans/after");
  grpc::ClientContext context;
  EXPECT_TRUE(stack->plan()->GetPlan(&context, get, &plan).ok());
}

}  // namespace
}  // namespace duban::plan
