// Health helpers for tests of the server bootstrap: a readiness probe
// whose answer the test sets, and the grpc.health.v1 status a plaintext
// loopback listener reports.
#ifndef DUBAN_TESTS_SUPPORT_HEALTH_H_
#define DUBAN_TESTS_SUPPORT_HEALTH_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace duban {

// A plaintext channel to 127.0.0.1:`port`.
inline std::shared_ptr<grpc::Channel> ChannelTo(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                             grpc::InsecureChannelCredentials());
}

// The health status of `service` ("" for the whole server) on `port`, or
// the RPC's error code as a negative number.
inline int HealthOf(int port, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(ChannelTo(port));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) return -static_cast<int>(s.error_code());
  return resp.status();
}

// A readiness probe whose answer the test sets.

class FakeProbe {
 public:
  void Set(absl::Status s) {
    absl::MutexLock lock(&mu_);
    status_ = std::move(s);
  }
  absl::Status operator()() {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  absl::Mutex mu_;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace duban

#endif  // DUBAN_TESTS_SUPPORT_HEALTH_H_
