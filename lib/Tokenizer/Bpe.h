//===- Bpe.h - The BPE model of tokenizer.json ------------------*- C++ -*-===//
//
// A word (one pre-tokenized piece) starts as one symbol per character;
// characters missing from the vocabulary become <0xNN> byte tokens when the
// model has byte_fallback, else the unknown token. Then, as long as some
// adjacent pair has a merge, the pair whose merge comes first in the merges
// list is replaced by its merged token, the leftmost such pair on ties.
// With a priority queue this is O(n log n), which matters for
// sentencepiece-style tokenizers: they do not pre-tokenize, so a whole
// calibration file is one word.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_LIB_TOKENIZER_BPE_H
#define GPTQ_LIB_TOKENIZER_BPE_H

#include "gptq/Support/Status.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gptq::tokenizer {

class BpeModel {
public:
  /// Reads tokenizer.json's "model" object (type BPE); `source` names the
  /// file in messages.
  static Expected<BpeModel> parse(const nlohmann::json &model,
                                  const std::string &source);

  /// Appends the ids of `word` to `out`.
  Status encodeWord(const std::string &word, std::vector<int32_t> &out) const;

  std::optional<int32_t> tokenId(const std::string &token) const;
  const std::string *tokenText(int32_t id) const;
  /// One more than the largest id.
  int64_t size() const { return int64_t(idToToken_.size()); }
  bool byteFallback() const { return byteFallback_; }

private:
  struct Merge {
    int32_t rank, merged;
  };
  static uint64_t pairKey(int32_t left, int32_t right) {
    return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
  }
  Status initialSymbols(const std::string &word,
                        std::vector<int32_t> &symbols) const;

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> idToToken_; ///< "" for ids the vocab skips
  std::unordered_map<uint64_t, Merge> merges_;
  std::optional<int32_t> unk_;
  bool fuseUnk_ = false, byteFallback_ = false, ignoreMerges_ = false;
  int32_t byteTokens_[256]; ///< <0xNN>, -1 where absent
  std::string source_;
};

} // namespace gptq::tokenizer

#endif // GPTQ_LIB_TOKENIZER_BPE_H
