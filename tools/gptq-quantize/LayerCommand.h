//===- LayerCommand.h - `gptq-quantize layer` -------------------*- C++ -*-===//
//
// Quantizes one linear layer from a weight and a Hessian stored in
// safetensors files and writes an AutoGPTQ-style checkpoint fragment
// (qweight, qzeros, scales, g_idx, loss). It exists so the solver can be run
// and checked on a single layer, e.g. against the golden oracle, without the
// model pipeline. Every input problem is found before the solve starts and
// reported as one error; the output is written atomically, so a failed run
// leaves nothing at the output path.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_GPTQ_QUANTIZE_LAYERCOMMAND_H
#define GPTQ_TOOLS_GPTQ_QUANTIZE_LAYERCOMMAND_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace gptq::tools {

struct LayerCommandOptions {
  /// "FILE.safetensors:TENSOR" specs.
  std::string weightSpec, hessianSpec;
  std::string outputPath;
  int bits = 4;
  int64_t groupSize = 128;
  bool descAct = false;
  bool sym = false;
  bool staticGroups = false;
  bool mseSearch = false;
  double dampPercent = 0.01;
  int64_t blockSize = 128;
  std::string device = "cpu";
  std::string format = "gptq_v1";
};

/// Adds the `layer` subcommand to `app`, parsing into `options`.
CLI::App *addLayerCommand(CLI::App &app, LayerCommandOptions &options);

/// Checks the flags alone (no file is touched): value ranges and
/// combinations, and whether the requested device is available.
Status checkLayerFlags(const LayerCommandOptions &options);

/// Validates the inputs, solves, and writes the output.
Status runLayerCommand(const LayerCommandOptions &options);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_GPTQ_QUANTIZE_LAYERCOMMAND_H
