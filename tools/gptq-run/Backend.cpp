//===- Backend.cpp - CPU and GPU backends for gptq-run --------------------===//
//
// The GPU backend is compiled in only when GPTQModelCuda exists (a CUDA
// compiler was found); elsewhere --device cuda is a clear error.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"
#include "gptq/Model/CpuForward.h"
#include "gptq/Model/ParallelFor.h"
#ifdef GPTQ_RUN_HAVE_CUDA
#include "gptq/Model/GpuForward.h"
#endif

#include <fmt/format.h>

namespace gptq::run {

namespace {

class CpuBackend : public Backend {
public:
  CpuBackend(const model::ModelWeights &weights, unsigned threads)
      : forward_(weights, threads), vocab_(weights.config.vocabSize),
        threads_(model::resolveThreads(threads)) {}

  Expected<std::vector<float>> prefill(const std::vector<int32_t> &tokens,
                                       int64_t batch, int64_t T,
                                       bool allLogits) override {
    sequences_.assign(batch, {});
    std::vector<float> result;
    for (int64_t b = 0; b < batch; ++b) {
      sequences_[b].assign(tokens.begin() + b * T,
                           tokens.begin() + (b + 1) * T);
      Expected<std::vector<float>> logits = forward_.logits(sequences_[b]);
      if (!logits)
        return logits.status();
      if (allLogits)
        result.insert(result.end(), logits->begin(), logits->end());
      else
        result.insert(result.end(), logits->end() - vocab_, logits->end());
    }
    return result;
  }

  Expected<std::vector<float>>
  decode(const std::vector<int32_t> &tokens) override {
    if (tokens.size() != sequences_.size())
      return Status::error("decode: one token per sequence expected");
    std::vector<float> result;
    for (size_t b = 0; b < tokens.size(); ++b) {
      sequences_[b].push_back(tokens[b]);
      Expected<std::vector<float>> logits = forward_.logits(sequences_[b]);
      if (!logits)
        return logits.status();
      result.insert(result.end(), logits->end() - vocab_, logits->end());
    }
    return result;
  }

  std::string describe() const override {
    return fmt::format("cpu (fp32 reference, {} threads)", threads_);
  }

private:
  model::CpuForward forward_;
  int64_t vocab_;
  unsigned threads_;
  std::vector<std::vector<int32_t>> sequences_;
};

#ifdef GPTQ_RUN_HAVE_CUDA
class GpuBackend : public Backend {
public:
  explicit GpuBackend(std::unique_ptr<model::GpuForward> forward)
      : forward_(std::move(forward)) {}
  Expected<std::vector<float>> prefill(const std::vector<int32_t> &tokens,
                                       int64_t batch, int64_t T,
                                       bool allLogits) override {
    return forward_->prefill(tokens, batch, T, allLogits);
  }
  Expected<std::vector<float>>
  decode(const std::vector<int32_t> &tokens) override {
    return forward_->decode(tokens);
  }
  std::string describe() const override {
    return fmt::format("cuda ({}, fp16; {})", forward_->deviceName(),
                       forward_->kernelSummary());
  }

private:
  std::unique_ptr<model::GpuForward> forward_;
};
#endif

} // namespace

bool haveCudaBackend() {
#ifdef GPTQ_RUN_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

Expected<std::unique_ptr<Backend>>
makeBackend(const std::string &device, const model::ModelWeights &weights,
            int64_t maxBatch, int64_t maxSequence, unsigned threads) {
  if (device == "cpu")
    return std::unique_ptr<Backend>(new CpuBackend(weights, threads));
  if (device != "cuda")
    return Status::error(
        fmt::format("--device: '{}' is not one of cpu, cuda", device));
#ifdef GPTQ_RUN_HAVE_CUDA
  model::GpuOptions options;
  options.maxBatch = maxBatch;
  options.maxSequence = maxSequence;
  Expected<std::unique_ptr<model::GpuForward>> forward =
      model::GpuForward::create(weights, options);
  if (!forward)
    return forward.status();
  return std::unique_ptr<Backend>(new GpuBackend(forward.take()));
#else
  (void)maxBatch;
  (void)maxSequence;
  return Status::error("--device cuda: this gptq-run was built without CUDA");
#endif
}

} // namespace gptq::run
