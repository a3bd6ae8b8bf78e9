//===- gptq-tune.cpp - time tile candidates, write the autotune cache ----===//
//
// For one quantization layout and a list of shapes (K x N) and row counts M:
// enumerate the legal tile candidates of each M bucket (TuneCandidates.h),
// lower them with the qmm pipeline, compile them with NVRTC through the
// runtime's kernel cache (several sources in parallel), time each on the
// present GPU against the default configuration's output, and merge the
// fastest per bucket into the autotune cache (entries of other GPUs kept).
// `--dry-run` stops after lowering, lists the candidates and needs no GPU.
//
//===----------------------------------------------------------------------===//

#include "GpuBench.h"
#include "KernelBuilder.h"
#include "TuneFlags.h"

#include "gptq/Autotune/AutotuneCache.h"
#include "gptq/Autotune/TuneCandidates.h"
#include "gptq/Runtime/CudaDriver.h"
#include "gptq/Runtime/KernelCache.h"
#include "gptq/Runtime/Module.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

using namespace gptq;
using namespace gptq::tune;

namespace {

constexpr size_t kKernelsPerSource = 8;

void warn(const std::string &message) {
  std::fprintf(stderr, "gptq-tune: warning: %s\n", message.c_str());
}

int fail(const std::string &message, int code = 1) {
  std::fprintf(stderr, "gptq-tune: %s\n", message.c_str());
  return code;
}

/// The candidates of every M bucket of one shape, and the union of their
/// tiles (one kernel each, whatever M it is timed at).
struct ShapePlan {
  TuneShape shape;
  std::vector<int64_t> rows;
  std::vector<autotune::TileConfig> defaults;        // per rows[i]
  std::vector<std::vector<size_t>> candidatesOfRows; // into tiles
  std::vector<autotune::TileConfig> tiles;
  autotune::TileProblem problem; // what the tiles' legality rules saw
};

/// `sms`: the GPU's SM count, which the default tile's grid rules use.
Expected<ShapePlan> planShape(const TuneRequest &request,
                              const TuneShape &shape, const std::string &arch,
                              int64_t sms) {
  ShapePlan plan;
  plan.shape = shape;
  plan.rows = request.rows;
  autotune::TileProblem problem;
  problem.bits = request.layout.bits;
  problem.actOrder = request.layout.actOrder;
  problem.inFeatures = shape.inFeatures;
  problem.outFeatures = shape.outFeatures;
  problem.groupSize = request.layout.groupSize;
  problem.arch = arch;
  plan.problem = problem;
  for (int64_t rows : request.rows) {
    autotune::ProblemShape defaultShape;
    defaultShape.rows = rows;
    defaultShape.inFeatures = shape.inFeatures;
    defaultShape.outFeatures = shape.outFeatures;
    defaultShape.bits = request.layout.bits;
    defaultShape.groupSize = request.layout.groupSize;
    defaultShape.actOrder = request.layout.actOrder;
    defaultShape.sms = sms;
    auto defaultConfig = autotune::defaultTileConfig(arch, defaultShape);
    if (!defaultConfig)
      return defaultConfig.status().withContext(shape.name);
    plan.defaults.push_back(*defaultConfig);
    std::vector<autotune::TileConfig> candidates;
    if (request.tiles.empty()) {
      candidates =
          autotune::tuneCandidates(problem, autotune::rowBucket(rows),
                                   *defaultConfig, request.maxCandidates);
    } else {
      // The default, then the tiles asked for that this problem can run.
      candidates.push_back(*defaultConfig);
      for (const autotune::TileConfig &tile : request.tiles) {
        Status legal = autotune::checkTile(tile, problem);
        if (!legal.ok())
          warn(fmt::format("{} M={}: --tiles {} skipped: {}", shape.name, rows,
                           autotune::describeTile(tile), legal.message()));
        else if (std::find(candidates.begin(), candidates.end(), tile) ==
                 candidates.end())
          candidates.push_back(tile);
      }
    }
    std::vector<size_t> indices;
    for (const autotune::TileConfig &tile : candidates) {
      auto it = std::find(plan.tiles.begin(), plan.tiles.end(), tile);
      indices.push_back(size_t(it - plan.tiles.begin()));
      if (it == plan.tiles.end())
        plan.tiles.push_back(tile);
    }
    if (indices.empty() || plan.tiles[indices[0]] != *defaultConfig)
      return Status::error(
          fmt::format("{}: the default tile {} is not legal for this problem",
                      shape.name, autotune::describeTile(*defaultConfig)));
    plan.candidatesOfRows.push_back(std::move(indices));
  }
  return plan;
}

std::string layoutText(const autotune::LayoutKey &layout) {
  return fmt::format("{}-bit, group {}, {}{}, {}, {}", layout.bits,
                     layout.groupSize, layout.sym ? "sym" : "asym",
                     layout.actOrder ? ", act-order" : "", layout.format,
                     layout.dtype);
}

int dryRun(const TuneRequest &request, const std::string &arch) {
  std::printf("# gptq-tune dry run for %s: %s\n", arch.c_str(),
              layoutText(request.layout).c_str());
  size_t totalCandidates = 0, totalKernels = 0;
  for (const TuneShape &shape : request.shapes) {
    auto plan = planShape(request, shape, arch, autotune::kReferenceSms);
    if (!plan)
      return fail(plan.message());
    for (size_t i = 0; i < plan->rows.size(); ++i) {
      const auto &indices = plan->candidatesOfRows[i];
      std::printf("%s (%lldx%lld) M=%lld bucket %lld: %zu candidates\n",
                  shape.name.c_str(), (long long)shape.inFeatures,
                  (long long)shape.outFeatures, (long long)plan->rows[i],
                  (long long)autotune::rowBucket(plan->rows[i]),
                  indices.size());
      for (size_t j = 0; j < indices.size(); ++j)
        std::printf("  %s%s\n",
                    autotune::describeTile(plan->tiles[indices[j]]).c_str(),
                    j == 0 ? " (default)" : "");
      totalCandidates += indices.size();
    }
    // Lowering every candidate proves the list legal end to end (the
    // qmm-tile verifier and the CUDA emitter accept each one).
    auto sources =
        buildKernelSources(request.layout, shape.inFeatures, shape.outFeatures,
                           plan->tiles, arch, kKernelsPerSource);
    if (!sources)
      return fail(sources.message());
    for (const KernelSource &source : *sources)
      totalKernels += source.kernels.size();
  }
  std::printf("# %zu candidates, %zu distinct kernels lowered to CUDA\n",
              totalCandidates, totalKernels);
  return 0;
}

/// Compiles and loads the sources, several NVRTC calls at a time. A source
/// that fails is retried kernel by kernel so one bad candidate costs only
/// itself.
struct LoadedKernels {
  std::vector<rt::LoadedModule> modules;
  std::map<size_t, KernelLaunch> byCandidate;
};

LoadedKernels compileAndLoad(std::vector<KernelSource> sources,
                             const std::vector<autotune::TileConfig> &tiles,
                             const autotune::TileProblem &problem,
                             rt::KernelCache &cache, const std::string &arch,
                             const std::vector<std::string> &nvrtcOptions,
                             unsigned threads) {
  rt::CompileOptions options;
  options.arch = arch;
  options.extraOptions = nvrtcOptions;
  options.wantCubin = true;
  std::vector<Expected<std::shared_ptr<const rt::CompileResult>>> results(
      sources.size(), Status::error("not compiled"));
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < std::max(1u, threads); ++t)
    workers.emplace_back([&] {
      for (size_t i = next++; i < sources.size(); i = next++)
        results[i] = cache.getOrCompile(sources[i].source,
                                        sources[i].programName, options);
    });
  for (std::thread &worker : workers)
    worker.join();

  LoadedKernels loaded;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!results[i]) {
      warn(fmt::format("{} did not compile ({}); candidates dropped: {}",
                       sources[i].programName,
                       results[i].message().substr(0, 400),
                       sources[i].kernels.size()));
      continue;
    }
    auto module = rt::LoadedModule::load(**results[i]);
    if (!module) {
      warn(fmt::format("{} did not load: {}", sources[i].programName,
                       module.message()));
      continue;
    }
    for (const CandidateKernel &kernel : sources[i].kernels) {
      auto function = module->function(kernel.name);
      if (!function) {
        warn(function.message());
        continue;
      }
      auto params = rt::QmmParamList::fromRoles(kernel.params, kernel.name);
      if (!params) {
        warn(params.message());
        continue;
      }
      // Opted in to its dynamic shared memory once, not per timed launch.
      const autotune::TileConfig &tile = tiles[kernel.candidate];
      const unsigned sharedBytes =
          unsigned(autotune::launchDynamicSharedBytes(tile, problem));
      if (Status allowed = rt::allowDynamicShared(*function, sharedBytes);
          !allowed.ok()) {
        warn(allowed.message());
        continue;
      }
      loaded.byCandidate[kernel.candidate] =
          KernelLaunch{*function, *params, tile, sharedBytes};
    }
    loaded.modules.push_back(module.take());
  }
  return loaded;
}

int runTuning(const TuneRequest &request) {
  std::string whyNot;
  if (!rt::cudaDeviceAvailable(&whyNot))
    return fail("No CUDA device: " + whyNot +
                " (use --dry-run to list candidates without one)");
  auto context = rt::CudaContext::create(0);
  if (!context)
    return fail(context.message());
  const rt::DeviceInfo &info = (*context)->info();
  const std::string arch = info.arch();
  if (!request.arch.empty() && request.arch != arch)
    return fail(fmt::format("--arch {} does not match the present GPU ({})",
                            request.arch, arch));
  autotune::GpuIdentity gpu{info.name, arch, info.driverVersion};

  // Merge into the existing cache: entries of this GPU and driver are
  // replaced per problem, the others kept as they are.
  autotune::GpuSelector selector{gpu.name, gpu.arch, gpu.driverVersion};
  autotune::AutotuneCache cache(selector);
  if (!request.outPath.empty() && std::filesystem::exists(request.outPath)) {
    autotune::AutotuneCacheLoad loaded =
        autotune::AutotuneCache::load(request.outPath, selector);
    for (const std::string &warning : loaded.warnings)
      if (warning.find("measured on other GPUs") == std::string::npos)
        warn(warning + " (it will be rewritten)");
    cache = std::move(loaded.cache);
  }

  auto bench =
      GpuBench::create(request.repetitions, info.maxAccessPolicyWindowBytes);
  if (!bench)
    return fail(bench.message());
  rt::KernelCache kernelCache;
  const unsigned threads =
      request.compileThreads
          ? request.compileThreads
          : std::min(16u, std::max(1u, std::thread::hardware_concurrency()));
  std::printf("# gptq-tune on %s (%s, %d SMs), driver %d: %s; L2 flush %zu "
              "MiB, median of %d\n",
              gpu.name.c_str(), arch.c_str(), info.multiprocessors,
              gpu.driverVersion, layoutText(request.layout).c_str(),
              (*bench)->flushBytes() >> 20, request.repetitions);
  for (const std::string &option : request.nvrtcOptions)
    std::printf("# NVRTC option %s (experiment: times only)\n", option.c_str());
  std::fflush(stdout);

  const bool bf16 = request.layout.dtype == "bf16";
  // fp32 accumulation in a different order, one rounding to 16 bits: a
  // correct candidate stays within a few ulps of the default's output.
  const double tolerance = bf16 ? 1e-2 : 5e-3;
  size_t shapeIndex = 0;
  for (const TuneShape &shape : request.shapes) {
    ++shapeIndex;
    auto plan = planShape(request, shape, arch, info.multiprocessors);
    if (!plan)
      return fail(plan.message());
    auto compileStart = std::chrono::steady_clock::now();
    auto sources =
        buildKernelSources(request.layout, shape.inFeatures, shape.outFeatures,
                           plan->tiles, arch, kKernelsPerSource);
    if (!sources)
      return fail(sources.message());
    LoadedKernels kernels =
        compileAndLoad(sources.take(), plan->tiles, plan->problem, kernelCache,
                       arch, request.nvrtcOptions, threads);
    const double compileSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                      compileStart)
            .count();
    std::printf("[%zu/%zu] %s (%lldx%lld): %zu kernels ready in %.1f s\n",
                shapeIndex, request.shapes.size(), shape.name.c_str(),
                (long long)shape.inFeatures, (long long)shape.outFeatures,
                kernels.byCandidate.size(), compileSeconds);
    std::fflush(stdout);
    Status weights = (*bench)->setWeights(
        request.layout, shape.inFeatures, shape.outFeatures,
        0x9e3779b97f4a7c15ull ^ uint64_t(shapeIndex));
    if (!weights.ok())
      return fail(weights.message());

    for (size_t r = 0; r < plan->rows.size(); ++r) {
      const int64_t rows = plan->rows[r];
      const std::vector<size_t> &indices = plan->candidatesOfRows[r];
      Status status = (*bench)->setRows(rows, 0x243f6a8885a308d3ull + rows);
      if (!status.ok())
        return fail(status.message());
      auto defaultKernel = kernels.byCandidate.find(indices[0]);
      if (defaultKernel == kernels.byCandidate.end()) {
        warn(fmt::format("{} M={}: the default tile did not compile; "
                         "bucket skipped",
                         shape.name, rows));
        continue;
      }
      auto reference = (*bench)->runOnce(defaultKernel->second);
      if (!reference)
        return fail(reference.message());
      auto defaultUs = (*bench)->medianUs(defaultKernel->second, 0);
      if (!defaultUs)
        return fail(defaultUs.message());
      size_t best = indices[0], timed = 1, rejected = 0;
      double bestUs = *defaultUs;
      for (size_t j = 1; j < indices.size(); ++j) {
        auto kernel = kernels.byCandidate.find(indices[j]);
        if (kernel == kernels.byCandidate.end())
          continue;
        const std::string tileText =
            autotune::describeTile(plan->tiles[indices[j]]);
        auto output = (*bench)->runOnce(kernel->second);
        if (!output)
          return fail(fmt::format("{} M={} {}: {}", shape.name, rows, tileText,
                                  output.message()));
        const double error = relativeError(*output, *reference, bf16);
        if (!(error <= tolerance)) {
          warn(fmt::format("{} M={} {}: output differs from the default "
                           "tile's (relative error {:.2e}); rejected",
                           shape.name, rows, tileText, error));
          ++rejected;
          continue;
        }
        auto us = (*bench)->medianUs(kernel->second, 4 * bestUs);
        if (!us)
          return fail(us.message());
        ++timed;
        if (request.verbose)
          std::printf("    M=%-5lld %-28s %9.1f us\n", (long long)rows,
                      tileText.c_str(), *us);
        if (*us < bestUs) {
          bestUs = *us;
          best = indices[j];
        }
      }
      autotune::CacheEntry entry;
      entry.gpu = gpu;
      entry.problem = {request.layout, shape.inFeatures, shape.outFeatures,
                       autotune::rowBucket(rows)};
      entry.config = plan->tiles[best];
      entry.timeUs = bestUs;
      entry.defaultTimeUs = *defaultUs;
      Status inserted = cache.insert(entry);
      if (!inserted.ok())
        return fail(inserted.message());
      std::printf("  M=%-5lld default %-24s %9.1f us | best %-24s %9.1f us "
                  "(%.2fx) | %zu timed, %zu rejected\n",
                  (long long)rows,
                  autotune::describeTile(plan->defaults[r]).c_str(), *defaultUs,
                  autotune::describeTile(entry.config).c_str(), bestUs,
                  *defaultUs / bestUs, timed, rejected);
      std::fflush(stdout);
    }
    // Saved after every shape: an interrupted run keeps what it measured.
    if (request.outPath.empty())
      continue;
    Status saved = cache.save(request.outPath);
    if (!saved.ok())
      return fail(saved.message());
  }
  if (request.outPath.empty()) {
    std::printf("# no cache written: the kernels were compiled with extra "
                "NVRTC options\n");
    return 0;
  }
  std::printf("# wrote %s (%zu entries for this GPU, %zu in all)\n",
              request.outPath.c_str(), cache.selectedEntries().size(),
              cache.entries().size());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"gptq-tune: time tile candidates of the qmm kernels on the "
               "present GPU and write the autotune cache"};
  TuneRequest request;
  std::string shapesText = "llama-7b,llama-70b";
  std::string rowsText = "1,16,64,256,1024,4096";
  app.add_option("--bits", request.layout.bits, "Code width: 2, 3, 4 or 8")
      ->capture_default_str();
  app.add_option("--group-size", request.layout.groupSize,
                 "Channels per quantization group, -1 for one group")
      ->capture_default_str();
  app.add_flag("--act-order", request.layout.actOrder,
               "Act-order (desc_act) checkpoints: groups through g_idx");
  app.add_flag("--sym", request.layout.sym,
               "Symmetric quantization (default: asymmetric)");
  app.add_option("--format", request.layout.format,
                 "Zero-point storage: gptq_v1 (AutoGPTQ) or gptq_v2")
      ->capture_default_str();
  app.add_option("--dtype", request.layout.dtype, "Activations: f16 or bf16")
      ->capture_default_str();
  app.add_option("--shapes", shapesText,
                 "Comma-separated KxN shapes and presets (llama-7b, "
                 "llama-70b: the PEERS.md layers)")
      ->capture_default_str();
  app.add_option("--m", rowsText,
                 "Comma-separated row counts, one per M bucket (1, 16, 64, "
                 "256, 1024, 4096)")
      ->capture_default_str();
  app.add_option("--out,-o", request.outPath,
                 "Autotune cache to write; an existing one is merged into");
  app.add_option("--max-candidates", request.maxCandidates,
                 "Try at most this many tiles per shape and M, nearest the "
                 "default first (0: all)")
      ->capture_default_str();
  std::vector<std::string> tilesText;
  app.add_option("--tiles", tilesText,
                 "Time these tiles beside the default instead of its "
                 "neighbourhood: comma-separated, as the progress lines "
                 "print them (\"stream m8 n32 k128 w4 s2 c3\"; c: split_k)")
      ->delimiter(',');
  app.add_option("--nvrtc-option", request.nvrtcOptions,
                 "Extra NVRTC option for every candidate, as "
                 "--nvrtc-option=-DNAME (repeatable): for experiments, "
                 "times only, no cache written");
  app.add_flag("--verbose,-v", request.verbose,
               "Print each candidate's median time, not only the best");
  app.add_flag("--dry-run", request.dryRun,
               "List the candidates and lower them; no GPU, no timing");
  app.add_option("--arch", request.arch,
                 "Target for --dry-run (default sm_90a); with a GPU, must "
                 "match it");
  app.add_option("--reps", request.repetitions,
                 "Timed repetitions per candidate (median; at least 10)")
      ->capture_default_str();
  app.add_option("--jobs,-j", request.compileThreads,
                 "Parallel NVRTC compilations (default: cores, at most 16)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &error) {
    return app.exit(error);
  }

  auto shapes = parseShapes(shapesText);
  if (!shapes)
    return fail(shapes.message(), 2);
  request.shapes = shapes.take();
  auto rows = parseRows(rowsText);
  if (!rows)
    return fail(rows.message(), 2);
  request.rows = rows.take();
  for (const std::string &text : tilesText) {
    auto tile = autotune::parseTile(text);
    if (!tile)
      return fail(fmt::format("--tiles: {}", tile.message()), 2);
    request.tiles.push_back(*tile);
  }
  if (Status valid = checkRequest(request); !valid.ok())
    return fail(valid.message(), 2);

  if (request.dryRun)
    return dryRun(request, request.arch.empty() ? "sm_90a" : request.arch);
  return runTuning(request);
}
