//===- Bench.cpp - gptq-run bench -----------------------------------------===//
//
// Times prefill and decode of a model with random weights built from any
// config.json (so 7B-shaped layers run without their weights), at several
// batch sizes, and prints beside them the memory floor: decode cannot beat
// reading every weight once per step at the copy bandwidth measured here.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"
#include "Commands.h"
#ifdef GPTQ_RUN_HAVE_CUDA
#include "gptq/Model/GpuForward.h"
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include <fmt/format.h>

namespace gptq::run {

#ifdef GPTQ_RUN_HAVE_CUDA
namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

} // namespace
#endif

Status runBench(const BenchOptions &options) {
  Expected<model::ModelConfig> config = model::parseModelConfig(options.config);
  if (!config)
    return config.status();
  if (options.bits != 16 && options.bits != 2 && options.bits != 3 &&
      options.bits != 4 && options.bits != 8)
    return Status::error(
        fmt::format("--bits {} is not one of 2, 3, 4, 8, 16", options.bits));
  if (options.batches.empty() || options.promptLen < 1 || options.genLen < 1 ||
      options.repeats < 1)
    return Status::error("--batch, --prompt-len, --gen-len and --repeats must "
                         "be positive");
  for (int64_t batch : options.batches)
    if (batch < 1)
      return Status::error(fmt::format("--batch {} must be positive", batch));
#ifndef GPTQ_RUN_HAVE_CUDA
  return Status::error("bench: this gptq-run was built without CUDA");
#else
  std::string whyNot;
  if (!model::gpuAvailable(&whyNot))
    return Status::error("bench needs a CUDA device: " + whyNot);
  model::RandomWeightsOptions random;
  random.bits = options.bits == 16 ? 0 : options.bits;
  random.groupSize = options.groupSize;
  random.actOrder = options.actOrder;
  model::GpuOptions gpu;
  gpu.maxBatch =
      *std::max_element(options.batches.begin(), options.batches.end());
  gpu.maxSequence = options.promptLen + options.genLen;
  gpu.allowDequantizedFallback = false;
  gpu.denseLargeBatches = !options.noDense;
  gpu.joinProjections = !options.noJoin;
  Expected<std::unique_ptr<model::GpuForward>> forward =
      model::GpuForward::createRandom(*config, random, gpu);
  if (!forward)
    return forward.status();
  model::GpuForward &f = **forward;
  Expected<double> bandwidth = model::measureCopyBandwidth(size_t(1) << 30);
  if (!bandwidth)
    return bandwidth.status();
  const double weightBytes = double(f.weightBytesPerStep());
  std::printf("device: %s\nmodel: %s, %lld layers, hidden %lld, %s; weights "
              "read per decode step %.2f GB\nkernels: %s\ncopy bandwidth "
              "(read+write) %.0f GB/s\n",
              f.deviceName().c_str(), config->architecture.c_str(),
              (long long)config->numLayers, (long long)config->hiddenSize,
              random.bits ? fmt::format("GPTQ {}-bit g{}{}", random.bits,
                                        random.groupSize,
                                        random.actOrder ? " act-order" : "")
                                .c_str()
                          : "fp16",
              weightBytes / 1e9, f.kernelSummary().c_str(), *bandwidth / 1e9);
  std::printf("%6s %10s %14s %14s %16s\n", "batch", "prompt", "prefill tok/s",
              "decode tok/s", "floor tok/s");
  std::mt19937 rng(7);
  using Clock = std::chrono::steady_clock;
  for (int64_t batch : options.batches) {
    std::vector<int32_t> prompt(batch * options.promptLen);
    for (int32_t &token : prompt)
      token = int32_t(rng() % config->vocabSize);
    std::vector<int32_t> step(batch);
    std::vector<double> prefillTimes, decodeTimes;
    for (int r = 0; r <= options.repeats; ++r) { // r == 0: warm-up
      auto t0 = Clock::now();
      GPTQ_RETURN_IF_ERROR(f.prefillNoCopy(prompt, batch, options.promptLen));
      GPTQ_RETURN_IF_ERROR(f.synchronize());
      auto t1 = Clock::now();
      for (int64_t g = 0; g < options.genLen; ++g) {
        for (int32_t &token : step)
          token = int32_t(rng() % config->vocabSize);
        GPTQ_RETURN_IF_ERROR(f.decodeNoCopy(step));
      }
      GPTQ_RETURN_IF_ERROR(f.synchronize());
      auto t2 = Clock::now();
      if (r == 0)
        continue;
      prefillTimes.push_back(std::chrono::duration<double>(t1 - t0).count());
      decodeTimes.push_back(std::chrono::duration<double>(t2 - t1).count());
    }
    const double prefillRate =
        double(batch * options.promptLen) / median(prefillTimes);
    const double decodeRate =
        double(batch * options.genLen) / median(decodeTimes);
    const double floorRate = double(batch) * *bandwidth / weightBytes;
    std::printf("%6lld %10lld %14.0f %14.1f %16.1f\n", (long long)batch,
                (long long)options.promptLen, prefillRate, decodeRate,
                floorRate);
  }
  return Status::success();
#endif
}

} // namespace gptq::run
