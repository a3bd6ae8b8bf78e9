//===- Sampling.cpp - Greedy and nucleus sampling -------------------------===//
//
// Probabilities are computed in double from max-shifted logits, then sorted
// once; top-p keeps the smallest prefix whose mass reaches p (at least one
// token), as transformers' TopPLogitsWarper does.
//
//===----------------------------------------------------------------------===//

#include "gptq/Model/Sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace gptq::model {

int32_t Sampler::next(const float *logits, int64_t vocab) {
  const int64_t best = std::max_element(logits, logits + vocab) - logits;
  if (options_.temperature <= 0.0)
    return int32_t(best);
  std::vector<double> probs(vocab);
  double sum = 0.0;
  for (int64_t v = 0; v < vocab; ++v) {
    probs[v] =
        std::exp((double(logits[v]) - logits[best]) / options_.temperature);
    sum += probs[v];
  }
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int32_t a, int32_t b) { return probs[a] > probs[b]; });
  int64_t keep = 0;
  double mass = 0.0;
  while (keep < vocab && (keep == 0 || mass < options_.topP * sum))
    mass += probs[order[keep++]];
  std::uniform_real_distribution<double> uniform(0.0, mass);
  double target = uniform(rng_);
  for (int64_t i = 0; i < keep; ++i) {
    target -= probs[order[i]];
    if (target <= 0.0)
      return order[i];
  }
  return order[keep - 1];
}

} // namespace gptq::model
