//===- Backend.h - One interface over the CPU and GPU forwards --*- C++ -*-===//
//
// `ppl` and `generate` are written once against this interface; the CPU
// backend (the reference, no KV cache: it recomputes the whole sequence each
// step) and the GPU backend (KV cache) differ only in speed.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_RUN_BACKEND_H
#define GPTQ_RUN_BACKEND_H

#include "gptq/Model/ModelWeights.h"
#include "gptq/Support/Status.h"

#include <memory>
#include <string>
#include <vector>

namespace gptq::run {

class Backend {
public:
  virtual ~Backend() = default;
  /// Logits for `batch` sequences of T tokens from position 0: all
  /// positions [batch][T][V], or the last only [batch][V].
  virtual Expected<std::vector<float>>
  prefill(const std::vector<int32_t> &tokens, int64_t batch, int64_t T,
          bool allLogits) = 0;
  /// One more token per sequence; logits [batch][V].
  virtual Expected<std::vector<float>>
  decode(const std::vector<int32_t> &tokens) = 0;
  virtual std::string describe() const = 0;
};

/// "cpu" or "cuda". `maxBatch` and `maxSequence` size the GPU's KV cache.
Expected<std::unique_ptr<Backend>>
makeBackend(const std::string &device, const model::ModelWeights &weights,
            int64_t maxBatch, int64_t maxSequence, unsigned threads);

/// True when this build has the GPU forward.
bool haveCudaBackend();

} // namespace gptq::run

#endif // GPTQ_RUN_BACKEND_H
