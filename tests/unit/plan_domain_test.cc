// The plan domain's rules on the in-memory store: names, etags, conflicts
// and retries, lifecycle, masks, idempotency. (The same rules over gRPC and
// Redis are covered by tests/integration/plan_service_test.cc.)
#include "services/plan/plan_domain.h"

#include <string>

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

class PlanDomainTest : public ::testing::Test {
 protected:
  PlanDomainTest()
      : domain_(&store_, [] { return absl::FromUnixSeconds(1600000000); }) {}

  v1::Plan Import(const std::string& id) {
    v1::ImportPlanRequest request;
    request.set_content(kSmallPlan);
    request.set_plan_id(id);
    auto response = domain_.ImportPlan(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->plan() : v1::Plan();
  }

  ConflictingStore store_;
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
  EXPECT_EQ(store_.update_calls, 3);
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
  request.set_page_token(first->next_page_token() + "x");
  EXPECT_EQ(domain_.ListItems(request).status().code(),
            absl::StatusCode::kInvalidArgument);
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

}  // namespace
}  // namespace duban::plan
