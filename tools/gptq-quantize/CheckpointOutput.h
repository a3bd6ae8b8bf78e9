//===- CheckpointOutput.h - The quantized model directory -------*- C++ -*-===//
//
// What AutoGPTQ, GPTQModel and transformers expect to find (FORMAT.md §5):
// model.safetensors with the source's tensor names (each quantized linear's
// `.weight` replaced by qweight/qzeros/scales/g_idx, everything else copied
// unchanged, dtype included), quantize_config.json, config.json carrying
// `quantization_config`, and the tokenizer and generation files copied.
//
// The directory appears complete or not at all: everything is written into
// a staging directory beside OUTDIR, which is then exchanged with OUTDIR in
// one rename (renameat2 RENAME_EXCHANGE), and the old contents (the partial
// state) are removed. Where the filesystem cannot exchange, the files are
// renamed into OUTDIR one by one, config.json last.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_CHECKPOINTOUTPUT_H
#define GPTQ_TOOLS_QUANTIZE_CHECKPOINTOUTPUT_H

#include "gptq/Format/QuantizeConfig.h"
#include "gptq/Support/Status.h"

#include <set>
#include <string>

namespace gptq::tools {

struct CheckpointOutputPlan {
  std::string modelDir, outDir;
  int64_t numLayers = 0;
  /// Prefixes ("model.layers.0.self_attn.q_proj") of the quantized linears.
  std::set<std::string> quantized;
  format::QuantizeConfig quantizeConfig;
};

/// Assembles the checkpoint from the source and the per-layer partial files
/// (PartialState.h) and publishes it atomically as plan.outDir.
Status writeQuantizedCheckpoint(const CheckpointOutputPlan &plan);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_CHECKPOINTOUTPUT_H
