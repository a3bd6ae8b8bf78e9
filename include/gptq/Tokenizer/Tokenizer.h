//===- Tokenizer.h - Text to token ids for a model directory ----*- C++ -*-===//
//
// Calibration text, perplexity text and generation prompts are tokenized as
// the model was trained: with the Hugging Face tokenizer.json it ships
// (byte-level BPE as in GPT-2/Llama-3/Qwen2, or sentencepiece-style BPE as
// in Llama/Mistral), else its sentencepiece tokenizer.model, else, for the
// byte-level test models (vocab_size 256), one token per byte.
//
// encode() adds no special tokens; whether a model expects a BOS token in
// front of a sequence is a separate fact (specials().addBos) that the tools
// apply, so that the ids of a text can be compared with the reference
// libraries' `add_special_tokens=False` output.
//
// Errors are returned, never thrown, and name the file and the component.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOKENIZER_TOKENIZER_H
#define GPTQ_TOKENIZER_TOKENIZER_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gptq::tokenizer {

/// The ids a model gives to the start and end of a sequence.
struct SpecialTokens {
  std::optional<int32_t> bos, eos;
  /// The model's own tokenizer puts `bos` in front of every sequence.
  bool addBos = false;
};

class Tokenizer {
public:
  virtual ~Tokenizer() = default;

  /// The ids of `text` (UTF-8), without special tokens added around it.
  virtual Expected<std::vector<int32_t>>
  encode(const std::string &text) const = 0;
  /// The text of `ids`, special tokens included. Invalid UTF-8 that the
  /// tokens spell (a character cut between tokens) reads as U+FFFD where
  /// the reference decoders do the same.
  virtual Expected<std::string>
  decode(const std::vector<int32_t> &ids) const = 0;
  /// One more than the largest id the tokenizer can produce.
  virtual int64_t vocabSize() const = 0;
  /// What was loaded, for messages: "tokenizer.json (byte-level BPE, ...)".
  virtual std::string describe() const = 0;
  /// The id of the token spelled `token` (as tokenizer_config.json names
  /// special tokens), if there is one.
  virtual std::optional<int32_t> tokenId(const std::string &token) const {
    return std::nullopt;
  }

  const SpecialTokens &specials() const { return specials_; }
  void setSpecials(SpecialTokens specials) { specials_ = specials; }

  /// encode(), with BOS in front when the model expects it.
  Expected<std::vector<int32_t>> encodeSequence(const std::string &text) const;

private:
  SpecialTokens specials_;
};

/// The tokenizer of the model in `modelDir`: tokenizer.json if present, else
/// tokenizer.model (sentencepiece), else byte-level when config.json says
/// vocab_size 256. BOS/EOS come from tokenizer_config.json, tokenizer.json's
/// post-processor and config.json (see Tokenizer.cpp).
Expected<std::unique_ptr<Tokenizer>> loadTokenizer(const std::string &modelDir);

/// A Hugging Face tokenizer.json, from its text; `source` names it in
/// messages. Special tokens: only the BOS that its post-processor's template
/// puts in front.
Expected<std::unique_ptr<Tokenizer>>
parseTokenizerJson(const std::string &text, const std::string &source);
Expected<std::unique_ptr<Tokenizer>> loadTokenizerJson(const std::string &path);

/// A sentencepiece model file; fails with a message when the toolkit was
/// built without libsentencepiece.
Expected<std::unique_ptr<Tokenizer>>
loadSentencePieceModel(const std::string &path);
/// Whether loadSentencePieceModel can succeed in this build.
bool haveSentencePiece();

/// One token per byte (id = byte value), vocabulary 256.
std::unique_ptr<Tokenizer> makeByteTokenizer();

} // namespace gptq::tokenizer

#endif // GPTQ_TOKENIZER_TOKENIZER_H
