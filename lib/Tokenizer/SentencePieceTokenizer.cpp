//===- SentencePieceTokenizer.cpp - tokenizer.model through libsentencepiece //
//
// sentencepiece models (Unigram or BPE, with their normalization rules) are
// read by the sentencepiece library itself (Debian's libsentencepiece-dev);
// a build without it still loads every other tokenizer and says why a
// tokenizer.model cannot be used.
//
//===----------------------------------------------------------------------===//

#include "gptq/Tokenizer/Tokenizer.h"

#include <fmt/format.h>

#if GPTQ_HAVE_SENTENCEPIECE
#include <sentencepiece_processor.h>
#endif

namespace gptq::tokenizer {

#if GPTQ_HAVE_SENTENCEPIECE

namespace {

class SentencePieceTokenizer final : public Tokenizer {
public:
  explicit SentencePieceTokenizer(std::string path) : path_(std::move(path)) {}

  Status load() {
    const auto status = processor_.Load(path_);
    if (!status.ok())
      return Status::error(fmt::format("{}: not a sentencepiece model ({})",
                                       path_, status.ToString()));
    SpecialTokens roles;
    if (processor_.bos_id() >= 0)
      roles.bos = processor_.bos_id();
    if (processor_.eos_id() >= 0)
      roles.eos = processor_.eos_id();
    setSpecials(roles);
    return Status::success();
  }

  Expected<std::vector<int32_t>>
  encode(const std::string &text) const override {
    std::vector<int> ids;
    const auto status = processor_.Encode(text, &ids);
    if (!status.ok())
      return Status::error(
          fmt::format("{}: encode failed: {}", path_, status.ToString()));
    return std::vector<int32_t>(ids.begin(), ids.end());
  }

  Expected<std::string> decode(const std::vector<int32_t> &ids) const override {
    for (int32_t id : ids)
      if (id < 0 || id >= processor_.GetPieceSize())
        return Status::error(
            fmt::format("{}: token id {} is not in the vocabulary", path_, id));
    std::string text;
    const auto status =
        processor_.Decode(std::vector<int>(ids.begin(), ids.end()), &text);
    if (!status.ok())
      return Status::error(
          fmt::format("{}: decode failed: {}", path_, status.ToString()));
    return text;
  }

  int64_t vocabSize() const override { return processor_.GetPieceSize(); }
  std::string describe() const override {
    return fmt::format("tokenizer.model (sentencepiece, {} pieces)",
                       processor_.GetPieceSize());
  }
  std::optional<int32_t> tokenId(const std::string &token) const override {
    const int id = processor_.PieceToId(token);
    // Unknown pieces map to the unknown id: check the way back.
    if (id < 0 || processor_.IdToPiece(id) != token)
      return std::nullopt;
    return id;
  }

private:
  std::string path_;
  sentencepiece::SentencePieceProcessor processor_;
};

} // namespace

bool haveSentencePiece() { return true; }

Expected<std::unique_ptr<Tokenizer>>
loadSentencePieceModel(const std::string &path) {
  auto tokenizer = std::make_unique<SentencePieceTokenizer>(path);
  GPTQ_RETURN_IF_ERROR(tokenizer->load());
  return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

#else

bool haveSentencePiece() { return false; }

Expected<std::unique_ptr<Tokenizer>>
loadSentencePieceModel(const std::string &path) {
  return Status::error(fmt::format(
      "{}: this build has no sentencepiece support (libsentencepiece-dev was "
      "not found when it was configured); install it and reconfigure, or "
      "provide the model's tokenizer.json",
      path));
}

#endif

} // namespace gptq::tokenizer
