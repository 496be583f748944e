// A readiness probe whose answer a test sets (ServerOptions.readiness_probe
// takes it by value; hold it in a shared_ptr or keep it alive).
#ifndef DUBAN_TESTS_SUPPORT_FAKE_PROBE_H_
#define DUBAN_TESTS_SUPPORT_FAKE_PROBE_H_

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace duban {

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

#endif  // DUBAN_TESTS_SUPPORT_FAKE_PROBE_H_
