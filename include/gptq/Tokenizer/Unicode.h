//===- Unicode.h - UTF-8 and the character classes of the splits -*- C++ -*-=//
//
// The regex pre-tokenizers of tokenizer.json classify code points as
// letters (\p{L}), numbers (\p{N}) and white space (\s). ASCII is classified
// exactly in code; above ASCII, letters and numbers come from tables
// generated from the Unicode database (lib/Tokenizer/gen_unicode_tables.py,
// Unicode 14), which may lag the reference library's Unicode version for
// characters assigned since. White space is Unicode's White_Space property.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOKENIZER_UNICODE_H
#define GPTQ_TOKENIZER_UNICODE_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace gptq::tokenizer {

/// Decodes the code point at `text[pos]` and advances `pos` past it. An
/// invalid or truncated sequence decodes as U+FFFD and advances one byte.
char32_t nextCodePoint(const std::string &text, size_t &pos);
/// Appends the UTF-8 encoding of `c`.
void appendUtf8(std::string &out, char32_t c);
/// `bytes` with every invalid UTF-8 sequence replaced by U+FFFD (one per
/// maximal invalid subpart, as Rust's from_utf8_lossy does).
std::string toValidUtf8(const std::string &bytes);

bool isLetter(char32_t c);
bool isNumber(char32_t c);
bool isWhitespace(char32_t c);
/// False when NFC normalization may change a text holding `c`: combining
/// marks, characters that compose with what precedes them, singletons.
bool isNfcStable(char32_t c);

} // namespace gptq::tokenizer

#endif // GPTQ_TOKENIZER_UNICODE_H
