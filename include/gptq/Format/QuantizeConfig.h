//===- QuantizeConfig.h - quantize_config.json and friends ------*- C++ -*-===//
//
// A GPTQ checkpoint is only usable if its loaders recognise it: AutoGPTQ and
// GPTQModel read quantize_config.json, transformers reads the
// `quantization_config` object of config.json (FORMAT.md §5). This struct is
// the one place that knows those keys, both for writing them and for reading
// them back with per-key validation.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_QUANTIZECONFIG_H
#define GPTQ_FORMAT_QUANTIZECONFIG_H

#include "gptq/Format/Packing.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>

namespace gptq::format {

struct QuantizeConfig {
  int bits = 4;
  int64_t groupSize = 128; ///< -1: one group per row
  bool descAct = false;    ///< act-order
  bool sym = true;
  bool staticGroups = false;
  double dampPercent = 0.01;
  bool trueSequential = true;
  /// "gptq" (AutoGPTQ v1) or "gptq_v2", as written in checkpoint_format.
  std::string checkpointFormat = "gptq";
  std::string modelNameOrPath;
  /// Weights file name without ".safetensors".
  std::string modelFileBaseName = "model";

  /// Bits, group size, damping and checkpoint format within range.
  Status validate() const;
  Expected<CheckpointFormat> format() const {
    return parseCheckpointFormat(checkpointFormat);
  }
  /// quantize_config.json contents (pretty-printed, trailing newline).
  std::string toQuantizeConfigJson() const;
  /// The JSON object to store under config.json's "quantization_config".
  std::string toQuantizationConfigJson() const;
};

/// Parses `text` as quantize_config.json, or as a config.json carrying a
/// `quantization_config` object; `source` names the file in messages.
Expected<QuantizeConfig> parseQuantizeConfigText(const std::string &text,
                                                 const std::string &source);
/// Reads and parses a quantize_config.json (or config.json) file.
Expected<QuantizeConfig> parseQuantizeConfig(const std::string &path);

} // namespace gptq::format

#endif // GPTQ_FORMAT_QUANTIZECONFIG_H
