//===- GpuForward.h - fp16 transformer forward on a CUDA GPU ----*- C++ -*-===//
//
// The fast path of gptq-run and of the quantizer's calibration: fp16
// activations with fp32 accumulation, cuBLAS for dense linears, our generated
// qmm kernels (through the runtime) for GPTQ-quantized ones, and a KV cache
// so that generation costs one token's work per step. All sequences of a
// batch have the same length (perplexity windows, benchmarks, and batched
// generation from equal-length prompts), which keeps the cache a plain
// [layer][batch][kv head][position][head dim] array.
//
// The CUDA runtime, cuBLAS and kernels stay behind this interface, so code
// that includes it needs no CUDA headers.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_GPUFORWARD_H
#define GPTQ_MODEL_GPUFORWARD_H

#include "gptq/Model/ModelWeights.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gptq::model {

struct GpuOptions {
  int64_t maxBatch = 1;
  /// KV cache length (prompt + generated tokens) per sequence.
  int64_t maxSequence = 2048;
  /// Quantized linears without a generated qmm kernel for their shape and
  /// layout are dequantized to fp16 and run through cuBLAS when true;
  /// otherwise loading fails naming the layer.
  bool allowDequantizedFallback = true;
  /// Quantized linears run as dequantize + cuBLAS (rt/DenseMatmul.h) where
  /// rt::densePreferred says so (from 512 rows, 256 with act-order; 1.4-2x
  /// faster than the generated tiles at 1024+ rows on the H100); costs a
  /// workspace of one chunk of the largest such linear (at most 96 MiB),
  /// allocated only when maxBatch x maxSequence rows would take it.
  bool denseLargeBatches = true;
  /// Llama layers: quantized q, k and v that agree per input channel (bits,
  /// group size, zero-point format, g_idx) run as one linear, and so do
  /// gate and up, where a generated kernel has the joined shape (format::
  /// concatenateOutputs; one wider tile instead of two or three narrow
  /// ones). Off: each linear runs on its own, as gptq-run --no-join.
  bool joinProjections = true;
  /// Print which kernels run each quantized linear.
  bool verbose = false;
};

/// Settings for a model with random weights (benchmarks).
struct RandomWeightsOptions {
  int bits = 0; ///< 0: fp16 linears; else GPTQ bits (2, 3, 4, 8)
  int64_t groupSize = 128;
  /// Act-order layers: a random permutation per input (q, k and v share
  /// one, gate and up another, as in GPTQ checkpoints), gathered before
  /// the plain kernels.
  bool actOrder = false;
  uint64_t seed = 1;
};

class GpuForward {
public:
  /// Uploads `weights` (fp16) to device 0.
  static Expected<std::unique_ptr<GpuForward>>
  create(const ModelWeights &weights, const GpuOptions &options);
  /// Builds a model of `config`'s shape with random weights on the device.
  static Expected<std::unique_ptr<GpuForward>>
  createRandom(const ModelConfig &config, const RandomWeightsOptions &random,
               const GpuOptions &options);
  virtual ~GpuForward();

  /// Starts `batch` sequences of `T` tokens each at position 0 (tokens is
  /// [batch][T]) and fills the KV cache. Returns fp32 logits [batch][T][V]
  /// when `allLogits`, else those of the last position, [batch][V].
  virtual Expected<std::vector<float>>
  prefill(const std::vector<int32_t> &tokens, int64_t batch, int64_t T,
          bool allLogits) = 0;
  /// Appends one token per sequence (tokens is [batch]); logits [batch][V].
  virtual Expected<std::vector<float>>
  decode(const std::vector<int32_t> &tokens) = 0;
  /// Like decode, but leaves the logits on the device (benchmarks).
  virtual Status decodeNoCopy(const std::vector<int32_t> &tokens) = 0;
  virtual Status prefillNoCopy(const std::vector<int32_t> &tokens,
                               int64_t batch, int64_t T) = 0;
  virtual Status synchronize() = 0;

  /// Bytes of weights the decode step reads (packed + scales + zeros for
  /// quantized linears, fp16 otherwise; embeddings only as one row).
  virtual int64_t weightBytesPerStep() const = 0;
  virtual std::string deviceName() const = 0;
  /// How the linears run, e.g. "qmm 28, cublas 1, fallback 0".
  virtual std::string kernelSummary() const = 0;
};

/// Device-to-device copy bandwidth in bytes (read + written) per second,
/// measured with `bytes`-sized buffers.
Expected<double> measureCopyBandwidth(size_t bytes);

/// True when a CUDA device can be used; else false and why.
bool gpuAvailable(std::string *whyNot);

} // namespace gptq::model

#endif // GPTQ_MODEL_GPUFORWARD_H
