// One suite for every PlanStore: the in-memory store the domain tests use
// and the Redis store the service runs on, so the two cannot drift apart.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/plan/memory_store.h"
#include "services/plan/redis_store.h"
#include "tests/support/redis_fixture.h"

namespace duban::plan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Plan MakePlan(const std::string& id, const std::string& title = "计划") {
  v1::Plan plan;
  plan.set_name("plans/" + id);
  plan.set_title(title);
  plan.set_state(v1::Plan::DRAFT);
  return plan;
}

v1::Item MakeItem(const std::string& plan_id, const std::string& item_id,
                  int ordinal) {
  v1::Item item;
  item.set_name("plans/" + plan_id + "/items/" + item_id);
  item.set_title("事项" + item_id);
  item.set_ordinal(ordinal);
  // Bytes that a text protocol would mangle.
  item.set_body(std::string("正文\0\r\n", 9) + item_id);
  return item;
}

enum class Backend { kMemory, kRedis };

class PlanStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      store_ = std::make_unique<MemoryPlanStore>();
    } else {
      auto options = SharedTestRedis();
      ASSERT_TRUE(options.ok()) << options.status();
      pool_ = std::make_unique<RedisPool>(*options);
      ASSERT_TRUE(pool_->Command({"FLUSHALL"}).ok());
      store_ = std::make_unique<RedisPlanStore>(pool_.get());
    }
  }
  PlanStore& store() { return *store_; }

  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<PlanStore> store_;
};

TEST_P(PlanStoreTest, CreateThenReadGivesPlanAndItemsInOrdinalOrder) {
  ASSERT_TRUE(store()
                  .CreatePlan(MakePlan("p"),
                              {MakeItem("p", "2", 2), MakeItem("p", "10", 3),
                               MakeItem("p", "1", 1)},
                              {})
                  .ok());
  auto read = store().GetPlanWithItems("p");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->first.plan.title(), "计划");
  EXPECT_EQ(read->first.version, 1);
  std::vector<std::string> ids;
  for (const auto& item : read->second) ids.push_back(ItemIdOf(item.item));
  EXPECT_THAT(ids, ElementsAre("1", "2", "10"));
  EXPECT_EQ(read->second[0].item.body(), MakeItem("p", "1", 1).body());
  auto item = store().GetItem("p", "10");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->item.ordinal(), 3);
  EXPECT_EQ(item->version, 1);
}

TEST_P(PlanStoreTest, MissingPlanAndItemAreNotFound) {
  EXPECT_EQ(store().GetPlan("nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store().GetPlanWithItems("nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store().GetItem("nope", "1").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(store().CreatePlan(MakePlan("p"), {}, {}).ok());
  auto item = store().GetItem("p", "1");
  EXPECT_EQ(item.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(item.status().message(), HasSubstr("plans/p/items/1"));
}

TEST_P(PlanStoreTest, CreatingATakenIdIsAlreadyExistsAndKeepsTheFirst) {
  ASSERT_TRUE(
      store().CreatePlan(MakePlan("p", "first"), {}, {"r1", "f1"}).ok());
  auto again = store().CreatePlan(MakePlan("p", "second"), {}, {"r2", "f2"});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store().GetPlan("p")->plan.title(), "first");
}

TEST_P(PlanStoreTest, SameRequestIdAndBodyIsReplayedNotDuplicated) {
  ASSERT_EQ(
      *store().CreatePlan(MakePlan("p"), {MakeItem("p", "1", 1)}, {"r1", "f1"}),
      WriteOutcome::kApplied);
  auto again =
      store().CreatePlan(MakePlan("p"), {MakeItem("p", "1", 1)}, {"r1", "f1"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, WriteOutcome::kReplayed);
  EXPECT_EQ(store().GetPlan("p")->version, 1);
}

TEST_P(PlanStoreTest, SameRequestIdWithOtherBodyIsInvalidArgument) {
  ASSERT_TRUE(store().CreatePlan(MakePlan("p"), {}, {"r1", "f1"}).ok());
  auto again = store().CreatePlan(MakePlan("p"), {}, {"r1", "other"});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(again.status().message(), HasSubstr("request_id"));
}

TEST_P(PlanStoreTest, UpdateChecksTheVersion) {
  ASSERT_TRUE(store().CreatePlan(MakePlan("p"), {}, {}).ok());
  auto updated = store().UpdatePlan(MakePlan("p", "new"), 1, {});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->second, 2);
  auto stale = store().UpdatePlan(MakePlan("p", "stale"), 1, {});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store().GetPlan("p")->plan.title(), "new");
  EXPECT_EQ(store().UpdatePlan(MakePlan("gone"), 1, {}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(PlanStoreTest, UpdateWithAppliedRequestIdIsReplayed) {
  ASSERT_TRUE(store().CreatePlan(MakePlan("p"), {}, {}).ok());
  ASSERT_TRUE(store().UpdatePlan(MakePlan("p", "new"), 1, {"u1", "f"}).ok());
  auto again = store().UpdatePlan(MakePlan("p", "new"), 1, {"u1", "f"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->first, WriteOutcome::kReplayed);
  EXPECT_EQ(again->second, 2);
}

TEST_P(PlanStoreTest, DeleteRemovesPlanItemsAndIndexEntry) {
  ASSERT_TRUE(
      store()
          .CreatePlan(MakePlan("p"), {MakeItem("p", "1", 1)}, {"r", "f"})
          .ok());
  EXPECT_EQ(store().DeletePlan("p", 7).code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(store().DeletePlan("p", 1).ok());
  EXPECT_EQ(store().GetPlan("p").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store().GetItem("p", "1").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(store().ListPlanIds("", 10)->empty());
  // The id and the request id are free again.
  EXPECT_EQ(*store().CreatePlan(MakePlan("p"), {}, {"r", "f"}),
            WriteOutcome::kApplied);
  EXPECT_EQ(store().DeletePlan("zz", 1).code(), absl::StatusCode::kNotFound);
}

TEST_P(PlanStoreTest, ListPlanIdsPagesInIdOrder) {
  for (const char* id : {"c", "a", "b", "d"}) {
    ASSERT_TRUE(store().CreatePlan(MakePlan(id), {}, {}).ok());
  }
  EXPECT_THAT(*store().ListPlanIds("", 2), ElementsAre("a", "b"));
  EXPECT_THAT(*store().ListPlanIds("b", 5), ElementsAre("c", "d"));
  EXPECT_TRUE(store().ListPlanIds("d", 5)->empty());
}

TEST_P(PlanStoreTest, UpdateItemChecksPlanAndItemVersions) {
  ASSERT_TRUE(
      store().CreatePlan(MakePlan("p"), {MakeItem("p", "1", 1)}, {}).ok());
  v1::Item item = MakeItem("p", "1", 1);
  item.set_title("新标题");
  auto written = store().UpdateItem("p", 1, item, 1, {});
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->second, 2);
  EXPECT_EQ(store().GetItem("p", "1")->item.title(), "新标题");
  // A stale item version, and a plan that changed state meanwhile.
  EXPECT_EQ(store().UpdateItem("p", 1, item, 1, {}).status().code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(store().UpdatePlan(MakePlan("p"), 1, {}).ok());
  EXPECT_EQ(store().UpdateItem("p", 1, item, 2, {}).status().code(),
            absl::StatusCode::kAborted);
  v1::Item missing = MakeItem("p", "9", 9);
  EXPECT_EQ(store().UpdateItem("p", 2, missing, 1, {}).status().code(),
            absl::StatusCode::kNotFound);
  // The plan version is untouched by item writes.
  EXPECT_EQ(store().GetPlan("p")->version, 2);
}

TEST_P(PlanStoreTest, UpdateItemWithAppliedRequestIdIsReplayed) {
  ASSERT_TRUE(
      store().CreatePlan(MakePlan("p"), {MakeItem("p", "1", 1)}, {}).ok());
  v1::Item item = MakeItem("p", "1", 1);
  ASSERT_TRUE(store().UpdateItem("p", 1, item, 1, {"a", "f"}).ok());
  auto again = store().UpdateItem("p", 1, item, 1, {"a", "f"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->first, WriteOutcome::kReplayed);
  EXPECT_EQ(again->second, 2);
  EXPECT_EQ(store().UpdateItem("p", 1, item, 1, {"a", "g"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(PlanStoreTest, ConcurrentCreatesWithOneRequestIdStoreOnce) {
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<WriteOutcome>> results(8, absl::UnknownError(""));
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      results[i] = store().CreatePlan(MakePlan("p"), {MakeItem("p", "1", 1)},
                                      {"same", "f"});
    });
  }
  for (auto& t : threads) t.join();
  int applied = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    applied += *r == WriteOutcome::kApplied;
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(store().GetPlan("p")->version, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, PlanStoreTest,
                         ::testing::Values(Backend::kMemory, Backend::kRedis),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory"
                                                                 : "Redis";
                         });

}  // namespace
}  // namespace duban::plan
