//===- GpuLayerForward.h - One decoder layer at a time on the GPU -*- C++ -*-//
//
// The GPU side of layer-by-layer GPTQ calibration (see LayerForward.h for
// the idea): all calibration samples' hidden states stay on the device as
// fp16, and the decoder layer being quantized is the only one whose weights
// are there, so a model larger than GPU memory still quantizes as long as
// one layer and the activations fit. Samples run in chunks of a few
// sequences to bound the layer's scratch buffers. The arithmetic is that of
// GpuForward (fp16 activations, fp32 accumulation, the same kernels), so the
// inputs GPTQ sees are those of the fp16 model it will run in.
//
// Everything is ordered on the CUDA legacy default stream, so a hook may
// hand the device pointer it receives to code that also uses that stream
// (CudaHessian::addBatchDevice) without synchronising. No CUDA types here.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_GPULAYERFORWARD_H
#define GPTQ_MODEL_GPULAYERFORWARD_H

#include "gptq/Model/LayerForward.h"
#include "gptq/Model/ModelWeights.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace gptq::model {

/// Called with `sequences` * T rows of `in` fp16 values in device memory,
/// valid until the hook returns.
using GpuLinearInputHook = std::function<Status(
    LinearInput input, const void *deviceX, int64_t sequences, int64_t T)>;

struct GpuLayerHooks {
  GpuLinearInputHook capture; ///< may be empty
  /// Stop each chunk right after capturing this input; the hidden states
  /// are then left as they were.
  std::optional<LinearInput> stopAfter;
};

class GpuLayerForward {
public:
  /// Hidden states for `sequences` sequences of T tokens, processed
  /// `chunk` sequences at a time (0: as many as fit 16384 rows).
  static Expected<std::unique_ptr<GpuLayerForward>>
  create(const ModelConfig &config, int64_t sequences, int64_t T,
         int64_t chunk = 0);
  virtual ~GpuLayerForward();

  /// Hidden states = the embedding of `tokens` ([sequences][T]).
  virtual Status embed(const ModelWeights &weights,
                       const std::vector<int32_t> &tokens) = 0;
  /// Hidden states as fp16 bits [sequences * T][hidden], to save or restore.
  virtual Expected<std::vector<uint16_t>> hiddenStates() = 0;
  virtual Status setHiddenStates(const std::vector<uint16_t> &values) = 0;

  /// Uploads `layer` (dense Linear::weight of every linear, as fp16),
  /// replacing the previous one; call again after changing weights.
  virtual Status loadLayer(const LayerWeights &layer) = 0;
  /// Runs the loaded layer on every sequence; the hidden states become its
  /// outputs unless hooks.stopAfter ends each chunk early.
  virtual Status run(const GpuLayerHooks &hooks) = 0;
  virtual std::string deviceName() const = 0;
};

} // namespace gptq::model

#endif // GPTQ_MODEL_GPULAYERFORWARD_H
