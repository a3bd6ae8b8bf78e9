//===- Ppl.cpp - gptq-run ppl ---------------------------------------------===//
//
// Perplexity of a model on a text file with the fixture's method (see
// Perplexity.h). --dump-logits writes the first window's logits as raw
// little-endian fp32 [window][vocab], which test/python/compare_logits.py
// checks against transformers.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"
#include "Commands.h"
#include "ModelTokenizer.h"
#include "gptq/Model/Perplexity.h"

#include <chrono>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

namespace gptq::run {

Status runPpl(const PplOptions &options) {
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
  Expected<std::string> text = model::readTextFile(options.text);
  if (!text)
    return text.status();
  // The whole file is one sequence (BOS once, in front, where the model's
  // tokenizer adds one), cut into windows below.
  Expected<std::vector<int32_t>> encoded =
      tokenizeForModel(**tokenizer, config, *text, options.text);
  if (!encoded)
    return encoded.status();
  const std::vector<int32_t> tokens = encoded.take();
  if (options.window < 2)
    return Status::error(
        fmt::format("--window {} must be at least 2", options.window));
  const int64_t batch =
      options.batch > 0 ? options.batch : (options.device == "cpu" ? 1 : 16);
  const int64_t T = std::min<int64_t>(options.window, tokens.size());
  Expected<std::unique_ptr<Backend>> backend =
      makeBackend(options.device, *weights, batch, T, options.threads);
  if (!backend)
    return backend.status();

  bool dumped = options.dumpLogits.empty();
  Status dumpStatus = Status::success();
  auto forward = [&](const std::vector<int32_t> &chunk, int64_t count,
                     int64_t length) -> Expected<std::vector<float>> {
    Expected<std::vector<float>> logits =
        (*backend)->prefill(chunk, count, length, true);
    if (logits && !dumped) {
      dumped = true;
      std::ofstream out(options.dumpLogits, std::ios::binary);
      out.write(reinterpret_cast<const char *>(logits->data()),
                std::streamsize(length * config.vocabSize * sizeof(float)));
      if (!out)
        dumpStatus = Status::error(options.dumpLogits + ": cannot write");
    }
    return logits;
  };
  const auto start = std::chrono::steady_clock::now();
  Expected<model::PerplexityResult> result =
      model::windowedPerplexity(tokens, options.window, options.maxWindows,
                                config.vocabSize, batch, forward);
  if (!result)
    return result.status();
  GPTQ_RETURN_IF_ERROR(dumpStatus);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::fprintf(stderr, "device: %s\n", (*backend)->describe().c_str());
  std::printf("perplexity %.6f  (mean loss %.6f, %lld windows of %lld tokens, "
              "%.2f s, %.0f tokens/s)\n",
              result->perplexity, result->meanLoss, (long long)result->windows,
              (long long)T, seconds, double(result->windows * T) / seconds);
  return Status::success();
}

} // namespace gptq::run
