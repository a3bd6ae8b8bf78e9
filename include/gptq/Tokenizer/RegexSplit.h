//===- RegexSplit.h - The regex pre-tokenizers, without a regex -*- C++ -*-===//
//
// Byte-level BPE tokenizers cut text into pieces with a regex before BPE:
// GPT-2's
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// and Llama-3's (Qwen2's is the same with \p{N} instead of \p{N}{1,3})
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//   ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// std::regex has neither \p{..} nor a fast enough engine, so each pattern is
// written out as a scanner that tries the alternatives in order at each
// position, as the regex engine does (Unicode classes: Unicode.h).
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOKENIZER_REGEXSPLIT_H
#define GPTQ_TOKENIZER_REGEXSPLIT_H

#include <optional>
#include <string>
#include <vector>

namespace gptq::tokenizer {

enum class SplitPattern { Gpt2, Llama3, Qwen2 };

/// The pattern whose regex source (as tokenizer.json spells it) is
/// `regex`, if it is one of the known ones.
std::optional<SplitPattern> recognizeSplitPattern(const std::string &regex);

/// The regex source of `pattern`.
const char *splitPatternRegex(SplitPattern pattern);

/// Cuts UTF-8 `text` into the consecutive matches of `pattern`; their
/// concatenation is `text`.
std::vector<std::string> splitWithPattern(const std::string &text,
                                          SplitPattern pattern);

} // namespace gptq::tokenizer

#endif // GPTQ_TOKENIZER_REGEXSPLIT_H
