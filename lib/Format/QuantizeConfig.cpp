//===- QuantizeConfig.cpp - quantize_config.json and friends --------------===//
//
// Parsing is strict about types (a "bits": "4" string is an error naming the
// key) but tolerant of keys it does not know, since every writer adds its
// own (tokenizer, dataset, meta, ...).
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/QuantizeConfig.h"
#include "gptq/Support/JsonKeys.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gptq::format {

Status QuantizeConfig::validate() const {
  GPTQ_RETURN_IF_ERROR(checkPackBits(bits).withContext("bits"));
  if (groupSize != -1 && groupSize <= 0)
    return Status::error(
        fmt::format("group_size: {} must be positive or -1", groupSize));
  if (!(dampPercent > 0.0 && dampPercent < 1.0))
    return Status::error(
        fmt::format("damp_percent: {} must lie in (0, 1)", dampPercent));
  Expected<CheckpointFormat> parsed = format();
  if (!parsed)
    return parsed.status().withContext("checkpoint_format");
  return Status::success();
}

/// Keys both files share, in the spelling the loaders use.
static nlohmann::ordered_json commonKeys(const QuantizeConfig &config) {
  nlohmann::ordered_json json;
  json["bits"] = config.bits;
  json["group_size"] = config.groupSize;
  json["damp_percent"] = config.dampPercent;
  json["desc_act"] = config.descAct;
  json["static_groups"] = config.staticGroups;
  json["sym"] = config.sym;
  json["true_sequential"] = config.trueSequential;
  return json;
}

std::string QuantizeConfig::toQuantizeConfigJson() const {
  nlohmann::ordered_json json = commonKeys(*this);
  json["model_name_or_path"] = modelNameOrPath;
  json["model_file_base_name"] = modelFileBaseName;
  json["quant_method"] = "gptq";
  json["checkpoint_format"] = checkpointFormat;
  return json.dump(2) + "\n";
}

std::string QuantizeConfig::toQuantizationConfigJson() const {
  nlohmann::ordered_json json;
  json["quant_method"] = "gptq";
  const nlohmann::ordered_json common = commonKeys(*this);
  for (const auto &item : common.items())
    json[item.key()] = item.value();
  json["checkpoint_format"] = checkpointFormat;
  // transformers' GPTQConfig: run the exllama kernels if present (v1).
  json["use_exllama"] = true;
  json["model_name_or_path"] = modelNameOrPath;
  json["model_file_base_name"] = modelFileBaseName;
  return json.dump(2);
}

Expected<QuantizeConfig> parseQuantizeConfigText(const std::string &text,
                                                 const std::string &source) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return Status::error(source + ": not a valid JSON object");
  if (auto nested = json.find("quantization_config"); nested != json.end()) {
    if (!nested->is_object())
      return Status::error(source +
                           ": key 'quantization_config' is not an object");
    json = *nested;
  }
  if (auto method = json.find("quant_method");
      method != json.end() && *method != "gptq")
    return Status::error(
        fmt::format("{}: key 'quant_method' is {}, expected \"gptq\"", source,
                    method->dump()));
  if (!json.contains("bits"))
    return Status::error(source + ": missing key 'bits'");

  QuantizeConfig config;
  GPTQ_RETURN_IF_ERROR(readKey(json, "bits", config.bits, source));
  GPTQ_RETURN_IF_ERROR(readKey(json, "group_size", config.groupSize, source));
  GPTQ_RETURN_IF_ERROR(readKey(json, "desc_act", config.descAct, source));
  GPTQ_RETURN_IF_ERROR(readKey(json, "sym", config.sym, source));
  GPTQ_RETURN_IF_ERROR(
      readKey(json, "static_groups", config.staticGroups, source));
  GPTQ_RETURN_IF_ERROR(
      readKey(json, "damp_percent", config.dampPercent, source));
  GPTQ_RETURN_IF_ERROR(
      readKey(json, "true_sequential", config.trueSequential, source));
  GPTQ_RETURN_IF_ERROR(
      readKey(json, "checkpoint_format", config.checkpointFormat, source));
  GPTQ_RETURN_IF_ERROR(
      readKey(json, "model_name_or_path", config.modelNameOrPath, source));
  GPTQ_RETURN_IF_ERROR(
      readKey(json, "model_file_base_name", config.modelFileBaseName, source));
  Status valid = config.validate();
  if (!valid.ok())
    return Status::error(source + ": key " + valid.message());
  return config;
}

Expected<QuantizeConfig> parseQuantizeConfig(const std::string &path) {
  std::ifstream stream(path);
  if (!stream)
    return Status::error(path + ": cannot open");
  std::stringstream text;
  text << stream.rdbuf();
  return parseQuantizeConfigText(text.str(), path);
}

} // namespace gptq::format
