//===- ModelWeights.h - A checkpoint's tensors in host memory ---*- C++ -*-===//
//
// The forward passes (CPU reference, GPU) and the quantizer all start from
// the same host-side picture of a model: dense tensors as fp32 whatever the
// checkpoint's dtype, and GPTQ-quantized linears as format::QuantizedLinear
// exactly as the checkpoint packs them. Loading checks every tensor's
// presence and shape against the config up front, so a damaged or
// mismatched checkpoint fails with the tensor's name and file instead of
// producing wrong numbers.
//
// Linear weights are stored as [in][out] (K x N, the orientation of GPTQ's
// qweight and of y = x W), not as PyTorch's [out][in]; the loader transposes.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_MODELWEIGHTS_H
#define GPTQ_MODEL_MODELWEIGHTS_H

#include "gptq/Format/Dequantize.h"
#include "gptq/Model/ModelConfig.h"
#include "gptq/Support/Status.h"

#include <optional>
#include <string>
#include <vector>

namespace gptq::model {

/// y = x W + b with W [in][out].
struct Linear {
  std::string name; ///< checkpoint prefix, e.g. "model.layers.0.mlp.up_proj"
  int64_t in = 0, out = 0;
  /// [in][out] fp32. For a quantized linear: its dequantized weights when
  /// loaded with LoadOptions::dequantize, else empty.
  std::vector<float> weight;
  std::vector<float> bias; ///< [out], or empty
  /// Present when the checkpoint stores this linear GPTQ-quantized.
  std::optional<format::QuantizedLinear> quantized;
};

/// RMSNorm (bias empty) or LayerNorm.
struct Norm {
  std::vector<float> weight, bias;
};

struct LayerWeights {
  Norm attentionNorm; ///< input_layernorm / self_attn_layer_norm
  Norm mlpNorm;       ///< post_attention_layernorm / final_layer_norm
  Linear q, k, v, o;
  /// LLaMA family: gate, up, down. OPT: up = fc1, down = fc2, gate unused.
  Linear gate, up, down;
};

struct ModelWeights {
  ModelConfig config;
  std::vector<float> embedTokens;    ///< [vocab][hidden]
  std::vector<float> embedPositions; ///< OPT: [maxPositions + 2][hidden]
  std::vector<LayerWeights> layers;
  Norm finalNorm;
  /// [hidden][vocab]; a transposed copy of embedTokens when tied.
  Linear lmHead;
};

struct LoadOptions {
  /// Fill Linear::weight of quantized linears with their dequantized
  /// weights (the CPU forward needs them; the GPU forward does not).
  bool dequantize = true;
};

/// Loads config.json (plus quantize_config.json when config.json has no
/// quantization_config) and all weights from a model directory.
Expected<ModelWeights> loadModel(const std::string &directory,
                                 const LoadOptions &options = {});

/// [rows][cols] -> [cols][rows]: PyTorch's [out][in] weights into the
/// [in][out] layout of Linear::weight, and back.
std::vector<float> transpose(const std::vector<float> &values, int64_t rows,
                             int64_t cols);

/// The linears of a layer in execution order with their short names
/// ("self_attn.q_proj", ...), for code that treats them uniformly.
std::vector<std::pair<std::string, Linear *>>
layerLinears(LayerWeights &layer, const ModelConfig &config);

} // namespace gptq::model

#endif // GPTQ_MODEL_MODELWEIGHTS_H
