//===- SourceModel.cpp - The checkpoint being quantized, layer by layer ---===//

#include "SourceModel.h"

#include "gptq/Support/Half.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace gptq::tools {

namespace {

using format::CheckpointReader;
using format::DType;

struct LinearSpec {
  const char *shortName; ///< as layerLinears() names it
  int64_t in, out;
  bool bias;
};

struct NormSpec {
  const char *name;
  model::Norm model::LayerWeights::*member;
  bool bias;
};

std::vector<LinearSpec> linearSpecs(const model::ModelConfig &c) {
  const int64_t H = c.hiddenSize, I = c.intermediateSize;
  if (c.isLlamaFamily())
    return {{"self_attn.q_proj", H, c.qDim(), c.qkvBias},
            {"self_attn.k_proj", H, c.kvDim(), c.qkvBias},
            {"self_attn.v_proj", H, c.kvDim(), c.qkvBias},
            {"self_attn.o_proj", c.qDim(), H, c.oBias},
            {"mlp.gate_proj", H, I, c.mlpBias},
            {"mlp.up_proj", H, I, c.mlpBias},
            {"mlp.down_proj", I, H, c.mlpBias}};
  return {{"self_attn.q_proj", H, H, true},
          {"self_attn.k_proj", H, H, true},
          {"self_attn.v_proj", H, H, true},
          {"self_attn.out_proj", H, H, true},
          {"fc1", H, I, true},
          {"fc2", I, H, true}};
}

std::vector<NormSpec> normSpecs(const model::ModelConfig &c) {
  if (c.isLlamaFamily())
    return {{"input_layernorm", &model::LayerWeights::attentionNorm, false},
            {"post_attention_layernorm", &model::LayerWeights::mlpNorm, false}};
  return {{"self_attn_layer_norm", &model::LayerWeights::attentionNorm, true},
          {"final_layer_norm", &model::LayerWeights::mlpNorm, true}};
}

std::string layerPrefix(const model::ModelConfig &c, int64_t index) {
  return fmt::format("{}layers.{}.",
                     c.isLlamaFamily() ? "model." : "model.decoder.", index);
}

std::string fileOf(const CheckpointReader &reader, const std::string &name) {
  const format::SafetensorsFile *file = reader.fileFor(name);
  return file ? file->path() : reader.path();
}

/// Present, floating point, of `shape`.
Status checkTensor(const CheckpointReader &reader, const std::string &name,
                   const std::vector<int64_t> &shape) {
  Expected<const format::TensorInfo *> found = reader.find(name, shape);
  if (!found)
    return found.status();
  const format::TensorInfo *info = *found;
  if (info->dtype != DType::F16 && info->dtype != DType::BF16 &&
      info->dtype != DType::F32 && info->dtype != DType::F64)
    return Status::error(fmt::format(
        "{}: tensor '{}' has dtype {}, expected F16, BF16, F32 or F64",
        fileOf(reader, name), name, format::dtypeName(info->dtype)));
  return Status::success();
}

float elementToFloat(const uint8_t *bytes, DType dtype) {
  switch (dtype) {
  case DType::F16: {
    uint16_t bits;
    std::memcpy(&bits, bytes, 2);
    return halfToFloat(bits);
  }
  case DType::BF16: {
    uint16_t bits;
    std::memcpy(&bits, bytes, 2);
    return bf16ToFloat(bits);
  }
  case DType::F64: {
    double value;
    std::memcpy(&value, bytes, 8);
    return float(value);
  }
  default: {
    float value;
    std::memcpy(&value, bytes, 4);
    return value;
  }
  }
}

/// Rows [first, first + count) of a checked [rows][width] tensor, as fp32.
void readRows(const CheckpointReader &reader, const std::string &name,
              int64_t first, int64_t count, int64_t width, float *out) {
  const format::TensorInfo *info = reader.find(name);
  const size_t size = format::dtypeSize(info->dtype);
  const uint8_t *data = reader.bytes(name)->data + first * width * size;
  for (int64_t i = 0; i < count * width; ++i)
    out[i] = elementToFloat(data + i * size, info->dtype);
}

Status checkLayer(const CheckpointReader &reader, const model::ModelConfig &c,
                  int64_t index, const QuantShapeRules &rules) {
  const std::string p = layerPrefix(c, index);
  for (const NormSpec &norm : normSpecs(c)) {
    GPTQ_RETURN_IF_ERROR(
        checkTensor(reader, p + norm.name + ".weight", {c.hiddenSize}));
    if (norm.bias)
      GPTQ_RETURN_IF_ERROR(
          checkTensor(reader, p + norm.name + ".bias", {c.hiddenSize}));
  }
  for (const LinearSpec &spec : linearSpecs(c)) {
    const std::string name = p + spec.shortName;
    if (reader.find(name + ".qweight"))
      return Status::error(fmt::format("{}: '{}' is already GPTQ-quantized",
                                       fileOf(reader, name + ".qweight"),
                                       name));
    GPTQ_RETURN_IF_ERROR(
        checkTensor(reader, name + ".weight", {spec.out, spec.in}));
    if (spec.bias)
      GPTQ_RETURN_IF_ERROR(checkTensor(reader, name + ".bias", {spec.out}));
    if (rules.groupSize != -1 && spec.in % rules.groupSize != 0)
      return Status::error(
          fmt::format("{}: in_features {} is not divisible by --group-size {}",
                      name, spec.in, rules.groupSize));
    if ((spec.in * rules.bits) % 32 || (spec.out * rules.bits) % 32)
      return Status::error(
          fmt::format("{}: in/out features {}/{} cannot be packed at {} bits",
                      name, spec.in, spec.out, rules.bits));
  }
  return Status::success();
}

std::string embedName(const model::ModelConfig &c) {
  return c.isLlamaFamily() ? "model.embed_tokens.weight"
                           : "model.decoder.embed_tokens.weight";
}

} // namespace

Expected<SourceModel> SourceModel::open(const std::string &directory,
                                        const model::ModelConfig &config,
                                        const QuantShapeRules &rules) {
  Expected<CheckpointReader> reader = CheckpointReader::open(directory);
  if (!reader)
    return reader.status();
  const model::ModelConfig &c = config;
  GPTQ_RETURN_IF_ERROR(
      checkTensor(*reader, embedName(c), {c.vocabSize, c.hiddenSize}));
  if (!c.isLlamaFamily())
    GPTQ_RETURN_IF_ERROR(
        checkTensor(*reader, "model.decoder.embed_positions.weight",
                    {c.maxPositions + c.positionOffset, c.hiddenSize}));
  for (int64_t index = 0; index < c.numLayers; ++index)
    GPTQ_RETURN_IF_ERROR(checkLayer(*reader, c, index, rules));
  SourceModel model;
  model.config_ = config;
  model.reader_ = std::make_unique<CheckpointReader>(reader.take());
  return model;
}

Expected<model::LayerWeights> SourceModel::loadLayer(int64_t index) const {
  const model::ModelConfig &c = config_;
  const std::string p = layerPrefix(c, index);
  model::LayerWeights layer;
  for (const NormSpec &norm : normSpecs(c)) {
    model::Norm &target = layer.*(norm.member);
    Expected<std::vector<float>> weight =
        reader_->readFloat(p + norm.name + ".weight");
    if (!weight)
      return weight.status();
    target.weight = weight.take();
    if (norm.bias) {
      Expected<std::vector<float>> bias =
          reader_->readFloat(p + norm.name + ".bias");
      if (!bias)
        return bias.status();
      target.bias = bias.take();
    }
  }
  const std::vector<LinearSpec> specs = linearSpecs(c);
  for (auto &[shortName, linear] : model::layerLinears(layer, c)) {
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const auto &s) {
      return shortName == s.shortName;
    });
    if (spec == specs.end())
      return Status::error("internal: no tensor spec for " + shortName);
    linear->name = p + shortName;
    linear->in = spec->in;
    linear->out = spec->out;
    Expected<std::vector<float>> weight =
        reader_->readFloat(linear->name + ".weight");
    if (!weight)
      return weight.status();
    linear->weight = model::transpose(*weight, spec->out, spec->in);
    if (spec->bias) {
      Expected<std::vector<float>> bias =
          reader_->readFloat(linear->name + ".bias");
      if (!bias)
        return bias.status();
      linear->bias = bias.take();
    }
  }
  return layer;
}

Expected<std::vector<float>>
SourceModel::readWeight(const std::string &prefix) const {
  return reader_->readFloat(prefix + ".weight");
}

Expected<model::ModelWeights>
SourceModel::embedding(std::vector<int32_t> &tokens, int64_t T) const {
  const model::ModelConfig &c = config_;
  const int64_t H = c.hiddenSize;
  std::vector<int32_t> compact(c.vocabSize, -1);
  std::vector<int32_t> used;
  for (size_t m = 0; m < tokens.size(); ++m) {
    const int32_t token = tokens[m];
    if (token < 0 || token >= c.vocabSize)
      return Status::error(fmt::format(
          "calibration token {} at position {} is outside the vocabulary of {}",
          token, T > 0 ? int64_t(m) % T : int64_t(m), c.vocabSize));
    if (compact[token] < 0) {
      compact[token] = int32_t(used.size());
      used.push_back(token);
    }
    tokens[m] = compact[token];
  }
  model::ModelWeights weights;
  weights.config = c;
  weights.embedTokens.resize(used.size() * H);
  for (size_t row = 0; row < used.size(); ++row)
    readRows(*reader_, embedName(c), used[row], 1, H,
             weights.embedTokens.data() + row * H);
  if (!c.isLlamaFamily()) {
    // Positions 0..T-1 read rows positionOffset..T-1+positionOffset.
    const int64_t rows =
        std::min(T + c.positionOffset, c.maxPositions + c.positionOffset);
    weights.embedPositions.resize(rows * H);
    readRows(*reader_, "model.decoder.embed_positions.weight", 0, rows, H,
             weights.embedPositions.data());
  }
  return weights;
}

std::vector<std::string> SourceModel::linearPrefixes() const {
  std::vector<std::string> prefixes;
  for (int64_t index = 0; index < config_.numLayers; ++index)
    for (const LinearSpec &spec : linearSpecs(config_))
      prefixes.push_back(layerPrefix(config_, index) + spec.shortName);
  return prefixes;
}

} // namespace gptq::tools
