// The duban servers in this process over loopback gRPC on a real Redis,
// wired as services/*/main.cc wire them: a unit-server, a plan-server
// calling it, and progress-server replicas calling both; each with a
// plaintext listener on a free port, its production resolver of plans'
// organizations, and optionally bearer tokens and the audit trail. Also
// the seeding of the Yiyang plan that tests of progress and permissions
// start from.
#ifndef DUBAN_TESTS_SUPPORT_SERVICE_STACK_H_
#define DUBAN_TESTS_SUPPORT_SERVICE_STACK_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/auth_server.h"
#include "common/client.h"
#include "common/redis.h"
#include "common/server.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/progress/v1/progress_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace duban {

// Client options for the stack's plaintext listeners.
ClientTlsOptions PlaintextClient();

// "127.0.0.1:<port>" of a server listening on loopback.
std::string Address(const RunningServer& server);

// An insecure channel to a server listening on loopback.
std::shared_ptr<grpc::Channel> ChannelTo(const RunningServer& server);

// 2020-07-10 10:00 at +08:00: the progress clock of the tests that start
// from the Yiyang plan, after the deadline of its first quarter.
absl::Time SeedNow();

struct ServiceStackOptions {
  // The plan-server; without it, only the unit-server runs.
  bool plan = true;
  // Progress-server replicas, each with its own pool, clients and caches;
  // they need the plan-server.
  int progress_replicas = 1;
  // The `service` label of every server's metrics (and of the watchers
  // gauge); empty: "unit-server", "plan-server" and "progress-server".
  std::string program;
  // Bearer tokens (common/auth_server.h): off unless public_key_file is set.
  TokenVerifierOptions tokens;
  // The plans' organizations of every server; null: each server's own, as
  // in production (plan/unit plan_organizations.h, progress directory.h).
  PlanOrganizationResolver* resolver = nullptr;
  // The audit trail: recorded into audit_pool, or into the stack's own
  // pool when null.
  bool audit = false;
  RedisPool* audit_pool = nullptr;
  // The progress domain's clock and whether it accepts backdated reports.
  std::function<absl::Time()> clock = absl::Now;
  bool allow_backdating = false;
  // The plan-server's calls to the unit-server.
  CallPolicy unit_directory_policy;
};

class ServiceStack {
 public:
  // Starts the servers; a failure to start fails the test (non-fatally),
  // and the servers after it are not started: check ok().
  ServiceStack(const RedisOptions& redis, ServiceStackOptions options = {});
  ~ServiceStack();
  ServiceStack(const ServiceStack&) = delete;
  ServiceStack& operator=(const ServiceStack&) = delete;

  // Whether every server asked for is running.
  bool ok() const;

  // The stack's own pool on the Redis it was given.
  RedisPool& pool() { return pool_; }

  RunningServer* unit_server() { return unit_server_.get(); }
  RunningServer* plan_server() { return plan_server_.get(); }
  RunningServer* progress_server(int replica = 0);

  unit::v1::UnitService::Stub* unit() { return unit_stub_.get(); }
  plan::v1::PlanService::Stub* plan() { return plan_stub_.get(); }
  progress::v1::ProgressService::Stub* progress(int replica = 0);

  // (Re)starts the unit-server after its Shutdown(); port 0 picks a free
  // one. False (and a failed test) when it does not start.
  bool StartUnitServer(int port = 0);

 private:
  struct Unit;
  struct Plan;
  struct Progress;

  // Starts one server of `services`, named `service_name` for health
  // checks, as options_ ask.
  std::unique_ptr<RunningServer> Start(
      const std::vector<grpc::Service*>& services,
      const std::string& service_name, const std::string& program,
      PlanOrganizationResolver* resolver, int port = 0);

  const ServiceStackOptions options_;
  const RedisOptions redis_;
  RedisPool pool_;
  std::unique_ptr<Unit> unit_;
  std::unique_ptr<RunningServer> unit_server_;
  std::unique_ptr<unit::v1::UnitService::Stub> unit_stub_;
  std::unique_ptr<Plan> plan_;
  std::unique_ptr<RunningServer> plan_server_;
  std::unique_ptr<plan::v1::PlanService::Stub> plan_stub_;
  std::vector<std::unique_ptr<Progress>> progress_;
};

// What SeedYiyang made.
struct YiyangSeed {
  plan::v1::ImportPlanResponse imported;
  // The assignments of plans/yy2020.
  std::vector<unit::v1::Assignment> assignments;
  // The item and unit of the first assignment, and a unit assigned to
  // another item but not to that one.
  std::string item, unit, other_unit;
};

// Imports tests/testdata/yiyang-education-2020.txt as plans/yy2020, creates
// organization yy (a city, named as the plan's organization) and a unit for
// each unit the items name (a working group for groups, placeholders left
// out), issues the plan as 督查室 and sets a quarterly schedule due 5 days
// after each quarter, through the stack's plan, unit and first progress
// server; every call carries `token` as a bearer token unless it is empty.
// A failed step fails the test fatally: call it in ASSERT_NO_FATAL_FAILURE.
void SeedYiyang(ServiceStack& stack, const std::string& token,
                YiyangSeed* seed);

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_SERVICE_STACK_H_
