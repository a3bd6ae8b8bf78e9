//===- Generate.cpp - gptq-run generate -----------------------------------===//
//
// Prefill the prompt, then one decode step per new token, stopping early at
// the tokenizer's EOS; the text goes to stdout as it is produced, the timing
// to stderr so that the output can be piped.
//
// Output text: the prompt as given, then the continuation, found by
// decoding prompt + new tokens and dropping the decoded prompt (decoders
// such as Llama's treat the first token's leading space specially, so the
// new tokens are not decoded alone). A trailing U+FFFD, a character whose
// bytes are split between tokens, is held back until the next token.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"
#include "Commands.h"
#include "ModelTokenizer.h"
#include "gptq/Model/Sampling.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace gptq::run {

namespace {

const std::string kReplacement = "\xEF\xBF\xBD"; // U+FFFD

/// Writes the continuation text as tokens arrive.
class ContinuationPrinter {
public:
  ContinuationPrinter(const tokenizer::Tokenizer &tokenizer,
                      std::vector<int32_t> prompt)
      : tokenizer_(tokenizer), ids_(std::move(prompt)) {}

  Status start() {
    Expected<std::string> decoded = tokenizer_.decode(ids_);
    if (!decoded)
      return decoded.status();
    promptText_ = decoded.take();
    promptSize_ = ids_.size();
    return Status::success();
  }

  Status add(int32_t id, bool last) {
    ids_.push_back(id);
    Expected<std::string> full = tokenizer_.decode(ids_);
    if (!full)
      return full.status();
    std::string text;
    if (full->compare(0, promptText_.size(), promptText_) == 0) {
      text = full->substr(promptText_.size());
    } else {
      Expected<std::string> alone = tokenizer_.decode(
          std::vector<int32_t>(ids_.begin() + promptSize_, ids_.end()));
      if (!alone)
        return alone.status();
      text = alone.take();
    }
    while (!last && text.size() >= kReplacement.size() &&
           text.compare(text.size() - kReplacement.size(), kReplacement.size(),
                        kReplacement) == 0)
      text.resize(text.size() - kReplacement.size());
    // Text already written cannot be taken back: write only what extends it.
    if (text.size() > printed_.size() &&
        text.compare(0, printed_.size(), printed_) == 0) {
      std::fwrite(text.data() + printed_.size(), 1,
                  text.size() - printed_.size(), stdout);
      std::fflush(stdout);
      printed_ = std::move(text);
    }
    return Status::success();
  }

private:
  const tokenizer::Tokenizer &tokenizer_;
  std::vector<int32_t> ids_;
  std::string promptText_, printed_;
  size_t promptSize_ = 0;
};

} // namespace

Status runGenerate(const GenerateOptions &options) {
  if (options.prompt.empty())
    return Status::error("--prompt must not be empty");
  if (options.maxNewTokens < 0)
    return Status::error("--max-new-tokens must not be negative");
  if (options.temperature < 0 || !(options.topP > 0 && options.topP <= 1))
    return Status::error("--temperature must be >= 0 and --top-p in (0, 1]");
  model::LoadOptions load;
  load.dequantize = options.device == "cpu";
  Expected<model::ModelWeights> weights = model::loadModel(options.model, load);
  if (!weights)
    return weights.status();
  const model::ModelConfig &config = weights->config;
  Expected<std::unique_ptr<tokenizer::Tokenizer>> tokenizer =
      loadModelTokenizer(options.model);
  if (!tokenizer)
    return tokenizer.status();
  Expected<std::vector<int32_t>> encoded =
      tokenizeForModel(**tokenizer, config, options.prompt, "--prompt");
  if (!encoded)
    return encoded.status();
  std::vector<int32_t> tokens = encoded.take();
  if (tokens.empty())
    return Status::error("--prompt: the tokenizer gave no tokens");
  const int64_t total = int64_t(tokens.size()) + options.maxNewTokens;
  if (config.isLlamaFamily() ? total > 1 << 20 : total > config.maxPositions)
    return Status::error(fmt::format(
        "prompt + new tokens = {} exceed the model's positions", total));
  Expected<std::unique_ptr<Backend>> backend =
      makeBackend(options.device, *weights, 1, total, options.threads);
  if (!backend)
    return backend.status();

  model::SamplingOptions sampling;
  sampling.temperature = options.temperature;
  sampling.topP = options.topP;
  sampling.seed = options.seed;
  model::Sampler sampler(sampling);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  Expected<std::vector<float>> logits =
      (*backend)->prefill(tokens, 1, int64_t(tokens.size()), false);
  if (!logits)
    return logits.status();
  const auto prefilled = Clock::now();
  std::fwrite(options.prompt.data(), 1, options.prompt.size(), stdout);
  ContinuationPrinter printer(**tokenizer, tokens);
  GPTQ_RETURN_IF_ERROR(printer.start());
  const std::optional<int32_t> eos = (*tokenizer)->specials().eos;
  int64_t generated = 0;
  for (int64_t i = 0; i < options.maxNewTokens; ++i) {
    const int32_t next = sampler.next(logits->data(), config.vocabSize);
    if (eos && next == *eos)
      break;
    ++generated;
    GPTQ_RETURN_IF_ERROR(printer.add(next, i + 1 == options.maxNewTokens));
    if (i + 1 == options.maxNewTokens)
      break;
    logits = (*backend)->decode({next});
    if (!logits)
      return logits.status();
  }
  const auto done = Clock::now();
  std::fputc('\n', stdout);
  const double prefillSeconds =
      std::chrono::duration<double>(prefilled - start).count();
  const double decodeSeconds =
      std::chrono::duration<double>(done - prefilled).count();
  std::fprintf(stderr,
               "device: %s\nprefill: %zu tokens in %.2f ms (%.0f tokens/s); "
               "decode: %lld tokens in %.3f s (%.1f tokens/s)\n",
               (*backend)->describe().c_str(), tokens.size(),
               prefillSeconds * 1e3, double(tokens.size()) / prefillSeconds,
               (long long)generated, decodeSeconds,
               generated > 1 ? double(generated - 1) / decodeSeconds : 0.0);
  return Status::success();
}

} // namespace gptq::run
