//===- ModelConfig.h - A decoder-only model's config.json -------*- C++ -*-===//
//
// Everything the forward passes need to know about a Hugging Face causal LM
// comes from its config.json. The supported families are few and close: the
// LLaMA family (Llama, Mistral, Qwen2: RMSNorm, rotary positions, grouped
// query attention, SwiGLU) and OPT (LayerNorm, learned positions, ReLU).
// Parsing them into one struct with a family tag keeps the forward passes
// free of per-architecture string checks, and rejecting anything else here
// (unknown architectures, RoPE scalings we do not implement) turns a wrong
// answer later into a clear error now.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_MODELCONFIG_H
#define GPTQ_MODEL_MODELCONFIG_H

#include "gptq/Format/QuantizeConfig.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <optional>
#include <string>

namespace gptq::model {

enum class ModelFamily {
  Llama, ///< LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM
  Opt,   ///< OPTForCausalLM
};

struct ModelConfig {
  /// As config.json's `architectures[0]` spells it.
  std::string architecture;
  ModelFamily family = ModelFamily::Llama;

  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0; ///< OPT: ffn_dim
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  int64_t maxPositions = 0;
  double normEps = 1e-5;
  bool tieWordEmbeddings = false;

  // LLaMA family.
  double ropeTheta = 10000.0;
  /// RoPE "linear" scaling divides positions by this; 1 for "default".
  double ropeLinearFactor = 1.0;
  bool qkvBias = false; ///< q/k/v projections have a bias (Qwen2, or
                        ///< attention_bias)
  bool oBias = false;   ///< o_proj has a bias (attention_bias)
  bool mlpBias = false;
  /// Mistral/Qwen2 sliding-window attention span; 0 when attention is
  /// global. Both forwards refuse sequences longer than it rather than
  /// attend differently from transformers.
  int64_t slidingWindow = 0;

  // OPT.
  bool doLayerNormBefore = true;
  /// OPT learned positions are looked up at position + this offset.
  int64_t positionOffset = 2;

  /// The GPTQ settings of config.json's `quantization_config`, if any.
  std::optional<format::QuantizeConfig> quantization;

  bool isLlamaFamily() const { return family == ModelFamily::Llama; }
  int64_t qDim() const { return numHeads * headDim; }
  int64_t kvDim() const { return numKvHeads * headDim; }
  /// Number of weights (embeddings and lm_head included, biases excluded).
  int64_t numParameters() const;
  /// Checks sizes and divisibility (heads, kv heads, head_dim parity).
  Status validate() const;
};

/// Parses config.json text; `source` names the file in messages.
Expected<ModelConfig> parseModelConfigText(const std::string &text,
                                           const std::string &source);
/// Reads `<directory>/config.json` (or `path` itself if it is a file).
Expected<ModelConfig> parseModelConfig(const std::string &path);

} // namespace gptq::model

#endif // GPTQ_MODEL_MODELCONFIG_H
