// What must never reach a caller in an error message — secrets, Redis and
// other internal addresses, Redis key names, raw Redis error replies,
// key material and tokens — and the tools that keep it out: a process-wide
// registry of secret values and internal addresses, a leak detector, and
// statuses that tell callers an incident id while the detail goes to the
// server log.
#ifndef DUBAN_COMMON_REDACTION_H_
#define DUBAN_COMMON_REDACTION_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace duban {

// Secret values shorter than this are not registered: they would match
// ordinary words of messages.
inline constexpr size_t kMinRedactedSecretBytes = 6;

// Remembers a secret (a password read from a file or set in options) so
// that FindLeak reports it and MaskSecrets hides it. Thread-safe; kept for
// the life of the process.
void RegisterSecretForRedaction(absl::string_view value);

// Remembers an internal address (a Redis server, a sentinel, another
// service) so that FindLeak reports it, as "host:port", "[host]:port" or
// the bare host (unless it is "localhost"). Thread-safe.
void RegisterAddressForRedaction(absl::string_view host, int port);

// What in `message` must not reach a caller, described for logs ("a Redis
// key name", "an internal address", "a secret", "a PEM block", "a bearer
// token", "a Redis error reply"); empty when nothing does. Checks the
// `duban:` key prefix, the registered addresses and secrets, PEM markers,
// JWT-shaped tokens and the texts Redis error replies start with.
std::string FindLeak(absl::string_view message);

// `text` with every registered secret replaced by "[secret]", for logs.
std::string MaskSecrets(absl::string_view text);

// A fresh random incident id: 16 hex digits.
std::string NewIncidentId();

// The status callers get instead of `detail`, whose message names
// internals: the same code, the message "<summary> (incident <id>)". The
// server log gets one warning line "error detail withheld" with the
// incident id, the code and `detail`'s message (secrets masked); the
// detail also travels as a payload (IncidentDetail), which gRPC never
// sends. OK stays OK.
absl::Status ConcealDetail(const absl::Status& detail,
                           absl::string_view summary);

// The detail a ConcealDetail status carries; empty when none.
std::string IncidentDetail(const absl::Status& status);

}  // namespace duban

#endif  // DUBAN_COMMON_REDACTION_H_
