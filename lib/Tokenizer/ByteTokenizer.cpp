//===- ByteTokenizer.cpp - One token per byte -----------------------------===//
//
// The byte-level test models (tiny-llama-bytes: vocab_size 256, no tokenizer
// files) read text as its bytes, token id = byte value.
//
//===----------------------------------------------------------------------===//

#include "gptq/Tokenizer/Tokenizer.h"

#include <fmt/format.h>

namespace gptq::tokenizer {

namespace {

class ByteTokenizer final : public Tokenizer {
public:
  Expected<std::vector<int32_t>>
  encode(const std::string &text) const override {
    std::vector<int32_t> ids(text.size());
    for (size_t i = 0; i < text.size(); ++i)
      ids[i] = int32_t(static_cast<unsigned char>(text[i]));
    return ids;
  }

  /// The bytes themselves, valid UTF-8 or not: a byte model's output is
  /// bytes, and a character may be cut between two decode calls.
  Expected<std::string> decode(const std::vector<int32_t> &ids) const override {
    std::string text(ids.size(), '\0');
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0 || ids[i] > 255)
        return Status::error(fmt::format(
            "byte-level tokenizer: token id {} is not a byte", ids[i]));
      text[i] = char(ids[i]);
    }
    return text;
  }

  int64_t vocabSize() const override { return 256; }
  std::string describe() const override {
    return "byte-level (one token per byte)";
  }
};

} // namespace

std::unique_ptr<Tokenizer> makeByteTokenizer() {
  return std::make_unique<ByteTokenizer>();
}

} // namespace gptq::tokenizer
