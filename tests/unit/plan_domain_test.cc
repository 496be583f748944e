// The plan domain's rules on the in-memory store: names, etags, conflicts
// and retries, lifecycle, masks, idempotency. (The same rules over gRPC and
// Redis are covered by tests/integration/plan_service_test.cc.)
#include "services/plan/plan_domain.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/plan/memory_store.h"

namespace duban::plan {
namespace {

using ::testing::HasSubstr;

constexpr char kSmallPlan[] =
    "某某市教育局 2021年工作要点\n"
    "\n"
    "一、加强党的建设\n"
    "\n"
    "1.深化理论学习。年内完成 12 场专题培训。（组宣部、秘书科）\n"
    "\n"
    "2.抓好作风建设。开展专项整治。（机关纪委）\n";

// A store that reports a conflict on the next `conflicts` plan updates, as
// if another writer got in between the read and the write.
class ConflictingStore : public MemoryPlanStore {
 public:
  int conflicts = 0;
  int update_calls = 0;
  absl::StatusOr<std::pair<WriteOutcome, int64_t>> UpdatePlan(
      const v1::Plan& plan, int64_t expected_version,
      const RequestKey& request) override {
    ++update_calls;
    if (conflicts > 0) {
      --conflicts;
      return PlanChanged("x");
    }
    return MemoryPlanStore::UpdatePlan(plan, expected_version, request);
  }
};

// The unit service as the plan domain sees it: known unit names, and the
// assignments of each plan, pending or committed.
class FakeUnitDirectory : public UnitDirectory {
 public:
  std::set<std::string> known = {"组宣部", "秘书科", "机关纪委"};
  bool unavailable = false;
  bool commit_unavailable = false;
  std::map<std::string, std::vector<AssignmentEntry>> pending;
  std::map<std::string, std::vector<AssignmentEntry>> committed;
  int discards = 0;

  absl::StatusOr<std::string> FindOrganization(
      absl::string_view printed_name) override {
    if (unavailable) return absl::UnavailableError("unit service down");
    if (printed_name != "某某市教育局") {
      return absl::FailedPreconditionError("no such organization");
    }
    return std::string("organizations/city");
  }
  absl::Status CreatePlanAssignments(
      absl::string_view organization, absl::string_view plan,
      const std::vector<AssignmentEntry>& entries, absl::string_view,
      absl::string_view) override {
    if (unavailable) return absl::UnavailableError("unit service down");
    EXPECT_EQ(organization, "organizations/city");
    std::vector<std::string> unknown;
    for (const auto& e : entries) {
      if (known.count(e.printed_name) == 0) unknown.push_back(e.printed_name);
    }
    if (!unknown.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("unresolved: ", absl::StrJoin(unknown, "、")));
    }
    pending[std::string(plan)] = entries;
    return absl::OkStatus();
  }
  absl::Status CommitPlanAssignments(absl::string_view plan,
                                     absl::string_view) override {
    if (unavailable || commit_unavailable) {
      return absl::UnavailableError("unit service down");
    }
    auto it = pending.find(std::string(plan));
    if (it != pending.end()) {
      committed[it->first] = it->second;
      pending.erase(it);
    }
    return absl::OkStatus();
  }
  absl::Status DiscardPlanAssignments(absl::string_view plan,
                                      absl::string_view) override {
    ++discards;
    pending.erase(std::string(plan));
    return absl::OkStatus();
  }
};

class PlanDomainTest : public ::testing::Test {
 protected:
  PlanDomainTest()
      : domain_(&store_, &units_,
                [] { return absl::FromUnixSeconds(1600000000); }) {}

  v1::Plan Import(const std::string& id) {
    v1::ImportPlanRequest request;
    request.set_content(kSmallPlan);
    request.set_plan_id(id);
    request.set_organization("organizations/city");
    auto response = domain_.ImportPlan(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->plan() : v1::Plan();
  }

  ConflictingStore store_;
  FakeUnitDirectory units_;
  PlanDomain domain_;
};

TEST(PlanNamesTest, ParsePlanNameAcceptsOnlyPlansSlashId) {
  EXPECT_EQ(*ParsePlanName("name", "plans/hunan-2020"), "hunan-2020");
  for (const char* bad : {"", "plans/", "hunan", "plans/Hunan", "plans/a/b",
                          "plan/a", "plans/-a", "plans/a-"}) {
    auto parsed = ParsePlanName("name", bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_THAT(parsed.status().message(), HasSubstr("name"));
  }
}

TEST(PlanNamesTest, ParseItemNameSplitsPlanAndItem) {
  auto ids = ParseItemName("name", "plans/p/items/3.1");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->first, "p");
  EXPECT_EQ(ids->second, "3.1");
  for (const char* bad :
       {"plans/p/items/", "plans/p/item/1", "plans/p/items/a b",
        "plans/P/items/1", "plans/p/items/1/x"}) {
    EXPECT_EQ(ParseItemName("name", bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(PlanDomainTest, ImportSetsTimesFromTheClockAndStateDraft) {
  v1::Plan plan = Import("p");
  EXPECT_EQ(plan.state(), v1::Plan::DRAFT);
  EXPECT_EQ(plan.create_time().seconds(), 1600000000);
  EXPECT_EQ(plan.etag(), EtagOf(1));
  EXPECT_EQ(plan.item_count(), 2);
}

TEST_F(PlanDomainTest, ImportWithoutIdDerivesItFromTheRequestId) {
  v1::ImportPlanRequest request;
  request.set_content(kSmallPlan);
  request.set_request_id("abc");
  auto first = domain_.ImportPlan(request);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(first->plan().name(), ::testing::StartsWith("plans/plan-"));
  auto second = domain_.ImportPlan(request);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->plan().name(), second->plan().name());
  request.set_request_id("def");
  auto third = domain_.ImportPlan(request);
  ASSERT_TRUE(third.ok());
  EXPECT_NE(third->plan().name(), first->plan().name());
}

TEST_F(PlanDomainTest, WriteConflictIsRetriedWhenTheCallerSentNoEtag) {
  Import("p");
  store_.conflicts = 2;
  store_.update_calls = 0;
  v1::IssuePlanRequest request;
  request.set_name("plans/p");
  auto issued = domain_.IssuePlan(request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  // Two conflicts, the write that went through, then the write recording
  // that the assignments were committed.
  EXPECT_EQ(store_.update_calls, 4);
  EXPECT_EQ(issued->state(), v1::Plan::ISSUED);
}

TEST_F(PlanDomainTest, PersistentConflictEndsInAborted) {
  Import("p");
  store_.conflicts = 100;
  v1::IssuePlanRequest request;
  request.set_name("plans/p");
  EXPECT_EQ(domain_.IssuePlan(request).status().code(),
            absl::StatusCode::kAborted);
}

TEST_F(PlanDomainTest, StaleCallerEtagIsAbortedWithoutAWriteOrRetry) {
  v1::Plan plan = Import("p");
  v1::UpdatePlanRequest update;
  update.mutable_plan()->set_name("plans/p");
  update.mutable_plan()->set_title("新");
  update.mutable_update_mask()->add_paths("title");
  ASSERT_TRUE(domain_.UpdatePlan(update).ok());
  store_.update_calls = 0;
  v1::IssuePlanRequest request;
  request.set_name("plans/p");
  request.set_etag(plan.etag());  // read before the update
  auto issued = domain_.IssuePlan(request);
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(IsStaleEtag(issued.status()));
  EXPECT_EQ(store_.update_calls, 0);
}

TEST_F(PlanDomainTest, StoreOutageIsUnavailable) {
  Import("p");
  store_.SetUnavailable(true);
  v1::GetPlanRequest request;
  request.set_name("plans/p");
  EXPECT_EQ(domain_.GetPlan(request).status().code(),
            absl::StatusCode::kUnavailable);
  store_.SetUnavailable(false);
  EXPECT_TRUE(domain_.GetPlan(request).ok());
}

TEST_F(PlanDomainTest, ArchiveNeedsAnIssuedPlan) {
  Import("p");
  v1::ArchivePlanRequest request;
  request.set_name("plans/p");
  auto archived = domain_.ArchivePlan(request);
  EXPECT_EQ(archived.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(archived.status().message(), HasSubstr("DRAFT"));
}

TEST_F(PlanDomainTest, ListItemsRejectsATamperedPageToken) {
  Import("p");
  v1::ListItemsRequest request;
  request.set_parent("plans/p");
  request.set_page_size(1);
  auto first = domain_.ListItems(request);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token().empty());
  for (const std::string& bad :
       {std::string("%%%"), EncodePageToken("abc"), EncodePageToken("-1"),
        std::string("dDI6MQ")}) {  // "t2:1": another token format
    request.set_page_token(bad);
    EXPECT_EQ(domain_.ListItems(request).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  request.set_page_token(first->next_page_token());
  auto second = domain_.ListItems(request);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items_size(), 1);
  EXPECT_EQ(second->items(0).number(), "2");
  EXPECT_TRUE(second->next_page_token().empty());
}

TEST_F(PlanDomainTest, UpdateItemRejectsUnknownMaskPathsAndBadUnits) {
  Import("p");
  v1::UpdateItemRequest request;
  request.mutable_item()->set_name("plans/p/items/1");
  request.mutable_update_mask()->add_paths("ordinal");
  auto updated = domain_.UpdateItem(request);
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(updated.status().message(), HasSubstr("ordinal"));
  request.mutable_update_mask()->Clear();
  request.mutable_update_mask()->add_paths("units");
  request.mutable_item()->add_units()->set_printed_name("");
  updated = domain_.UpdateItem(request);
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(updated.status().message(), HasSubstr("units[0]"));
}

v1::Plan GetPlan(PlanDomain& domain, const std::string& name) {
  v1::GetPlanRequest request;
  request.set_name(name);
  auto plan = domain.GetPlan(request);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : v1::Plan();
}

TEST_F(PlanDomainTest, IssueAssignsEveryPrintedUnitAndCommits) {
  Import("p");
  v1::IssuePlanRequest request;
  request.set_name("plans/p");
  request.set_principal("督查室");
  auto issued = domain_.IssuePlan(request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->state(), v1::Plan::ISSUED);
  EXPECT_EQ(issued->issuing_organization(), "organizations/city");
  EXPECT_TRUE(issued->assignments_committed());
  ASSERT_EQ(units_.committed.count("plans/p"), 1u);
  const auto& entries = units_.committed["plans/p"];
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].item, "plans/p/items/1");
  EXPECT_EQ(entries[0].printed_name, "组宣部");
  EXPECT_EQ(entries[0].role, v1::LEAD);
  EXPECT_EQ(entries[1].printed_name, "秘书科");
  EXPECT_EQ(entries[1].role, v1::CO);
  EXPECT_EQ(entries[2].item, "plans/p/items/2");
  EXPECT_TRUE(units_.pending.empty());
}

TEST_F(PlanDomainTest, IssueIsRefusedWhileANameIsUnresolvedAndPlanStaysDraft) {
  Import("p");
  units_.known.erase("机关纪委");
  v1::IssuePlanRequest request;
  request.set_name("plans/p");
  auto issued = domain_.IssuePlan(request);
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(issued.status().message(), HasSubstr("机关纪委"));
  EXPECT_THAT(issued.status().message(), HasSubstr("still DRAFT"));
  EXPECT_EQ(GetPlan(domain_, "plans/p").state(), v1::Plan::DRAFT);
  EXPECT_TRUE(units_.pending.empty());
  EXPECT_TRUE(units_.committed.empty());
}

TEST_F(PlanDomainTest,
       IssueWithTheUnitServiceDownIsUnavailableAndChangesNothing) {
  v1::Plan before = Import("p");
  units_.unavailable = true;
  v1::IssuePlanRequest request;
  request.set_name("plans/p");
  auto issued = domain_.IssuePlan(request);
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kUnavailable);
  v1::Plan after = GetPlan(domain_, "plans/p");
  EXPECT_EQ(after.state(), v1::Plan::DRAFT);
  EXPECT_EQ(after.etag(), before.etag());
  EXPECT_TRUE(units_.pending.empty());
  units_.unavailable = false;
  EXPECT_TRUE(domain_.IssuePlan(request).ok());
}

TEST_F(PlanDomainTest, FailedPlanWriteDiscardsThePendingAssignments) {
  Import("p");
  store_.conflicts = 100;
  v1::IssuePlanRequest request;
  request.set_name("plans/p");
  EXPECT_EQ(domain_.IssuePlan(request).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_GE(units_.discards, 1);
  EXPECT_TRUE(units_.pending.empty());
  EXPECT_TRUE(units_.committed.empty());
  EXPECT_EQ(GetPlan(domain_, "plans/p").state(), v1::Plan::DRAFT);
}

TEST_F(PlanDomainTest, UncommittedAssignmentsAreCommittedLater) {
  Import("p");
  units_.commit_unavailable = true;
  v1::IssuePlanRequest request;
  request.set_name("plans/p");
  auto issued = domain_.IssuePlan(request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->state(), v1::Plan::ISSUED);
  EXPECT_FALSE(issued->assignments_committed());
  EXPECT_EQ(*domain_.CommitPendingAssignments(), 0);
  units_.commit_unavailable = false;
  EXPECT_EQ(*domain_.CommitPendingAssignments(), 1);
  EXPECT_TRUE(GetPlan(domain_, "plans/p").assignments_committed());
  EXPECT_EQ(units_.committed.count("plans/p"), 1u);
  EXPECT_EQ(*domain_.CommitPendingAssignments(), 0);
}

TEST_F(PlanDomainTest,
       IssueOfAPlanWithAnUnknownOrganizationIsFailedPrecondition) {
  v1::CreatePlanRequest create;
  create.set_plan_id("q");
  create.mutable_plan()->set_title("别的计划");
  create.mutable_plan()->add_issuing_authorities("不存在的局");
  ASSERT_TRUE(domain_.CreatePlan(create).ok());
  v1::IssuePlanRequest request;
  request.set_name("plans/q");
  EXPECT_EQ(domain_.IssuePlan(request).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(PlanDomainTest, CreatePlanKeepsAWellFormedIssuingOrganization) {
  v1::CreatePlanRequest create;
  create.set_plan_id("r");
  create.mutable_plan()->set_title("市局计划");
  create.mutable_plan()->set_issuing_organization("organizations/city");
  auto made = domain_.CreatePlan(create);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->issuing_organization(), "organizations/city");

  create.set_plan_id("s");
  create.mutable_plan()->set_issuing_organization("city");
  auto bad = domain_.CreatePlan(create);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(),
              ::testing::HasSubstr("plan.issuing_organization"));
}

// Pages of a filtered list hold page_size plans of the admitted
// organizations, and following the tokens visits each exactly once.
TEST_F(PlanDomainTest, ListPlansShowsOnlyReadableOrganizationsPageByPage) {
  std::vector<std::string> expected;
  for (int i = 0; i < 7; ++i) {
    v1::ImportPlanRequest request;
    request.set_content(kSmallPlan);
    request.set_plan_id(absl::StrCat("p", i));
    request.set_organization(i % 3 == 0 ? "organizations/city"
                                        : "organizations/other");
    ASSERT_TRUE(domain_.ImportPlan(request).ok());
    if (i % 3 == 0) expected.push_back(absl::StrCat("plans/p", i));
  }
  v1::CreatePlanRequest orphan;  // names no organization
  orphan.set_plan_id("p9");
  orphan.mutable_plan()->set_title("无主计划");
  orphan.mutable_plan()->add_issuing_authorities("不存在的局");
  ASSERT_TRUE(domain_.CreatePlan(orphan).ok());

  Principal supervisor;
  supervisor.roles.push_back(
      {Role::kSupervisor, *ParseScope("organizations/city")});
  const OrganizationFilter readable =
      OrganizationFilter::ReadableBy(&supervisor);
  std::vector<std::string> seen;
  v1::ListPlansRequest request;
  request.set_page_size(2);
  int pages = 0;
  do {
    auto page = domain_.ListPlans(request, readable);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->plans_size(), 2);
    for (const auto& plan : page->plans()) seen.push_back(plan.name());
    request.set_page_token(page->next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!request.page_token().empty());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 2);  // p0 p3 | p6

  auto all = domain_.ListPlans(v1::ListPlansRequest());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->plans_size(), 8);
  Principal nobody;
  auto none = domain_.ListPlans(v1::ListPlansRequest(),
                                OrganizationFilter::ReadableBy(&nobody));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->plans_size(), 0);
  EXPECT_TRUE(none->next_page_token().empty());
}

}  // namespace
}  // namespace duban::plan
