#include "common/redaction.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"

namespace duban {
namespace {

constexpr char kDetailPayload[] = "type.duban.dev/duban.IncidentDetail";

struct Registry {
  absl::Mutex mu;
  std::vector<std::string> secrets ABSL_GUARDED_BY(mu);
  // "host:port" and "[host]:port".
  std::vector<std::string> addresses ABSL_GUARDED_BY(mu);
  // Bare hosts.
  std::vector<std::string> hosts ABSL_GUARDED_BY(mu);
};

Registry& GetRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

void AddOnce(std::vector<std::string>* list, absl::string_view value) {
  if (std::find(list->begin(), list->end(), value) == list->end()) {
    list->emplace_back(value);
  }
}

bool IsBase64UrlChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '_';
}

// A JWT: "eyJ" (base64url of '{"'), a header segment, '.', a payload.
bool HasToken(absl::string_view message) {
  for (size_t pos = message.find("eyJ"); pos != absl::string_view::npos;
       pos = message.find("eyJ", pos + 1)) {
    size_t i = pos;
    while (i < message.size() && IsBase64UrlChar(message[i])) ++i;
    if (i - pos < 10 || i >= message.size() || message[i] != '.') continue;
    size_t j = i + 1;
    while (j < message.size() && IsBase64UrlChar(message[j])) ++j;
    if (j - i - 1 >= 2) return true;
  }
  return false;
}

bool IsHostChar(char c) { return absl::ascii_isalnum(c) || c == '-'; }

// `address` ("host:port", or a bare host) occurs as a whole: not inside a
// longer host name or number ("10.0.0.4" is not in "10.0.0.40").
bool HasAddress(absl::string_view message, absl::string_view address) {
  for (size_t pos = message.find(address); pos != absl::string_view::npos;
       pos = message.find(address, pos + 1)) {
    const size_t end = pos + address.size();
    const bool starts =
        pos == 0 || !(IsHostChar(message[pos - 1]) || message[pos - 1] == '.');
    const bool ends = end == message.size() || !IsHostChar(message[end]);
    if (starts && ends) return true;
  }
  return false;
}

// Texts Redis error replies start with; a message holding one passed a
// raw reply on, which may name keys, commands or ACL users.
bool HasRedisReply(absl::string_view message) {
  for (absl::string_view word :
       {"NOPERM", "WRONGTYPE", "NOSCRIPT", "WRONGPASS", "NOAUTH", "user_script",
        "MISCONF", "EXECABORT"}) {
    if (absl::StrContains(message, word)) return true;
  }
  return absl::StartsWith(message, "ERR ") ||
         absl::StrContains(message, ": ERR ");
}

}  // namespace

void RegisterSecretForRedaction(absl::string_view value) {
  if (value.size() < kMinRedactedSecretBytes) return;
  Registry& r = GetRegistry();
  absl::MutexLock lock(&r.mu);
  AddOnce(&r.secrets, value);
}

void RegisterAddressForRedaction(absl::string_view host, int port) {
  if (host.empty()) return;
  Registry& r = GetRegistry();
  absl::MutexLock lock(&r.mu);
  AddOnce(&r.addresses, absl::StrCat(host, ":", port));
  AddOnce(&r.addresses, absl::StrCat("[", host, "]:", port));
  if (host.size() >= 4 && !absl::EqualsIgnoreCase(host, "localhost")) {
    AddOnce(&r.hosts, host);
  }
}

std::string FindLeak(absl::string_view message) {
  if (absl::StrContains(message, "duban:")) return "a Redis key name";
  if (absl::StrContains(message, "-----BEGIN")) return "a PEM block";
  if (HasToken(message)) return "a bearer token";
  if (HasRedisReply(message)) return "a Redis error reply";
  Registry& r = GetRegistry();
  absl::MutexLock lock(&r.mu);
  for (const std::string& secret : r.secrets) {
    if (absl::StrContains(message, secret)) return "a secret";
  }
  for (const std::string& address : r.addresses) {
    if (HasAddress(message, address)) return "an internal address";
  }
  for (const std::string& host : r.hosts) {
    if (HasAddress(message, host)) return "an internal address";
  }
  return "";
}

std::string MaskSecrets(absl::string_view text) {
  std::string out(text);
  Registry& r = GetRegistry();
  absl::MutexLock lock(&r.mu);
  for (const std::string& secret : r.secrets) {
    absl::StrReplaceAll({{secret, "[secret]"}}, &out);
  }
  return out;
}

std::string NewIncidentId() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen));
}

absl::Status ConcealDetail(const absl::Status& detail,
                           absl::string_view summary) {
  if (detail.ok()) return detail;
  const std::string id = NewIncidentId();
  const std::string masked = MaskSecrets(detail.message());
  Log(LogLevel::kWarning, "error detail withheld",
      {{"incident", id},
       {"code", absl::StatusCodeToString(detail.code())},
       {"error", masked}});
  absl::Status concealed(detail.code(),
                         absl::StrCat(summary, " (incident ", id, ")"));
  concealed.SetPayload(kDetailPayload, absl::Cord(masked));
  return concealed;
}

std::string IncidentDetail(const absl::Status& status) {
  absl::optional<absl::Cord> detail = status.GetPayload(kDetailPayload);
  return detail.has_value() ? std::string(*detail) : std::string();
}

}  // namespace duban
