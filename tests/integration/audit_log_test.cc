// The audit records on a real redis-server (common/audit.h): one stream per
// organization, a retried request recorded once, newest first, filters,
// pages, bad arguments, and a Redis outage.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api.h"
#include "common/audit.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/redis_fixture.h"

namespace duban {
namespace {

namespace av1 = ::duban::audit::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kIssue[] = "duban.plan.v1.PlanService/IssuePlan";
constexpr char kSubmit[] = "duban.progress.v1.ProgressService/SubmitReport";

av1::AuditRecord Record(absl::string_view organization,
                        absl::string_view principal, absl::string_view method,
                        absl::string_view request_id,
                        absl::string_view resource) {
  av1::AuditRecord record;
  record.set_organization(std::string(organization));
  record.set_principal(std::string(principal));
  record.set_principal_kind("person");
  record.set_method(std::string(method));
  record.set_request_id(std::string(request_id));
  record.set_resource(std::string(resource));
  record.set_summary(absl::StrCat("changed ", resource));
  record.set_service("test");
  return record;
}

std::vector<std::string> Resources(const av1::ListAuditRecordsResponse& r) {
  std::vector<std::string> out;
  for (const auto& record : r.records()) out.push_back(record.resource());
  return out;
}

class AuditLogTest : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    log_ = std::make_unique<AuditLog>(&pool());
  }

  // Appends and expects it stored; returns the record as stored.
  av1::AuditRecord Append(av1::AuditRecord record) {
    absl::StatusOr<bool> stored = log_->Append(&record);
    EXPECT_TRUE(stored.ok()) << stored.status();
    EXPECT_TRUE(stored.ok() && *stored);
    // Distinct milliseconds, so that time filters can tell records apart.
    absl::SleepFor(absl::Milliseconds(2));
    return record;
  }

  av1::ListAuditRecordsResponse List(av1::ListAuditRecordsRequest request) {
    absl::StatusOr<av1::ListAuditRecordsResponse> response =
        log_->List(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : av1::ListAuditRecordsResponse();
  }

  static av1::ListAuditRecordsRequest Of(absl::string_view organization) {
    av1::ListAuditRecordsRequest request;
    request.set_organization(std::string(organization));
    return request;
  }

  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, StoresEveryFieldAndListsNewestFirst) {
  av1::AuditRecord first =
      Append(Record("organizations/yy", "alice", kIssue, "r1", "plans/yy2020"));
  EXPECT_FALSE(first.id().empty());
  EXPECT_GT(first.time().seconds(), 0);
  Append(Record("organizations/yy", "bob", kSubmit, "r2",
                "plans/yy2020/items/8/reports/jjk~2020-Q1"));

  av1::ListAuditRecordsResponse listed = List(Of("organizations/yy"));
  EXPECT_THAT(
      Resources(listed),
      ElementsAre("plans/yy2020/items/8/reports/jjk~2020-Q1", "plans/yy2020"));
  EXPECT_TRUE(listed.next_page_token().empty());
  const av1::AuditRecord& got = listed.records(1);
  EXPECT_EQ(got.id(), first.id());
  EXPECT_EQ(got.time().seconds(), first.time().seconds());
  EXPECT_EQ(got.time().nanos(), first.time().nanos());
  EXPECT_EQ(got.principal(), "alice");
  EXPECT_EQ(got.principal_kind(), "person");
  EXPECT_EQ(got.method(), kIssue);
  EXPECT_EQ(got.request_id(), "r1");
  EXPECT_EQ(got.organization(), "organizations/yy");
  EXPECT_EQ(got.summary(), "changed plans/yy2020");
  EXPECT_EQ(got.service(), "test");
}

TEST_F(AuditLogTest, OrganizationsAreKeptApart) {
  Append(Record("organizations/yy", "a", kIssue, "r1", "plans/yy2020"));
  Append(Record("organizations/hn", "a", kIssue, "r2", "plans/hn2020"));
  Append(Record("", "a", kIssue, "r3", "plans/unknown"));
  EXPECT_THAT(Resources(List(Of("organizations/yy"))),
              ElementsAre("plans/yy2020"));
  EXPECT_THAT(Resources(List(Of("organizations/hn"))),
              ElementsAre("plans/hn2020"));
  EXPECT_THAT(Resources(List(Of(""))), ElementsAre("plans/unknown"));
  EXPECT_TRUE(List(Of("organizations/none")).records().empty());
}

TEST_F(AuditLogTest, ARetriedRequestIsRecordedOnce) {
  av1::AuditRecord first =
      Append(Record("organizations/yy", "a", kIssue, "r1", "plans/yy2020"));
  av1::AuditRecord again =
      Record("organizations/yy", "a", kIssue, "r1", "plans/yy2020");
  absl::StatusOr<bool> stored = log_->Append(&again);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_FALSE(*stored);
  EXPECT_EQ(again.id(), first.id());
  // The same request id on another method, and records without one, are
  // separate changes.
  Append(Record("organizations/yy", "a", kSubmit, "r1", "plans/yy2020/x"));
  Append(Record("organizations/yy", "a", kIssue, "", "plans/yy2020"));
  Append(Record("organizations/yy", "a", kIssue, "", "plans/yy2020"));
  EXPECT_EQ(List(Of("organizations/yy")).records_size(), 4);
}

TEST_F(AuditLogTest, FiltersByPrincipalMethodResourceAndTime) {
  av1::AuditRecord r1 =
      Append(Record("organizations/yy", "alice", kIssue, "1", "plans/a"));
  av1::AuditRecord r2 = Append(
      Record("organizations/yy", "bob", kSubmit, "2", "plans/a/items/1"));
  av1::AuditRecord r3 =
      Append(Record("organizations/yy", "alice", kSubmit, "3", "plans/b/x"));
  ASSERT_LT(TimeOf(r1.time()), TimeOf(r2.time()));
  ASSERT_LT(TimeOf(r2.time()), TimeOf(r3.time()));

  av1::ListAuditRecordsRequest request = Of("organizations/yy");
  request.set_principal("alice");
  EXPECT_THAT(Resources(List(request)), ElementsAre("plans/b/x", "plans/a"));

  request = Of("organizations/yy");
  request.set_method("SubmitReport");
  EXPECT_THAT(Resources(List(request)),
              ElementsAre("plans/b/x", "plans/a/items/1"));
  request.set_method(kIssue);
  EXPECT_THAT(Resources(List(request)), ElementsAre("plans/a"));
  request.set_method("Report");  // not a method name on its own
  EXPECT_EQ(log_->List(request).status().code(),
            absl::StatusCode::kInvalidArgument);

  request = Of("organizations/yy");
  request.set_resource_prefix("plans/a");
  EXPECT_THAT(Resources(List(request)),
              ElementsAre("plans/a/items/1", "plans/a"));

  request = Of("organizations/yy");
  *request.mutable_start_time() = r2.time();
  EXPECT_THAT(Resources(List(request)),
              ElementsAre("plans/b/x", "plans/a/items/1"));
  *request.mutable_end_time() = r3.time();
  EXPECT_THAT(Resources(List(request)), ElementsAre("plans/a/items/1"));
  request.clear_start_time();
  EXPECT_THAT(Resources(List(request)),
              ElementsAre("plans/a/items/1", "plans/a"));
}

TEST_F(AuditLogTest, PagesThroughFilteredRecords) {
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    const bool alice = i % 3 == 0;
    av1::AuditRecord record =
        Record("organizations/yy", alice ? "alice" : "bob", kIssue,
               absl::StrCat("r", i), absl::StrCat("plans/p", i));
    ASSERT_TRUE(log_->Append(&record).ok());
    if (alice) expected.insert(expected.begin(), record.resource());
  }
  av1::ListAuditRecordsRequest request = Of("organizations/yy");
  request.set_principal("alice");
  request.set_page_size(3);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    av1::ListAuditRecordsResponse page = List(request);
    EXPECT_LE(page.records_size(), 3);
    for (const auto& r : page.records()) seen.push_back(r.resource());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(seen.size(), 9u);
}

TEST_F(AuditLogTest, BadArgumentsNameTheField) {
  auto expect_invalid = [&](const av1::ListAuditRecordsRequest& request,
                            absl::string_view field) {
    absl::StatusOr<av1::ListAuditRecordsResponse> response =
        log_->List(request);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument)
        << field;
    EXPECT_THAT(std::string(response.status().message()),
                HasSubstr(std::string(field)));
  };
  av1::ListAuditRecordsRequest request = Of("plans/yy");
  expect_invalid(request, "organization");
  request = Of("organizations/Bad_Id");
  expect_invalid(request, "organization");
  request = Of("organizations/yy");
  request.set_page_size(-1);
  expect_invalid(request, "page_size");
  request = Of("organizations/yy");
  request.set_page_token("not-a-token");
  expect_invalid(request, "page_token");
  request.set_page_token(EncodePageToken("(garbage"));
  expect_invalid(request, "page_token");
  request = Of("organizations/yy");
  request.set_method("DropEverything");
  expect_invalid(request, "method");
  request = Of("organizations/yy");
  request.mutable_start_time()->set_nanos(-1);
  expect_invalid(request, "start_time");
  request = Of("organizations/yy");
  request.mutable_start_time()->set_seconds(2000);
  request.mutable_end_time()->set_seconds(1000);
  expect_invalid(request, "end_time");
  request = Of("organizations/yy");
  request.set_principal(std::string(201, 'p'));
  expect_invalid(request, "principal");
  request = Of("organizations/yy");
  request.set_resource_prefix("\xff\xfe");
  expect_invalid(request, "resource_prefix");
}

TEST(AuditLogOutageTest, UnavailableWhileRedisIsDown) {
  RedisServerProcess redis;
  ASSERT_TRUE(redis.Start().ok());
  RedisOptions options = redis.options();
  RedisPool pool(options);
  AuditLog log(&pool);
  av1::AuditRecord record =
      Record("organizations/yy", "a", kIssue, "r1", "plans/yy2020");
  ASSERT_TRUE(log.Append(&record).ok());
  redis.Stop();
  av1::AuditRecord next =
      Record("organizations/yy", "a", kIssue, "r2", "plans/yy2020");
  EXPECT_EQ(log.Append(&next).status().code(), absl::StatusCode::kUnavailable);
  av1::ListAuditRecordsRequest request;
  request.set_organization("organizations/yy");
  EXPECT_EQ(log.List(request).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace duban
