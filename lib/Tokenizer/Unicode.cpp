//===- Unicode.cpp - UTF-8 and the character classes of the splits -------===//

#include "gptq/Tokenizer/Unicode.h"

#include <algorithm>
#include <iterator>

namespace gptq::tokenizer {

namespace {

struct CodePointRange {
  char32_t first, last;
};

#include "UnicodeTables.inc"

template <size_t N>
bool inRanges(const CodePointRange (&ranges)[N], char32_t c) {
  const CodePointRange *it =
      std::upper_bound(std::begin(ranges), std::end(ranges), c,
                       [](char32_t value, const CodePointRange &range) {
                         return value < range.first;
                       });
  return it != std::begin(ranges) && c <= std::prev(it)->last;
}

bool isContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

/// Decodes one sequence at `pos`. On success sets `c`; otherwise skips the
/// maximal subpart of a valid sequence (at least one byte), as Unicode's
/// "substitution of maximal subparts" and Rust's from_utf8_lossy do.
bool decodeOne(const std::string &text, size_t &pos, char32_t &c) {
  const unsigned char lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) {
    c = lead;
    ++pos;
    return true;
  }
  int length = 0;
  unsigned char low = 0x80, high = 0xBF; // allowed range of the 2nd byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    c = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    c = lead & 0x0F;
    if (lead == 0xE0)
      low = 0xA0; // no overlong forms
    if (lead == 0xED)
      high = 0x9F; // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    c = lead & 0x07;
    if (lead == 0xF0)
      low = 0x90;
    if (lead == 0xF4)
      high = 0x8F; // nothing above U+10FFFF
  } else {
    ++pos;
    return false;
  }
  size_t next = pos + 1;
  for (int i = 1; i < length; ++i, ++next) {
    if (next >= text.size()) {
      pos = next;
      return false;
    }
    const unsigned char byte = static_cast<unsigned char>(text[next]);
    const bool valid =
        i == 1 ? byte >= low && byte <= high : isContinuation(byte);
    if (!valid) {
      pos = next;
      return false;
    }
    c = (c << 6) | (byte & 0x3F);
  }
  pos = next;
  return true;
}

} // namespace

char32_t nextCodePoint(const std::string &text, size_t &pos) {
  char32_t c = 0;
  return decodeOne(text, pos, c) ? c : char32_t(0xFFFD);
}

void appendUtf8(std::string &out, char32_t c) {
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6));
    out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18));
    out += char(0x80 | ((c >> 12) & 0x3F));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

std::string toValidUtf8(const std::string &bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t start = pos;
    char32_t c = 0;
    if (decodeOne(bytes, pos, c))
      out.append(bytes, start, pos - start);
    else
      appendUtf8(out, 0xFFFD);
  }
  return out;
}

bool isLetter(char32_t c) {
  if (c < 0x80)
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return inRanges(kLetterRanges, c);
}

bool isNumber(char32_t c) {
  if (c < 0x80)
    return c >= '0' && c <= '9';
  return inRanges(kNumberRanges, c);
}

bool isWhitespace(char32_t c) {
  // Unicode's White_Space property, which \s means in the reference regex
  // engine.
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool isNfcStable(char32_t c) {
  return c < 0x80 || !inRanges(kNfcUnstableRanges, c);
}

} // namespace gptq::tokenizer
