//===- DequantizeCommand.cpp - `gptq-quantize dequantize` -----------------===//
//
// Writes, for every GPTQ-quantized linear of a checkpoint, the dense weights
// that our runtime derives from it (model::loadModel with dequantization,
// the same function the CPU forward and the GPU fallback use), as F32
// `<prefix>.weight` in PyTorch's [out][in] orientation. A test dequantizes
// the checkpoint independently (numpy) and must get these exactly.
//
//===----------------------------------------------------------------------===//

#include "ModelCommand.h"

#include "gptq/Format/Safetensors.h"
#include "gptq/Model/ModelWeights.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace gptq::tools {

CLI::App *addDequantizeCommand(CLI::App &app,
                               DequantizeCommandOptions &options) {
  CLI::App *cmd = app.add_subcommand(
      "dequantize", "Write the dense weights the runtime uses for each "
                    "quantized linear of a checkpoint (for tests)");
  cmd->add_option("--model", options.modelDir, "quantized model directory")
      ->required();
  cmd->add_option("-o,--output", options.outputPath, "output .safetensors")
      ->required();
  return cmd;
}

Status runDequantizeCommand(const DequantizeCommandOptions &options) {
  Expected<model::ModelWeights> loaded = model::loadModel(options.modelDir);
  if (!loaded)
    return loaded.status();
  model::ModelWeights &weights = *loaded;
  format::SafetensorsWriter writer;
  for (model::LayerWeights &layer : weights.layers)
    for (auto &[shortName, linear] :
         model::layerLinears(layer, weights.config)) {
      if (!linear->quantized)
        continue;
      std::vector<float> outIn(linear->weight.size());
      for (int64_t k = 0; k < linear->in; ++k)
        for (int64_t n = 0; n < linear->out; ++n)
          outIn[n * linear->in + k] = linear->weight[k * linear->out + n];
      GPTQ_RETURN_IF_ERROR(writer.addFloat32(linear->name + ".weight",
                                             {linear->out, linear->in}, outIn));
    }
  if (writer.numTensors() == 0)
    return Status::error(options.modelDir + ": no GPTQ-quantized linears");
  GPTQ_RETURN_IF_ERROR(writer.write(options.outputPath));
  std::printf("wrote %zu dequantized linears to %s\n", writer.numTensors(),
              options.outputPath.c_str());
  return Status::success();
}

} // namespace gptq::tools
