//===- RegexSplit.cpp - The regex pre-tokenizers, without a regex ---------===//
//
// Each alternative of the patterns is a function that returns how many code
// points it matches at a position (0: no match); the alternatives are tried
// in the pattern's order and the first match wins, as in a backtracking
// regex engine. Quantifiers are greedy, and the only backtracking the
// patterns need (\s+(?!\S), \s*[\r\n]+) is worked out directly.
//
//===----------------------------------------------------------------------===//

#include "gptq/Tokenizer/RegexSplit.h"

#include "gptq/Tokenizer/Unicode.h"

#include <cstdint>

namespace gptq::tokenizer {

namespace {

const char *const kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char *const kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char *const kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

bool isOther(char32_t c) {
  return !isWhitespace(c) && !isLetter(c) && !isNumber(c);
}
bool isNewline(char32_t c) { return c == '\r' || c == '\n'; }

class Scanner {
public:
  Scanner(const std::u32string &text, SplitPattern pattern)
      : s(text), pattern(pattern) {}

  /// The length of the match at `i` (at least 1: every pattern ends with
  /// alternatives that together match any code point).
  size_t matchAt(size_t i) const {
    if (size_t n = contraction(i))
      return n;
    if (pattern == SplitPattern::Gpt2) {
      if (size_t n = spaceThen(i, isLetter))
        return n;
      if (size_t n = spaceThen(i, isNumber))
        return n;
      if (size_t n = spaceThen(i, isOther))
        return n;
    } else {
      if (size_t n = prefixedLetters(i))
        return n;
      if (size_t n = digits(i, pattern == SplitPattern::Llama3 ? 3 : 1))
        return n;
      if (size_t n = punctuationThenNewlines(i))
        return n;
      if (size_t n = whitespaceThroughNewline(i))
        return n;
    }
    if (size_t n = whitespaceNotBeforeText(i))
      return n;
    return std::max<size_t>(1, run(i, isWhitespace));
  }

private:
  const std::u32string &s;
  SplitPattern pattern;

  char32_t at(size_t i) const { return i < s.size() ? s[i] : 0; }

  template <typename Predicate>
  size_t run(size_t i, Predicate predicate) const {
    size_t end = i;
    while (end < s.size() && predicate(s[end]))
      ++end;
    return end - i;
  }

  /// 's 't 're 've 'm 'll 'd, case-insensitive except in GPT-2's pattern.
  size_t contraction(size_t i) const {
    if (at(i) != '\'')
      return 0;
    const bool fold = pattern != SplitPattern::Gpt2;
    auto is = [&](size_t k, char lower) {
      const char32_t c = at(k);
      return c == char32_t(lower) || (fold && c == char32_t(lower - 'a' + 'A'));
    };
    if (is(i + 1, 's') || is(i + 1, 't') || is(i + 1, 'm') || is(i + 1, 'd'))
      return 2;
    if ((is(i + 1, 'r') && is(i + 2, 'e')) ||
        (is(i + 1, 'v') && is(i + 2, 'e')) ||
        (is(i + 1, 'l') && is(i + 2, 'l')))
      return 3;
    return 0;
  }

  /// ` ?X+` for a class X.
  template <typename Predicate>
  size_t spaceThen(size_t i, Predicate predicate) const {
    const size_t space = at(i) == ' ' && i + 1 < s.size() ? 1 : 0;
    const size_t n = run(i + space, predicate);
    if (n > 0)
      return space + n;
    return 0;
  }

  /// `[^\r\n\p{L}\p{N}]?\p{L}+`
  size_t prefixedLetters(size_t i) const {
    if (i < s.size() && !isNewline(s[i]) && !isLetter(s[i]) &&
        !isNumber(s[i])) {
      if (size_t n = run(i + 1, isLetter))
        return 1 + n;
      return 0;
    }
    return run(i, isLetter);
  }

  /// `\p{N}{1,max}`
  size_t digits(size_t i, size_t max) const {
    return std::min(max, run(i, isNumber));
  }

  /// ` ?[^\s\p{L}\p{N}]+[\r\n]*`
  size_t punctuationThenNewlines(size_t i) const {
    const size_t n = spaceThen(i, isOther);
    if (n == 0)
      return 0;
    return n + run(i + n, isNewline);
  }

  /// `\s*[\r\n]+`: the whitespace run up to and including its last newline.
  size_t whitespaceThroughNewline(size_t i) const {
    const size_t n = run(i, isWhitespace);
    for (size_t k = n; k > 0; --k)
      if (isNewline(s[i + k - 1]))
        return k;
    return 0;
  }

  /// `\s+(?!\S)`: a whitespace run that ends the text, or all of it but the
  /// last character when text follows (that character then starts the next
  /// piece, e.g. the space of " word").
  size_t whitespaceNotBeforeText(size_t i) const {
    const size_t n = run(i, isWhitespace);
    if (n == 0)
      return 0;
    if (i + n == s.size())
      return n;
    return n - 1;
  }
};

} // namespace

std::optional<SplitPattern> recognizeSplitPattern(const std::string &regex) {
  if (regex == kGpt2Regex)
    return SplitPattern::Gpt2;
  if (regex == kLlama3Regex)
    return SplitPattern::Llama3;
  if (regex == kQwen2Regex)
    return SplitPattern::Qwen2;
  return std::nullopt;
}

const char *splitPatternRegex(SplitPattern pattern) {
  switch (pattern) {
  case SplitPattern::Gpt2:
    return kGpt2Regex;
  case SplitPattern::Llama3:
    return kLlama3Regex;
  case SplitPattern::Qwen2:
    return kQwen2Regex;
  }
  return "";
}

std::vector<std::string> splitWithPattern(const std::string &text,
                                          SplitPattern pattern) {
  // Code points, and where each starts in `text`.
  std::u32string points;
  std::vector<size_t> offsets;
  for (size_t pos = 0; pos < text.size();) {
    offsets.push_back(pos);
    points.push_back(nextCodePoint(text, pos));
  }
  offsets.push_back(text.size());

  const Scanner scanner(points, pattern);
  std::vector<std::string> pieces;
  for (size_t i = 0; i < points.size();) {
    const size_t n = scanner.matchAt(i);
    pieces.push_back(text.substr(offsets[i], offsets[i + n] - offsets[i]));
    i += n;
  }
  return pieces;
}

} // namespace gptq::tokenizer
