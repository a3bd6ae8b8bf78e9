//===- ByteLevel.h - GPT-2's byte-to-unicode map ----------------*- C++ -*-===//
//
// Byte-level BPE works on bytes, but its vocabulary is written as text: each
// byte is shown as one printable code point. Printable Latin-1 bytes
// ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand for themselves; the
// other 68 bytes, in increasing order, get U+0100, U+0101, ... (so the space
// 0x20 is 'Ġ' U+0120 and the newline 0x0A is 'Ċ' U+010A).
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_LIB_TOKENIZER_BYTELEVEL_H
#define GPTQ_LIB_TOKENIZER_BYTELEVEL_H

#include <string>

namespace gptq::tokenizer {

/// Each byte of `bytes` as the UTF-8 of its code point.
std::string bytesToUnicode(const std::string &bytes);
/// The inverse, for one token: its bytes when every code point is in the
/// map, else (an added token's own text) the token's UTF-8 unchanged, as the
/// reference ByteLevel decoder does.
std::string byteLevelTokenBytes(const std::string &token);

} // namespace gptq::tokenizer

#endif // GPTQ_LIB_TOKENIZER_BYTELEVEL_H
