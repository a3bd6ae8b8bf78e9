//===- CpuBackend.cpp - Calibration on the CPU (fp32) ---------------------===//
//
// The reference path: fp32 hidden states, the CPU decoder layer of
// LayerForward.h, HessianAccumulator and the CPU solver. Samples run in
// chunks of whole sequences (about 2048 rows) so that the layer's
// intermediate activations stay small whatever N × L is.
//
//===----------------------------------------------------------------------===//

#include "CalibrationBackend.h"

#include "gptq/Model/ParallelFor.h"
#include "gptq/Quant/Hessian.h"

#include <fmt/format.h>

#include <algorithm>

namespace gptq::tools {

CalibrationBackend::~CalibrationBackend() = default;

int64_t linearInputSize(const model::ModelConfig &config,
                        model::LinearInput input) {
  switch (input) {
  case model::LinearInput::Attention:
  case model::LinearInput::MlpInput:
    return config.hiddenSize;
  case model::LinearInput::AttentionOutput:
    return config.qDim();
  case model::LinearInput::MlpOutput:
    return config.intermediateSize;
  }
  return 0;
}

namespace {

class CpuBackend final : public CalibrationBackend {
public:
  CpuBackend(const model::ModelConfig &config, int64_t sequences, int64_t T,
             unsigned threads)
      : config_(config), sequences_(sequences), T_(T),
        threads_(model::resolveThreads(threads)),
        chunk_(std::max<int64_t>(1, 2048 / T)),
        solver_(quant::createCpuSolver()) {}

  Status embed(const model::ModelWeights &weights,
               const std::vector<int32_t> &tokens) override {
    Expected<std::vector<float>> x =
        model::cpuEmbed(weights, tokens, sequences_, T_);
    if (!x)
      return x.status();
    states_ = x.take();
    return Status::success();
  }

  Expected<std::map<model::LinearInput, std::vector<float>>>
  hessians(const model::LayerWeights &layer,
           const std::vector<model::LinearInput> &inputs) override {
    std::map<model::LinearInput, quant::HessianAccumulator> accumulators;
    for (model::LinearInput input : inputs)
      accumulators.emplace(
          input, quant::HessianAccumulator(linearInputSize(config_, input),
                                           int(threads_)));
    model::CpuLayerHooks hooks;
    hooks.stopAfter = *std::max_element(inputs.begin(), inputs.end());
    hooks.capture = [&](model::LinearInput input, const float *x,
                        int64_t sequences, int64_t T) {
      auto found = accumulators.find(input);
      if (found != accumulators.end()) {
        const auto start = PhaseTimer::Clock::now();
        found->second.addBatch(x, sequences, T);
        if (timer_)
          timer_->add(
              "  of which Hessian",
              std::chrono::duration<double>(PhaseTimer::Clock::now() - start)
                  .count());
      }
      return Status::success();
    };
    GPTQ_RETURN_IF_ERROR(forEachChunk(layer, hooks));
    std::map<model::LinearInput, std::vector<float>> result;
    for (auto &[input, accumulator] : accumulators)
      result[input] = accumulator.hessian();
    return result;
  }

  Status advance(const model::LayerWeights &layer) override {
    return forEachChunk(layer, {});
  }

  Expected<HostTensor> hiddenTensor(const std::string &name) override {
    return HostTensor{{name,
                       format::DType::F32,
                       {sequences_ * T_, config_.hiddenSize},
                       {reinterpret_cast<const uint8_t *>(states_.data()),
                        states_.size() * sizeof(float)}},
                      nullptr};
  }
  Status restoreHidden(const format::SafetensorsFile &file,
                       const std::string &name) override {
    const format::TensorInfo *info = file.find(name);
    if (!info || info->dtype != format::DType::F32 ||
        info->numElements() != sequences_ * T_ * config_.hiddenSize)
      return Status::error(fmt::format(
          "{}: tensor '{}' is not F32 [{}][{}] (saved by another device or "
          "calibration set?)",
          file.path(), name, sequences_ * T_, config_.hiddenSize));
    Expected<std::vector<float>> values = file.readFloat(name);
    if (!values)
      return values.status();
    states_ = values.take();
    return Status::success();
  }

  quant::GptqSolver &solver() override { return *solver_; }
  std::string describe() const override {
    return fmt::format("cpu ({} threads)", threads_);
  }

private:
  /// Runs `layer` over the states chunk by chunk.
  Status forEachChunk(const model::LayerWeights &layer,
                      const model::CpuLayerHooks &hooks) {
    const int64_t H = config_.hiddenSize;
    for (int64_t first = 0; first < sequences_; first += chunk_) {
      const int64_t count = std::min(chunk_, sequences_ - first);
      float *begin = states_.data() + first * T_ * H;
      std::vector<float> x(begin, begin + count * T_ * H);
      GPTQ_RETURN_IF_ERROR(model::cpuDecoderLayer(layer, config_, x, count, T_,
                                                  threads_, hooks));
      if (!hooks.stopAfter)
        std::copy(x.begin(), x.end(), begin);
    }
    return Status::success();
  }

  model::ModelConfig config_;
  int64_t sequences_, T_;
  unsigned threads_;
  int64_t chunk_;
  std::unique_ptr<quant::GptqSolver> solver_;
  std::vector<float> states_;
};

} // namespace

std::unique_ptr<CalibrationBackend>
createCpuBackend(const model::ModelConfig &config, int64_t sequences, int64_t T,
                 unsigned threads) {
  return std::make_unique<CpuBackend>(config, sequences, T, threads);
}

} // namespace gptq::tools
