// duban-bench: a load generator for the duban services over real gRPC.
//
// It starts its own redis-server (AOF, appendfsync everysec unless
// --appendfsync=always) and the three servers (built binaries found next to
// this executable, <exe dir>/../services/{plan,unit,progress}/*-server, or
// under --bin-dir) on free loopback ports, unless pointed at running ones
// with --plan-addr, --unit-addr, --progress-addr (and --redis for the
// servers it starts; running servers are reached with TLS as --tls-ca-file,
// --tls-cert-file and --tls-key-file or DUBAN_TLS_* say, or --plaintext;
// the servers it starts itself serve plaintext). It sets up an organization
// with 4 units and an issued plan of 40 items × 4 units with a monthly schedule
// for 2020, files 40×4×12 reports, and measures:
//   floor          grpc.health.v1.Health/Check on progress-server (no Redis)
//   GetReport      one of the filed reports, round robin
//   GetPlanRollup  the 40-item plan, as of today (item rollups cached) and
//                  as of another day each call (computed, 1 caller)
//   SubmitReport   a new revision with a fresh request id each call, spread
//                  over items × units × periods
// each with 1 caller and with --concurrency callers (default 64), and how
// GetPlanRollup's p50 (1 caller) grows with the report volume of a plan:
// 1×, 10×, 100× the reports, scaled by the number of items of the plan (40,
// 400, 4000 items, each × 4 units × 12 months), all filed through
// SubmitReport. Setting up the scaled plans is bounded by --setup-budget
// seconds (default 240): a plan not filled by then is measured at the
// volume reached (reported, with a note), and larger scales are skipped.
//
// Load model: closed loop, synchronous API. N caller threads, each with its
// own stub, on a pool of --channels channels (each its own TCP connection:
// distinct channel args and a local subchannel pool). Each scenario runs
// --warmup seconds (not counted) and then --seconds seconds; throughput is
// OK calls per measured second; latencies are of OK calls. The floor is
// measured with the same caller count, so "x floor" compares like with like.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/tls.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/progress/v1/progress_service.grpc.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace {

namespace pv1 = ::duban::plan::v1;
namespace uv1 = ::duban::unit::v1;
namespace gv1 = ::duban::progress::v1;
namespace hv1 = ::grpc::health::v1;
using Clock = std::chrono::steady_clock;

// --- options -----------------------------------------------------------------

struct Options {
  double seconds = 5;
  double warmup = 1;
  int concurrency = 64;
  int channels = 4;
  std::string appendfsync = "everysec";
  std::string bin_dir;
  std::string plan_addr, unit_addr, progress_addr, redis;
  bool json = false;
  int max_scale = 100;        // 1, 10 or 100
  double setup_budget = 240;  // seconds for setting up the scaled plans
  bool keep_logs = false;
  // Scenarios to run (--only): empty for all; the floor always runs.
  std::vector<std::string> only;
  // How to reach running servers (given by address).
  duban::ClientTlsOptions tls;
};

// Reads an environment variable; empty when unset.
std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

[[noreturn]] void Usage(const std::string& error) {
  if (!error.empty()) std::cerr << "duban-bench: " << error << "\n\n";
  std::cerr
      << "usage: duban-bench [options]\n"
         "  --seconds=S          measured seconds per scenario (default 5)\n"
         "  --warmup=S           warm-up seconds per scenario (default 1)\n"
         "  --concurrency=N      concurrent callers (default 64)\n"
         "  --channels=N         gRPC channels (TCP connections) shared by "
         "the\n"
         "                       callers (default 4)\n"
         "  --appendfsync=everysec|always   AOF policy of the redis-server "
         "the\n"
         "                       bench starts (default everysec)\n"
         "  --bin-dir=DIR        build directory holding services/*/*-server\n"
         "                       (default: <exe dir>/..)\n"
         "  --redis=HOST:PORT    use this Redis for the servers the bench "
         "starts\n"
         "  --plan-addr= --unit-addr= --progress-addr=HOST:PORT\n"
         "                       use running servers (all three together)\n"
         "  --tls-ca-file= --tls-cert-file= --tls-key-file=FILE\n"
         "                       TLS to running servers (default: "
         "DUBAN_TLS_*)\n"
         "  --plaintext          no TLS to running servers\n"
         "  --max-scale=1|10|100 largest report volume for the rollup growth\n"
         "                       (default 100)\n"
         "  --setup-budget=S     seconds allowed for setting up the scaled "
         "plans\n"
         "                       (default 240)\n"
         "  --keep-logs          keep the temporary directory with server "
         "logs\n"
         "  --only=S,S,...       run only these of GetReport, GetPlanRollup,\n"
         "                       SubmitReport, growth (the floor always "
         "runs)\n"
         "  --json               print the results as JSON\n";
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  o.tls.ca_file = Env("DUBAN_TLS_CA_FILE");
  o.tls.cert_file = Env("DUBAN_TLS_CERT_FILE");
  o.tls.key_file = Env("DUBAN_TLS_KEY_FILE");
  o.tls.plaintext = !Env("DUBAN_PLAINTEXT").empty();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") Usage("");
    if (arg == "--json") {
      o.json = true;
      continue;
    }
    if (arg == "--plaintext") {
      o.tls = duban::ClientTlsOptions();
      o.tls.plaintext = true;
      continue;
    }
    if (arg == "--keep-logs") {
      o.keep_logs = true;
      continue;
    }
    const auto eq = arg.find('=');
    if (arg.rfind("--", 0) != 0) Usage("unexpected argument " + arg);
    std::string key =
        arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Usage("--" + key + " needs a value");
    }
    std::replace(key.begin(), key.end(), '_', '-');
    auto number = [&](double min, double max) {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || v < min || v > max) {
        Usage("--" + key + ": expected a number in [" + std::to_string(min) +
              ", " + std::to_string(max) + "], got " + value);
      }
      return v;
    };
    if (key == "seconds")
      o.seconds = number(0.1, 3600);
    else if (key == "warmup")
      o.warmup = number(0, 600);
    else if (key == "concurrency")
      o.concurrency = static_cast<int>(number(1, 4096));
    else if (key == "channels")
      o.channels = static_cast<int>(number(1, 256));
    else if (key == "appendfsync") {
      if (value != "everysec" && value != "always" && value != "no") {
        Usage("--appendfsync: everysec, always or no");
      }
      o.appendfsync = value;
    } else if (key == "bin-dir")
      o.bin_dir = value;
    else if (key == "plan-addr")
      o.plan_addr = value;
    else if (key == "unit-addr")
      o.unit_addr = value;
    else if (key == "progress-addr")
      o.progress_addr = value;
    else if (key == "redis")
      o.redis = value;
    else if (key == "tls-ca-file")
      o.tls.ca_file = value;
    else if (key == "tls-cert-file")
      o.tls.cert_file = value;
    else if (key == "tls-key-file")
      o.tls.key_file = value;
    else if (key == "max-scale") {
      o.max_scale = static_cast<int>(number(1, 100));
      if (o.max_scale != 1 && o.max_scale != 10 && o.max_scale != 100) {
        Usage("--max-scale: 1, 10 or 100");
      }
    } else if (key == "setup-budget") {
      o.setup_budget = number(0, 86400);
    } else if (key == "only") {
      std::stringstream names(value);
      for (std::string name; std::getline(names, name, ',');) {
        if (name != "GetReport" && name != "GetPlanRollup" &&
            name != "SubmitReport" && name != "growth") {
          Usage(
              "--only: GetReport, GetPlanRollup, SubmitReport or growth, "
              "got " +
              name);
        }
        o.only.push_back(name);
      }
    } else {
      Usage("unknown option --" + key);
    }
  }
  const int given =
      !o.plan_addr.empty() + !o.unit_addr.empty() + !o.progress_addr.empty();
  if (given != 0 && given != 3) {
    Usage("--plan-addr, --unit-addr and --progress-addr go together");
  }
  duban::ClientTlsFlags flags;
  flags.ca_file = "--tls-ca-file";
  flags.cert_file = "--tls-cert-file";
  flags.key_file = "--tls-key-file";
  if (absl::Status s = duban::ValidateClientTls(o.tls, flags); !s.ok()) {
    Usage(std::string(s.message()));
  }
  return o;
}

// --- child processes ---------------------------------------------------------

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool CanConnect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok =
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// A child process logging to a file; SIGTERM (then SIGKILL) on Stop(), and
// killed with this process (PR_SET_PDEATHSIG).
class Child {
 public:
  Child(std::string name, std::vector<std::string> args, std::string log)
      : name_(std::move(name)), args_(std::move(args)), log_(std::move(log)) {}
  ~Child() { Stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool Start() {
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      const int log = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      const int null = open("/dev/null", O_RDONLY);
      if (log >= 0) {
        dup2(log, 1);
        dup2(log, 2);
      }
      if (null >= 0) dup2(null, 0);
      std::vector<char*> argv;
      for (auto& a : args_) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
      _exit(127);
    }
    return true;
  }

  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::string LogTail() const {
    FILE* f = std::fopen(log_.c_str(), "rb");
    if (f == nullptr) return "";
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::fseek(f, std::max(0L, size - 3000), SEEK_SET);
    std::string out(3000, '\0');
    out.resize(std::fread(out.data(), 1, out.size(), f));
    std::fclose(f);
    return "--- " + name_ + " log tail ---\n" + out;
  }

 private:
  std::string name_;
  std::vector<std::string> args_;
  std::string log_;
  pid_t pid_ = -1;
};

std::string ExeDir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

bool IsExecutable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "duban-bench: " << what << "\n";
  std::exit(1);
}

// --- gRPC plumbing -----------------------------------------------------------

// The credentials of every channel: plaintext to the servers the bench
// starts, Options::tls to running ones. Set once in main before any call.
std::shared_ptr<grpc::ChannelCredentials>& Credentials() {
  static auto* credentials = new std::shared_ptr<grpc::ChannelCredentials>(
      grpc::InsecureChannelCredentials());
  return *credentials;
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& addr, int index) {
  grpc::ChannelArguments args;
  // A channel of its own connection: no subchannel sharing.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("duban.bench.channel_index", index);
  args.SetMaxReceiveMessageSize(256 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(addr, Credentials(), args);
}

std::vector<std::shared_ptr<grpc::Channel>> ChannelPool(const std::string& addr,
                                                        int n) {
  std::vector<std::shared_ptr<grpc::Channel>> pool;
  for (int i = 0; i < n; ++i) pool.push_back(NewChannel(addr, i));
  return pool;
}

void SetDeadline(grpc::ClientContext* c, double seconds) {
  c->set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
}

bool WaitServing(const std::string& addr, double seconds, std::string* error) {
  auto stub = hv1::Health::NewStub(NewChannel(addr, 9999));
  const auto end = Clock::now() + std::chrono::milliseconds(
                                      static_cast<int64_t>(seconds * 1000));
  while (Clock::now() < end) {
    grpc::ClientContext c;
    SetDeadline(&c, 1);
    hv1::HealthCheckRequest req;
    hv1::HealthCheckResponse resp;
    const grpc::Status s = stub->Check(&c, req, &resp);
    if (s.ok() && resp.status() == hv1::HealthCheckResponse::SERVING) {
      return true;
    }
    *error =
        s.ok() ? "status " + std::to_string(resp.status()) : s.error_message();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// --- load runner -------------------------------------------------------------

struct Result {
  std::string scenario;
  std::string detail;
  int callers = 0;
  int64_t ok = 0;
  int64_t errors = 0;
  std::string first_error;
  double seconds = 0;
  double throughput = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double floor_ratio = 0;  // throughput / floor throughput at same callers
};

// One caller's call: true when OK; on error fills `error`.
using Call = std::function<bool(std::string* error)>;
// Makes a caller's call for thread `t` (its own stub).
using CallerFactory = std::function<Call(int t)>;

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1,
                            static_cast<size_t>(p * (sorted.size() - 1) + 0.5));
  return sorted[i];
}

Result RunLoad(const std::string& scenario, int callers, double warmup,
               double seconds, const CallerFactory& factory) {
  std::vector<Call> calls;
  for (int t = 0; t < callers; ++t) calls.push_back(factory(t));
  std::vector<std::vector<double>> lat(static_cast<size_t>(callers));
  std::vector<int64_t> errors(static_cast<size_t>(callers), 0);
  std::mutex error_mu;
  std::string first_error;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  Clock::time_point start, measure_from, end;
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&, t] {
      auto& mine = lat[static_cast<size_t>(t)];
      mine.reserve(1 << 14);
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::string error;
      for (;;) {
        const auto t0 = Clock::now();
        if (t0 >= end) break;
        const bool ok = calls[static_cast<size_t>(t)](&error);
        const auto t1 = Clock::now();
        if (t0 < measure_from || t1 > end) continue;
        if (ok) {
          mine.push_back(
              std::chrono::duration<double, std::milli>(t1 - t0).count());
        } else {
          ++errors[static_cast<size_t>(t)];
          std::lock_guard<std::mutex> lock(error_mu);
          if (first_error.empty()) first_error = error;
        }
      }
    });
  }
  while (ready.load() < callers) std::this_thread::yield();
  start = Clock::now();
  measure_from =
      start + std::chrono::milliseconds(static_cast<int64_t>(warmup * 1000));
  end = measure_from +
        std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  go.store(true, std::memory_order_release);
  for (auto& th : threads) th.join();

  Result r;
  r.scenario = scenario;
  r.callers = callers;
  r.seconds = seconds;
  std::vector<double> all;
  for (size_t t = 0; t < lat.size(); ++t) {
    all.insert(all.end(), lat[t].begin(), lat[t].end());
    r.errors += errors[t];
  }
  std::sort(all.begin(), all.end());
  r.ok = static_cast<int64_t>(all.size());
  r.throughput = static_cast<double>(r.ok) / seconds;
  r.p50_ms = Percentile(all, 0.50);
  r.p99_ms = Percentile(all, 0.99);
  r.first_error = first_error;
  return r;
}

// Runs `work(i)` for i in [0, n) on `threads` threads; returns the number
// of failures and the first error.
// Stops taking new work at `deadline`.
int64_t Parallel(
    int64_t n, int threads,
    const std::function<bool(int t, int64_t i, std::string*)>& work,
    std::string* first_error, Clock::time_point deadline) {
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> failures{0};
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::string error;
      for (int64_t i = next++; i < n; i = next++) {
        if (Clock::now() > deadline) break;
        if (!work(t, i, &error)) {
          ++failures;
          std::lock_guard<std::mutex> lock(mu);
          if (first_error->empty()) *first_error = error;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  return failures.load();
}

// --- the data set
// --------------------------------------------------------------

const char* const kUnitNames[] = {"秘书科", "基教科", "财务科", "人事科"};
constexpr int kUnits = 4;
constexpr int kPeriods = 12;

std::string Hex(uint64_t v, int digits) {
  static const char* d = "0123456789abcdef";
  std::string s(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4)
    s[static_cast<size_t>(i)] = d[v & 15];
  return s;
}

// "一" … "九十九": section numbers as plans print them.
std::string ChineseNumeral(int n) {
  static const char* const kDigits[] = {"",   "一", "二", "三", "四",
                                        "五", "六", "七", "八", "九"};
  std::string out;
  if (n >= 10) out = std::string(n >= 20 ? kDigits[n / 10] : "") + "十";
  return out + kDigits[n % 10];
}

// A plan document of `items` numbered items, each naming the four units
// (the first leads) and one indicator: in sections of at most 100 items,
// numbered from 1 in each, as long plans are printed.
std::string PlanDocument(int items) {
  constexpr int kPerSection = 100;
  std::ostringstream doc;
  doc << "督办基准局 2020年工作要点\n\n"
         "2020 年全局工作的总体要求是：按计划推进各项工作。\n\n";
  for (int i = 1; i <= items; ++i) {
    const int in_section = (i - 1) % kPerSection + 1;
    if (in_section == 1) {
      const int section = (i - 1) / kPerSection + 1;
      doc << ChineseNumeral(section) << "、全面推进第" << section
          << "部分基准测试工作\n\n";
    }
    doc << in_section << ".推进第" << i << "项重点工作。年内完成 "
        << (i % 90 + 10) << " 所学校的建设任务，按月报送进展。（";
    for (int u = 0; u < kUnits; ++u) doc << (u ? "、" : "") << kUnitNames[u];
    doc << "）\n\n";
  }
  return doc.str();
}

struct Bench {
  Options opt;
  std::string tag;  // random, keeps ids unique on a shared Redis
  std::string plan_addr, unit_addr, progress_addr;
  std::shared_ptr<grpc::Channel> plan_ch, unit_ch;
  std::vector<std::shared_ptr<grpc::Channel>> progress_pool;
  std::string org;                 // organizations/{org}
  std::vector<std::string> units;  // unit resource names

  struct PlanSet {
    std::string plan;                // plans/{id}
    std::vector<std::string> items;  // item resource names
    std::vector<std::string> reports;
    double import_s = 0, issue_s = 0, fill_s = 0;
    int64_t fill_errors = 0;
    std::string fill_error;
  };

  std::unique_ptr<gv1::ProgressService::Stub> ProgressStub(int t) {
    return gv1::ProgressService::NewStub(
        progress_pool[static_cast<size_t>(t) % progress_pool.size()]);
  }

  void SetUpOrganization() {
    auto stub = uv1::UnitService::NewStub(unit_ch);
    const std::string org_id = "bench-" + tag;
    uv1::CreateOrganizationRequest req;
    req.set_organization_id(org_id);
    req.mutable_organization()->set_display_name("督办基准局" + tag);
    req.mutable_organization()->set_level(uv1::Organization::CITY);
    uv1::Organization made;
    grpc::ClientContext c;
    SetDeadline(&c, 30);
    grpc::Status s = stub->CreateOrganization(&c, req, &made);
    if (!s.ok()) Fail("CreateOrganization: " + s.error_message());
    org = made.name();
    for (int u = 0; u < kUnits; ++u) {
      uv1::CreateUnitRequest ur;
      ur.set_parent(org);
      ur.set_unit_id("u" + std::to_string(u + 1));
      ur.mutable_unit()->set_short_name(kUnitNames[u]);
      ur.mutable_unit()->set_kind(uv1::Unit::OFFICE);
      uv1::Unit unit;
      grpc::ClientContext uc;
      SetDeadline(&uc, 30);
      s = stub->CreateUnit(&uc, ur, &unit);
      if (!s.ok()) Fail("CreateUnit: " + s.error_message());
      units.push_back(unit.name());
    }
  }

  // Imports and issues a plan of `items` items and sets a monthly 2020
  // schedule.
  PlanSet CreatePlan(const std::string& id, int items) {
    PlanSet set;
    auto plan_stub = pv1::PlanService::NewStub(plan_ch);
    auto t0 = Clock::now();
    pv1::ImportPlanRequest imp;
    imp.set_content(PlanDocument(items));
    imp.set_plan_id(id);
    imp.set_year(2020);
    imp.set_organization(org);
    imp.set_source_name("duban-bench");
    imp.set_request_id("bench-import-" + id);
    pv1::ImportPlanResponse imported;
    {
      grpc::ClientContext c;
      SetDeadline(&c, 300);
      grpc::Status s = plan_stub->ImportPlan(&c, imp, &imported);
      if (!s.ok()) Fail("ImportPlan " + id + ": " + s.error_message());
    }
    set.plan = imported.plan().name();
    int numbered = 0;
    for (const auto& item : imported.items()) {
      if (item.kind() != pv1::Item::NUMBERED) continue;
      if (item.units_size() != kUnits) {
        Fail("ImportPlan " + id + ": item " + item.name() + " has " +
             std::to_string(item.units_size()) + " units, expected 4");
      }
      set.items.push_back(item.name());
      ++numbered;
    }
    if (numbered != items) {
      Fail("ImportPlan " + id + ": " + std::to_string(numbered) +
           " numbered items, expected " + std::to_string(items));
    }
    auto t1 = Clock::now();
    set.import_s = std::chrono::duration<double>(t1 - t0).count();
    pv1::IssuePlanRequest issue;
    issue.set_name(set.plan);
    issue.set_principal("duban-bench");
    issue.set_request_id("bench-issue-" + id);
    pv1::Plan issued;
    {
      grpc::ClientContext c;
      SetDeadline(&c, 300);
      grpc::Status s = plan_stub->IssuePlan(&c, issue, &issued);
      if (!s.ok()) Fail("IssuePlan " + id + ": " + s.error_message());
    }
    auto progress = ProgressStub(0);
    gv1::SetScheduleRequest sched;
    sched.mutable_schedule()->set_name(set.plan + "/schedule");
    sched.mutable_schedule()->set_cadence(gv1::MONTHLY);
    sched.mutable_schedule()->set_due_days_after_period_end(5);
    sched.set_principal("duban-bench");
    gv1::Schedule schedule;
    {
      grpc::ClientContext c;
      SetDeadline(&c, 60);
      grpc::Status s = progress->SetSchedule(&c, sched, &schedule);
      if (!s.ok()) Fail("SetSchedule " + id + ": " + s.error_message());
    }
    set.issue_s = std::chrono::duration<double>(Clock::now() - t1).count();
    return set;
  }

  static std::string Period(int p) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "2020-%02d", p + 1);
    return buf;
  }

  gv1::SubmitReportRequest Report(const PlanSet& set, int64_t index,
                                  const std::string& request_id) const {
    const int64_t combos =
        static_cast<int64_t>(set.items.size()) * kUnits * kPeriods;
    const int64_t k = index % combos;
    const int period = static_cast<int>(k % kPeriods);
    const int unit = static_cast<int>((k / kPeriods) % kUnits);
    const size_t item = static_cast<size_t>(k / (kPeriods * kUnits));
    gv1::SubmitReportRequest r;
    r.set_request_id(request_id);
    r.set_item(set.items[item]);
    r.set_unit(units[static_cast<size_t>(unit)]);
    r.set_period(Period(period));
    r.set_status(index % 7 == 0 ? gv1::AT_RISK : gv1::ON_TRACK);
    r.set_percent_complete(static_cast<int>(10 + index % 80));
    r.set_progress("按计划推进，本月完成阶段任务。");
    r.set_principal("duban-bench");
    return r;
  }

  // Files one report per (item, unit, period) with `threads` callers, in
  // item order, until done or `deadline`.
  void Fill(PlanSet* set, int threads, Clock::time_point deadline) {
    const int64_t n =
        static_cast<int64_t>(set->items.size()) * kUnits * kPeriods;
    std::vector<std::unique_ptr<gv1::ProgressService::Stub>> stubs;
    for (int t = 0; t < threads; ++t) stubs.push_back(ProgressStub(t));
    set->reports.assign(static_cast<size_t>(n), "");
    const auto t0 = Clock::now();
    const std::string prefix = "bench-fill-" + set->plan + "-";
    set->fill_errors = Parallel(
        n, threads,
        [&](int t, int64_t i, std::string* error) {
          gv1::Report out;
          for (int attempt = 0; attempt < 3; ++attempt) {
            grpc::ClientContext c;
            SetDeadline(&c, 30);
            const grpc::Status s = stubs[static_cast<size_t>(t)]->SubmitReport(
                &c, Report(*set, i, prefix + std::to_string(i)), &out);
            if (s.ok()) {
              set->reports[static_cast<size_t>(i)] = out.name();
              return true;
            }
            *error = s.error_message();
            if (s.error_code() != grpc::StatusCode::ABORTED &&
                s.error_code() != grpc::StatusCode::UNAVAILABLE) {
              return false;
            }
          }
          return false;
        },
        &set->fill_error, deadline);
    set->fill_s = std::chrono::duration<double>(Clock::now() - t0).count();
    set->reports.erase(
        std::remove(set->reports.begin(), set->reports.end(), std::string()),
        set->reports.end());
  }
};

// --- output ------------------------------------------------------------------

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

struct ScalePoint {
  int scale = 0;
  int items = 0;
  int64_t reports = 0;
  double setup_s = 0;
  Result rollup;           // today: served from the item rollup cache
  Result rollup_computed;  // another day each call: computed from briefs
};

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Bench b;
  b.opt = ParseOptions(argc, argv);
  const Options& o = b.opt;
  {
    std::random_device rd;
    b.tag = Hex((static_cast<uint64_t>(rd()) << 32) ^ rd(), 6);
  }
  const unsigned cores = std::thread::hardware_concurrency();
  std::vector<std::string> notes;

  // Processes.
  std::string dir = "/tmp/duban-bench-" + b.tag;
  if (mkdir(dir.c_str(), 0755) != 0) Fail("mkdir " + dir);
  std::vector<std::unique_ptr<Child>> children;
  auto log_tails = [&] {
    for (auto& c : children) std::cerr << c->LogTail() << "\n";
  };
  const bool own_servers = o.plan_addr.empty();
  std::string redis_desc = o.redis;
  if (own_servers) {
    std::string redis = o.redis;
    if (redis.empty()) {
      const int port = FreeLoopbackPort();
      children.push_back(std::make_unique<Child>(
          "redis-server",
          std::vector<std::string>{
              "redis-server", "--port", std::to_string(port), "--bind",
              "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync",
              o.appendfsync, "--save", "", "--daemonize", "no", "--maxclients",
              "10000"},
          dir + "/redis.log"));
      if (!children.back()->Start()) Fail("cannot start redis-server");
      bool up = false;
      for (int i = 0; i < 100 && !up; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        up = CanConnect(port);
      }
      if (!up) {
        log_tails();
        Fail("redis-server did not come up");
      }
      redis = "127.0.0.1:" + std::to_string(port);
      redis_desc = "own redis-server 7 at " + redis + ", AOF appendfsync " +
                   o.appendfsync;
    } else {
      redis_desc = "given Redis at " + redis;
    }
    const std::string bin = o.bin_dir.empty() ? ExeDir() + "/.." : o.bin_dir;
    const std::string plan_bin = bin + "/services/plan/plan-server";
    const std::string unit_bin = bin + "/services/unit/unit-server";
    const std::string progress_bin = bin + "/services/progress/progress-server";
    for (const auto& p : {plan_bin, unit_bin, progress_bin}) {
      if (!IsExecutable(p)) Fail(p + " not found (build it, or use --bin-dir)");
    }
    b.unit_addr = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
    b.plan_addr = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
    b.progress_addr = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
    const std::string r = "--redis=" + redis;
    children.push_back(std::make_unique<Child>(
        "unit-server",
        std::vector<std::string>{unit_bin, "--listen=" + b.unit_addr, r,
                                 "--shutdown_seconds=1", "--log_level=warning",
                                 "--plaintext"},
        dir + "/unit-server.log"));
    children.push_back(std::make_unique<Child>(
        "plan-server",
        std::vector<std::string>{plan_bin, "--listen=" + b.plan_addr, r,
                                 "--unit_addr=" + b.unit_addr,
                                 "--shutdown_seconds=1", "--log_level=warning",
                                 "--plaintext"},
        dir + "/plan-server.log"));
    children.push_back(std::make_unique<Child>(
        "progress-server",
        std::vector<std::string>{
            progress_bin, "--listen=" + b.progress_addr, r,
            "--plan_addr=" + b.plan_addr, "--unit_addr=" + b.unit_addr,
            "--shutdown_seconds=1", "--log_level=warning", "--plaintext"},
        dir + "/progress-server.log"));
    for (size_t i = children.size() - 3; i < children.size(); ++i) {
      if (!children[i]->Start()) Fail("cannot start a server");
    }
  } else {
    b.plan_addr = o.plan_addr;
    b.unit_addr = o.unit_addr;
    b.progress_addr = o.progress_addr;
    redis_desc = "servers given; their Redis";
    auto credentials = duban::MakeChannelCredentials(o.tls);
    if (!credentials.ok()) Fail(credentials.status().ToString());
    Credentials() = *credentials;
  }
  for (const auto& addr : {b.unit_addr, b.plan_addr, b.progress_addr}) {
    std::string error;
    if (!WaitServing(addr, 30, &error)) {
      log_tails();
      Fail(addr + " not SERVING: " + error);
    }
  }
  b.plan_ch = NewChannel(b.plan_addr, 1000);
  b.unit_ch = NewChannel(b.unit_addr, 1001);
  b.progress_pool = ChannelPool(b.progress_addr, o.channels);

  // Set-up of the 1× plan.
  if (!o.json) std::cerr << "setting up organization and the 40-item plan…\n";
  b.SetUpOrganization();
  const int fill_threads = std::max(1, o.concurrency);
  Bench::PlanSet main_plan = b.CreatePlan("bench-" + b.tag + "-x1", 40);
  b.Fill(&main_plan, fill_threads,
         Clock::now() + std::chrono::seconds(static_cast<int64_t>(
                            std::max(60.0, o.setup_budget))));
  if (main_plan.reports.empty()) {
    log_tails();
    Fail("no report could be filed: " + main_plan.fill_error);
  }
  if (main_plan.fill_errors > 0) {
    notes.push_back(
        std::to_string(main_plan.fill_errors) +
        " reports of the 1x plan failed to file: " + main_plan.fill_error);
  }

  std::vector<Result> results;
  auto wanted = [&o](const std::string& scenario) {
    return o.only.empty() ||
           std::find(o.only.begin(), o.only.end(), scenario) != o.only.end();
  };
  const std::vector<int> caller_counts =
      o.concurrency == 1 ? std::vector<int>{1}
                         : std::vector<int>{1, o.concurrency};
  auto progress_factory = [&](auto&& make) {
    return [&b, make](int t) -> Call {
      std::shared_ptr<gv1::ProgressService::Stub> stub = b.ProgressStub(t);
      return make(stub, t);
    };
  };
  auto run = [&](const std::string& name, const std::string& detail,
                 int callers, const CallerFactory& f) {
    if (!o.json) {
      std::cerr << "running " << name << " with " << callers << " caller(s)…\n";
    }
    Result r = RunLoad(name, callers, o.warmup, o.seconds, f);
    r.detail = detail;
    results.push_back(r);
    return r;
  };

  std::vector<double> floor_by_callers(8192, 0);
  // Floor.
  for (int n : caller_counts) {
    Result r = run(
        "floor (Health/Check)", "empty call on progress-server", n,
        [&](int t) -> Call {
          std::shared_ptr<hv1::Health::Stub> stub(
              hv1::Health::NewStub(b.progress_pool[static_cast<size_t>(t) %
                                                   b.progress_pool.size()]));
          return [stub](std::string* error) {
            grpc::ClientContext c;
            SetDeadline(&c, 10);
            hv1::HealthCheckRequest req;
            hv1::HealthCheckResponse resp;
            const grpc::Status s = stub->Check(&c, req, &resp);
            if (!s.ok()) *error = s.error_message();
            return s.ok();
          };
        });
    floor_by_callers[static_cast<size_t>(n)] = r.throughput;
  }
  // GetReport.
  for (int n : wanted("GetReport") ? caller_counts : std::vector<int>{}) {
    auto counter = std::make_shared<std::atomic<uint64_t>>(0);
    const auto* reports = &main_plan.reports;
    run("GetReport", "round robin over the 1x plan's reports", n,
        progress_factory(
            [counter, reports](std::shared_ptr<gv1::ProgressService::Stub> stub,
                               int) -> Call {
              return [stub, counter, reports](std::string* error) {
                gv1::GetReportRequest req;
                req.set_name((*reports)[(*counter)++ % reports->size()]);
                gv1::Report out;
                grpc::ClientContext c;
                SetDeadline(&c, 10);
                const grpc::Status s = stub->GetReport(&c, req, &out);
                if (!s.ok()) *error = s.error_message();
                return s.ok();
              };
            }));
  }
  // GetPlanRollup on the 1× plan. As of today (the default) item rollups
  // come from the cache once computed; `computed` asks for another day on
  // each call (cycling through 2021), which is never cached, so every item
  // is rolled up from its reports' briefs.
  auto rollup_factory = [&](const std::string& plan, bool computed) {
    auto counter = std::make_shared<std::atomic<int64_t>>(0);
    return progress_factory(
        [plan, computed, counter](
            std::shared_ptr<gv1::ProgressService::Stub> stub, int) -> Call {
          return [stub, plan, computed, counter](std::string* error) {
            gv1::GetPlanRollupRequest req;
            req.set_plan(plan);
            if (computed) {
              const int64_t day = (*counter)++ % 28;
              req.mutable_as_of()->set_year(2021);
              req.mutable_as_of()->set_month(1 + static_cast<int>(day % 12));
              req.mutable_as_of()->set_day(1 + static_cast<int>(day));
            }
            gv1::PlanRollup out;
            grpc::ClientContext c;
            SetDeadline(&c, 60);
            const grpc::Status s = stub->GetPlanRollup(&c, req, &out);
            if (!s.ok()) *error = s.error_message();
            return s.ok();
          };
        });
  };
  Result rollup_1x_single;
  Result rollup_1x_computed;
  const bool rollups = wanted("GetPlanRollup") || wanted("growth");
  for (int n : rollups ? caller_counts : std::vector<int>{}) {
    Result r =
        run("GetPlanRollup", "40 items x 4 units x 12 months, 1920 reports", n,
            rollup_factory(main_plan.plan, false));
    if (n == 1) rollup_1x_single = r;
  }
  if (rollups) {
    rollup_1x_computed =
        run("GetPlanRollup/computed", "as of another day each call: no cache",
            1, rollup_factory(main_plan.plan, true));
  }
  // SubmitReport: a new revision each call, fresh request id.
  for (int n : wanted("SubmitReport") ? caller_counts : std::vector<int>{}) {
    auto counter = std::make_shared<std::atomic<int64_t>>(0);
    const std::string prefix =
        "bench-submit-" + b.tag + "-" + std::to_string(n) + "-";
    const Bench* bench = &b;
    const Bench::PlanSet* set = &main_plan;
    run("SubmitReport", "new revision, fresh request id, spread over 40x4x12",
        n,
        progress_factory(
            [counter, prefix, bench, set](
                std::shared_ptr<gv1::ProgressService::Stub> stub, int) -> Call {
              return [stub, counter, prefix, bench, set](std::string* error) {
                const int64_t i = (*counter)++;
                // A stride coprime with 1920 spreads consecutive calls over
                // items, units and periods.
                const gv1::SubmitReportRequest req =
                    bench->Report(*set, i * 7919, prefix + std::to_string(i));
                gv1::Report out;
                grpc::ClientContext c;
                SetDeadline(&c, 10);
                const grpc::Status s = stub->SubmitReport(&c, req, &out);
                if (!s.ok()) {
                  *error =
                      std::to_string(s.error_code()) + ": " + s.error_message();
                }
                return s.ok();
              };
            }));
  }
  for (Result& r : results) {
    const double f = floor_by_callers[static_cast<size_t>(r.callers)];
    r.floor_ratio = f > 0 ? r.throughput / f : 0;
  }

  // Rollup growth with report volume: more items per plan.
  std::vector<ScalePoint> scale;
  {
    ScalePoint p;
    p.scale = 1;
    p.items = 40;
    p.reports = static_cast<int64_t>(main_plan.reports.size());
    p.setup_s = main_plan.import_s + main_plan.issue_s + main_plan.fill_s;
    p.rollup = rollup_1x_single;
    p.rollup_computed = rollup_1x_computed;
    scale.push_back(p);
  }
  double budget_left = o.setup_budget;
  const double per_report_1x =
      scale[0].setup_s /
      static_cast<double>(std::max<int64_t>(1, scale[0].reports));
  double per_report = per_report_1x;
  for (int factor : {10, 100}) {
    if (factor > o.max_scale || !wanted("growth")) break;
    const int items = 40 * factor;
    const int64_t reports = static_cast<int64_t>(items) * kUnits * kPeriods;
    const double predicted = per_report * static_cast<double>(reports);
    if (budget_left < 10) {
      notes.push_back("rollup at " + std::to_string(factor) + "x (" +
                      std::to_string(items) + " items, " +
                      std::to_string(reports) +
                      " reports) not measured: only " + Fixed(budget_left, 0) +
                      " s left of --setup-budget");
      break;
    }
    if (!o.json) {
      std::cerr << "setting up the " << factor << "x plan (" << items
                << " items, " << reports << " reports, predicted "
                << Fixed(predicted, 0) << " s)…\n";
    }
    const auto t0 = Clock::now();
    Bench::PlanSet set =
        b.CreatePlan("bench-" + b.tag + "-x" + std::to_string(factor), items);
    b.Fill(&set, fill_threads,
           t0 + std::chrono::milliseconds(
                    static_cast<int64_t>(budget_left * 1000)));
    const double took =
        std::chrono::duration<double>(Clock::now() - t0).count();
    budget_left -= took;
    per_report = took / static_cast<double>(reports);
    if (set.fill_errors > 0) {
      notes.push_back(std::to_string(set.fill_errors) + " reports of the " +
                      std::to_string(factor) +
                      "x plan failed to file: " + set.fill_error);
    }
    ScalePoint p;
    p.scale = factor;
    p.items = items;
    p.reports = static_cast<int64_t>(set.reports.size());
    p.setup_s = took;
    const bool complete = p.reports == reports;
    if (!complete) {
      notes.push_back(
          "the " + std::to_string(factor) + "x plan (" + std::to_string(items) +
          " items) was only partly filled: " + std::to_string(p.reports) +
          " of " + std::to_string(reports) + " reports within the " +
          Fixed(took, 0) +
          " s left of --setup-budget; its rollup is measured at that volume "
          "(" +
          Fixed(static_cast<double>(p.reports) / 1920.0, 1) + "x)");
    }
    if (!o.json) std::cerr << "running GetPlanRollup at " << factor << "x…\n";
    p.rollup = RunLoad("GetPlanRollup " + std::to_string(factor) + "x", 1,
                       o.warmup, o.seconds, rollup_factory(set.plan, false));
    p.rollup_computed =
        RunLoad("GetPlanRollup/computed " + std::to_string(factor) + "x", 1,
                o.warmup, o.seconds, rollup_factory(set.plan, true));
    scale.push_back(p);
    if (!complete) break;
  }

  // Targets.
  const Result* submit64 = nullptr;
  const Result* rollup1 = nullptr;
  for (const Result& r : results) {
    if (r.scenario == "SubmitReport" && r.callers == o.concurrency)
      submit64 = &r;
    if (r.scenario == "GetPlanRollup" && r.callers == 1) rollup1 = &r;
  }
  const bool submit_ok = submit64 != nullptr && submit64->floor_ratio >= 0.40;
  const bool rollup_ok =
      rollup1 != nullptr && rollup1->ok > 0 && rollup1->p50_ms < 2.0;

  if (o.json) {
    std::ostringstream j;
    j << "{\n  \"cores\": " << cores << ",\n  \"redis\": \""
      << JsonEscape(redis_desc) << "\",\n  \"seconds\": " << o.seconds
      << ",\n  \"warmup\": " << o.warmup << ",\n  \"channels\": " << o.channels
      << ",\n  \"setup\": {\"plan_1x_import_s\": "
      << Fixed(main_plan.import_s, 3)
      << ", \"plan_1x_issue_s\": " << Fixed(main_plan.issue_s, 3)
      << ", \"plan_1x_fill_s\": " << Fixed(main_plan.fill_s, 3)
      << ", \"plan_1x_reports\": " << main_plan.reports.size() << "},\n"
      << "  \"results\": [\n";
    for (size_t i = 0; i < results.size(); ++i) {
      const Result& r = results[i];
      j << "    {\"scenario\": \"" << JsonEscape(r.scenario)
        << "\", \"detail\": \"" << JsonEscape(r.detail)
        << "\", \"callers\": " << r.callers << ", \"ok\": " << r.ok
        << ", \"errors\": " << r.errors
        << ", \"calls_per_s\": " << Fixed(r.throughput, 1)
        << ", \"p50_ms\": " << Fixed(r.p50_ms, 3)
        << ", \"p99_ms\": " << Fixed(r.p99_ms, 3)
        << ", \"floor_ratio\": " << Fixed(r.floor_ratio, 3)
        << ", \"first_error\": \"" << JsonEscape(r.first_error) << "\"}"
        << (i + 1 < results.size() ? ",\n" : "\n");
    }
    j << "  ],\n  \"rollup_growth\": [\n";
    for (size_t i = 0; i < scale.size(); ++i) {
      const ScalePoint& p = scale[i];
      j << "    {\"scale\": " << p.scale << ", \"items\": " << p.items
        << ", \"reports\": " << p.reports
        << ", \"setup_s\": " << Fixed(p.setup_s, 1)
        << ", \"calls_per_s\": " << Fixed(p.rollup.throughput, 1)
        << ", \"p50_ms\": " << Fixed(p.rollup.p50_ms, 3)
        << ", \"p99_ms\": " << Fixed(p.rollup.p99_ms, 3)
        << ", \"errors\": " << p.rollup.errors << ", \"first_error\": \""
        << JsonEscape(p.rollup.first_error) << "\""
        << ", \"computed_p50_ms\": " << Fixed(p.rollup_computed.p50_ms, 3)
        << ", \"computed_p99_ms\": " << Fixed(p.rollup_computed.p99_ms, 3)
        << ", \"computed_errors\": " << p.rollup_computed.errors << "}"
        << (i + 1 < scale.size() ? ",\n" : "\n");
    }
    j << "  ],\n  \"targets\": {\"submit_report_ge_40pct_of_floor\": "
      << (submit_ok ? "true" : "false") << ", \"submit_report_floor_ratio\": "
      << Fixed(submit64 ? submit64->floor_ratio : 0, 3)
      << ", \"get_plan_rollup_p50_lt_2ms\": " << (rollup_ok ? "true" : "false")
      << ", \"get_plan_rollup_p50_ms\": "
      << Fixed(rollup1 ? rollup1->p50_ms : 0, 3) << "},\n  \"notes\": [";
    for (size_t i = 0; i < notes.size(); ++i) {
      j << (i ? ", " : "") << "\"" << JsonEscape(notes[i]) << "\"";
    }
    j << "]\n}\n";
    std::cout << j.str();
  } else {
    std::printf(
        "duban-bench: %u cores; %s; %.1f s measured per scenario after "
        "%.1f s warm-up; %d channels\n",
        cores, redis_desc.c_str(), o.seconds, o.warmup, o.channels);
    std::printf(
        "set-up of the 1x plan: import %.2f s, issue+schedule %.2f s, "
        "%zu reports filed in %.1f s\n\n",
        main_plan.import_s, main_plan.issue_s, main_plan.reports.size(),
        main_plan.fill_s);
    std::printf("%-22s %7s %11s %9s %9s %9s %8s\n", "scenario", "callers",
                "calls/s", "p50 ms", "p99 ms", "x floor", "errors");
    for (const Result& r : results) {
      std::printf("%-22s %7d %11.1f %9.3f %9.3f %9.2f %8lld\n",
                  r.scenario.c_str(), r.callers, r.throughput, r.p50_ms,
                  r.p99_ms, r.floor_ratio, static_cast<long long>(r.errors));
    }
    std::printf(
        "\nGetPlanRollup growth (1 caller; reports scaled by items "
        "per plan, x 4 units x 12 months):\n");
    std::printf("%-6s %6s %8s %10s %11s %9s %9s %13s %13s %8s\n", "scale",
                "items", "reports", "setup s", "calls/s", "p50 ms", "p99 ms",
                "computed p50", "computed p99", "errors");
    for (const ScalePoint& p : scale) {
      std::printf(
          "%-6s %6d %8lld %10.1f %11.1f %9.3f %9.3f %13.3f %13.3f %8lld\n",
          (std::to_string(p.scale) + "x").c_str(), p.items,
          static_cast<long long>(p.reports), p.setup_s, p.rollup.throughput,
          p.rollup.p50_ms, p.rollup.p99_ms, p.rollup_computed.p50_ms,
          p.rollup_computed.p99_ms,
          static_cast<long long>(p.rollup.errors + p.rollup_computed.errors));
    }
    std::printf(
        "\ntargets:\n  SubmitReport at %d callers >= 40%% of the empty "
        "call: %.0f%% -> %s\n  GetPlanRollup p50 < 2 ms (1 caller, 1x): "
        "%.3f ms -> %s\n",
        o.concurrency, 100 * (submit64 ? submit64->floor_ratio : 0),
        submit_ok ? "MET" : "NOT MET", rollup1 ? rollup1->p50_ms : 0,
        rollup_ok ? "MET" : "NOT MET");
    std::vector<std::string> errs;
    for (const Result& r : results) {
      if (!r.first_error.empty()) {
        errs.push_back(r.scenario + " (" + std::to_string(r.callers) +
                       "): " + r.first_error);
      }
    }
    for (const ScalePoint& p : scale) {
      if (!p.rollup.first_error.empty()) {
        errs.push_back(p.rollup.scenario + ": " + p.rollup.first_error);
      }
    }
    if (!notes.empty() || !errs.empty()) std::printf("\nnotes:\n");
    for (const auto& n : notes) std::printf("  %s\n", n.c_str());
    for (const auto& e : errs) std::printf("  first error of %s\n", e.c_str());
  }

  for (auto it = children.rbegin(); it != children.rend(); ++it) (*it)->Stop();
  if (o.keep_logs) {
    std::cerr << "logs kept in " << dir << "\n";
  } else {
    std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0)
      std::cerr << "could not remove " << dir << "\n";
  }
  return 0;
}
