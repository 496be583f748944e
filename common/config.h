// Configuration shared by the servers: every absl flag may also be set by an
// environment variable DUBAN_<FLAG> (upper case); the command line wins over
// the environment, the environment over the default.
#ifndef DUBAN_COMMON_CONFIG_H_
#define DUBAN_COMMON_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace duban {

// Applies DUBAN_<FLAG> environment variables to registered flags, then
// parses argv. Returns the positional arguments. On a bad value (from either
// source) prints one clear line to stderr and exits with status 2.
std::vector<char*> ParseFlagsWithEnv(int argc, char** argv,
                                     absl::string_view usage);

// Checks "host:port" with a port 0-65535 and a non-empty host; the error
// names `flag` and the value.
absl::Status ValidateHostPort(absl::string_view flag, absl::string_view value);

// Reads a secret (a password, a token) from a file, without the trailing
// newline. The error names `flag` and the path, never the content.
absl::StatusOr<std::string> ReadSecretFile(absl::string_view flag,
                                           const std::string& path);

// Splits a validated "host:port". An IPv6 host is returned without its
// brackets ("[::1]:6379" -> "::1", 6379), as hiredis and getaddrinfo want it.
void SplitHostPort(absl::string_view value, std::string* host, int* port);

}  // namespace duban

#endif  // DUBAN_COMMON_CONFIG_H_
