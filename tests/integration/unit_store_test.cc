// One suite for every UnitStore: the in-memory store the domain tests use
// and the Redis store the service runs on, so the two cannot drift apart.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/unit/memory_store.h"
#include "services/unit/redis_store.h"
#include "tests/support/redis_fixture.h"

namespace duban::unit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using v1::Assignment;
using v1::Organization;
using v1::Unit;

Organization MakeOrg(const std::string& id,
                     const std::string& display = "益阳市教育局") {
  Organization org;
  org.set_name("organizations/" + id);
  org.set_display_name(display);
  org.set_level(Organization::CITY);
  return org;
}

Unit MakeUnit(const std::string& org, const std::string& id,
              const std::string& short_name) {
  Unit unit;
  unit.set_name("organizations/" + org + "/units/" + id);
  unit.set_short_name(short_name);
  unit.set_kind(Unit::OFFICE);
  unit.set_active(true);
  return unit;
}

Assignment MakeAssignment(const std::string& id, const std::string& plan,
                          const std::string& item, const std::string& unit,
                          Assignment::State state = Assignment::PENDING) {
  Assignment a;
  a.set_name("assignments/" + id);
  a.set_plan("plans/" + plan);
  a.set_item("plans/" + plan + "/items/" + item);
  a.set_unit("organizations/o/units/" + unit);
  a.set_role(v1::LEAD);
  a.set_state(state);
  // Bytes that a text protocol would mangle.
  a.set_printed_name(std::string("基教科\0\r\n", 12));
  return a;
}

std::vector<std::string> Ids(const std::vector<StoredAssignment>& stored) {
  std::vector<std::string> ids;
  for (const auto& s : stored) ids.push_back(LastSegment(s.assignment.name()));
  return ids;
}

AssignmentWrite CreatePlanWrite(const std::string& plan,
                                std::vector<Assignment> put,
                                const std::string& rid = "r1",
                                const std::string& fp = "f1") {
  AssignmentWrite write;
  write.plan_op = AssignmentWrite::PlanOp::kCreate;
  write.plan_id = plan;
  write.plan_record.request_id = rid;
  write.plan_record.fingerprint = fp;
  write.put = std::move(put);
  return write;
}

enum class Backend { kMemory, kRedis };

class UnitStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      store_ = std::make_unique<MemoryUnitStore>();
    } else {
      auto options = SharedTestRedis();
      ASSERT_TRUE(options.ok()) << options.status();
      pool_ = std::make_unique<RedisPool>(*options);
      ASSERT_TRUE(pool_->Command({"FLUSHALL"}).ok());
      store_ = std::make_unique<RedisUnitStore>(pool_.get());
    }
  }
  UnitStore& store() { return *store_; }

  // An organization "o" with units u1 (基教科) and u2 (职教科).
  void SeedOrg() {
    ASSERT_TRUE(store().CreateOrganization(MakeOrg("o"), {}).ok());
    ASSERT_TRUE(
        store()
            .CreateUnit("o", MakeUnit("o", "u1", "基教科"), {"基教科"}, {}, {})
            .ok());
    ASSERT_TRUE(
        store()
            .CreateUnit("o", MakeUnit("o", "u2", "职教科"), {"职教科"}, {}, {})
            .ok());
  }

  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<UnitStore> store_;
};

TEST_P(UnitStoreTest, OrganizationCreateGetAndIdempotency) {
  ASSERT_EQ(*store().CreateOrganization(MakeOrg("o"), {"r1", "f1"}),
            WriteOutcome::kApplied);
  auto got = store().GetOrganization("o");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->organization.display_name(), "益阳市教育局");
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(*store().CreateOrganization(MakeOrg("o"), {"r1", "f1"}),
            WriteOutcome::kReplayed);
  EXPECT_EQ(
      store().CreateOrganization(MakeOrg("o"), {"r1", "other"}).status().code(),
      absl::StatusCode::kInvalidArgument);
  auto taken = store().CreateOrganization(MakeOrg("o", "别的"), {"r2", "f2"});
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(taken.status().message(), HasSubstr("organizations/o"));
  EXPECT_EQ(store().GetOrganization("nope").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UnitStoreTest, OrganizationUpdateChecksTheVersion) {
  ASSERT_TRUE(store().CreateOrganization(MakeOrg("o"), {}).ok());
  auto v = store().UpdateOrganization(MakeOrg("o", "新名"), 1);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, 2);
  EXPECT_EQ(store().UpdateOrganization(MakeOrg("o", "旧"), 1).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(store().GetOrganization("o")->organization.display_name(), "新名");
  EXPECT_EQ(store().UpdateOrganization(MakeOrg("gone"), 1).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UnitStoreTest, ListOrganizationIdsPagesInIdOrder) {
  for (const char* id : {"c", "a", "b", "d"}) {
    ASSERT_TRUE(store().CreateOrganization(MakeOrg(id), {}).ok());
  }
  EXPECT_THAT(*store().ListOrganizationIds("", 2), ElementsAre("a", "b"));
  EXPECT_THAT(*store().ListOrganizationIds("b", 5), ElementsAre("c", "d"));
  EXPECT_TRUE(store().ListOrganizationIds("d", 5)->empty());
}

TEST_P(UnitStoreTest, DeleteOrganizationOnlyWhenEmpty) {
  SeedOrg();
  auto busy = store().DeleteOrganization("o", 1);
  EXPECT_EQ(busy.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(busy.message(), HasSubstr("2 unit(s)"));
  ASSERT_TRUE(store().CreateOrganization(MakeOrg("empty"), {"r", "f"}).ok());
  EXPECT_EQ(store().DeleteOrganization("empty", 9).code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(store().DeleteOrganization("empty", 1).ok());
  EXPECT_EQ(store().GetOrganization("empty").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(*store().ListOrganizationIds("", 10), ElementsAre("o"));
  // The id and the request id are free again.
  EXPECT_EQ(*store().CreateOrganization(MakeOrg("empty"), {"r", "f"}),
            WriteOutcome::kApplied);
  EXPECT_EQ(store().DeleteOrganization("zz", 1).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UnitStoreTest, OrganizationWithPlanRecordIsNotEmpty) {
  ASSERT_TRUE(store().CreateOrganization(MakeOrg("o"), {}).ok());
  ASSERT_TRUE(store().WriteAssignments("o", CreatePlanWrite("p", {})).ok());
  auto busy = store().DeleteOrganization("o", 1);
  EXPECT_EQ(busy.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(busy.message(), HasSubstr("1 plan(s)"));
}

TEST_P(UnitStoreTest, UnitCreateGetListAndIdempotency) {
  EXPECT_EQ(
      store()
          .CreateUnit("o", MakeUnit("o", "u1", "基教科"), {"基教科"}, {}, {})
          .status()
          .code(),
      absl::StatusCode::kNotFound);  // no organization yet
  ASSERT_TRUE(store().CreateOrganization(MakeOrg("o"), {}).ok());
  ASSERT_EQ(*store().CreateUnit("o", MakeUnit("o", "u2", "职教科"), {"职教科"},
                                {}, {"r1", "f1"}),
            WriteOutcome::kApplied);
  ASSERT_TRUE(
      store()
          .CreateUnit("o", MakeUnit("o", "u1", "基教科"), {"基教科"}, {}, {})
          .ok());
  EXPECT_EQ(*store().CreateUnit("o", MakeUnit("o", "u2", "职教科"), {"职教科"},
                                {}, {"r1", "f1"}),
            WriteOutcome::kReplayed);
  EXPECT_EQ(
      store()
          .CreateUnit("o", MakeUnit("o", "u3", "x"), {"x"}, {}, {"r1", "f9"})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  auto taken =
      store().CreateUnit("o", MakeUnit("o", "u1", "别的"), {"别的"}, {}, {});
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);
  auto unit = store().GetUnit("o", "u1");
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_EQ(unit->unit.short_name(), "基教科");
  EXPECT_EQ(unit->version, 1);
  auto units = store().ListUnits("o");
  ASSERT_TRUE(units.ok());
  ASSERT_EQ(units->size(), 2u);
  EXPECT_EQ((*units)[0].unit.short_name(), "基教科");  // id order
  EXPECT_EQ(store().GetUnit("o", "nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store().ListUnits("nope").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UnitStoreTest, NameKeysAreUniqueWithinAnOrganization) {
  SeedOrg();
  auto clash = store().CreateUnit("o", MakeUnit("o", "u3", "基础教育科"),
                                  {"基础教育科", "基教科"}, {}, {});
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(clash.status().message(), HasSubstr("\"基教科\""));
  EXPECT_THAT(clash.status().message(), HasSubstr("organizations/o/units/u1"));
  EXPECT_EQ(store().GetUnit("o", "u3").status().code(),
            absl::StatusCode::kNotFound);
  // Another organization may use the same name.
  ASSERT_TRUE(store().CreateOrganization(MakeOrg("p", "别处"), {}).ok());
  EXPECT_TRUE(
      store()
          .CreateUnit("p", MakeUnit("p", "u1", "基教科"), {"基教科"}, {}, {})
          .ok());
}

TEST_P(UnitStoreTest, UpdateUnitReplacesItsNameKeysAndChecksTheVersion) {
  SeedOrg();
  Unit renamed = MakeUnit("o", "u1", "基础教育科");
  auto v = store().UpdateUnit("o", renamed, {"基础教育科"}, {}, 1);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, 2);
  EXPECT_EQ(
      store().UpdateUnit("o", renamed, {"基础教育科"}, {}, 1).status().code(),
      absl::StatusCode::kAborted);
  // The old key is free for another unit; the new one is taken.
  EXPECT_TRUE(
      store()
          .CreateUnit("o", MakeUnit("o", "u3", "基教科"), {"基教科"}, {}, {})
          .ok());
  EXPECT_EQ(
      store()
          .UpdateUnit("o", MakeUnit("o", "u2", "x"), {"基础教育科"}, {}, 1)
          .status()
          .code(),
      absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store()
                .UpdateUnit("o", MakeUnit("o", "u9", "x"), {"x"}, {}, 1)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UnitStoreTest, GroupMembersMustExist) {
  SeedOrg();
  Unit group = MakeUnit("o", "g", "扶贫领导小组");
  group.set_kind(Unit::WORKING_GROUP);
  auto missing =
      store().CreateUnit("o", group, {"扶贫领导小组"}, {"u1", "u9"}, {});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("units/u9"));
  ASSERT_TRUE(
      store().CreateUnit("o", group, {"扶贫领导小组"}, {"u1", "u2"}, {}).ok());
  EXPECT_EQ(store()
                .UpdateUnit("o", group, {"扶贫领导小组"}, {"u1", "nope"}, 1)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UnitStoreTest, PlanBindingIsExclusiveUnlessReplaced) {
  EXPECT_EQ(*store().GetPlanOrganization("p"), "");
  ASSERT_TRUE(store().BindPlan("p", "o", "").ok());
  ASSERT_TRUE(store().BindPlan("p", "o", "").ok());
  auto other = store().BindPlan("p", "x", "");
  EXPECT_EQ(other.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(other.message(), HasSubstr("organizations/o"));
  ASSERT_TRUE(store().BindPlan("p", "x", "o").ok());
  EXPECT_EQ(*store().GetPlanOrganization("p"), "x");
}

TEST_P(UnitStoreTest, PlanAssignmentsAreStoredIndexedAndNumberedInOrder) {
  SeedOrg();
  ASSERT_EQ(*store().GetAssignmentVersion("o"), 0);
  auto written = store().WriteAssignments(
      "o", CreatePlanWrite("p", {MakeAssignment("a1", "p", "1", "u1"),
                                 MakeAssignment("a2", "p", "1", "u2"),
                                 MakeAssignment("a3", "p", "2", "u1")}));
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, WriteOutcome::kApplied);
  EXPECT_EQ(*store().GetAssignmentVersion("o"), 1);
  auto record = store().GetPlanRecord("o", "p");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->state, PlanRecord::State::kPending);
  EXPECT_EQ((*record)->request_id, "r1");
  EXPECT_EQ((*record)->fingerprint, "f1");

  auto by_plan =
      store().ScanAssignments("o", {AssignmentScope::Kind::kPlan, "p"}, 0, 100);
  ASSERT_TRUE(by_plan.ok()) << by_plan.status();
  EXPECT_THAT(Ids(*by_plan), ElementsAre("a1", "a2", "a3"));
  EXPECT_EQ((*by_plan)[0].assignment.printed_name(),
            MakeAssignment("a1", "p", "1", "u1").printed_name());
  EXPECT_THAT(Ids(*store().ScanAssignments(
                  "o", {AssignmentScope::Kind::kUnit, "u1"}, 0, 100)),
              ElementsAre("a1", "a3"));
  EXPECT_THAT(Ids(*store().ScanAssignments(
                  "o", {AssignmentScope::Kind::kItem, "p/1"}, 0, 100)),
              ElementsAre("a1", "a2"));
  // Paging by sequence number.
  auto first =
      *store().ScanAssignments("o", {AssignmentScope::Kind::kPlan, "p"}, 0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_THAT(Ids(*store().ScanAssignments(
                  "o", {AssignmentScope::Kind::kPlan, "p"}, first[1].seq, 2)),
              ElementsAre("a3"));
  EXPECT_TRUE(
      store()
          .ScanAssignments("o", {AssignmentScope::Kind::kPlan, "q"}, 0, 9)
          ->empty());
}

TEST_P(UnitStoreTest, SecondPlanCreateIsReplayReusedOrAlreadyExists) {
  SeedOrg();
  ASSERT_TRUE(
      store()
          .WriteAssignments(
              "o", CreatePlanWrite("p", {MakeAssignment("a1", "p", "1", "u1")}))
          .ok());
  auto replay = store().WriteAssignments(
      "o", CreatePlanWrite("p", {MakeAssignment("zz", "p", "1", "u1")}));
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(*replay, WriteOutcome::kReplayed);
  EXPECT_EQ(store()
                .WriteAssignments("o", CreatePlanWrite("p", {}, "r1", "other"))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto exists =
      store().WriteAssignments("o", CreatePlanWrite("p", {}, "r2", "f"));
  EXPECT_EQ(exists.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(exists.status().message(), HasSubstr("plans/p"));
  // Nothing of the refused writes was stored.
  EXPECT_THAT(Ids(*store().ScanAssignments(
                  "o", {AssignmentScope::Kind::kPlan, "p"}, 0, 100)),
              ElementsAre("a1"));
  EXPECT_EQ(*store().GetAssignmentVersion("o"), 1);
}

TEST_P(UnitStoreTest, VersionConditionsFailAbortedAndWriteNothing) {
  SeedOrg();
  AssignmentWrite stale =
      CreatePlanWrite("p", {MakeAssignment("a1", "p", "1", "u1")});
  stale.expected_version = 7;
  EXPECT_EQ(store().WriteAssignments("o", stale).status().code(),
            absl::StatusCode::kAborted);
  AssignmentWrite unit_changed =
      CreatePlanWrite("p", {MakeAssignment("a1", "p", "1", "u1")});
  unit_changed.unit_versions = {{"u1", 1}, {"u2", 5}};
  EXPECT_EQ(store().WriteAssignments("o", unit_changed).status().code(),
            absl::StatusCode::kAborted);
  AssignmentWrite missing_unit = CreatePlanWrite("p", {});
  missing_unit.unit_versions = {{"nope", 1}};
  EXPECT_EQ(store().WriteAssignments("o", missing_unit).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_FALSE(store().GetPlanRecord("o", "p")->has_value());
  EXPECT_TRUE(
      store()
          .ScanAssignments("o", {AssignmentScope::Kind::kPlan, "p"}, 0, 9)
          ->empty());
  EXPECT_EQ(*store().GetAssignmentVersion("o"), 0);
  AssignmentWrite good =
      CreatePlanWrite("p", {MakeAssignment("a1", "p", "1", "u1")});
  good.expected_version = 0;
  good.unit_versions = {{"u1", 1}};
  EXPECT_TRUE(store().WriteAssignments("o", good).ok());
  EXPECT_EQ(store()
                .WriteAssignments("none", CreatePlanWrite("p", {}))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(UnitStoreTest, CommitReplacesAssignmentsAndMarksThePlan) {
  SeedOrg();
  ASSERT_TRUE(
      store()
          .WriteAssignments(
              "o", CreatePlanWrite("p", {MakeAssignment("a1", "p", "1", "u1")}))
          .ok());
  AssignmentWrite commit;
  commit.expected_version = 1;
  commit.plan_op = AssignmentWrite::PlanOp::kCommit;
  commit.plan_id = "p";
  commit.put = {MakeAssignment("a1", "p", "1", "u1", Assignment::ACTIVE)};
  ASSERT_TRUE(store().WriteAssignments("o", commit).ok());
  EXPECT_EQ((*store().GetPlanRecord("o", "p"))->state,
            PlanRecord::State::kCommitted);
  auto stored =
      *store().ScanAssignments("o", {AssignmentScope::Kind::kUnit, "u1"}, 0, 9);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].assignment.state(), Assignment::ACTIVE);
  EXPECT_EQ(stored[0].seq, 1);  // replaced, not renumbered
  commit.plan_id = "other";
  commit.expected_version = 2;
  EXPECT_EQ(store().WriteAssignments("o", commit).status().code(),
            absl::StatusCode::kAborted);  // no such plan record
}

TEST_P(UnitStoreTest, DeleteRemovesAssignmentsIndexesAndThePlanRecord) {
  SeedOrg();
  const std::vector<Assignment> put = {MakeAssignment("a1", "p", "1", "u1"),
                                       MakeAssignment("a2", "p", "2", "u2")};
  ASSERT_TRUE(store().WriteAssignments("o", CreatePlanWrite("p", put)).ok());
  AssignmentWrite discard;
  discard.plan_op = AssignmentWrite::PlanOp::kDelete;
  discard.plan_id = "p";
  discard.remove = put;
  ASSERT_TRUE(store().WriteAssignments("o", discard).ok());
  EXPECT_FALSE(store().GetPlanRecord("o", "p")->has_value());
  for (const AssignmentScope& scope :
       {AssignmentScope{AssignmentScope::Kind::kPlan, "p"},
        AssignmentScope{AssignmentScope::Kind::kUnit, "u1"},
        AssignmentScope{AssignmentScope::Kind::kItem, "p/2"}}) {
    EXPECT_TRUE(store().ScanAssignments("o", scope, 0, 9)->empty());
  }
  // The plan can be created again, and the organization is empty of plans.
  EXPECT_EQ(*store().WriteAssignments("o", CreatePlanWrite("p", put, "r2")),
            WriteOutcome::kApplied);
}

TEST_P(UnitStoreTest, RequestKeysReplayAndRefuseReuse) {
  SeedOrg();
  AssignmentWrite write;
  write.request_scope = "reassign";
  write.request = {"q1", "fp"};
  write.put = {MakeAssignment("a1", "p", "1", "u1", Assignment::ACTIVE)};
  EXPECT_FALSE(*store().RequestSeen("o", "reassign", {"q1", "fp"}));
  ASSERT_EQ(*store().WriteAssignments("o", write), WriteOutcome::kApplied);
  EXPECT_TRUE(*store().RequestSeen("o", "reassign", {"q1", "fp"}));
  EXPECT_EQ(store().RequestSeen("o", "reassign", {"q1", "x"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(*store().RequestSeen("o", "other", {"q1", "fp"}));
  EXPECT_FALSE(*store().RequestSeen("o", "reassign", {"", ""}));
  write.put = {MakeAssignment("a2", "p", "1", "u2", Assignment::ACTIVE)};
  EXPECT_EQ(*store().WriteAssignments("o", write), WriteOutcome::kReplayed);
  write.request.fingerprint = "changed";
  EXPECT_EQ(store().WriteAssignments("o", write).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Ids(*store().ScanAssignments(
                  "o", {AssignmentScope::Kind::kPlan, "p"}, 0, 9)),
              ElementsAre("a1"));
}

TEST_P(UnitStoreTest, UnitsWrittenWithAssignmentsGetANewVersion) {
  SeedOrg();
  Unit inactive = MakeUnit("o", "u1", "基教科");
  inactive.set_active(false);
  AssignmentWrite write;
  write.unit_versions = {{"u1", 1}};
  write.units = {inactive};
  ASSERT_TRUE(store().WriteAssignments("o", write).ok());
  auto unit = store().GetUnit("o", "u1");
  ASSERT_TRUE(unit.ok());
  EXPECT_FALSE(unit->unit.active());
  EXPECT_EQ(unit->version, 2);
  // The same write again relies on a version that is gone.
  EXPECT_EQ(store().WriteAssignments("o", write).status().code(),
            absl::StatusCode::kAborted);
}

TEST_P(UnitStoreTest, ConcurrentPlanCreatesWithOneRequestIdStoreOnce) {
  SeedOrg();
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<WriteOutcome>> results(8, absl::UnknownError(""));
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      results[i] = store().WriteAssignments(
          "o", CreatePlanWrite("p", {MakeAssignment("a" + std::to_string(i),
                                                    "p", "1", "u1")}));
    });
  }
  for (auto& t : threads) t.join();
  int applied = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    applied += *r == WriteOutcome::kApplied;
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(
      store()
          .ScanAssignments("o", {AssignmentScope::Kind::kPlan, "p"}, 0, 99)
          ->size(),
      1u);
}

// Cluster safety: every key a script touches carries the organization's
// hash tag; only the organization index and the plan binding stand apart.
TEST(RedisUnitStoreLayoutTest, EveryKeyOfAnOrganizationSharesItsHashTag) {
  auto options = SharedTestRedis();
  ASSERT_TRUE(options.ok()) << options.status();
  RedisPool pool(*options);
  ASSERT_TRUE(pool.Command({"FLUSHALL"}).ok());
  RedisUnitStore store(&pool);
  ASSERT_TRUE(store.CreateOrganization(MakeOrg("o"), {"r", "f"}).ok());
  ASSERT_TRUE(store
                  .CreateUnit("o", MakeUnit("o", "u1", "基教科"), {"基教科"},
                              {}, {"r", "f"})
                  .ok());
  ASSERT_TRUE(store.BindPlan("p", "o", "").ok());
  AssignmentWrite write =
      CreatePlanWrite("p", {MakeAssignment("a1", "p", "1", "u1")});
  write.request_scope = "reassign";
  write.request = {"q", "f"};
  ASSERT_TRUE(store.WriteAssignments("o", write).ok());
  auto keys = pool.Command({"KEYS", "*"});
  ASSERT_TRUE(keys.ok()) << keys.status();
  int tagged = 0;
  for (const RedisReply& key : keys->elements) {
    if (key.str == "duban:unit:orgs" || key.str == "duban:unit:plan-org") {
      continue;
    }
    EXPECT_TRUE(absl::StartsWith(key.str, "duban:unit:{org:o}:")) << key.str;
    ++tagged;
  }
  // org req units unitv names unitnames meta asg plans plan:p and the
  // three indexes of a1.
  EXPECT_EQ(tagged, 13);
}

INSTANTIATE_TEST_SUITE_P(Backends, UnitStoreTest,
                         ::testing::Values(Backend::kMemory, Backend::kRedis),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory"
                                                                 : "Redis";
                         });

}  // namespace
}  // namespace duban::unit
