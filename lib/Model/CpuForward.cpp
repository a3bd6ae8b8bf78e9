//===- CpuForward.cpp - fp32 reference forward pass -----------------------===//
//
// Follows transformers' modeling code step by step (LlamaDecoderLayer,
// OPTDecoderLayer) so that a disagreement with the GPU or with transformers
// points at one operation. The only concession to speed is the blocked,
// threaded matmul, since it is nearly all of the work.
//
//===----------------------------------------------------------------------===//

#include "gptq/Model/CpuForward.h"
#include "gptq/Model/LayerForward.h"
#include "gptq/Model/ParallelFor.h"

#include <cmath>

#include <fmt/format.h>

namespace gptq::model {

namespace {

constexpr int64_t kRowBlock = 4;     // rows of x sharing each weight load
constexpr int64_t kColBlock = 128;   // output columns per task
constexpr int64_t kRowsPerTask = 64; // rows of x per task

/// y[t0..t0+rows)[c0..c0+cols) for one task, rows <= kRowBlock at a time.
void linearTile(const float *x, const Linear &linear, float *y, int64_t t0,
                int64_t t1, int64_t c0, int64_t c1) {
  const int64_t in = linear.in, out = linear.out, cols = c1 - c0;
  const float *w = linear.weight.data();
  for (int64_t t = t0; t < t1; t += kRowBlock) {
    const int64_t rows = std::min(kRowBlock, t1 - t);
    float acc[kRowBlock][kColBlock] = {};
    for (int64_t i = 0; i < in; ++i) {
      const float *wRow = w + i * out + c0;
      for (int64_t r = 0; r < rows; ++r) {
        const float xv = x[(t + r) * in + i];
        for (int64_t c = 0; c < cols; ++c)
          acc[r][c] += xv * wRow[c];
      }
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        y[(t + r) * out + c0 + c] =
            acc[r][c] + (linear.bias.empty() ? 0.0f : linear.bias[c0 + c]);
  }
}

void rmsNorm(const float *x, int64_t T, int64_t H, const Norm &norm, double eps,
             float *y) {
  for (int64_t t = 0; t < T; ++t) {
    const float *row = x + t * H;
    double sumSquares = 0.0;
    for (int64_t i = 0; i < H; ++i)
      sumSquares += double(row[i]) * row[i];
    const float scale = float(1.0 / std::sqrt(sumSquares / H + eps));
    for (int64_t i = 0; i < H; ++i)
      y[t * H + i] = row[i] * scale * norm.weight[i];
  }
}

void layerNorm(const float *x, int64_t T, int64_t H, const Norm &norm,
               double eps, float *y) {
  for (int64_t t = 0; t < T; ++t) {
    const float *row = x + t * H;
    double mean = 0.0, var = 0.0;
    for (int64_t i = 0; i < H; ++i)
      mean += row[i];
    mean /= H;
    for (int64_t i = 0; i < H; ++i)
      var += (row[i] - mean) * (row[i] - mean);
    var /= H;
    const double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < H; ++i)
      y[t * H + i] =
          float((row[i] - mean) * inv) * norm.weight[i] + norm.bias[i];
  }
}

/// Rotates each head's (x[i], x[i + d/2]) pairs by position * inv_freq[i]
/// (transformers' rotate_half convention).
void applyRope(float *x, int64_t T, int64_t heads, int64_t headDim,
               const ModelConfig &c) {
  const int64_t half = headDim / 2;
  std::vector<double> invFreq(half);
  for (int64_t i = 0; i < half; ++i)
    invFreq[i] = 1.0 / std::pow(c.ropeTheta, double(2 * i) / double(headDim));
  for (int64_t t = 0; t < T; ++t) {
    const double position = double(t) / c.ropeLinearFactor;
    for (int64_t i = 0; i < half; ++i) {
      const float cosA = float(std::cos(position * invFreq[i]));
      const float sinA = float(std::sin(position * invFreq[i]));
      for (int64_t h = 0; h < heads; ++h) {
        float *head = x + (t * heads + h) * headDim;
        const float a = head[i], b = head[i + half];
        head[i] = a * cosA - b * sinA;
        head[i + half] = b * cosA + a * sinA;
      }
    }
  }
}

/// Causal softmax attention; query head h reads kv head h / (heads / kvHeads).
void attention(const float *q, const float *k, const float *v, int64_t T,
               const ModelConfig &c, float *out, unsigned threads) {
  const int64_t d = c.headDim, heads = c.numHeads, kvHeads = c.numKvHeads;
  const int64_t group = heads / kvHeads;
  const float scale = float(1.0 / std::sqrt(double(d)));
  parallelFor(heads, threads, [&](int64_t h) {
    const int64_t kvh = h / group;
    std::vector<float> scores(T);
    for (int64_t t = 0; t < T; ++t) {
      const float *qRow = q + (t * heads + h) * d;
      float maxScore = -INFINITY;
      for (int64_t s = 0; s <= t; ++s) {
        const float *kRow = k + (s * kvHeads + kvh) * d;
        float dot = 0.0f;
        for (int64_t i = 0; i < d; ++i)
          dot += qRow[i] * kRow[i];
        scores[s] = dot * scale;
        maxScore = std::max(maxScore, scores[s]);
      }
      double sum = 0.0;
      for (int64_t s = 0; s <= t; ++s) {
        scores[s] = std::exp(scores[s] - maxScore);
        sum += scores[s];
      }
      float *oRow = out + (t * heads + h) * d;
      std::fill(oRow, oRow + d, 0.0f);
      for (int64_t s = 0; s <= t; ++s) {
        const float p = float(scores[s] / sum);
        const float *vRow = v + (s * kvHeads + kvh) * d;
        for (int64_t i = 0; i < d; ++i)
          oRow[i] += p * vRow[i];
      }
    }
  });
}

void addInPlace(std::vector<float> &x, const std::vector<float> &delta) {
  for (size_t i = 0; i < x.size(); ++i)
    x[i] += delta[i];
}

} // namespace

void cpuLinear(const float *x, int64_t T, const Linear &linear, float *y,
               unsigned threads) {
  const int64_t rowTasks = (T + kRowsPerTask - 1) / kRowsPerTask;
  const int64_t colTasks = (linear.out + kColBlock - 1) / kColBlock;
  parallelFor(rowTasks * colTasks, threads, [&](int64_t task) {
    const int64_t rt = task / colTasks, ct = task % colTasks;
    linearTile(x, linear, y, rt * kRowsPerTask,
               std::min(T, (rt + 1) * kRowsPerTask), ct * kColBlock,
               std::min(linear.out, (ct + 1) * kColBlock));
  });
}

CpuForward::CpuForward(const ModelWeights &weights, unsigned threads)
    : weights_(weights), threads_(resolveThreads(threads)) {}

Expected<std::vector<float>> cpuEmbed(const ModelWeights &weights,
                                      const std::vector<int32_t> &tokens,
                                      int64_t sequences, int64_t T) {
  const ModelConfig &c = weights.config;
  const int64_t H = c.hiddenSize;
  if (int64_t(tokens.size()) != sequences * T)
    return Status::error(fmt::format("{} tokens do not form {} sequences of {}",
                                     tokens.size(), sequences, T));
  const bool llama = c.isLlamaFamily();
  if (!llama && T > c.maxPositions)
    return Status::error(fmt::format(
        "{} tokens exceed max_position_embeddings {}", T, c.maxPositions));
  std::vector<float> x(tokens.size() * H);
  for (int64_t m = 0; m < int64_t(tokens.size()); ++m) {
    const int64_t t = m % T;
    if (tokens[m] < 0 || tokens[m] >= c.vocabSize)
      return Status::error(fmt::format("token {} at position {} is outside "
                                       "the vocabulary of {}",
                                       tokens[m], t, c.vocabSize));
    for (int64_t i = 0; i < H; ++i)
      x[m * H + i] = weights.embedTokens[tokens[m] * H + i];
    if (!llama)
      for (int64_t i = 0; i < H; ++i)
        x[m * H + i] += weights.embedPositions[(t + c.positionOffset) * H + i];
  }
  return x;
}

namespace {

void applyNorm(const ModelConfig &c, const float *in, int64_t rows,
               const Norm &n, float *out) {
  if (c.isLlamaFamily())
    rmsNorm(in, rows, c.hiddenSize, n, c.normEps, out);
  else
    layerNorm(in, rows, c.hiddenSize, n, c.normEps, out);
}

} // namespace

void cpuFinalNorm(const ModelWeights &weights, std::vector<float> &x,
                  int64_t rows) {
  const ModelConfig &c = weights.config;
  if (c.isLlamaFamily() || c.doLayerNormBefore)
    applyNorm(c, std::vector<float>(x).data(), rows, weights.finalNorm,
              x.data());
}

Status cpuDecoderLayer(const LayerWeights &layer, const ModelConfig &c,
                       std::vector<float> &x, int64_t sequences, int64_t T,
                       unsigned threads, const CpuLayerHooks &hooks) {
  const int64_t rows = sequences * T, H = c.hiddenSize;
  if (int64_t(x.size()) != rows * H)
    return Status::error(
        fmt::format("hidden states of {} values do not form {} rows of {}",
                    x.size(), rows, H));
  if (c.slidingWindow > 0 && T > c.slidingWindow)
    return Status::error(fmt::format(
        "{} tokens exceed the sliding window of {} (not implemented)", T,
        c.slidingWindow));
  const bool llama = c.isLlamaFamily();
  for (const Linear *l : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.up,
                          &layer.down, &layer.gate})
    if ((llama || l != &layer.gate) && l->weight.empty())
      return Status::error(l->name + ": no dense weights (load with "
                                     "dequantize)");
  threads = resolveThreads(threads);
  // With an early stop the caller's states stay untouched.
  std::vector<float> scratch;
  std::vector<float> &state = hooks.stopAfter ? (scratch = x) : x;
  // Calls the hook; true when the run should stop here.
  Status hookStatus = Status::success();
  auto reached = [&](LinearInput input, const std::vector<float> &in) {
    if (hooks.capture)
      hookStatus = hooks.capture(input, in.data(), sequences, T);
    return !hookStatus.ok() || hooks.stopAfter == input;
  };
  auto linear = [&](const std::vector<float> &in, const Linear &l) {
    std::vector<float> out(rows * l.out);
    cpuLinear(in.data(), rows, l, out.data(), threads);
    return out;
  };

  // Attention block (pre-norm, or post-norm for OPT-350m style models).
  const bool preNorm = llama || c.doLayerNormBefore;
  std::vector<float> h(rows * H);
  if (preNorm)
    applyNorm(c, state.data(), rows, layer.attentionNorm, h.data());
  else
    h = state;
  if (reached(LinearInput::Attention, h))
    return hookStatus;
  std::vector<float> q = linear(h, layer.q), k = linear(h, layer.k),
                     v = linear(h, layer.v);
  std::vector<float> attn(rows * c.qDim());
  for (int64_t s = 0; s < sequences; ++s) {
    float *qs = q.data() + s * T * c.qDim();
    float *ks = k.data() + s * T * c.kvDim();
    const float *vs = v.data() + s * T * c.kvDim();
    if (llama) {
      applyRope(qs, T, c.numHeads, c.headDim, c);
      applyRope(ks, T, c.numKvHeads, c.headDim, c);
    }
    attention(qs, ks, vs, T, c, attn.data() + s * T * c.qDim(), threads);
  }
  if (reached(LinearInput::AttentionOutput, attn))
    return hookStatus;
  addInPlace(state, linear(attn, layer.o));
  if (!preNorm)
    applyNorm(c, std::vector<float>(state).data(), rows, layer.attentionNorm,
              state.data());

  // MLP block.
  if (preNorm)
    applyNorm(c, state.data(), rows, layer.mlpNorm, h.data());
  else
    h = state;
  if (reached(LinearInput::MlpInput, h))
    return hookStatus;
  std::vector<float> up = linear(h, layer.up);
  if (llama) {
    std::vector<float> gate = linear(h, layer.gate);
    for (size_t i = 0; i < up.size(); ++i)
      up[i] *= gate[i] / (1.0f + std::exp(-gate[i]));
  } else {
    for (float &value : up)
      value = std::max(value, 0.0f);
  }
  if (reached(LinearInput::MlpOutput, up))
    return hookStatus;
  addInPlace(state, linear(up, layer.down));
  if (!preNorm)
    applyNorm(c, std::vector<float>(state).data(), rows, layer.mlpNorm,
              state.data());
  return Status::success();
}

Expected<std::vector<float>>
CpuForward::logits(const std::vector<int32_t> &tokens) const {
  const int64_t T = int64_t(tokens.size());
  if (T == 0)
    return Status::error("the token sequence is empty");
  Expected<std::vector<float>> embedded = cpuEmbed(weights_, tokens, 1, T);
  if (!embedded)
    return embedded.status();
  std::vector<float> x = embedded.take();
  for (const LayerWeights &layer : weights_.layers)
    GPTQ_RETURN_IF_ERROR(
        cpuDecoderLayer(layer, weights_.config, x, 1, T, threads_));
  cpuFinalNorm(weights_, x, T);
  std::vector<float> out(T * weights_.lmHead.out);
  cpuLinear(x.data(), T, weights_.lmHead, out.data(), threads_);
  return out;
}

} // namespace gptq::model
