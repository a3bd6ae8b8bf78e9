//===- ModelTokenizer.h - The tokenizer of the checkpoint being run -*- C++
//-*-//
//
// ppl and generate tokenize with the checkpoint's own tokenizer
// (gptq/Tokenizer: tokenizer.json, tokenizer.model, or bytes for the
// byte-level test models), and check that every id fits the model's
// embedding before it is looked up there.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_RUN_MODELTOKENIZER_H
#define GPTQ_RUN_MODELTOKENIZER_H

#include "gptq/Model/ModelConfig.h"
#include "gptq/Support/Status.h"
#include "gptq/Tokenizer/Tokenizer.h"

#include <memory>
#include <string>
#include <vector>

namespace gptq::run {

Expected<std::unique_ptr<tokenizer::Tokenizer>>
loadModelTokenizer(const std::string &modelDir);

/// `text` as the model reads a sequence (BOS in front when its tokenizer
/// adds one); `what` names the text in messages.
Expected<std::vector<int32_t>>
tokenizeForModel(const tokenizer::Tokenizer &tokenizer,
                 const model::ModelConfig &config, const std::string &text,
                 const std::string &what);

} // namespace gptq::run

#endif // GPTQ_RUN_MODELTOKENIZER_H
