//===- GpuLayerForward.cpp - One decoder layer at a time on the GPU -------===//
//
// The layer is the same sequence of kernels as GpuForward::forward, run on a
// chunk of whole sequences (a KV cache exactly one chunk long, start 0),
// with the capture points of LayerForward.h between them. Dense linears only:
// during calibration a quantized linear is represented by its dequantized
// weights, which is also what its qmm kernel computes.
//
//===----------------------------------------------------------------------===//

#include "gptq/Model/GpuLayerForward.h"
#include "CudaCheck.h"
#include "Kernels.h"
#include "gptq/Support/Half.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace gptq::model {

namespace {

using cuda::half_t;

using cuda::cublasStatus;
using cuda::cudaStatus;

/// The legacy default stream: hooks may enqueue work on it.
constexpr cudaStream_t kStream = nullptr;

struct LayerLinear {
  int64_t in = 0, out = 0;
  half_t *weight = nullptr, *bias = nullptr;
  /// Fingerprint of the host weights last uploaded: gptq-quantize reloads a
  /// layer once per true-sequential group with only that group's linears
  /// changed, and converting and copying the others again cost more than
  /// hashing them.
  uint64_t uploadedWeight = 0, uploadedBias = 0;
};

/// A 64-bit fingerprint of `values` (FNV-1a over 64-bit words; collisions
/// between a layer's successive weights are not a practical concern).
uint64_t fingerprint(const std::vector<float> &values) {
  uint64_t hash = 0xcbf29ce484222325ull ^ values.size();
  const auto *bytes = reinterpret_cast<const unsigned char *>(values.data());
  const size_t size = values.size() * sizeof(float);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    hash = (hash ^ word) * 0x100000001b3ull;
  }
  for (; i < size; ++i)
    hash = (hash ^ bytes[i]) * 0x100000001b3ull;
  return hash;
}

class GpuLayerForwardImpl final : public GpuLayerForward {
public:
  ~GpuLayerForwardImpl() override {
    if (cublas_)
      cublasDestroy(cublas_);
  }

  Status init(const ModelConfig &config, int64_t sequences, int64_t T,
              int64_t chunk);
  Status embed(const ModelWeights &weights,
               const std::vector<int32_t> &tokens) override;
  Expected<std::vector<uint16_t>> hiddenStates() override;
  Status setHiddenStates(const std::vector<uint16_t> &values) override;
  Status loadLayer(const LayerWeights &layer) override;
  Status run(const GpuLayerHooks &hooks) override;
  std::string deviceName() const override { return deviceName_; }

private:
  template <typename T> Expected<T *> allocate(int64_t count) {
    return allocations_.allocate<T>(count);
  }
  Status uploadHalf(const std::vector<float> &values, half_t *&target);
  Status uploadLinear(const Linear &linear, LayerLinear &target);
  Status linear(const LayerLinear &l, const half_t *x, int64_t rows, half_t *y,
                bool relu = false);
  void norm(const half_t *weight, const half_t *bias, const half_t *x,
            int64_t rows, half_t *y);
  /// One chunk; true in *stopped when hooks.stopAfter ended it.
  Status runChunk(int64_t first, int64_t count, const GpuLayerHooks &hooks,
                  bool *stopped);

  ModelConfig config_;
  int64_t sequences_ = 0, T_ = 0, chunk_ = 0;
  std::string deviceName_;
  cublasHandle_t cublas_ = nullptr;
  cuda::DeviceAllocations allocations_;

  half_t *states_ = nullptr; ///< [sequences * T][hidden]
  half_t *x_ = nullptr, *h_ = nullptr, *q_ = nullptr, *k_ = nullptr,
         *v_ = nullptr, *attn_ = nullptr, *tmp_ = nullptr, *gate_ = nullptr,
         *up_ = nullptr, *kCache_ = nullptr, *vCache_ = nullptr;

  bool loaded_ = false;
  half_t *attentionNorm_[2] = {}, *mlpNorm_[2] = {}; ///< weight, bias
  LayerLinear q_w_, k_w_, v_w_, o_w_, gate_w_, up_w_, down_w_;
};

#define ASSIGN_OR_RETURN(lhs, expr)                                            \
  do {                                                                         \
    auto result_ = (expr);                                                     \
    if (!result_)                                                              \
      return result_.status();                                                 \
    lhs = *result_;                                                            \
  } while (false)

Status GpuLayerForwardImpl::init(const ModelConfig &config, int64_t sequences,
                                 int64_t T, int64_t chunk) {
  config_ = config;
  sequences_ = sequences;
  T_ = T;
  if (sequences < 1 || T < 1)
    return Status::error("the GPU layer forward needs at least one sequence");
  if (config.headDim % 32 != 0 || config.headDim > 256)
    return Status::error(fmt::format(
        "head_dim {} is not supported on the GPU (a multiple of 32, <= 256)",
        config.headDim));
  if (!config.isLlamaFamily() && T > config.maxPositions)
    return Status::error(fmt::format(
        "{} tokens exceed max_position_embeddings {}", T, config.maxPositions));
  if (config.slidingWindow > 0 && T > config.slidingWindow)
    return Status::error(fmt::format(
        "{} tokens exceed the sliding window of {} (not implemented)", T,
        config.slidingWindow));
  chunk_ = chunk > 0 ? chunk : std::max<int64_t>(1, 16384 / T);
  chunk_ = std::min(chunk_, sequences);

  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0)
    return Status::error("No CUDA device: the GPU layer forward needs one");
  CUDA_TRY(cudaSetDevice(0));
  cudaDeviceProp properties;
  CUDA_TRY(cudaGetDeviceProperties(&properties, 0));
  deviceName_ = properties.name;
  if (cublasCreate(&cublas_) != CUBLAS_STATUS_SUCCESS)
    return Status::error("cublasCreate failed");

  const ModelConfig &c = config_;
  const int64_t rows = chunk_ * T, H = c.hiddenSize;
  ASSIGN_OR_RETURN(states_, allocate<half_t>(sequences * T * H));
  ASSIGN_OR_RETURN(x_, allocate<half_t>(rows * H));
  ASSIGN_OR_RETURN(h_, allocate<half_t>(rows * H));
  ASSIGN_OR_RETURN(tmp_, allocate<half_t>(rows * H));
  ASSIGN_OR_RETURN(q_, allocate<half_t>(rows * c.qDim()));
  ASSIGN_OR_RETURN(attn_, allocate<half_t>(rows * c.qDim()));
  ASSIGN_OR_RETURN(k_, allocate<half_t>(rows * c.kvDim()));
  ASSIGN_OR_RETURN(v_, allocate<half_t>(rows * c.kvDim()));
  ASSIGN_OR_RETURN(kCache_, allocate<half_t>(rows * c.kvDim()));
  ASSIGN_OR_RETURN(vCache_, allocate<half_t>(rows * c.kvDim()));
  ASSIGN_OR_RETURN(up_, allocate<half_t>(rows * c.intermediateSize));
  if (c.isLlamaFamily())
    ASSIGN_OR_RETURN(gate_, allocate<half_t>(rows * c.intermediateSize));
  return Status::success();
}

Status GpuLayerForwardImpl::uploadHalf(const std::vector<float> &values,
                                       half_t *&target) {
  std::vector<uint16_t> bits(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    bits[i] = floatToHalf(values[i]);
  if (!target)
    ASSIGN_OR_RETURN(target, allocate<half_t>(int64_t(values.size())));
  CUDA_TRY(cudaMemcpy(target, bits.data(), bits.size() * sizeof(uint16_t),
                      cudaMemcpyHostToDevice));
  return Status::success();
}

Status GpuLayerForwardImpl::uploadLinear(const Linear &linear,
                                         LayerLinear &target) {
  if (int64_t(linear.weight.size()) != linear.in * linear.out)
    return Status::error(linear.name + ": no dense weights to upload");
  if (target.weight && (target.in != linear.in || target.out != linear.out))
    return Status::error(linear.name + ": shape differs from earlier layers");
  target.in = linear.in;
  target.out = linear.out;
  const uint64_t weightPrint = fingerprint(linear.weight);
  if (!target.weight || weightPrint != target.uploadedWeight) {
    GPTQ_RETURN_IF_ERROR(uploadHalf(linear.weight, target.weight));
    target.uploadedWeight = weightPrint;
  }
  if (!linear.bias.empty()) {
    const uint64_t biasPrint = fingerprint(linear.bias);
    if (!target.bias || biasPrint != target.uploadedBias) {
      GPTQ_RETURN_IF_ERROR(uploadHalf(linear.bias, target.bias));
      target.uploadedBias = biasPrint;
    }
  }
  return Status::success();
}

Status GpuLayerForwardImpl::loadLayer(const LayerWeights &layer) {
  GPTQ_RETURN_IF_ERROR(
      uploadHalf(layer.attentionNorm.weight, attentionNorm_[0]));
  GPTQ_RETURN_IF_ERROR(uploadHalf(layer.mlpNorm.weight, mlpNorm_[0]));
  if (!layer.attentionNorm.bias.empty())
    GPTQ_RETURN_IF_ERROR(
        uploadHalf(layer.attentionNorm.bias, attentionNorm_[1]));
  if (!layer.mlpNorm.bias.empty())
    GPTQ_RETURN_IF_ERROR(uploadHalf(layer.mlpNorm.bias, mlpNorm_[1]));
  GPTQ_RETURN_IF_ERROR(uploadLinear(layer.q, q_w_));
  GPTQ_RETURN_IF_ERROR(uploadLinear(layer.k, k_w_));
  GPTQ_RETURN_IF_ERROR(uploadLinear(layer.v, v_w_));
  GPTQ_RETURN_IF_ERROR(uploadLinear(layer.o, o_w_));
  if (config_.isLlamaFamily())
    GPTQ_RETURN_IF_ERROR(uploadLinear(layer.gate, gate_w_));
  GPTQ_RETURN_IF_ERROR(uploadLinear(layer.up, up_w_));
  GPTQ_RETURN_IF_ERROR(uploadLinear(layer.down, down_w_));
  loaded_ = true;
  return Status::success();
}

Status GpuLayerForwardImpl::embed(const ModelWeights &weights,
                                  const std::vector<int32_t> &tokens) {
  Expected<std::vector<float>> x = cpuEmbed(weights, tokens, sequences_, T_);
  if (!x)
    return x.status();
  return uploadHalf(*x, states_);
}

Expected<std::vector<uint16_t>> GpuLayerForwardImpl::hiddenStates() {
  std::vector<uint16_t> host(sequences_ * T_ * config_.hiddenSize);
  CUDA_TRY(cudaMemcpy(host.data(), states_, host.size() * sizeof(uint16_t),
                      cudaMemcpyDeviceToHost));
  return host;
}

Status
GpuLayerForwardImpl::setHiddenStates(const std::vector<uint16_t> &values) {
  if (int64_t(values.size()) != sequences_ * T_ * config_.hiddenSize)
    return Status::error(
        fmt::format("{} hidden-state values, expected {} x {} x {}",
                    values.size(), sequences_, T_, config_.hiddenSize));
  CUDA_TRY(cudaMemcpy(states_, values.data(), values.size() * sizeof(uint16_t),
                      cudaMemcpyHostToDevice));
  return Status::success();
}

Status GpuLayerForwardImpl::linear(const LayerLinear &l, const half_t *x,
                                   int64_t rows, half_t *y, bool relu) {
  // Row-major y[rows][out] = x[rows][in] W[in][out] is, column-major,
  // y^T = W^T x^T with W^T an out x in matrix of leading dimension out.
  const float alpha = 1.0f, beta = 0.0f;
  cublasStatus_t status = cublasGemmEx(
      cublas_, CUBLAS_OP_N, CUBLAS_OP_N, int(l.out), int(rows), int(l.in),
      &alpha, l.weight, CUDA_R_16F, int(l.out), x, CUDA_R_16F, int(l.in), &beta,
      y, CUDA_R_16F, int(l.out), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  GPTQ_RETURN_IF_ERROR(cublasStatus(status, "cublasGemmEx"));
  if (l.bias || relu)
    cuda::biasAct(y, l.bias, rows, l.out, relu, kStream);
  return Status::success();
}

void GpuLayerForwardImpl::norm(const half_t *weight, const half_t *bias,
                               const half_t *x, int64_t rows, half_t *y) {
  if (config_.isLlamaFamily())
    cuda::rmsNorm(x, weight, rows, config_.hiddenSize, float(config_.normEps),
                  y, kStream);
  else
    cuda::layerNorm(x, weight, bias, rows, config_.hiddenSize,
                    float(config_.normEps), y, kStream);
}

Status GpuLayerForwardImpl::runChunk(int64_t first, int64_t count,
                                     const GpuLayerHooks &hooks,
                                     bool *stopped) {
  const ModelConfig &c = config_;
  const int64_t T = T_, rows = count * T, H = c.hiddenSize;
  const bool llama = c.isLlamaFamily();
  const bool preNorm = llama || c.doLayerNormBefore;
  half_t *states = states_ + first * T * H;
  CUDA_TRY(cudaMemcpyAsync(x_, states, rows * H * sizeof(half_t),
                           cudaMemcpyDeviceToDevice, kStream));
  auto reached = [&](LinearInput input, const half_t *in, Status *status) {
    *status = Status::success();
    if (hooks.capture)
      *status = hooks.capture(input, in, count, T);
    *stopped = hooks.stopAfter == input;
    return !status->ok() || *stopped;
  };
  Status hookStatus = Status::success();

  const half_t *in = x_;
  if (preNorm) {
    norm(attentionNorm_[0], attentionNorm_[1], x_, rows, h_);
    in = h_;
  }
  if (reached(LinearInput::Attention, in, &hookStatus))
    return hookStatus;
  GPTQ_RETURN_IF_ERROR(linear(q_w_, in, rows, q_));
  GPTQ_RETURN_IF_ERROR(linear(k_w_, in, rows, k_));
  GPTQ_RETURN_IF_ERROR(linear(v_w_, in, rows, v_));
  if (llama)
    cuda::ropeAppendKv(q_, k_, v_, c.qDim(), c.kvDim(), count, T, 0, c.numHeads,
                       c.numKvHeads, c.headDim, float(c.ropeTheta),
                       float(c.ropeLinearFactor), T, kCache_, vCache_, kStream);
  else
    cuda::appendKv(k_, v_, c.kvDim(), count, T, 0, c.numKvHeads, c.headDim, T,
                   kCache_, vCache_, kStream);
  cuda::attention(q_, c.qDim(), kCache_, vCache_, count, T, 0, c.numHeads,
                  c.numKvHeads, c.headDim, T, attn_, kStream);
  if (reached(LinearInput::AttentionOutput, attn_, &hookStatus))
    return hookStatus;
  GPTQ_RETURN_IF_ERROR(linear(o_w_, attn_, rows, tmp_));
  cuda::residualAdd(x_, tmp_, rows * H, kStream);
  if (!preNorm) {
    norm(attentionNorm_[0], attentionNorm_[1], x_, rows, h_);
    std::swap(x_, h_);
  }

  in = x_;
  if (preNorm) {
    norm(mlpNorm_[0], mlpNorm_[1], x_, rows, h_);
    in = h_;
  }
  if (reached(LinearInput::MlpInput, in, &hookStatus))
    return hookStatus;
  GPTQ_RETURN_IF_ERROR(linear(up_w_, in, rows, up_, !llama));
  if (llama) {
    GPTQ_RETURN_IF_ERROR(linear(gate_w_, in, rows, gate_));
    cuda::siluMulRows(gate_, up_, c.intermediateSize, nullptr, rows,
                      c.intermediateSize, up_, kStream);
  }
  if (reached(LinearInput::MlpOutput, up_, &hookStatus))
    return hookStatus;
  GPTQ_RETURN_IF_ERROR(linear(down_w_, up_, rows, tmp_));
  cuda::residualAdd(x_, tmp_, rows * H, kStream);
  if (!preNorm) {
    norm(mlpNorm_[0], mlpNorm_[1], x_, rows, h_);
    std::swap(x_, h_);
  }
  CUDA_TRY(cudaMemcpyAsync(states, x_, rows * H * sizeof(half_t),
                           cudaMemcpyDeviceToDevice, kStream));
  return Status::success();
}

Status GpuLayerForwardImpl::run(const GpuLayerHooks &hooks) {
  if (!loaded_)
    return Status::error("GPU layer forward: no layer loaded");
  for (int64_t first = 0; first < sequences_; first += chunk_) {
    bool stopped = false;
    GPTQ_RETURN_IF_ERROR(
        runChunk(first, std::min(chunk_, sequences_ - first), hooks, &stopped));
  }
  CUDA_TRY(cudaGetLastError());
  CUDA_TRY(cudaDeviceSynchronize());
  return Status::success();
}

} // namespace

GpuLayerForward::~GpuLayerForward() = default;

Expected<std::unique_ptr<GpuLayerForward>>
GpuLayerForward::create(const ModelConfig &config, int64_t sequences, int64_t T,
                        int64_t chunk) {
  auto forward = std::make_unique<GpuLayerForwardImpl>();
  GPTQ_RETURN_IF_ERROR(forward->init(config, sequences, T, chunk));
  return std::unique_ptr<GpuLayerForward>(std::move(forward));
}

} // namespace gptq::model
