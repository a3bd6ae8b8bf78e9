//===- CudaBackend.cpp - Calibration on a CUDA GPU (fp16) -----------------===//
//
// Hidden states and one layer on the device (GpuLayerForward); each captured
// linear input goes straight from the layer's buffers into a CudaHessian
// (fp32 syrk, the reference's arithmetic) without leaving the GPU, and the
// CUDA solver quantizes. Only the K×K Hessians and the solver's results
// cross to the host.
//
//===----------------------------------------------------------------------===//

#include "CalibrationBackend.h"

#if GPTQ_HAVE_CUDA_CALIBRATION
#include "gptq/Model/GpuLayerForward.h"
#include "gptq/QuantCuda/CudaSolver.h"
#endif

#include <fmt/format.h>

#include <algorithm>

namespace gptq::tools {

#if GPTQ_HAVE_CUDA_CALIBRATION
namespace {

class CudaBackend final : public CalibrationBackend {
public:
  CudaBackend(const model::ModelConfig &config, int64_t sequences, int64_t T,
              std::unique_ptr<model::GpuLayerForward> forward)
      : config_(config), sequences_(sequences), T_(T),
        forward_(std::move(forward)), solver_(quant::createCudaSolver()) {}

  Status embed(const model::ModelWeights &weights,
               const std::vector<int32_t> &tokens) override {
    return forward_->embed(weights, tokens);
  }

  Expected<std::map<model::LinearInput, std::vector<float>>>
  hessians(const model::LayerWeights &layer,
           const std::vector<model::LinearInput> &inputs) override {
    std::map<model::LinearInput, std::unique_ptr<quant::CudaHessian>> sums;
    for (model::LinearInput input : inputs) {
      Expected<std::unique_ptr<quant::CudaHessian>> hessian =
          quant::CudaHessian::create(linearInputSize(config_, input));
      if (!hessian)
        return hessian.status();
      sums[input] = hessian.take();
    }
    GPTQ_RETURN_IF_ERROR(forward_->loadLayer(layer));
    model::GpuLayerHooks hooks;
    hooks.stopAfter = *std::max_element(inputs.begin(), inputs.end());
    hooks.capture = [&](model::LinearInput input, const void *x,
                        int64_t sequences, int64_t T) {
      auto found = sums.find(input);
      if (found == sums.end())
        return Status::success();
      return found->second->addBatchDevice(x, sequences, T);
    };
    GPTQ_RETURN_IF_ERROR(forward_->run(hooks));
    std::map<model::LinearInput, std::vector<float>> result;
    for (auto &[input, sum] : sums) {
      Expected<std::vector<float>> hessian = sum->hessian();
      if (!hessian)
        return hessian.status();
      result[input] = hessian.take();
    }
    return result;
  }

  Status advance(const model::LayerWeights &layer) override {
    GPTQ_RETURN_IF_ERROR(forward_->loadLayer(layer));
    return forward_->run({});
  }

  Expected<HostTensor> hiddenTensor(const std::string &name) override {
    // One device-to-host copy, freed once the caller has written it.
    Expected<std::vector<uint16_t>> states = forward_->hiddenStates();
    if (!states)
      return states.status();
    auto host = std::make_shared<std::vector<uint16_t>>(states.take());
    return HostTensor{{name,
                       format::DType::F16,
                       {sequences_ * T_, config_.hiddenSize},
                       {reinterpret_cast<const uint8_t *>(host->data()),
                        host->size() * sizeof(uint16_t)}},
                      host};
  }
  Status restoreHidden(const format::SafetensorsFile &file,
                       const std::string &name) override {
    const format::TensorInfo *info = file.find(name);
    if (!info || info->dtype != format::DType::F16 ||
        info->numElements() != sequences_ * T_ * config_.hiddenSize)
      return Status::error(fmt::format(
          "{}: tensor '{}' is not F16 [{}][{}] (saved by another device or "
          "calibration set?)",
          file.path(), name, sequences_ * T_, config_.hiddenSize));
    format::ByteSpan span = file.bytes(*info);
    std::vector<uint16_t> values(span.size / sizeof(uint16_t));
    std::copy_n(span.data, span.size,
                reinterpret_cast<uint8_t *>(values.data()));
    return forward_->setHiddenStates(values);
  }

  quant::GptqSolver &solver() override { return *solver_; }
  std::string describe() const override {
    return "cuda (" + forward_->deviceName() + ")";
  }

private:
  model::ModelConfig config_;
  int64_t sequences_, T_;
  std::unique_ptr<model::GpuLayerForward> forward_;
  std::unique_ptr<quant::GptqSolver> solver_;
};

} // namespace

Expected<std::unique_ptr<CalibrationBackend>>
createCudaBackend(const model::ModelConfig &config, int64_t sequences,
                  int64_t T) {
  std::string whyNot;
  if (!quant::cudaSolverAvailable(&whyNot))
    return Status::error("--device cuda: " + whyNot);
  Expected<std::unique_ptr<model::GpuLayerForward>> forward =
      model::GpuLayerForward::create(config, sequences, T);
  if (!forward)
    return forward.status().withContext("--device cuda");
  return std::unique_ptr<CalibrationBackend>(
      std::make_unique<CudaBackend>(config, sequences, T, forward.take()));
}

#else

Expected<std::unique_ptr<CalibrationBackend>>
createCudaBackend(const model::ModelConfig &, int64_t, int64_t) {
  return Status::error(
      "--device cuda: this build has no CUDA calibration (use --device cpu)");
}

#endif

} // namespace gptq::tools
