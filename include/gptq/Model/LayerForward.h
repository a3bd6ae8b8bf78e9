//===- LayerForward.h - One decoder layer at a time, with hooks -*- C++ -*-===//
//
// GPTQ quantizes a model layer by layer (FORMAT.md §6): the calibration
// samples' hidden states enter decoder layer i, the inputs of its linears are
// captured to build their Hessians, and the outputs of the (by then
// quantized) layer become the inputs of layer i + 1. A whole-model forward
// cannot express that, so this header exposes the decoder layer itself, on
// many equal-length sequences at once, with a hook called at each of the
// four points where linears read their input. The CPU reference forward
// (CpuForward) is built from the same pieces, so calibration and perplexity
// compute the same layer.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_LAYERFORWARD_H
#define GPTQ_MODEL_LAYERFORWARD_H

#include "gptq/Model/ModelWeights.h"
#include "gptq/Support/Status.h"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace gptq::model {

/// The four activations that linears of a decoder layer read, in execution
/// order. LLaMA family: q/k/v share the normed hidden state, o_proj reads
/// the attention output, gate/up share the normed residual, down_proj reads
/// silu(gate) * up. OPT: q/k/v, out_proj, fc1, fc2.
enum class LinearInput { Attention = 0, AttentionOutput, MlpInput, MlpOutput };
constexpr int kNumLinearInputs = 4;
constexpr std::array<LinearInput, kNumLinearInputs> kAllLinearInputs = {
    LinearInput::Attention, LinearInput::AttentionOutput, LinearInput::MlpInput,
    LinearInput::MlpOutput};

/// The linears reading `input`, with their short names ("self_attn.q_proj"),
/// in AutoGPTQ's true-sequential order within the group.
std::vector<std::pair<std::string, Linear *>>
linearsReading(LayerWeights &layer, const ModelConfig &config,
               LinearInput input);

/// Called with [sequences * T][in] fp32 rows.
using CpuLinearInputHook = std::function<Status(
    LinearInput input, const float *x, int64_t sequences, int64_t T)>;

struct CpuLayerHooks {
  CpuLinearInputHook capture; ///< may be empty
  /// Return right after capturing this input; the hidden states are then
  /// left as they were (the rest of the layer is not computed).
  std::optional<LinearInput> stopAfter;
};

/// Hidden states [sequences * T][hidden] of the embedding (plus learned
/// positions for OPT) of `tokens`, `sequences` sequences of T tokens.
Expected<std::vector<float>> cpuEmbed(const ModelWeights &weights,
                                      const std::vector<int32_t> &tokens,
                                      int64_t sequences, int64_t T);

/// Runs one decoder layer on `sequences` independent sequences of T tokens
/// (positions 0..T-1 each); `x` [sequences * T][hidden] is replaced by the
/// layer's outputs unless hooks.stopAfter ends the run early. Every linear
/// needs dense weights (Linear::weight).
Status cpuDecoderLayer(const LayerWeights &layer, const ModelConfig &config,
                       std::vector<float> &x, int64_t sequences, int64_t T,
                       unsigned threads, const CpuLayerHooks &hooks = {});

/// The final norm (where the family has one before lm_head), in place.
void cpuFinalNorm(const ModelWeights &weights, std::vector<float> &x,
                  int64_t rows);

} // namespace gptq::model

#endif // GPTQ_MODEL_LAYERFORWARD_H
