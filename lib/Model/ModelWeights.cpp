//===- ModelWeights.cpp - Load a checkpoint directory ---------------------===//
//
// Tensor names follow transformers' module paths for each family (FORMAT.md
// §6.3). A linear is quantized exactly when `<prefix>.qweight` exists; its
// companions are then checked against the shapes the quantization config
// implies, so a checkpoint written with other settings than its config
// claims is caught here.
//
//===----------------------------------------------------------------------===//

#include "gptq/Model/ModelWeights.h"
#include "gptq/Format/Safetensors.h"
#include "gptq/Model/LayerForward.h"

#include <filesystem>

#include <fmt/format.h>

namespace gptq::model {

namespace {

using format::CheckpointReader;

Expected<std::vector<float>> readFloat(const CheckpointReader &reader,
                                       const std::string &name,
                                       const std::vector<int64_t> &shape) {
  Expected<const format::TensorInfo *> info = reader.find(name, shape);
  if (!info)
    return info.status();
  return reader.readFloat(name);
}

Expected<std::vector<int32_t>> readInt32(const CheckpointReader &reader,
                                         const std::string &name,
                                         const std::vector<int64_t> &shape) {
  Expected<const format::TensorInfo *> info = reader.find(name, shape);
  if (!info)
    return info.status();
  return reader.readInt32(name);
}

#define ASSIGN_OR_RETURN(lhs, expr)                                            \
  do {                                                                         \
    auto result_ = (expr);                                                     \
    if (!result_)                                                              \
      return result_.status();                                                 \
    lhs = result_.take();                                                      \
  } while (false)

Expected<format::QuantizedLinear>
readQuantized(const CheckpointReader &reader, const std::string &prefix,
              int64_t in, int64_t out,
              const std::optional<format::QuantizeConfig> &quant) {
  if (!quant)
    return Status::error(fmt::format(
        "{}: tensor '{}.qweight' is GPTQ-quantized but the model has no "
        "quantization_config (config.json) or quantize_config.json",
        reader.path(), prefix));
  format::QuantizedLinear layer;
  layer.K = in;
  layer.N = out;
  layer.bits = quant->bits;
  layer.groupSize = quant->groupSize;
  Expected<format::CheckpointFormat> fmtKind = quant->format();
  if (!fmtKind)
    return fmtKind.status();
  layer.format = *fmtKind;
  if ((in * layer.bits) % 32 != 0 || (out * layer.bits) % 32 != 0)
    return Status::error(fmt::format(
        "{}: '{}' has in/out features {}/{} not packable at {} bits",
        reader.path(), prefix, in, out, layer.bits));
  const int64_t groups = layer.numGroups();
  ASSIGN_OR_RETURN(layer.qweight, readInt32(reader, prefix + ".qweight",
                                            {in * layer.bits / 32, out}));
  ASSIGN_OR_RETURN(layer.qzeros, readInt32(reader, prefix + ".qzeros",
                                           {groups, out * layer.bits / 32}));
  ASSIGN_OR_RETURN(layer.scales,
                   readFloat(reader, prefix + ".scales", {groups, out}));
  if (reader.find(prefix + ".g_idx")) {
    ASSIGN_OR_RETURN(layer.gIdx, readInt32(reader, prefix + ".g_idx", {in}));
    // Without act-order g_idx is just k / group_size: drop it so kernels
    // that need no g_idx can run the layer.
    bool trivial = quant->groupSize > 0;
    for (int64_t k = 0; trivial && k < in; ++k)
      trivial = layer.gIdx[k] == k / quant->groupSize;
    if (trivial || quant->groupSize == -1)
      layer.gIdx.clear();
  }
  if (reader.find(prefix + ".bias"))
    ASSIGN_OR_RETURN(layer.bias, readFloat(reader, prefix + ".bias", {out}));
  Status valid = layer.validate();
  if (!valid.ok())
    return Status::error(
        fmt::format("{}: '{}': {}", reader.path(), prefix, valid.message()));
  return layer;
}

Expected<Linear> readLinear(const CheckpointReader &reader,
                            const std::string &prefix, int64_t in, int64_t out,
                            bool hasBias, const ModelConfig &config,
                            const LoadOptions &options) {
  Linear linear;
  linear.name = prefix;
  linear.in = in;
  linear.out = out;
  if (reader.find(prefix + ".qweight")) {
    Expected<format::QuantizedLinear> quantized =
        readQuantized(reader, prefix, in, out, config.quantization);
    if (!quantized)
      return quantized.status();
    linear.bias = quantized->bias;
    if (options.dequantize) {
      Expected<std::vector<float>> dense = format::dequantize(*quantized);
      if (!dense)
        return dense.status().withContext(prefix);
      linear.weight = dense.take();
    }
    linear.quantized = quantized.take();
    return linear;
  }
  std::vector<float> weight;
  ASSIGN_OR_RETURN(weight, readFloat(reader, prefix + ".weight", {out, in}));
  linear.weight = transpose(weight, out, in);
  if (hasBias)
    ASSIGN_OR_RETURN(linear.bias, readFloat(reader, prefix + ".bias", {out}));
  return linear;
}

Expected<Norm> readNorm(const CheckpointReader &reader,
                        const std::string &prefix, int64_t size, bool hasBias) {
  Norm norm;
  ASSIGN_OR_RETURN(norm.weight, readFloat(reader, prefix + ".weight", {size}));
  if (hasBias)
    ASSIGN_OR_RETURN(norm.bias, readFloat(reader, prefix + ".bias", {size}));
  return norm;
}

Status loadLlamaLayer(const CheckpointReader &reader, const ModelConfig &c,
                      int64_t index, const LoadOptions &options,
                      LayerWeights &layer) {
  const std::string p = fmt::format("model.layers.{}.", index);
  const int64_t H = c.hiddenSize, I = c.intermediateSize;
  ASSIGN_OR_RETURN(layer.attentionNorm,
                   readNorm(reader, p + "input_layernorm", H, false));
  ASSIGN_OR_RETURN(layer.mlpNorm,
                   readNorm(reader, p + "post_attention_layernorm", H, false));
  ASSIGN_OR_RETURN(layer.q, readLinear(reader, p + "self_attn.q_proj", H,
                                       c.qDim(), c.qkvBias, c, options));
  ASSIGN_OR_RETURN(layer.k, readLinear(reader, p + "self_attn.k_proj", H,
                                       c.kvDim(), c.qkvBias, c, options));
  ASSIGN_OR_RETURN(layer.v, readLinear(reader, p + "self_attn.v_proj", H,
                                       c.kvDim(), c.qkvBias, c, options));
  ASSIGN_OR_RETURN(layer.o, readLinear(reader, p + "self_attn.o_proj", c.qDim(),
                                       H, c.oBias, c, options));
  ASSIGN_OR_RETURN(layer.gate, readLinear(reader, p + "mlp.gate_proj", H, I,
                                          c.mlpBias, c, options));
  ASSIGN_OR_RETURN(layer.up, readLinear(reader, p + "mlp.up_proj", H, I,
                                        c.mlpBias, c, options));
  ASSIGN_OR_RETURN(layer.down, readLinear(reader, p + "mlp.down_proj", I, H,
                                          c.mlpBias, c, options));
  return Status::success();
}

Status loadOptLayer(const CheckpointReader &reader, const ModelConfig &c,
                    int64_t index, const LoadOptions &options,
                    LayerWeights &layer) {
  const std::string p = fmt::format("model.decoder.layers.{}.", index);
  const int64_t H = c.hiddenSize, I = c.intermediateSize;
  ASSIGN_OR_RETURN(layer.attentionNorm,
                   readNorm(reader, p + "self_attn_layer_norm", H, true));
  ASSIGN_OR_RETURN(layer.mlpNorm,
                   readNorm(reader, p + "final_layer_norm", H, true));
  ASSIGN_OR_RETURN(layer.q, readLinear(reader, p + "self_attn.q_proj", H, H,
                                       true, c, options));
  ASSIGN_OR_RETURN(layer.k, readLinear(reader, p + "self_attn.k_proj", H, H,
                                       true, c, options));
  ASSIGN_OR_RETURN(layer.v, readLinear(reader, p + "self_attn.v_proj", H, H,
                                       true, c, options));
  ASSIGN_OR_RETURN(layer.o, readLinear(reader, p + "self_attn.out_proj", H, H,
                                       true, c, options));
  ASSIGN_OR_RETURN(layer.up,
                   readLinear(reader, p + "fc1", H, I, true, c, options));
  ASSIGN_OR_RETURN(layer.down,
                   readLinear(reader, p + "fc2", I, H, true, c, options));
  return Status::success();
}

} // namespace

Expected<ModelWeights> loadModel(const std::string &directory,
                                 const LoadOptions &options) {
  ModelWeights model;
  ASSIGN_OR_RETURN(model.config, parseModelConfig(directory));
  ModelConfig &c = model.config;
  const std::filesystem::path quantizeConfig =
      std::filesystem::path(directory) / "quantize_config.json";
  if (!c.quantization && std::filesystem::exists(quantizeConfig)) {
    Expected<format::QuantizeConfig> quant =
        format::parseQuantizeConfig(quantizeConfig.string());
    if (!quant)
      return quant.status();
    c.quantization = quant.take();
  }

  Expected<CheckpointReader> opened = CheckpointReader::open(directory);
  if (!opened)
    return opened.status();
  const CheckpointReader &reader = *opened;
  const int64_t H = c.hiddenSize, V = c.vocabSize;
  const bool llama = c.isLlamaFamily();
  const std::string base = llama ? "model." : "model.decoder.";

  ASSIGN_OR_RETURN(model.embedTokens,
                   readFloat(reader, base + "embed_tokens.weight", {V, H}));
  if (!llama)
    ASSIGN_OR_RETURN(model.embedPositions,
                     readFloat(reader, base + "embed_positions.weight",
                               {c.maxPositions + c.positionOffset, H}));
  model.layers.resize(c.numLayers);
  for (int64_t i = 0; i < c.numLayers; ++i)
    GPTQ_RETURN_IF_ERROR(
        llama ? loadLlamaLayer(reader, c, i, options, model.layers[i])
              : loadOptLayer(reader, c, i, options, model.layers[i]));
  if (llama)
    ASSIGN_OR_RETURN(model.finalNorm, readNorm(reader, "model.norm", H, false));
  else if (c.doLayerNormBefore)
    ASSIGN_OR_RETURN(model.finalNorm,
                     readNorm(reader, base + "final_layer_norm", H, true));

  if (c.tieWordEmbeddings && !reader.find("lm_head.weight")) {
    model.lmHead.name = "lm_head";
    model.lmHead.in = H;
    model.lmHead.out = V;
    model.lmHead.weight = transpose(model.embedTokens, V, H);
  } else {
    ASSIGN_OR_RETURN(model.lmHead,
                     readLinear(reader, "lm_head", H, V, false, c, options));
  }
  return model;
}

std::vector<std::pair<std::string, Linear *>>
layerLinears(LayerWeights &layer, const ModelConfig &config) {
  if (config.isLlamaFamily())
    return {{"self_attn.q_proj", &layer.q}, {"self_attn.k_proj", &layer.k},
            {"self_attn.v_proj", &layer.v}, {"self_attn.o_proj", &layer.o},
            {"mlp.gate_proj", &layer.gate}, {"mlp.up_proj", &layer.up},
            {"mlp.down_proj", &layer.down}};
  return {{"self_attn.q_proj", &layer.q},
          {"self_attn.k_proj", &layer.k},
          {"self_attn.v_proj", &layer.v},
          {"self_attn.out_proj", &layer.o},
          {"fc1", &layer.up},
          {"fc2", &layer.down}};
}

} // namespace gptq::model

namespace gptq::model {

std::vector<float> transpose(const std::vector<float> &values, int64_t rows,
                             int64_t cols) {
  std::vector<float> result(values.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      result[c * rows + r] = values[r * cols + c];
  return result;
}

std::vector<std::pair<std::string, Linear *>>
linearsReading(LayerWeights &layer, const ModelConfig &config,
               LinearInput input) {
  const bool llama = config.isLlamaFamily();
  switch (input) {
  case LinearInput::Attention:
    // AutoGPTQ's inside_layer_modules order: k, v, q.
    return {{"self_attn.k_proj", &layer.k},
            {"self_attn.v_proj", &layer.v},
            {"self_attn.q_proj", &layer.q}};
  case LinearInput::AttentionOutput:
    return {{llama ? "self_attn.o_proj" : "self_attn.out_proj", &layer.o}};
  case LinearInput::MlpInput:
    if (llama)
      return {{"mlp.up_proj", &layer.up}, {"mlp.gate_proj", &layer.gate}};
    return {{"fc1", &layer.up}};
  case LinearInput::MlpOutput:
    return {{llama ? "mlp.down_proj" : "fc2", &layer.down}};
  }
  return {};
}

} // namespace gptq::model
