//===- LayerCommand.cpp - `gptq-quantize layer` ---------------------------===//
//
// The order of work is what makes failures clean: flags first (no file
// touched), then every input's existence, dtype and shape (headers only),
// then the values (finite, symmetric Hessian), and only then the solve and
// one atomic write. A problem found anywhere stops the run with one message
// before the output path is created.
//
//===----------------------------------------------------------------------===//

#include "LayerCommand.h"

#include "LayerInputs.h"
#include "LayerOutput.h"
#include "QuantFlags.h"

#include "gptq/Format/Packing.h"
#include "gptq/Quant/GptqSolver.h"
#include "gptq/Quant/Quantizer.h"

#if GPTQ_HAVE_CUDA_SOLVER
#include "gptq/QuantCuda/CudaSolver.h"
#endif

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace gptq::tools {

CLI::App *addLayerCommand(CLI::App &app, LayerCommandOptions &options) {
  CLI::App *layer = app.add_subcommand(
      "layer", "Quantize one linear layer from a stored weight and Hessian");
  layer
      ->add_option("--weight", options.weightSpec,
                   "FILE.safetensors:TENSOR, [N][K] F16/BF16/F32")
      ->required();
  layer
      ->add_option("--hessian", options.hessianSpec,
                   "FILE.safetensors:TENSOR, [K][K] F32/F16/F64")
      ->required();
  layer->add_option("-o,--output", options.outputPath, "output .safetensors")
      ->required();
  layer->add_option("--bits", options.bits, "2, 3, 4 or 8")
      ->capture_default_str();
  layer
      ->add_option("--group-size", options.groupSize,
                   "input channels per group, -1 for one group per row")
      ->capture_default_str();
  layer->add_flag("--desc-act", options.descAct,
                  "act-order: quantize columns by descending Hessian diagonal");
  layer->add_flag("--sym", options.sym, "symmetric quantization");
  layer->add_flag("--static-groups", options.staticGroups,
                  "group parameters from the original weight");
  layer->add_flag("--mse", options.mseSearch, "MSE clipping search");
  layer
      ->add_option("--damp", options.dampPercent,
                   "damping fraction of mean(diag(H))")
      ->capture_default_str();
  layer->add_option("--block-size", options.blockSize, "lazy-batch block size")
      ->capture_default_str();
  layer->add_option("--device", options.device, "cpu or cuda")
      ->capture_default_str();
  layer->add_option("--format", options.format, "gptq_v1 or gptq_v2")
      ->capture_default_str();
  return layer;
}

Status checkLayerFlags(const LayerCommandOptions &options) {
  GPTQ_RETURN_IF_ERROR(
      checkQuantFlags(options.bits, options.groupSize, options.staticGroups,
                      options.dampPercent, options.format, options.device));
  if (options.blockSize <= 0)
    return Status::error(fmt::format("--block-size must be positive, got {}",
                                     options.blockSize));
#if !GPTQ_HAVE_CUDA_SOLVER
  if (options.device == "cuda")
    return Status::error(
        "--device cuda: this build has no CUDA solver (use --device cpu)");
#endif
  return Status::success();
}

/// The atomic write can only fail late; catch the likely reasons (no such
/// directory, the path is a directory) before the solve.
static Status checkOutputPath(const std::string &path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(path, error))
    return Status::error(
        fmt::format("-o {}: is a directory, expected a file path", path));
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, error))
    return Status::error(fmt::format("-o {}: directory '{}' does not exist",
                                     path, parent.string()));
  return Status::success();
}

static Expected<std::unique_ptr<quant::GptqSolver>>
createSolver(const std::string &device) {
#if GPTQ_HAVE_CUDA_SOLVER
  if (device == "cuda") {
    std::string whyNot;
    if (!quant::cudaSolverAvailable(&whyNot))
      return Status::error("--device cuda: " + whyNot);
    return quant::createCudaSolver();
  }
#endif
  (void)device;
  return quant::createCpuSolver();
}

Status runLayerCommand(const LayerCommandOptions &options) {
  GPTQ_RETURN_IF_ERROR(checkLayerFlags(options));
  GPTQ_RETURN_IF_ERROR(checkOutputPath(options.outputPath));
  format::CheckpointFormat checkpointFormat =
      *format::parseCheckpointFormat(options.format);

  quant::GptqOptions solverOptions;
  solverOptions.bits = options.bits;
  solverOptions.groupSize = options.groupSize;
  solverOptions.sym = options.sym;
  solverOptions.actOrder = options.descAct;
  solverOptions.staticGroups = options.staticGroups;
  solverOptions.dampPercent = options.dampPercent;
  solverOptions.blockSize = options.blockSize;
  solverOptions.mseSearch = options.mseSearch;
  // A v1 checkpoint cannot hold a zero point of 0 (FORMAT.md §4).
  solverOptions.v1StorableZeros =
      checkpointFormat == format::CheckpointFormat::GptqV1;

  Expected<std::unique_ptr<quant::GptqSolver>> solver =
      createSolver(options.device);
  if (!solver)
    return solver.status();

  Expected<LayerInputs> loaded = loadLayerInputs(
      options.weightSpec, options.hessianSpec, options.bits, options.groupSize);
  if (!loaded)
    return loaded.status();
  LayerInputs inputs = loaded.take();
  GPTQ_RETURN_IF_ERROR(quant::validateGptqInputs(
      inputs.weight, inputs.N, inputs.K, inputs.hessian, solverOptions));

  std::fprintf(
      stderr,
      "gptq-quantize: layer %s [%ld x %ld], %d bits, group %ld, "
      "%s, desc_act %d, static_groups %d, mse %d, damp %g, block "
      "%ld, %s, device %s\n",
      options.weightSpec.c_str(), long(inputs.N), long(inputs.K), options.bits,
      long(options.groupSize), options.sym ? "sym" : "asym", options.descAct,
      options.staticGroups, options.mseSearch, options.dampPercent,
      long(options.blockSize), format::checkpointFormatName(checkpointFormat),
      options.device.c_str());

  auto start = std::chrono::steady_clock::now();
  Expected<quant::GptqResult> solved = (*solver)->solve(
      inputs.weight, inputs.N, inputs.K, inputs.hessian, solverOptions);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!solved)
    return solved.status().withContext("solve");
  if (solved->dampUsed != options.dampPercent)
    std::fprintf(stderr,
                 "gptq-quantize: Cholesky failed at damp %g; retried with "
                 "damp %g\n",
                 options.dampPercent, solved->dampUsed);

  LayerOutputSettings settings;
  settings.bits = options.bits;
  settings.groupSize = options.groupSize;
  settings.descAct = options.descAct;
  settings.sym = options.sym;
  settings.staticGroups = options.staticGroups;
  settings.format = checkpointFormat;
  settings.mseSearch = options.mseSearch;
  settings.seconds = seconds;
  GPTQ_RETURN_IF_ERROR(writeLayerOutput(options.outputPath, *solved, settings));

  std::printf("layer [%ld x %ld] %d bits group %ld: damp used %g, loss %.6g, "
              "solve %.3f s, wrote %s (%s)\n",
              long(inputs.N), long(inputs.K), options.bits,
              long(options.groupSize), solved->dampUsed, solved->loss, seconds,
              options.outputPath.c_str(),
              format::checkpointFormatName(checkpointFormat));
  return Status::success();
}

} // namespace gptq::tools
