//===- Perplexity.h - Windowed perplexity and byte tokens -------*- C++ -*-===//
//
// One definition of perplexity for every device, matching the fixture's
// README: the token stream is cut into non-overlapping windows, each
// window's mean next-token loss is computed on its own (no context carried
// across windows), the window means are averaged, then exponentiated. The
// forward pass is passed in as a function, so the CPU and GPU numbers differ
// only in their logits.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_PERPLEXITY_H
#define GPTQ_MODEL_PERPLEXITY_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gptq::model {

/// Byte-level tokenization (token id = byte value), as the byte models use.
std::vector<int32_t> byteTokens(const std::string &text);
/// Reads a whole file as bytes.
Expected<std::string> readTextFile(const std::string &path);

/// Mean of -log softmax(logits[t])[tokens[t + 1]] over t in [0, T-1);
/// logits is [T][vocab].
double meanNextTokenLoss(const float *logits, const int32_t *tokens, int64_t T,
                         int64_t vocab);

/// Logits [T][vocab] for a batch of `count` windows of T tokens each,
/// concatenated: returns [count][T][vocab].
using BatchLogitsFunction = std::function<Expected<std::vector<float>>(
    const std::vector<int32_t> &tokens, int64_t count, int64_t T)>;

struct PerplexityResult {
  double perplexity = 0.0;
  double meanLoss = 0.0;
  int64_t windows = 0;
};

/// Non-overlapping windows of `window` tokens (a trailing partial window is
/// dropped; a stream shorter than one window is one window); at most
/// `maxWindows` of them (0: all); `batch` windows per call of `forward`.
Expected<PerplexityResult>
windowedPerplexity(const std::vector<int32_t> &tokens, int64_t window,
                   int64_t maxWindows, int64_t vocab, int64_t batch,
                   const BatchLogitsFunction &forward);

} // namespace gptq::model

#endif // GPTQ_MODEL_PERPLEXITY_H
