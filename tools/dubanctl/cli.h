// What every dubanctl command shares: the global flags, channels to the
// servers, calls with a deadline and retries, error reporting with the exit
// codes, and JSON output. One file per service adds that service's commands
// (plan_commands.cc, later unit_commands.cc and progress_commands.cc).
#ifndef DUBAN_TOOLS_DUBANCTL_CLI_H_
#define DUBAN_TOOLS_DUBANCTL_CLI_H_

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "duban/plan/v1/plan_service.grpc.pb.h"
#include "duban/progress/v1/progress_service.grpc.pb.h"
#include "duban/type/v1/types.pb.h"
#include "duban/unit/v1/unit_service.grpc.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/grpcpp.h"

namespace duban::cli {

// Exit codes.
inline constexpr int kExitOk = 0;
// The server answered with an error, could not be reached, or is not serving.
inline constexpr int kExitServerError = 1;
// The command line is wrong (unknown flag, bad value, unreadable file).
inline constexpr int kExitUsage = 2;

inline constexpr char kDefaultPlanAddr[] = "127.0.0.1:50061";
inline constexpr char kDefaultUnitAddr[] = "127.0.0.1:50062";
inline constexpr char kDefaultProgressAddr[] = "127.0.0.1:50063";

// Flags that apply to every command.
struct GlobalOptions {
  // Print one JSON document (the response message) instead of tables.
  bool json = false;
  // Do not truncate long cells in tables.
  bool wide = false;
  std::string plan_addr = kDefaultPlanAddr;
  std::string unit_addr = kDefaultUnitAddr;
  std::string progress_addr = kDefaultProgressAddr;
  // Deadline of each call, as given ("10s", "500ms", or seconds "10").
  std::string timeout_text = "10s";
  // Parsed from timeout_text by ValidateGlobalOptions.
  absl::Duration timeout = absl::Seconds(10);
  // Transport security: TLS unless --plaintext, verifying servers against
  // --tls-ca-file (default: the system's trust store), presenting
  // --tls-cert-file/--tls-key-file to servers that require mutual TLS.
  bool plaintext = false;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;
  // Bearer token sent as "authorization: Bearer <token>" on every call:
  // read from --token-file / DUBAN_TOKEN_FILE, else taken from DUBAN_TOKEN
  // (by ValidateGlobalOptions); empty: none sent.
  std::string token_file;
  std::string token;
};

// Adds the global flags to the top-level app.
void AddGlobalOptions(CLI::App* app, GlobalOptions* options);
// Checks the global flags once parsed; prints the error and returns false
// when one is wrong.
bool ValidateGlobalOptions(GlobalOptions* options);

// What the selected subcommand will do; set by its CLI11 callback and run by
// main after parsing. Returns the exit code.
using Action = std::function<int()>;

// A server as named in messages ("plan-server at 127.0.0.1:50061").
struct Server {
  std::string name;     // "plan-server"
  std::string address;  // gRPC target: "host:port" or any gRPC URI
  std::string flag;     // the flag that sets the address, "--plan-addr"
  std::string env;      // the environment variable, "DUBAN_PLAN_ADDR"
};

Server PlanServer(const GlobalOptions& options);
Server UnitServer(const GlobalOptions& options);
Server ProgressServer(const GlobalOptions& options);

// A channel to `address`, secured as the global options say, that
// reconnects quickly (the CLI lives for seconds, so the default reconnect
// backoff of up to two minutes would only hide a server that has just come
// up).
std::shared_ptr<grpc::Channel> MakeChannel(const GlobalOptions& options,
                                           absl::string_view address);

// Adds the bearer token, when there is one, to a call's metadata.
void AddCredentials(const GlobalOptions& options, grpc::ClientContext* context);

// Runs `call` with a fresh context whose deadline is options.timeout from
// now, retrying UNAVAILABLE up to 3 times with exponential backoff. The
// caller builds the request once, so a retried write carries the same
// request id.
grpc::Status CallWithRetry(
    const GlobalOptions& options,
    const std::function<grpc::Status(grpc::ClientContext*)>& call);

// Prints `error: <CODE>: <message>` for a failed call and returns
// kExitServerError. When the server could not be reached at all the message
// names the server, its address and how to point dubanctl elsewhere.
int ReportCallError(const grpc::Status& status, const Server& server,
                    grpc::Channel* channel);

// Prints `error: <CODE>: <message>` for a local (usage) error and returns
// kExitUsage.
int ReportUsageError(grpc::StatusCode code, absl::string_view message);

// The gRPC code name, "FAILED_PRECONDITION".
std::string CodeName(grpc::StatusCode code);

// Prints `message` as one JSON document on stdout (proto field names, every
// field including defaults). Returns kExitOk, or kExitServerError if the
// message cannot be converted.
int PrintJson(const google::protobuf::Message& message);

// "2020-03-30", "2020-10", "2020"; empty when the year is 0.
std::string FormatDate(const duban::type::v1::Date& date);
// RFC 3339 UTC; empty when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp);

// The local user name, sent as the principal of state changes.
std::string LocalPrincipal();

// A column width for tables: `width`, or 0 (no truncation) with --wide.
int Cap(const GlobalOptions& globals, int width);

// Prints "key           value" (the key padded to 14 columns) unless value
// is empty: the layout of every `get`/`show` command.
void PrintField(absl::string_view key, absl::string_view value);

// The last segment of a resource name: "plans/p/items/19" → "19".
std::string LastSegment(absl::string_view name);

// One server connection for the duration of a command.
template <typename Service>
class ServiceClient {
 public:
  using Stub = typename Service::Stub;

  ServiceClient(const GlobalOptions& globals, Server server)
      : globals_(globals),
        server_(std::move(server)),
        channel_(MakeChannel(globals, server_.address)),
        stub_(Service::NewStub(channel_)) {}

  Stub* stub() { return stub_.get(); }
  grpc::Channel* channel() { return channel_.get(); }

  // CallWithRetry with this command's options.
  grpc::Status Call(
      const std::function<grpc::Status(grpc::ClientContext*)>& call) {
    return CallWithRetry(globals_, call);
  }

  // Prints the error and returns the exit code.
  int Fail(const grpc::Status& status) {
    return ReportCallError(status, server_, channel_.get());
  }
  int Fail(grpc::StatusCode code, absl::string_view message) {
    return Fail(grpc::Status(code, std::string(message)));
  }

 private:
  const GlobalOptions& globals_;
  const Server server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
};

struct PlanClient : ServiceClient<duban::plan::v1::PlanService> {
  explicit PlanClient(const GlobalOptions& g)
      : ServiceClient(g, PlanServer(g)) {}
};
struct UnitClient : ServiceClient<duban::unit::v1::UnitService> {
  explicit UnitClient(const GlobalOptions& g)
      : ServiceClient(g, UnitServer(g)) {}
};
struct ProgressClient : ServiceClient<duban::progress::v1::ProgressService> {
  explicit ProgressClient(const GlobalOptions& g)
      : ServiceClient(g, ProgressServer(g)) {}
};

// Calls `rpc` for every page from `request` on, handing each page to
// `take`. A page token seen before ends the loop (the servers never repeat
// one; a loop would never end).
template <typename Client, typename Request, typename Response, typename Take>
grpc::Status ForEachPage(Client& client, Request request,
                         grpc::Status (Client::Stub::*rpc)(grpc::ClientContext*,
                                                           const Request&,
                                                           Response*),
                         Take take) {
  std::set<std::string> seen_tokens;
  while (true) {
    Response page;
    const grpc::Status status = client.Call([&](grpc::ClientContext* context) {
      return (client.stub()->*rpc)(context, request, &page);
    });
    if (!status.ok()) return status;
    take(page);
    if (page.next_page_token().empty() ||
        !seen_tokens.insert(page.next_page_token()).second) {
      return grpc::Status::OK;
    }
    request.set_page_token(page.next_page_token());
  }
}

}  // namespace duban::cli

#endif  // DUBAN_TOOLS_DUBANCTL_CLI_H_
