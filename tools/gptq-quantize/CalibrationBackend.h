//===- CalibrationBackend.h - Where calibration states live ----*- C++ -*-===//
//
// The layer-by-layer driver (ModelCommand) is the same on every device: for
// each layer, accumulate the Hessians of some linear inputs with the layer's
// current weights, solve, and finally push the hidden states through the
// quantized layer. Only where the hidden states live, how the layer runs
// and which solver is used differ: fp32 on the CPU (the reference forward
// and solver), fp16 on the GPU (GpuLayerForward, CudaHessian, CUDA solver).
// This interface is that difference.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_CALIBRATIONBACKEND_H
#define GPTQ_TOOLS_QUANTIZE_CALIBRATIONBACKEND_H

#include "gptq/Format/Safetensors.h"
#include "gptq/Format/SafetensorsStream.h"
#include "gptq/Model/LayerForward.h"
#include "gptq/Model/ModelWeights.h"
#include "gptq/Quant/GptqSolver.h"
#include "gptq/Support/Status.h"

#include "PhaseTimer.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gptq::tools {

class CalibrationBackend {
public:
  virtual ~CalibrationBackend();

  /// Hidden states = the embedding of `tokens` ([sequences][T]).
  virtual Status embed(const model::ModelWeights &weights,
                       const std::vector<int32_t> &tokens) = 0;
  /// The Hessian of each of `inputs` (FORMAT.md §2), from running `layer`
  /// with its current dense weights on every sample.
  virtual Expected<std::map<model::LinearInput, std::vector<float>>>
  hessians(const model::LayerWeights &layer,
           const std::vector<model::LinearInput> &inputs) = 0;
  /// Hidden states = `layer`(hidden states).
  virtual Status advance(const model::LayerWeights &layer) = 0;

  /// The hidden states as tensor `name` (exact: F32 on the CPU, F16 on the
  /// GPU), and back. The view points at the states themselves where they
  /// are on the host (saving them costs no copy), else at a host copy that
  /// `owner` keeps alive; either way it is valid until the next call on the
  /// backend.
  struct HostTensor {
    format::TensorSource view;
    std::shared_ptr<const void> owner;
  };
  virtual Expected<HostTensor> hiddenTensor(const std::string &name) = 0;
  virtual Status restoreHidden(const format::SafetensorsFile &file,
                               const std::string &name) = 0;

  virtual quant::GptqSolver &solver() = 0;
  virtual std::string describe() const = 0;

  /// Where a backend that can time parts of hessians() on its own (the CPU
  /// one: the Hessian accumulation inside the forward) reports them.
  void setTimer(PhaseTimer *timer) { timer_ = timer; }

protected:
  PhaseTimer *timer_ = nullptr;
};

std::unique_ptr<CalibrationBackend>
createCpuBackend(const model::ModelConfig &config, int64_t sequences, int64_t T,
                 unsigned threads);

/// An error where this build has no CUDA support or there is no device.
Expected<std::unique_ptr<CalibrationBackend>>
createCudaBackend(const model::ModelConfig &config, int64_t sequences,
                  int64_t T);

/// K of the linears reading `input`.
int64_t linearInputSize(const model::ModelConfig &config,
                        model::LinearInput input);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_CALIBRATIONBACKEND_H
