//===- ModelCommand.cpp - `gptq-quantize model` ---------------------------===//
//
// The order of work keeps failures cheap and clean: flags first, then the
// model's config and tensor shapes, the calibration text and the output
// directory, all before any layer is quantized. Each layer is then
// quantized in AutoGPTQ's order (FORMAT.md §6): with --true-sequential the
// groups [k,v,q] → [o] → [up,gate] → [down] each see the earlier groups
// already quantized, else all linears see the unquantized layer; then the
// quantized layer's outputs become the next layer's inputs. A quantized
// linear is represented in later forwards by exactly the weights its
// checkpoint tensors dequantize to (fp16 scales), which is what every
// reader of the checkpoint computes.
//
// Host memory holds one layer: the source stays mmapped (SourceModel), the
// layer being quantized is the only one materialized in fp32, each finished
// layer's packed tensors go to the partial state on disk (PartialState),
// and the checkpoint is streamed from the mmaps at the end
// (CheckpointOutput). What remains is the calibration hidden states.
//
// --rtn quantizes each linear with the same quantizer and settings but no
// GPTQ update: the solver with H = I, whose inverse-Cholesky factor is
// diagonal, so no error is propagated. It needs no calibration data.
//
//===----------------------------------------------------------------------===//

#include "ModelCommand.h"

#include "Calibration.h"
#include "CalibrationBackend.h"
#include "CheckpointOutput.h"
#include "PackResult.h"
#include "PartialState.h"
#include "PhaseTimer.h"
#include "QuantFlags.h"
#include "SourceModel.h"

#include "gptq/Format/Packing.h"
#include "gptq/Format/Safetensors.h"
#include "gptq/Format/ShardedCheckpoint.h"
#include "gptq/Model/LayerForward.h"
#include "gptq/Model/ModelWeights.h"
#include "gptq/Quant/Quantizer.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace gptq::tools {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

CLI::App *addModelCommand(CLI::App &app, ModelCommandOptions &options) {
  CLI::App *cmd = app.add_subcommand(
      "model", "Quantize a Hugging Face checkpoint layer by layer (GPTQ)");
  cmd->add_option("--model", options.modelDir, "model directory")->required();
  cmd->add_option("--calib", options.calibPath,
                  "calibration file (not needed with --rtn)");
  cmd->add_option("--calib-format", options.calibFormat,
                  "text (byte-level models) or tokens (whitespace-separated "
                  "token ids)")
      ->capture_default_str();
  cmd->add_option("--nsamples", options.nsamples,
                  "calibration windows (consecutive, capped by the file)")
      ->capture_default_str();
  cmd->add_option("--seqlen", options.seqlen, "tokens per window")
      ->capture_default_str();
  cmd->add_option("--bits", options.bits, "2, 3, 4 or 8")
      ->capture_default_str();
  cmd->add_option("--group-size", options.groupSize,
                  "input channels per group, -1 for one group per row")
      ->capture_default_str();
  cmd->add_flag("--desc-act", options.descAct,
                "act-order: quantize columns by descending Hessian diagonal");
  cmd->add_flag("--sym", options.sym, "symmetric quantization");
  cmd->add_flag("--asym", "asymmetric quantization (the default)");
  cmd->add_flag("--static-groups", options.staticGroups,
                "group parameters from the original weight");
  cmd->add_option("--damp", options.dampPercent,
                  "damping fraction of mean(diag(H))")
      ->capture_default_str();
  cmd->add_flag("--true-sequential", options.trueSequential,
                "quantize [k,v,q], [o], [up,gate], [down] in turn, each "
                "group seeing the earlier ones quantized");
  cmd->add_option("--format", options.format, "gptq_v1 or gptq_v2")
      ->capture_default_str();
  cmd->add_option("--device", options.device, "cpu or cuda")
      ->capture_default_str();
  cmd->add_flag("--rtn", options.rtn,
                "round to nearest (same quantizer, no GPTQ update)");
  cmd->add_option("-o,--output", options.outDir, "output directory")
      ->required();
  cmd->add_flag("--resume", options.resume,
                "continue from OUTDIR/.gptq-partial");
  cmd->add_option("--threads", options.threads, "CPU threads (0: all)");
  cmd->add_option("--stop-after-layer", options.stopAfterLayer,
                  "testing aid: stop with an error once layer N is saved");
  cmd->add_option("--max-shard-size", options.maxShardSize,
                  "split the weights into shards of at most this size "
                  "(bytes, or e.g. 500MB, 2GB, 4GiB) with "
                  "model.safetensors.index.json")
      ->capture_default_str();
  cmd->add_option("--save-interval", options.saveInterval,
                  "seconds between resume records (hidden states on disk); "
                  "0: after every layer")
      ->capture_default_str();
  cmd->add_flag("--timing", options.timing,
                "print the wall time of each phase at the end");
  return cmd;
}

Status checkModelFlags(const ModelCommandOptions &options) {
  GPTQ_RETURN_IF_ERROR(
      checkQuantFlags(options.bits, options.groupSize, options.staticGroups,
                      options.dampPercent, options.format, options.device));
  if (options.calibFormat != "text" && options.calibFormat != "tokens")
    return Status::error(
        fmt::format("--calib-format must be text or tokens, got '{}'",
                    options.calibFormat));
  if (options.nsamples < 1)
    return Status::error(
        fmt::format("--nsamples must be positive, got {}", options.nsamples));
  if (options.seqlen < 2)
    return Status::error(
        fmt::format("--seqlen must be at least 2, got {}", options.seqlen));
  if (options.rtn && options.descAct)
    return Status::error("--rtn with --desc-act: act-order needs GPTQ's "
                         "Hessian; round-to-nearest quantizes in column order");
  if (options.rtn && options.trueSequential)
    return Status::error("--rtn with --true-sequential: round-to-nearest "
                         "needs no calibration forward");
  if (!options.rtn && options.calibPath.empty())
    return Status::error("--calib is required (except with --rtn)");
  Expected<uint64_t> shardSize = format::parseShardSize(options.maxShardSize);
  if (!shardSize)
    return shardSize.status();
  if (!(options.saveInterval >= 0))
    return Status::error(
        fmt::format("--save-interval must be zero or positive, got {}",
                    options.saveInterval));
  return Status::success();
}

namespace {

/// Without --resume the output must be new (or empty); with it, it may hold
/// only a partial state.
Status prepareOutputDirectory(const ModelCommandOptions &options) {
  std::error_code error;
  const fs::path out(options.outDir);
  if (fs::equivalent(out, options.modelDir, error))
    return Status::error("-o " + options.outDir + ": is the model directory");
  if (fs::exists(out, error)) {
    if (!fs::is_directory(out, error))
      return Status::error("-o " + options.outDir + ": is not a directory");
    for (const fs::directory_entry &entry :
         fs::directory_iterator(out, error)) {
      if (entry.path().filename() == ".gptq-partial") {
        if (!options.resume)
          return Status::error(fmt::format(
              "-o {}: holds an interrupted run; pass --resume to continue "
              "it, or remove the directory",
              options.outDir));
        continue;
      }
      return Status::error(fmt::format(
          "-o {}: exists and is not empty (remove it first)", options.outDir));
    }
  } else {
    const fs::path parent = fs::absolute(out).parent_path();
    if (!fs::is_directory(parent, error))
      return Status::error(fmt::format("-o {}: directory '{}' does not exist",
                                       options.outDir, parent.string()));
  }
  fs::create_directories(partialDirectory(options.outDir), error);
  if (error)
    return Status::error(
        fmt::format("-o {}: {}", options.outDir, error.message()));
  return Status::success();
}

/// Everything a partial state depends on.
std::string fingerprint(const ModelCommandOptions &o,
                        const CalibrationSet *calibration) {
  std::error_code error;
  return fmt::format(
      "model={} calib={} calib_format={} windows={}x{} calib_tokens={} "
      "bits={} group_size={} desc_act={} sym={} static_groups={} damp={} "
      "true_sequential={} format={} device={} rtn={}",
      fs::absolute(o.modelDir).lexically_normal().string(),
      o.rtn ? "" : fs::absolute(o.calibPath).lexically_normal().string(),
      o.calibFormat, calibration ? calibration->sequences : 0,
      calibration ? calibration->T : 0,
      calibration ? calibration->available : 0, o.bits, o.groupSize, o.descAct,
      o.sym, o.staticGroups, o.dampPercent, o.trueSequential, o.format,
      o.device, o.rtn);
}

std::vector<float> identity(int64_t K) {
  std::vector<float> result(K * K, 0.0f);
  for (int64_t k = 0; k < K; ++k)
    result[k * K + k] = 1.0f;
  return result;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct LayerReport {
  std::string losses;
};

/// Quantizes every linear of `layer` and replaces its dense weights by the
/// dequantized checkpoint weights; adds the packed tensors to `tensors`.
Status quantizeLayer(model::LayerWeights &layer, const SourceModel &source,
                     const model::ModelConfig &config,
                     CalibrationBackend *backend, quant::GptqSolver &solver,
                     const ModelCommandOptions &options,
                     const quant::GptqOptions &solverOptions,
                     format::CheckpointFormat checkpointFormat,
                     format::SafetensorsWriter &tensors, LayerReport &report,
                     PhaseTimer &timer) {
  std::vector<std::vector<model::LinearInput>> groups;
  if (options.trueSequential)
    for (model::LinearInput input : model::kAllLinearInputs)
      groups.push_back({input});
  else
    groups.push_back(
        {model::kAllLinearInputs.begin(), model::kAllLinearInputs.end()});
  for (const std::vector<model::LinearInput> &group : groups) {
    std::map<model::LinearInput, std::vector<float>> hessians;
    if (!options.rtn) {
      PhaseTimer::Scope phase(timer, "calibration forward+Hessian");
      Expected<std::map<model::LinearInput, std::vector<float>>> captured =
          backend->hessians(layer, group);
      if (!captured)
        return captured.status();
      hessians = captured.take();
    }
    for (model::LinearInput input : group)
      for (auto &[shortName, linear] :
           model::linearsReading(layer, config, input)) {
        const int64_t K = linear->in, N = linear->out;
        PhaseTimer::Scope solvePhase(timer, "solve");
        // Linears sharing an input share its Hessian: refer to it, no copy.
        const std::vector<float> rtnHessian =
            options.rtn ? identity(K) : std::vector<float>();
        const std::vector<float> &hessian =
            options.rtn ? rtnHessian : hessians[input];
        // Each linear is solved from its original weights (later groups see
        // earlier ones quantized only through H), so they can be read in
        // the solver's [N][K] straight from the source.
        Expected<std::vector<float>> weight = source.readWeight(linear->name);
        if (!weight)
          return weight.status();
        Expected<quant::GptqResult> solved =
            solver.solve(*weight, N, K, hessian, solverOptions);
        solvePhase.stop();
        if (!solved)
          return solved.status().withContext(linear->name);
        PhaseTimer::Scope packPhase(timer, "pack+dequantize");
        Expected<format::QuantizedLinear> packed = packResult(
            *solved, options.bits, options.groupSize, checkpointFormat);
        if (!packed)
          return packed.status().withContext(linear->name);
        Expected<std::vector<float>> dense = format::dequantize(*packed);
        if (!dense)
          return dense.status().withContext(linear->name);
        GPTQ_RETURN_IF_ERROR(
            addQuantizedTensors(tensors, linear->name + ".", *packed));
        linear->weight = dense.take();
        const std::string name =
            shortName.substr(shortName.find('.') + 1); // "q_proj"
        report.losses += fmt::format(" {} {:.4g}", name, solved->loss);
        if (solved->dampUsed != options.dampPercent)
          report.losses += fmt::format(" (damp {:g})", solved->dampUsed);
      }
  }
  return Status::success();
}

} // namespace

Status runModelCommand(const ModelCommandOptions &options) {
  const auto start = Clock::now();
  PhaseTimer timer;
  PhaseTimer::Scope loadPhase(timer, "load (config, headers, calib)");
  GPTQ_RETURN_IF_ERROR(checkModelFlags(options));
  const format::CheckpointFormat checkpointFormat =
      *format::parseCheckpointFormat(options.format);
  std::error_code error;
  if (!fs::is_directory(options.modelDir, error))
    return Status::error(
        fmt::format("--model {}: no such directory", options.modelDir));

  // The config alone first: an unknown architecture or a tokenizer we lack
  // fails before the weights are read.
  Expected<model::ModelConfig> parsed =
      model::parseModelConfig(options.modelDir);
  if (!parsed)
    return parsed.status();
  if (!options.rtn)
    GPTQ_RETURN_IF_ERROR(checkCalibrationTokenizer(*parsed, options.calibFormat,
                                                   options.modelDir));
  // Only the headers are read here; each layer's weights are read from the
  // mmap when its turn comes (SourceModel.h).
  Expected<SourceModel> opened = SourceModel::open(
      options.modelDir, *parsed, {options.bits, options.groupSize});
  if (!opened)
    return opened.status();
  const SourceModel source = opened.take();
  const model::ModelConfig &config = source.config();

  std::optional<CalibrationSet> calibration;
  if (!options.rtn) {
    Expected<CalibrationSet> set =
        loadCalibration(options.calibPath, options.calibFormat, config,
                        options.modelDir, options.nsamples, options.seqlen);
    if (!set)
      return set.status();
    calibration = set.take();
    if (calibration->sequences < options.nsamples)
      std::fprintf(stderr,
                   "gptq-quantize: %s holds %lld tokens: %lld windows of "
                   "%lld instead of %lld\n",
                   options.calibPath.c_str(), (long long)calibration->available,
                   (long long)calibration->sequences, (long long)calibration->T,
                   (long long)options.nsamples);
  }
  GPTQ_RETURN_IF_ERROR(prepareOutputDirectory(options));
  loadPhase.stop();

  PhaseTimer::Scope initPhase(timer, "backend init");
  const int64_t sequences = calibration ? calibration->sequences : 1;
  const int64_t T = calibration ? calibration->T : 1;
  std::unique_ptr<CalibrationBackend> backend;
  if (options.device == "cuda") {
    Expected<std::unique_ptr<CalibrationBackend>> cuda =
        createCudaBackend(config, sequences, T);
    if (!cuda)
      return cuda.status();
    backend = cuda.take();
  } else {
    backend = createCpuBackend(config, sequences, T, options.threads);
  }
  backend->setTimer(&timer);
  initPhase.stop();

  const std::string settings =
      fingerprint(options, calibration ? &*calibration : nullptr);
  const bool withHidden = !options.rtn;
  PartialState partial(options.outDir, settings, options.saveInterval);
  int64_t firstLayer = 0;
  if (options.resume) {
    PhaseTimer::Scope phase(timer, "resume restore");
    Expected<int64_t> next =
        partial.restore(backend.get(), withHidden, config.numLayers);
    if (!next)
      return next.status();
    firstLayer = *next;
  }
  if (firstLayer == 0 && withHidden) {
    PhaseTimer::Scope phase(timer, "embed");
    std::vector<int32_t> tokens = calibration->tokens;
    Expected<model::ModelWeights> embedding =
        source.embedding(tokens, calibration->T);
    if (!embedding)
      return embedding.status();
    GPTQ_RETURN_IF_ERROR(backend->embed(*embedding, tokens));
  }

  quant::GptqOptions solverOptions;
  solverOptions.bits = options.bits;
  solverOptions.groupSize = options.groupSize;
  solverOptions.sym = options.sym;
  solverOptions.actOrder = options.descAct;
  solverOptions.staticGroups = options.staticGroups;
  solverOptions.dampPercent = options.dampPercent;
  // A v1 checkpoint cannot hold a zero point of 0 (FORMAT.md §4).
  solverOptions.v1StorableZeros =
      checkpointFormat == format::CheckpointFormat::GptqV1;

  std::fprintf(stderr,
               "gptq-quantize: %s, %lld layers, %s, %d bits, group %lld, "
               "%s%s%s, %s%s; calibration %lld x %lld tokens; device %s%s\n",
               config.architecture.c_str(), (long long)config.numLayers,
               options.rtn ? "round-to-nearest" : "GPTQ", options.bits,
               (long long)options.groupSize, options.sym ? "sym" : "asym",
               options.descAct ? ", desc_act" : "",
               options.staticGroups ? ", static_groups" : "",
               format::checkpointFormatName(checkpointFormat),
               options.trueSequential ? ", true-sequential" : "",
               (long long)(calibration ? sequences : 0),
               (long long)(calibration ? T : 0), backend->describe().c_str(),
               firstLayer
                   ? fmt::format(", resuming at layer {}", firstLayer).c_str()
                   : "");
  const double setupSeconds = secondsSince(start);

  const auto layersStart = Clock::now();
  for (int64_t index = firstLayer; index < config.numLayers; ++index) {
    const auto layerStart = Clock::now();
    PhaseTimer::Scope loadLayerPhase(timer, "layer load (mmap -> fp32)");
    Expected<model::LayerWeights> loadedLayer = source.loadLayer(index);
    if (!loadedLayer)
      return loadedLayer.status();
    model::LayerWeights layer = loadedLayer.take();
    loadLayerPhase.stop();
    format::SafetensorsWriter tensors;
    LayerReport report;
    GPTQ_RETURN_IF_ERROR(quantizeLayer(
        layer, source, config, backend.get(), backend->solver(), options,
        solverOptions, checkpointFormat, tensors, report, timer));
    const bool last = index + 1 == config.numLayers;
    if (withHidden && !last) {
      PhaseTimer::Scope phase(timer, "forward to next layer");
      GPTQ_RETURN_IF_ERROR(backend->advance(layer));
    }
    {
      PhaseTimer::Scope phase(timer, "layer file write");
      GPTQ_RETURN_IF_ERROR(partial.saveLayer(index, tensors));
    }
    const bool stopping = index == options.stopAfterLayer && !last;
    if (!last) {
      PhaseTimer::Scope phase(timer, "resume record (sync+hidden)");
      Expected<bool> recorded =
          partial.recordProgress(index, backend.get(), withHidden, stopping);
      if (!recorded)
        return recorded.status();
    }
    std::fprintf(stderr, "layer %lld/%lld: %.3f s, loss%s\n",
                 (long long)index + 1, (long long)config.numLayers,
                 secondsSince(layerStart), report.losses.c_str());
    if (stopping)
      return Status::error(fmt::format(
          "stopped after layer {} (--stop-after-layer); continue with "
          "--resume",
          index));
  }
  const double layerSeconds = secondsSince(layersStart);

  const auto writeStart = Clock::now();
  PhaseTimer::Scope writePhase(timer, "output write");
  CheckpointOutputPlan plan;
  plan.modelDir = options.modelDir;
  plan.outDir = options.outDir;
  plan.numLayers = config.numLayers;
  plan.maxShardBytes = *format::parseShardSize(options.maxShardSize);
  for (const std::string &prefix : source.linearPrefixes())
    plan.quantized.insert(prefix);
  format::QuantizeConfig &qc = plan.quantizeConfig;
  qc.bits = options.bits;
  qc.groupSize = options.groupSize;
  qc.descAct = options.descAct;
  qc.sym = options.sym;
  qc.staticGroups = options.staticGroups;
  qc.dampPercent = options.dampPercent;
  qc.trueSequential = options.trueSequential;
  qc.checkpointFormat =
      checkpointFormat == format::CheckpointFormat::GptqV1 ? "gptq" : "gptq_v2";
  qc.modelNameOrPath = options.modelDir;
  qc.modelFileBaseName = "model";
  GPTQ_RETURN_IF_ERROR(writeQuantizedCheckpoint(plan));
  writePhase.stop();

  std::printf("quantized %lld layers in %.3f s (setup %.3f s, layers %.3f s, "
              "write %.3f s); wrote %s\n",
              (long long)config.numLayers, secondsSince(start), setupSeconds,
              layerSeconds, secondsSince(writeStart), options.outDir.c_str());
  if (options.timing)
    timer.print(stderr);
  return Status::success();
}

} // namespace gptq::tools
