// Resource ids and request ids shared by the services.
#ifndef DUBAN_COMMON_IDS_H_
#define DUBAN_COMMON_IDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace duban {

// A resource id: 1-63 characters of [a-z0-9-], starting with a letter, not
// ending with '-'. The error names `field` and the value.
absl::Status ValidateResourceId(absl::string_view field, absl::string_view id);

// Request ids: 1-128 printable ASCII characters, no spaces.
absl::Status ValidateRequestId(absl::string_view field, absl::string_view id);

// A new random request id (UUID v4 text).
std::string NewRequestId();

// A resource id derived deterministically from a seed (a request id), so a
// retried create lands on the same resource: `<prefix>-<12 hex>`.
std::string DeriveResourceId(absl::string_view prefix, absl::string_view seed);

// A random resource id `<prefix>-<12 hex>`.
std::string RandomResourceId(absl::string_view prefix);

// Lower-case hex SHA-256 of `data` (OpenSSL): document checksums and the
// fingerprint that tells a reused request id from a retry.
std::string Sha256Hex(absl::string_view data);

}  // namespace duban

#endif  // DUBAN_COMMON_IDS_H_
