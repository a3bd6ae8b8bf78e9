//===- Perplexity.cpp - Windowed perplexity and byte tokens ---------------===//
//
// Losses are accumulated in double: with hundreds of thousands of tokens the
// fp32 sum would already move the fourth digit of the perplexity.
//
//===----------------------------------------------------------------------===//

#include "gptq/Model/Perplexity.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace gptq::model {

std::vector<int32_t> byteTokens(const std::string &text) {
  std::vector<int32_t> tokens(text.size());
  for (size_t i = 0; i < text.size(); ++i)
    tokens[i] = int32_t(static_cast<unsigned char>(text[i]));
  return tokens;
}

Expected<std::string> readTextFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

double meanNextTokenLoss(const float *logits, const int32_t *tokens, int64_t T,
                         int64_t vocab) {
  double total = 0.0;
  for (int64_t t = 0; t + 1 < T; ++t) {
    const float *row = logits + t * vocab;
    float maxLogit = row[0];
    for (int64_t v = 1; v < vocab; ++v)
      maxLogit = std::max(maxLogit, row[v]);
    double sum = 0.0;
    for (int64_t v = 0; v < vocab; ++v)
      sum += std::exp(double(row[v]) - maxLogit);
    total += std::log(sum) + maxLogit - row[tokens[t + 1]];
  }
  return T > 1 ? total / double(T - 1) : 0.0;
}

Expected<PerplexityResult>
windowedPerplexity(const std::vector<int32_t> &tokens, int64_t window,
                   int64_t maxWindows, int64_t vocab, int64_t batch,
                   const BatchLogitsFunction &forward) {
  const int64_t total = int64_t(tokens.size());
  if (total < 2)
    return Status::error(
        fmt::format("need at least 2 tokens for a perplexity, got {}", total));
  if (window < 2)
    return Status::error(fmt::format("window {} must be at least 2", window));
  const int64_t T = std::min(window, total);
  int64_t windows = total / T;
  if (maxWindows > 0)
    windows = std::min(windows, maxWindows);
  batch = std::max<int64_t>(1, batch);

  PerplexityResult result;
  double lossSum = 0.0;
  for (int64_t first = 0; first < windows; first += batch) {
    const int64_t count = std::min(batch, windows - first);
    std::vector<int32_t> chunk(tokens.begin() + first * T,
                               tokens.begin() + (first + count) * T);
    Expected<std::vector<float>> logits = forward(chunk, count, T);
    if (!logits)
      return logits.status();
    if (int64_t(logits->size()) != count * T * vocab)
      return Status::error(
          "the forward pass returned logits of the wrong size");
    for (int64_t w = 0; w < count; ++w)
      lossSum += meanNextTokenLoss(logits->data() + w * T * vocab,
                                   chunk.data() + w * T, T, vocab);
  }
  result.windows = windows;
  result.meanLoss = lossSum / double(windows);
  result.perplexity = std::exp(result.meanLoss);
  return result;
}

} // namespace gptq::model
