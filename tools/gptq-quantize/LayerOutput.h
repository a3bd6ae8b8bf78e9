//===- LayerOutput.h - Write a quantized layer as GPTQ tensors --*- C++ -*-===//
//
// The output of `gptq-quantize layer`: one safetensors file with the
// checkpoint tensors of a single quantized linear (qweight, qzeros, scales,
// g_idx, FORMAT.md §4, unprefixed), the solver's loss, and the settings as
// string metadata, so that a test or a later tool can check or assemble it
// without knowing how it was produced.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_GPTQ_QUANTIZE_LAYEROUTPUT_H
#define GPTQ_TOOLS_GPTQ_QUANTIZE_LAYEROUTPUT_H

#include "gptq/Format/Packing.h"
#include "gptq/Quant/GptqSolver.h"
#include "gptq/Support/Status.h"

#include <string>

namespace gptq::tools {

/// What the metadata records besides the solver's result.
struct LayerOutputSettings {
  int bits = 4;
  int64_t groupSize = 128;
  bool descAct = false;
  bool sym = false;
  bool staticGroups = false;
  bool mseSearch = false;
  format::CheckpointFormat format = format::CheckpointFormat::GptqV1;
  double seconds = 0.0;
};

/// Packs `result` (codes [N][K], scales and zeros [N][G]) and writes it to
/// `path` atomically: on failure nothing new appears there.
Status writeLayerOutput(const std::string &path,
                        const quant::GptqResult &result,
                        const LayerOutputSettings &settings);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_GPTQ_QUANTIZE_LAYEROUTPUT_H
