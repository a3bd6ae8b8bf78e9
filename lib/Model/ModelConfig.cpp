//===- ModelConfig.cpp - Parse config.json into ModelConfig ---------------===//
//
// Each key is read with its type checked and a message naming the file and
// the key, because configs written by different transformers versions differ
// in small ways (rope_theta moved into rope_parameters, head_dim became
// optional, quantization_config appeared) and a silent default would give a
// model that runs but predicts garbage.
//
//===----------------------------------------------------------------------===//

#include "gptq/Model/ModelConfig.h"
#include "gptq/Support/JsonKeys.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gptq::model {

using nlohmann::json;

namespace {

/// rope_theta (older writers) or rope_parameters {rope_theta, rope_type}
/// (newer ones); the older rope_scaling object is read for its type too.
Status readRope(const json &root, ModelConfig &config,
                const std::string &source) {
  GPTQ_RETURN_IF_ERROR(readKey(root, "rope_theta", config.ropeTheta, source));
  const json *scaling = nullptr;
  for (const char *key : {"rope_parameters", "rope_scaling"}) {
    auto it = root.find(key);
    if (it == root.end() || it->is_null())
      continue;
    if (!it->is_object())
      return Status::error(
          fmt::format("{}: key '{}' must be an object", source, key));
    scaling = &*it;
    break;
  }
  if (!scaling)
    return Status::success();
  const std::string where = source + ": rope_parameters";
  GPTQ_RETURN_IF_ERROR(
      readKey(*scaling, "rope_theta", config.ropeTheta, where));
  std::string type = "default";
  GPTQ_RETURN_IF_ERROR(readKey(*scaling, "rope_type", type, where));
  if (type == "default" && scaling->contains("type"))
    GPTQ_RETURN_IF_ERROR(readKey(*scaling, "type", type, where));
  if (type == "linear") {
    GPTQ_RETURN_IF_ERROR(
        readKey(*scaling, "factor", config.ropeLinearFactor, where, true));
    if (!(config.ropeLinearFactor > 0))
      return Status::error(where + ": factor must be positive");
  } else if (type != "default") {
    return Status::error(fmt::format(
        "{}: rope_type '{}' is not supported (default and linear are)", where,
        type));
  }
  if (!(config.ropeTheta > 0))
    return Status::error(source + ": rope_theta must be positive");
  return Status::success();
}

Status parseLlamaFamily(const json &root, ModelConfig &config,
                        const std::string &source) {
  GPTQ_RETURN_IF_ERROR(readKey(root, "intermediate_size",
                               config.intermediateSize, source, true));
  config.numKvHeads = config.numHeads;
  GPTQ_RETURN_IF_ERROR(
      readKey(root, "num_key_value_heads", config.numKvHeads, source));
  config.headDim = config.numHeads ? config.hiddenSize / config.numHeads : 0;
  GPTQ_RETURN_IF_ERROR(readKey(root, "head_dim", config.headDim, source));
  GPTQ_RETURN_IF_ERROR(readKey(root, "rms_norm_eps", config.normEps, source));
  GPTQ_RETURN_IF_ERROR(readRope(root, config, source));
  std::string act = "silu";
  GPTQ_RETURN_IF_ERROR(readKey(root, "hidden_act", act, source));
  if (act != "silu" && act != "swish")
    return Status::error(fmt::format(
        "{}: hidden_act '{}' is not supported (silu is)", source, act));
  bool attentionBias = false;
  GPTQ_RETURN_IF_ERROR(readKey(root, "attention_bias", attentionBias, source));
  GPTQ_RETURN_IF_ERROR(readKey(root, "mlp_bias", config.mlpBias, source));
  // Qwen2 always has q/k/v biases and never an o_proj bias.
  config.qkvBias = attentionBias || config.architecture == "Qwen2ForCausalLM";
  config.oBias = attentionBias;
  GPTQ_RETURN_IF_ERROR(
      readKey(root, "sliding_window", config.slidingWindow, source));
  bool useSlidingWindow = config.architecture == "MistralForCausalLM";
  GPTQ_RETURN_IF_ERROR(
      readKey(root, "use_sliding_window", useSlidingWindow, source));
  if (!useSlidingWindow || config.slidingWindow < 0)
    config.slidingWindow = 0;
  config.tieWordEmbeddings = false;
  return readKey(root, "tie_word_embeddings", config.tieWordEmbeddings, source);
}

Status parseOpt(const json &root, ModelConfig &config,
                const std::string &source) {
  GPTQ_RETURN_IF_ERROR(
      readKey(root, "ffn_dim", config.intermediateSize, source, true));
  config.numKvHeads = config.numHeads;
  config.headDim = config.numHeads ? config.hiddenSize / config.numHeads : 0;
  GPTQ_RETURN_IF_ERROR(
      readKey(root, "do_layer_norm_before", config.doLayerNormBefore, source));
  int64_t projDim = config.hiddenSize;
  GPTQ_RETURN_IF_ERROR(readKey(root, "word_embed_proj_dim", projDim, source));
  if (projDim != config.hiddenSize)
    return Status::error(fmt::format(
        "{}: word_embed_proj_dim {} != hidden_size {} (project_in/out) is not "
        "supported",
        source, projDim, config.hiddenSize));
  std::string act = "relu";
  GPTQ_RETURN_IF_ERROR(readKey(root, "activation_function", act, source));
  if (act != "relu")
    return Status::error(
        fmt::format("{}: activation_function '{}' is not supported (relu is)",
                    source, act));
  bool enableBias = true;
  GPTQ_RETURN_IF_ERROR(readKey(root, "enable_bias", enableBias, source));
  if (!enableBias)
    return Status::error(source + ": enable_bias false is not supported");
  config.qkvBias = config.oBias = config.mlpBias = true;
  config.normEps = 1e-5; // OPT's LayerNorm uses the torch default
  config.tieWordEmbeddings = true;
  return readKey(root, "tie_word_embeddings", config.tieWordEmbeddings, source);
}

} // namespace

int64_t ModelConfig::numParameters() const {
  const int64_t attention =
      hiddenSize * (qDim() + 2 * kvDim()) + qDim() * hiddenSize;
  const int64_t mlp = (isLlamaFamily() ? 3 : 2) * hiddenSize * intermediateSize;
  int64_t total = numLayers * (attention + mlp) + vocabSize * hiddenSize;
  if (!tieWordEmbeddings)
    total += vocabSize * hiddenSize;
  if (!isLlamaFamily())
    total += (maxPositions + positionOffset) * hiddenSize;
  return total;
}

Status ModelConfig::validate() const {
  auto positive = [](int64_t value, const char *name) {
    return value > 0 ? Status::success()
                     : Status::error(fmt::format("{} must be positive, is {}",
                                                 name, value));
  };
  GPTQ_RETURN_IF_ERROR(positive(vocabSize, "vocab_size"));
  GPTQ_RETURN_IF_ERROR(positive(hiddenSize, "hidden_size"));
  GPTQ_RETURN_IF_ERROR(positive(intermediateSize, "intermediate_size"));
  GPTQ_RETURN_IF_ERROR(positive(numLayers, "num_hidden_layers"));
  GPTQ_RETURN_IF_ERROR(positive(numHeads, "num_attention_heads"));
  GPTQ_RETURN_IF_ERROR(positive(numKvHeads, "num_key_value_heads"));
  GPTQ_RETURN_IF_ERROR(positive(headDim, "head_dim"));
  GPTQ_RETURN_IF_ERROR(positive(maxPositions, "max_position_embeddings"));
  if (numHeads % numKvHeads != 0)
    return Status::error(fmt::format(
        "num_attention_heads {} is not a multiple of num_key_value_heads {}",
        numHeads, numKvHeads));
  if (headDim % 2 != 0)
    return Status::error(fmt::format("head_dim {} must be even", headDim));
  if (!isLlamaFamily() && headDim * numHeads != hiddenSize)
    return Status::error(fmt::format(
        "hidden_size {} is not a multiple of num_attention_heads {}",
        hiddenSize, numHeads));
  if (!(normEps > 0))
    return Status::error("the norm epsilon must be positive");
  return Status::success();
}

Expected<ModelConfig> parseModelConfigText(const std::string &text,
                                           const std::string &source) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return Status::error(source + ": not a JSON object");

  ModelConfig config;
  auto archs = root.find("architectures");
  if (archs == root.end() || !archs->is_array() || archs->empty() ||
      !(*archs)[0].is_string())
    return Status::error(source + ": missing 'architectures'");
  config.architecture = (*archs)[0].get<std::string>();
  if (config.architecture == "LlamaForCausalLM" ||
      config.architecture == "MistralForCausalLM" ||
      config.architecture == "Qwen2ForCausalLM")
    config.family = ModelFamily::Llama;
  else if (config.architecture == "OPTForCausalLM")
    config.family = ModelFamily::Opt;
  else
    return Status::error(
        fmt::format("{}: architecture '{}' is not supported (LlamaForCausalLM, "
                    "MistralForCausalLM, Qwen2ForCausalLM, OPTForCausalLM are)",
                    source, config.architecture));

  GPTQ_RETURN_IF_ERROR(
      readKey(root, "vocab_size", config.vocabSize, source, true));
  GPTQ_RETURN_IF_ERROR(
      readKey(root, "hidden_size", config.hiddenSize, source, true));
  GPTQ_RETURN_IF_ERROR(
      readKey(root, "num_hidden_layers", config.numLayers, source, true));
  GPTQ_RETURN_IF_ERROR(
      readKey(root, "num_attention_heads", config.numHeads, source, true));
  config.maxPositions = 2048;
  GPTQ_RETURN_IF_ERROR(
      readKey(root, "max_position_embeddings", config.maxPositions, source));
  if (config.family == ModelFamily::Llama)
    GPTQ_RETURN_IF_ERROR(parseLlamaFamily(root, config, source));
  else
    GPTQ_RETURN_IF_ERROR(parseOpt(root, config, source));

  auto quant = root.find("quantization_config");
  if (quant != root.end() && !quant->is_null()) {
    std::string method = "gptq";
    GPTQ_RETURN_IF_ERROR(readKey(*quant, "quant_method", method,
                                 source + ": quantization_config"));
    if (method != "gptq")
      return Status::error(fmt::format(
          "{}: quantization_config.quant_method '{}' is not supported (gptq "
          "is)",
          source, method));
    Expected<format::QuantizeConfig> parsed =
        format::parseQuantizeConfigText(text, source);
    if (!parsed)
      return parsed.status();
    GPTQ_RETURN_IF_ERROR(
        parsed->validate().withContext(source + ": quantization_config"));
    config.quantization = parsed.take();
  }
  GPTQ_RETURN_IF_ERROR(config.validate().withContext(source));
  return config;
}

Expected<ModelConfig> parseModelConfig(const std::string &path) {
  std::string file = path;
  if (std::filesystem::is_directory(path))
    file = (std::filesystem::path(path) / "config.json").string();
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return Status::error(file + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseModelConfigText(buffer.str(), file);
}

} // namespace gptq::model
