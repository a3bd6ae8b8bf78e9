//===- ModelTokenizer.cpp - The tokenizer of the checkpoint being run -----===//

#include "ModelTokenizer.h"

#include <fmt/format.h>

namespace gptq::run {

Expected<std::unique_ptr<tokenizer::Tokenizer>>
loadModelTokenizer(const std::string &modelDir) {
  return tokenizer::loadTokenizer(modelDir);
}

Expected<std::vector<int32_t>>
tokenizeForModel(const tokenizer::Tokenizer &tokenizer,
                 const model::ModelConfig &config, const std::string &text,
                 const std::string &what) {
  Expected<std::vector<int32_t>> ids = tokenizer.encodeSequence(text);
  if (!ids)
    return ids.status().withContext(what);
  for (int32_t id : *ids)
    if (id < 0 || id >= config.vocabSize)
      return Status::error(fmt::format(
          "{}: the tokenizer ({}) gave id {}, outside the model's vocab_size "
          "{}",
          what, tokenizer.describe(), id, config.vocabSize));
  return ids;
}

} // namespace gptq::run
