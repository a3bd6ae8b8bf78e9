//===- Generate.cpp - gptq-run generate -----------------------------------===//
//
// Prefill the prompt, then one decode step per new token; the text goes to
// stdout as it is produced, the timing to stderr so that the output can be
// piped.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"
#include "Commands.h"
#include "gptq/Model/Perplexity.h"
#include "gptq/Model/Sampling.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace gptq::run {

Status checkByteLevel(const model::ModelConfig &config,
                      const std::string &modelDir);

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
  GPTQ_RETURN_IF_ERROR(checkByteLevel(config, options.model));
  std::vector<int32_t> tokens = model::byteTokens(options.prompt);
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
  for (int64_t i = 0; i < options.maxNewTokens; ++i) {
    const int32_t next = sampler.next(logits->data(), config.vocabSize);
    std::fputc(next, stdout);
    std::fflush(stdout);
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
               (long long)options.maxNewTokens, decodeSeconds,
               options.maxNewTokens > 1
                   ? double(options.maxNewTokens - 1) / decodeSeconds
                   : 0.0);
  return Status::success();
}

} // namespace gptq::run
