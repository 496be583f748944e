// Text primitives of the plan document importer: UTF-8 decoding and
// encoding, the normalised matching form of Chinese document text (full-width
// → ASCII, traditional → simplified) and the small predicates every parser
// stage shares (spaces, brackets, sentence ends, Chinese numerals).
#ifndef DUBAN_SERVICES_PLAN_TEXT_H_
#define DUBAN_SERVICES_PLAN_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace duban::plan {

inline constexpr std::size_t kNpos = std::u32string::npos;

// A piece of document text twice over: the code points as printed (`raw`)
// and, index for index, the form used for matching (`norm`). Keeping the two
// aligned lets every matcher work on one spelling of each keyword while what
// is cut out and returned stays exactly as printed.
struct Text {
  std::u32string raw;
  std::u32string norm;

  // `utf8` must be valid UTF-8.
  static Text FromUtf8(absl::string_view utf8);
  static Text FromRaw(std::u32string_view raw);

  std::size_t size() const { return raw.size(); }
  bool empty() const { return raw.empty(); }
  Text Sub(std::size_t pos, std::size_t len = kNpos) const;
  void Append(const Text& other);
  void AppendRaw(std::u32string_view raw);
  std::string Utf8() const;

  // Matching, always on `norm`.
  bool StartsWith(std::u32string_view prefix) const;
  bool EndsWith(std::u32string_view suffix) const;
  std::size_t Find(std::u32string_view needle, std::size_t from = 0) const;
  bool Contains(std::u32string_view needle) const {
    return Find(needle) != kNpos;
  }
};

// The matching form of one code point: full-width ASCII forms and the
// ideographic space become ASCII, traditional characters become simplified,
// a few look-alikes (﹝﹞, ○, ｡, │) become their usual form. One code point in,
// one out, so indices stay aligned.
char32_t NormalizeChar(char32_t c);
std::u32string Normalize(std::u32string_view raw);

// UTF-8. DecodeUtf8 expects valid input (see FindInvalidUtf8).
std::u32string DecodeUtf8(absl::string_view utf8);
std::string EncodeUtf8(std::u32string_view text);
void AppendUtf8(char32_t c, std::string* out);
std::size_t Utf8Size(std::u32string_view text);
// Byte offset of the first byte that does not start a well-formed UTF-8
// sequence (overlong forms and surrogates included), or kNpos.
std::size_t FindInvalidUtf8(absl::string_view bytes);

// Character classes, on normalised code points.
bool IsSpace(char32_t c);
bool IsHan(char32_t c);
bool IsDigit(char32_t c);
bool IsAsciiLetter(char32_t c);
bool IsOpenBracket(char32_t c);
bool IsCloseBracket(char32_t c);
// Separators of lists: 、 , ; (normalised from ，；).
bool IsListSeparator(char32_t c);

// Whitespace trimming (on norm, applied to both forms).
Text Trim(const Text& t);
std::size_t SkipSpaces(std::u32string_view s, std::size_t i);
std::u32string_view TrimView(std::u32string_view s);
// `s` without any whitespace.
std::u32string StripSpaces(std::u32string_view s);

// Value of a Chinese numeral 一 … 九十九 (〇/零 allowed inside), or -1.
int ChineseNumberValue(std::u32string_view s);
bool IsChineseNumeralChar(char32_t c);

// True when norm[i] ends a sentence: 。 ! ? ; or a '.' used as a full stop
// (not inside a number such as 2.0 and not right after a Latin letter).
bool IsSentenceEnd(std::u32string_view norm, std::size_t i);
// Like IsSentenceEnd without ';': the end of a full sentence, which is what
// a title is cut at.
bool IsFullStop(std::u32string_view norm, std::size_t i);
// Index of the first full stop at or after `from` that is not inside
// brackets or quotes, or kNpos.
std::size_t FindFirstFullStop(std::u32string_view norm, std::size_t from = 0);
// Index of the bracket that opens the one closing at `close`, or kNpos when
// unbalanced.
std::size_t MatchingOpen(std::u32string_view norm, std::size_t close);

// Splits on any of `separators` that stands outside brackets and quotes;
// pieces are trimmed, empty ones dropped.
std::vector<Text> SplitOutsideBrackets(const Text& t,
                                       std::u32string_view separators);
// Single sentences, split on 。 ; ! ? (and full-stop '.') outside brackets
// and quotes, and on line breaks; each keeps its terminator.
std::vector<Text> SplitSentences(const Text& t);

// Columns a fixed-width layout gives the text: 2 per wide character.
int DisplayWidth(std::u32string_view s);

}  // namespace duban::plan

#endif  // DUBAN_SERVICES_PLAN_TEXT_H_
