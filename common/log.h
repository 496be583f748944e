// Structured logs: one JSON object per line on stderr, so that log
// collectors parse them without patterns.
#ifndef DUBAN_COMMON_LOG_H_
#define DUBAN_COMMON_LOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace duban {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// A field of a log line: the value is written as a JSON string unless
// `raw` (then it must already be valid JSON: a number, true/false).
struct LogField {
  LogField(absl::string_view k, absl::string_view v) : key(k), value(v) {}
  LogField(absl::string_view k, const char* v) : key(k), value(v) {}
  LogField(absl::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(absl::string_view k, long long v)
      : key(k), value(std::to_string(v)), raw(true) {}
  LogField(absl::string_view k, int v)
      : key(k), value(std::to_string(v)), raw(true) {}
  LogField(absl::string_view k, double v)
      : key(k), value(std::to_string(v)), raw(true) {}
  LogField(absl::string_view k, bool v)
      : key(k), value(v ? "true" : "false"), raw(true) {}
  std::string key;
  std::string value;
  bool raw = false;
};

// Lines below this level are dropped. Default kInfo.
void SetMinLogLevel(LogLevel level);
// Whether a line at `level` would be written (to skip building its fields).
bool LogEnabled(LogLevel level);
// The process name written in every line ("plan-server").
void SetLogComponent(absl::string_view component);

// Writes {"ts":"…","level":"info","component":"…","msg":"…",<fields>}.
void Log(LogLevel level, absl::string_view message,
         const std::vector<LogField>& fields = {});

// Escapes a string for inclusion in a JSON string literal (no quotes added).
std::string JsonEscape(absl::string_view s);

}  // namespace duban

#endif  // DUBAN_COMMON_LOG_H_
