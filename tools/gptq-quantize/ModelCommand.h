//===- ModelCommand.h - `gptq-quantize model` -------------------*- C++ -*-===//
//
// Quantizes a whole Hugging Face checkpoint layer by layer, as AutoGPTQ
// does (FORMAT.md §6), into an AutoGPTQ-format directory. Also the
// `dequantize` helper that writes the dense weights our runtime derives
// from a quantized checkpoint, so tests can compare them with an
// independent dequantizer.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_MODELCOMMAND_H
#define GPTQ_TOOLS_QUANTIZE_MODELCOMMAND_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace gptq::tools {

struct ModelCommandOptions {
  std::string modelDir, calibPath, calibFormat = "text", outDir;
  int64_t nsamples = 128, seqlen = 2048;
  int bits = 4;
  int64_t groupSize = 128;
  bool descAct = false, sym = false, staticGroups = false;
  double dampPercent = 0.01;
  bool trueSequential = false;
  std::string format = "gptq_v1", device = "cpu";
  bool rtn = false, resume = false;
  unsigned threads = 0;
  /// Testing aid: stop (with an error) once this layer is saved.
  int64_t stopAfterLayer = -1;
  /// Output shards of at most this much tensor data (ShardedCheckpoint.h).
  std::string maxShardSize = "4GB";
  /// Seconds between resume records (PartialState.h); 0: every layer.
  double saveInterval = 60;
  /// Print where the time went (PhaseTimer.h).
  bool timing = false;
};

CLI::App *addModelCommand(CLI::App &app, ModelCommandOptions &options);
/// Checks the flags alone (no file is read).
Status checkModelFlags(const ModelCommandOptions &options);
Status runModelCommand(const ModelCommandOptions &options);

struct DequantizeCommandOptions {
  std::string modelDir, outputPath;
};
CLI::App *addDequantizeCommand(CLI::App &app,
                               DequantizeCommandOptions &options);
Status runDequantizeCommand(const DequantizeCommandOptions &options);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_MODELCOMMAND_H
