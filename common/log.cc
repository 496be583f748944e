#include "common/log.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace duban {
namespace {

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};

// Guards the component name and keeps lines from interleaving: each line is
// written by one fwrite under the lock.
absl::Mutex& LogMutex() {
  static absl::Mutex* mu = new absl::Mutex;
  return *mu;
}
std::string& Component() ABSL_EXCLUSIVE_LOCKS_REQUIRED(LogMutex()) {
  static std::string* component = new std::string;
  return *component;
}

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// The length of the valid UTF-8 sequence at the start of `s`, or 0.
size_t Utf8SequenceLength(absl::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  size_t len;
  uint32_t min;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  uint32_t cp = b0 & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid.
  if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  return len;
}

// A raw field must be a JSON number or literal; std::to_string(double) can
// produce "nan" and "inf", which are not JSON.
bool IsJsonLiteral(absl::string_view v) {
  if (v == "true" || v == "false" || v == "null") return true;
  if (v.empty()) return false;
  for (char c : v) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
          c == 'e' || c == 'E')) {
      return false;
    }
  }
  return true;
}

}  // namespace

void SetMinLogLevel(LogLevel level) {
  min_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= min_level.load(std::memory_order_relaxed);
}

void SetLogComponent(absl::string_view component) {
  absl::MutexLock lock(&LogMutex());
  Component().assign(component.data(), component.size());
}

std::string JsonEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Valid UTF-8 passes through; an invalid byte becomes U+FFFD so that
      // the line stays valid JSON (values may carry binary keys).
      size_t len = Utf8SequenceLength(s.substr(i));
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.data() + i, len);
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out;
}

void Log(LogLevel level, absl::string_view message,
         const std::vector<LogField>& fields) {
  if (!LogEnabled(level)) return;
  std::string line =
      absl::StrCat("{\"ts\":\"",
                   absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                    absl::UTCTimeZone()),
                   "\",\"level\":\"", LevelName(level), "\"");
  // The component is read under the lock below; build the rest first.
  std::string rest = absl::StrCat(",\"msg\":\"", JsonEscape(message), "\"");
  for (const LogField& f : fields) {
    absl::StrAppend(&rest, ",\"", JsonEscape(f.key), "\":");
    if (f.raw && IsJsonLiteral(f.value)) {
      absl::StrAppend(&rest, f.value);
    } else {
      absl::StrAppend(&rest, "\"", JsonEscape(f.value), "\"");
    }
  }
  rest += "}\n";
  absl::MutexLock lock(&LogMutex());
  absl::StrAppend(&line, ",\"component\":\"", JsonEscape(Component()), "\"",
                  rest);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace duban
