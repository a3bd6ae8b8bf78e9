//===- CheckpointOutput.h - The quantized model directory -------*- C++ -*-===//
//
// What AutoGPTQ, GPTQModel and transformers expect to find (FORMAT.md §5):
// the weights with the source's tensor names (each quantized linear's
// `.weight` replaced by qweight/qzeros/scales/g_idx, everything else copied
// unchanged, dtype included) as model.safetensors, or, when they exceed
// --max-shard-size, as model-0000i-of-0000N.safetensors shards plus
// model.safetensors.index.json (ShardedCheckpoint.h); quantize_config.json,
// config.json carrying `quantization_config`, and the tokenizer and
// generation files copied. Tensors are streamed from the mmapped source and
// per-layer files, so writing costs no memory beyond the headers.
//
// The directory appears complete or not at all: everything is written (and
// fsynced) into a staging directory beside OUTDIR, which is then exchanged
// with OUTDIR in one rename (renameat2 RENAME_EXCHANGE), and the old
// contents (the partial state) are removed. Where the filesystem cannot
// exchange, the files are renamed into OUTDIR one by one: the shards first,
// then the index, then the other files, config.json last. A loader needs
// config.json (transformers) or the index (our CheckpointReader refuses a
// directory of several shards without one), so no prefix of that sequence
// is a checkpoint anything would load.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_CHECKPOINTOUTPUT_H
#define GPTQ_TOOLS_QUANTIZE_CHECKPOINTOUTPUT_H

#include "gptq/Format/QuantizeConfig.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <set>
#include <string>

namespace gptq::tools {

struct CheckpointOutputPlan {
  std::string modelDir, outDir;
  int64_t numLayers = 0;
  /// Prefixes ("model.layers.0.self_attn.q_proj") of the quantized linears.
  std::set<std::string> quantized;
  format::QuantizeConfig quantizeConfig;
  /// Tensor bytes per shard (--max-shard-size).
  uint64_t maxShardBytes = 4'000'000'000ull;
};

/// Assembles the checkpoint from the source and the per-layer partial files
/// (PartialState.h) and publishes it atomically as plan.outDir.
Status writeQuantizedCheckpoint(const CheckpointOutputPlan &plan);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_CHECKPOINTOUTPUT_H
