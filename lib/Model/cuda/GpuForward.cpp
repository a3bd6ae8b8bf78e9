//===- GpuForward.cpp - fp16 transformer forward on a CUDA GPU ------------===//
//
// One forward routine serves prefill (T tokens per sequence from position 0)
// and decode (one token per sequence at the cache's length): the only
// differences are T and the starting position. Activations live in
// workspaces sized once for maxBatch x maxSequence rows, so a step allocates
// nothing. Dense linears go through cublasGemmEx (fp16 in, fp32 compute);
// quantized ones through a generated qmm kernel when one matches their
// shape and layout, else (if allowed) through cuBLAS on weights dequantized
// once at load. An act-order linear is regrouped at load (its channels sorted
// by group, format::permutePackedRows) and runs on the plain kernel of its
// bits and group size; its input columns are gathered by the same
// permutation first, so it reads contiguous groups at the plain speed.
// Quantized linears that read one input and agree per input channel (q, k
// and v; gate and up, as GPTQ quantizes them from one Hessian) are joined
// at load into one wider linear (format::concatenateOutputs) where a
// generated kernel has its shape: one launch of the wider tile reads the
// weights faster than two or three narrow ones, and the kernels after it
// (RoPE, the cache append, attention, the SiLU product) read its column
// ranges in place.
//
//===----------------------------------------------------------------------===//

#include "gptq/Model/GpuForward.h"
#include "CudaCheck.h"
#include "Kernels.h"
#include "QmmKernels.h"
#include "gptq/Format/ActOrder.h"
#include "gptq/Format/Concatenate.h"
#include "gptq/Runtime/CudaDriver.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Support/Half.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <random>

namespace gptq::model {

namespace {

using cuda::half_t;

using cuda::cublasStatus;
using cuda::cudaStatus;

struct DeviceLinear {
  std::string name;
  int64_t in = 0, out = 0;
  half_t *weight = nullptr; ///< [in][out] fp16 (dense or dequantized)
  half_t *bias = nullptr;
  // Quantized with a generated kernel:
  const cuda::QmmKernelSpec *qmm = nullptr;
  int32_t *qweight = nullptr, *qzeros = nullptr;
  half_t *scales = nullptr;
  /// Act-order, regrouped: x[:, gatherPerm] is the kernel's input.
  int32_t *gatherPerm = nullptr;
  /// Its inverse (scatterPerm[gatherPerm[k]] = k), uploaded only for o:
  /// the attention writes its output column c to column scatterPerm[c].
  int32_t *scatterPerm = nullptr;
  /// The linear run just before this one had the same input and the same
  /// permutation (k and v after q, gate after up: one Hessian, hence one
  /// act-order, in GPTQ), so its gathered input is reused.
  bool reusesGather = false;
  int64_t bytes = 0; ///< weight bytes read per use
};

struct DeviceNorm {
  half_t *weight = nullptr, *bias = nullptr;
};

struct DeviceLayer {
  DeviceNorm attentionNorm, mlpNorm;
  DeviceLinear q, k, v, o, gate, up, down;
  /// q, k and v joined (output columns q | k | v), and gate and up (gate |
  /// up); the parts are then empty.
  DeviceLinear qkv, gateUp;
  bool joinedQkv = false, joinedGateUp = false;
  half_t *kCache = nullptr, *vCache = nullptr;

  /// Every linear slot, empty ones included (no kernel, no bytes).
  std::array<const DeviceLinear *, 9> linears() const {
    return {&q, &k, &v, &qkv, &o, &gate, &up, &gateUp, &down};
  }
};

/// Whether `first` and the linears after it on the same input (`rest`)
/// all read that input gathered by one act-order permutation (GPTQ gives
/// q, k and v one, and up and gate another): then the kernel that makes
/// the input can write it gathered (rmsNorm, siluMulRows) and no
/// gatherColumns runs.
static bool sharesOneGather(const DeviceLinear &first,
                            std::initializer_list<const DeviceLinear *> rest) {
  if (!first.gatherPerm || !first.qmm)
    return false;
  for (const DeviceLinear *l : rest)
    if (!l->reusesGather || !l->qmm)
      return false;
  return true;
}

class GpuForwardImpl final : public GpuForward {
public:
  ~GpuForwardImpl() override {
    if (cublas_)
      cublasDestroy(cublas_);
    if (stream_)
      cudaStreamDestroy(stream_);
  }

  Status init(const ModelConfig &config, const GpuOptions &options);
  Status upload(const ModelWeights &weights);
  Status randomize(const RandomWeightsOptions &random);
  Status allocateWorkspaces();

  Expected<std::vector<float>> prefill(const std::vector<int32_t> &tokens,
                                       int64_t batch, int64_t T,
                                       bool allLogits) override {
    GPTQ_RETURN_IF_ERROR(forward(tokens, batch, T, 0, allLogits));
    return copyLogits(allLogits ? batch * T : batch);
  }
  Expected<std::vector<float>>
  decode(const std::vector<int32_t> &tokens) override {
    GPTQ_RETURN_IF_ERROR(decodeNoCopy(tokens));
    return copyLogits(batch_);
  }
  Status decodeNoCopy(const std::vector<int32_t> &tokens) override {
    if (batch_ == 0)
      return Status::error("decode before prefill");
    if (int64_t(tokens.size()) != batch_)
      return Status::error(fmt::format("decode: {} tokens for {} sequences",
                                       tokens.size(), batch_));
    return forward(tokens, batch_, 1, length_, false);
  }
  Status prefillNoCopy(const std::vector<int32_t> &tokens, int64_t batch,
                       int64_t T) override {
    return forward(tokens, batch, T, 0, false);
  }
  Status synchronize() override {
    CUDA_TRY(cudaStreamSynchronize(stream_));
    return Status::success();
  }
  int64_t weightBytesPerStep() const override { return weightBytes_; }
  std::string deviceName() const override { return context_->info().name; }
  std::string kernelSummary() const override {
    std::string summary =
        fmt::format("linears: {} qmm, {} cublas fp16, {} dequantized "
                    "fallback",
                    qmmCount_, cublasCount_, fallbackCount_);
    int64_t gathers = 0, fused = 0, joinedQkv = 0, joinedGateUp = 0;
    for (const DeviceLayer &layer : layers_) {
      const bool attention = fusesAttentionGather(layer),
                 mlp = fusesMlpGather(layer), down = fusesDownGather(layer),
                 o = fusesOGather(layer);
      joinedQkv += layer.joinedQkv;
      joinedGateUp += layer.joinedGateUp;
      for (const DeviceLinear *l : layer.linears()) {
        if (!l->gatherPerm || l->reusesGather)
          continue;
        const bool inKernel = (l == &attentionInput(layer) && attention) ||
                              (l == &layer.o && o) ||
                              (l == &mlpInput(layer) && mlp) ||
                              (l == &layer.down && down);
        (inKernel ? fused : gathers) += 1;
      }
    }
    if (joinedQkv + joinedGateUp > 0)
      summary += fmt::format("; joined: q, k, v in {} layers, gate and up in "
                             "{}",
                             joinedQkv, joinedGateUp);
    if (gathers > 0)
      summary += fmt::format("; {} act-order input gathers per forward "
                             "below {} rows",
                             gathers, rt::kDenseMinRows);
    if (fused > 0)
      summary += fmt::format("; {} act-order inputs written gathered by the "
                             "norm, attention or SiLU product",
                             fused);
    if (denseWorkspace_)
      summary +=
          fmt::format("; from {} rows ({} on sm_90a's TMA tiles, {} "
                      "with act-order) quantized linears run as "
                      "dequantize + cuBLAS ({:.1f} MiB workspace)",
                      rt::kDenseRows, rt::kDenseRowsTma, rt::kDenseMinRows,
                      double(denseWorkspaceBytes_) / (1 << 20));
    return summary;
  }

private:
  template <typename T> Expected<T *> allocate(int64_t count) {
    return allocations_.allocate<T>(count);
  }
  Expected<half_t *> uploadHalf(const std::vector<float> &values);
  template <typename T> Expected<T *> uploadRaw(const std::vector<T> &values);
  /// `scattered`: the kernel before this linear writes its input through
  /// the inverse permutation (o, after the attention), which is uploaded
  /// too for an act-order weight.
  Status uploadLinear(const Linear &linear, DeviceLinear &out,
                      bool scattered = false);
  /// Whether `parts` (quantized, in output order) can run as one linear:
  /// the option is on, they agree per input channel and a generated kernel
  /// has the joined shape.
  bool joinable(std::initializer_list<const Linear *> parts) const;
  /// Whether joining is on for this model and a generated kernel runs the
  /// joined K x N linear of this layout (regrouped: the plain kernel).
  bool joinedKernelExists(int64_t K, int64_t N, int bits, int64_t groupSize,
                          bool v1) const;
  /// Uploads `parts` joined as `out` (named after the first).
  Status uploadJoined(std::initializer_list<const Linear *> parts,
                      DeviceLinear &out);
  Status uploadNorm(const Norm &norm, DeviceNorm &out);
  Status randomLinear(const std::string &name, int64_t in, int64_t out,
                      bool bias, const RandomWeightsOptions &random,
                      DeviceLinear &result, bool scattered = false);

  /// With `gathered`, x already holds the input gathered by l's
  /// permutation (written so by the kernel before).
  Status linear(const DeviceLinear &l, const half_t *x, int64_t rows, half_t *y,
                bool relu = false, bool gathered = false);
  /// Whether l runs on the generated tiles at `rows` (not dequantize +
  /// cuBLAS, which reads x ungathered).
  bool runsTiles(const DeviceLinear &l, int64_t rows) const {
    return l.qmm && !(denseWorkspace_ && densePreferred(l, rows));
  }
  /// rt::densePreferred for l (act-order: regrouped, with a gather), with
  /// the later switch where its large-batch tiles are the TMA-fed ones.
  bool densePreferred(const DeviceLinear &l, int64_t rows) const {
    const bool actOrder = l.gatherPerm != nullptr;
    return rt::densePreferred(
        rows, actOrder,
        l.qmm && rt::tmaTiles(sm90a_, l.qmm->bits, actOrder || l.qmm->actOrder,
                              l.qmm->K, l.qmm->groupSize));
  }
  /// The act-order gathers that the kernel before a linear does instead of
  /// gatherColumns (Llama: the RMSNorms and the SiLU product), where the
  /// linears sharing that input share the permutation.
  bool fusesAttentionGather(const DeviceLayer &layer) const {
    if (layer.joinedQkv)
      return config_.isLlamaFamily() && sharesOneGather(layer.qkv, {});
    return config_.isLlamaFamily() &&
           sharesOneGather(layer.q, {&layer.k, &layer.v});
  }
  bool fusesMlpGather(const DeviceLayer &layer) const {
    if (layer.joinedGateUp)
      return config_.isLlamaFamily() && sharesOneGather(layer.gateUp, {});
    return config_.isLlamaFamily() && sharesOneGather(layer.up, {&layer.gate});
  }
  /// The first linear on the attention's and on the MLP's input: the one
  /// that gathers it, if any.
  static const DeviceLinear &attentionInput(const DeviceLayer &layer) {
    return layer.joinedQkv ? layer.qkv : layer.q;
  }
  static const DeviceLinear &mlpInput(const DeviceLayer &layer) {
    return layer.joinedGateUp ? layer.gateUp : layer.up;
  }
  bool fusesDownGather(const DeviceLayer &layer) const {
    return config_.isLlamaFamily() && sharesOneGather(layer.down, {});
  }
  /// o's input: the attention scatters its output through the inverse
  /// permutation (every model family).
  bool fusesOGather(const DeviceLayer &layer) const {
    return layer.o.scatterPerm && sharesOneGather(layer.o, {});
  }
  /// y = norm(x), columns gathered by `perm`; with `delta`, x += delta
  /// first (in the same kernel for RMSNorm).
  Status norm(const DeviceNorm &n, half_t *x, int64_t rows, half_t *y,
              const int32_t *perm = nullptr, const half_t *delta = nullptr);
  Status forward(const std::vector<int32_t> &tokens, int64_t batch, int64_t T,
                 int64_t start, bool allLogits);
  Expected<std::vector<float>> copyLogits(int64_t rows);

  ModelConfig config_;
  GpuOptions options_;
  std::unique_ptr<rt::CudaContext> context_;
  std::unique_ptr<cuda::QmmKernels> qmm_;
  /// Whether qmm_ compiles for sm_90a (rt::tmaTiles), decided once.
  bool sm90a_ = false;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cuda::DeviceAllocations allocations_;

  half_t *embed_ = nullptr, *positions_ = nullptr;
  std::vector<DeviceLayer> layers_;
  DeviceNorm finalNorm_;
  DeviceLinear lmHead_;

  int64_t maxRows_ = 0;
  int32_t *tokens_ = nullptr;
  half_t *x_ = nullptr, *h_ = nullptr, *q_ = nullptr, *k_ = nullptr,
         *v_ = nullptr, *attn_ = nullptr, *tmp_ = nullptr, *gate_ = nullptr,
         *gathered_ = nullptr, *up_ = nullptr;
  /// Outputs of the joined linears (allocated when a layer has one).
  half_t *qkv_ = nullptr, *gateUp_ = nullptr;
  /// Partial softmax sums of the decode attention's key splits.
  cuda::AttentionWorkspace attentionWorkspace_;
  /// The dense path's chunk (GpuOptions::denseLargeBatches).
  void *denseWorkspace_ = nullptr;
  size_t denseWorkspaceBytes_ = 0;
  float *logits_ = nullptr;
  int64_t logitRows_ = 0;

  int64_t batch_ = 0, length_ = 0;
  int64_t weightBytes_ = 0;
  int qmmCount_ = 0, cublasCount_ = 0, fallbackCount_ = 0;
};

Status GpuForwardImpl::init(const ModelConfig &config,
                            const GpuOptions &options) {
  config_ = config;
  options_ = options;
  if (config.headDim % 32 != 0 || config.headDim > 256)
    return Status::error(fmt::format(
        "head_dim {} is not supported on the GPU (a multiple of 32, <= 256)",
        config.headDim));
  if (options.maxBatch < 1 || options.maxSequence < 1)
    return Status::error("the GPU batch and sequence limits must be positive");
  if (!config.isLlamaFamily() && options.maxSequence > config.maxPositions)
    options_.maxSequence = config.maxPositions;
  std::string whyNot;
  if (!rt::cudaDeviceAvailable(&whyNot))
    return Status::error("No CUDA device: " + whyNot);
  CUDA_TRY(cudaSetDevice(0));
  CUDA_TRY(
      cudaFree(nullptr)); // creates (and makes current) the primary context
  auto context = rt::CudaContext::create(0);
  if (!context)
    return context.status();
  context_ = context.take();
  CUDA_TRY(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  CUBLAS_TRY(cublasCreate(&cublas_));
  CUBLAS_TRY(cublasSetStream(cublas_, stream_));
  auto qmm = cuda::QmmKernels::create(
      context_->info().arch(), context_->info().maxAccessPolicyWindowBytes);
  if (!qmm)
    return qmm.status();
  qmm_ = qmm.take();
  sm90a_ = qmm_->arch() == "sm_90a";
  return Status::success();
}

Expected<half_t *>
GpuForwardImpl::uploadHalf(const std::vector<float> &values) {
  std::vector<uint16_t> bits(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    bits[i] = floatToHalf(values[i]);
  return uploadRaw(bits);
}

template <typename T>
Expected<T *> GpuForwardImpl::uploadRaw(const std::vector<T> &values) {
  Expected<T *> pointer = allocate<T>(int64_t(values.size()));
  if (!pointer)
    return pointer.status();
  CUDA_TRY(cudaMemcpy(*pointer, values.data(), values.size() * sizeof(T),
                      cudaMemcpyHostToDevice));
  return *pointer;
}

#define ASSIGN_OR_RETURN(lhs, expr)                                            \
  do {                                                                         \
    auto result_ = (expr);                                                     \
    if (!result_)                                                              \
      return result_.status();                                                 \
    lhs = *result_;                                                            \
  } while (false)

Status GpuForwardImpl::uploadNorm(const Norm &norm, DeviceNorm &out) {
  ASSIGN_OR_RETURN(out.weight, uploadHalf(norm.weight));
  if (!norm.bias.empty())
    ASSIGN_OR_RETURN(out.bias, uploadHalf(norm.bias));
  return Status::success();
}

/// inverse[perm[k]] = k.
static std::vector<int32_t>
inversePermutation(const std::vector<int32_t> &perm) {
  std::vector<int32_t> inverse(perm.size());
  for (size_t k = 0; k < perm.size(); ++k)
    inverse[static_cast<size_t>(perm[k])] = int32_t(k);
  return inverse;
}

Status GpuForwardImpl::uploadLinear(const Linear &linear, DeviceLinear &out,
                                    bool scattered) {
  out.name = linear.name;
  out.in = linear.in;
  out.out = linear.out;
  if (!linear.bias.empty())
    ASSIGN_OR_RETURN(out.bias, uploadHalf(linear.bias));
  if (linear.quantized) {
    const format::QuantizedLinear &q = *linear.quantized;
    // Every layer runs on a plain kernel: an act-order one is regrouped
    // here (and the forward gathers x the same way), except with one group
    // spanning K, where every g_idx is 0 and the channel order is irrelevant.
    const bool regroup = !q.gIdx.empty() && q.groupSize > 0;
    out.qmm = qmm_->find(q.K, q.N, q.bits, q.groupSize, /*actOrder=*/false,
                         q.format == format::CheckpointFormat::GptqV1);
    if (out.qmm && regroup) {
      // Regroup the channels once here; the forward gathers x the same way.
      Expected<std::vector<int32_t>> perm =
          format::actOrderPermutation(q.gIdx, q.groupSize);
      if (!perm)
        return Status::error(
            fmt::format("{}: {}", linear.name, perm.message()));
      Expected<std::vector<int32_t>> regrouped =
          format::permutePackedRows(q.qweight, q.K, q.N, q.bits, *perm);
      if (!regrouped)
        return Status::error(
            fmt::format("{}: {}", linear.name, regrouped.message()));
      ASSIGN_OR_RETURN(out.qweight, uploadRaw(*regrouped));
      ASSIGN_OR_RETURN(out.gatherPerm, uploadRaw(*perm));
      if (scattered)
        ASSIGN_OR_RETURN(out.scatterPerm, uploadRaw(inversePermutation(*perm)));
      ASSIGN_OR_RETURN(out.qzeros, uploadRaw(q.qzeros));
      ASSIGN_OR_RETURN(out.scales, uploadHalf(q.scales));
    } else if (out.qmm) {
      ASSIGN_OR_RETURN(out.qweight, uploadRaw(q.qweight));
      ASSIGN_OR_RETURN(out.qzeros, uploadRaw(q.qzeros));
      ASSIGN_OR_RETURN(out.scales, uploadHalf(q.scales));
    }
    if (out.qmm) {
      out.bytes =
          int64_t(q.qweight.size() * 4 + q.qzeros.size() * 4 +
                  q.scales.size() * 2 + (regroup ? q.gIdx.size() * 4 : 0));
      ++qmmCount_;
      return Status::success();
    }
    if (!options_.allowDequantizedFallback)
      return Status::error(fmt::format(
          "{}: no generated qmm kernel for K={} N={} {}-bit group {}{}",
          linear.name, q.K, q.N, q.bits, q.groupSize,
          q.gIdx.empty() ? "" : " act-order"));
    Expected<std::vector<float>> dense = format::dequantize(q);
    if (!dense)
      return dense.status().withContext(linear.name);
    ASSIGN_OR_RETURN(out.weight, uploadHalf(*dense));
    out.bytes = linear.in * linear.out * 2;
    ++fallbackCount_;
    return Status::success();
  }
  if (int64_t(linear.weight.size()) != linear.in * linear.out)
    return Status::error(linear.name + ": no weights to upload");
  ASSIGN_OR_RETURN(out.weight, uploadHalf(linear.weight));
  out.bytes = linear.in * linear.out * 2;
  ++cublasCount_;
  return Status::success();
}

bool GpuForwardImpl::joinedKernelExists(int64_t K, int64_t N, int bits,
                                        int64_t groupSize, bool v1) const {
  // Llama's layers only: their q, k, v and gate, up share an input with no
  // activation between (OPT's fc1 has no partner).
  return options_.joinProjections && config_.isLlamaFamily() &&
         qmm_->find(K, N, bits, groupSize, /*actOrder=*/false, v1) != nullptr;
}

bool GpuForwardImpl::joinable(
    std::initializer_list<const Linear *> parts) const {
  std::vector<const format::QuantizedLinear *> quantized;
  int64_t N = 0;
  for (const Linear *part : parts) {
    if (!part->quantized)
      return false;
    quantized.push_back(&*part->quantized);
    N += part->quantized->N;
  }
  // The cheap test first: the layout check reads every g_idx.
  const format::QuantizedLinear &first = *quantized.front();
  return joinedKernelExists(first.K, N, first.bits, first.groupSize,
                            first.format == format::CheckpointFormat::GptqV1) &&
         format::checkConcatenable(quantized).ok();
}

Status GpuForwardImpl::uploadJoined(std::initializer_list<const Linear *> parts,
                                    DeviceLinear &out) {
  std::vector<const format::QuantizedLinear *> quantized;
  Linear joined;
  joined.name = (*parts.begin())->name;
  std::vector<std::pair<int64_t, const std::vector<float> *>> biases;
  for (const Linear *part : parts) {
    quantized.push_back(&*part->quantized);
    biases.emplace_back(part->out, &part->bias);
    if (part != *parts.begin())
      joined.name += " + " + part->name.substr(part->name.rfind('.') + 1);
  }
  Expected<format::QuantizedLinear> concatenated =
      format::concatenateOutputs(quantized);
  if (!concatenated)
    return concatenated.status().withContext(joined.name);
  joined.in = concatenated->K;
  joined.out = concatenated->N;
  joined.bias = format::concatenateBiases(biases);
  joined.quantized = concatenated.take();
  return uploadLinear(joined, out);
}

Status GpuForwardImpl::upload(const ModelWeights &weights) {
  ASSIGN_OR_RETURN(embed_, uploadHalf(weights.embedTokens));
  if (!weights.embedPositions.empty())
    ASSIGN_OR_RETURN(positions_, uploadHalf(weights.embedPositions));
  layers_.resize(weights.layers.size());
  for (size_t i = 0; i < layers_.size(); ++i) {
    const LayerWeights &src = weights.layers[i];
    DeviceLayer &dst = layers_[i];
    GPTQ_RETURN_IF_ERROR(uploadNorm(src.attentionNorm, dst.attentionNorm));
    GPTQ_RETURN_IF_ERROR(uploadNorm(src.mlpNorm, dst.mlpNorm));
    dst.joinedQkv = joinable({&src.q, &src.k, &src.v});
    if (dst.joinedQkv) {
      GPTQ_RETURN_IF_ERROR(uploadJoined({&src.q, &src.k, &src.v}, dst.qkv));
    } else {
      GPTQ_RETURN_IF_ERROR(uploadLinear(src.q, dst.q));
      GPTQ_RETURN_IF_ERROR(uploadLinear(src.k, dst.k));
      GPTQ_RETURN_IF_ERROR(uploadLinear(src.v, dst.v));
    }
    GPTQ_RETURN_IF_ERROR(uploadLinear(src.o, dst.o, /*scattered=*/true));
    dst.joinedGateUp = joinable({&src.gate, &src.up});
    if (dst.joinedGateUp) {
      GPTQ_RETURN_IF_ERROR(uploadJoined({&src.gate, &src.up}, dst.gateUp));
    } else {
      if (config_.isLlamaFamily())
        GPTQ_RETURN_IF_ERROR(uploadLinear(src.gate, dst.gate));
      GPTQ_RETURN_IF_ERROR(uploadLinear(src.up, dst.up));
    }
    GPTQ_RETURN_IF_ERROR(uploadLinear(src.down, dst.down));
    // The forward runs q, k, v on one input, then up and gate on another
    // (see forward()); a linear whose g_idx equals its predecessor's has
    // the same permutation and reuses that gather.
    auto sameGather = [](const Linear &previous, const DeviceLinear &before,
                         const Linear &linear, const DeviceLinear &device) {
      return before.gatherPerm && device.gatherPerm && previous.quantized &&
             linear.quantized &&
             previous.quantized->groupSize == linear.quantized->groupSize &&
             previous.quantized->gIdx == linear.quantized->gIdx;
    };
    if (!dst.joinedQkv) {
      dst.k.reusesGather = sameGather(src.q, dst.q, src.k, dst.k);
      dst.v.reusesGather = sameGather(src.k, dst.k, src.v, dst.v);
    }
    if (config_.isLlamaFamily() && !dst.joinedGateUp)
      dst.gate.reusesGather = sameGather(src.up, dst.up, src.gate, dst.gate);
  }
  if (!weights.finalNorm.weight.empty())
    GPTQ_RETURN_IF_ERROR(uploadNorm(weights.finalNorm, finalNorm_));
  // The logits GEMM writes fp32 through cuBLAS: a quantized lm_head (some
  // GPTQModel checkpoints have one) runs on its dequantized weights.
  Linear lmHead = weights.lmHead;
  if (lmHead.quantized) {
    Expected<std::vector<float>> dense = format::dequantize(*lmHead.quantized);
    if (!dense)
      return dense.status().withContext(lmHead.name);
    lmHead.weight = dense.take();
    lmHead.quantized.reset();
  }
  return uploadLinear(lmHead, lmHead_);
}

Status GpuForwardImpl::randomLinear(const std::string &name, int64_t in,
                                    int64_t out, bool bias,
                                    const RandomWeightsOptions &random,
                                    DeviceLinear &result, bool scattered) {
  result.name = name;
  result.in = in;
  result.out = out;
  const uint64_t seed = random.seed * 1000003 + std::hash<std::string>()(name);
  if (bias) {
    ASSIGN_OR_RETURN(result.bias, allocate<half_t>(out));
    cuda::fillRandomHalf(result.bias, out, seed + 1, 0.01f, false, stream_);
  }
  if (random.bits == 0) {
    ASSIGN_OR_RETURN(result.weight, allocate<half_t>(in * out));
    cuda::fillRandomHalf(result.weight, in * out, seed,
                         1.0f / std::sqrt(float(in)), false, stream_);
    result.bytes = in * out * 2;
    ++cublasCount_;
    return Status::success();
  }
  format::QuantizedLinear shape; // for the group count
  shape.K = in;
  shape.groupSize = random.groupSize;
  // Act-order layers run on the plain kernel after regrouping (uploadLinear).
  result.qmm = qmm_->find(in, out, random.bits, random.groupSize,
                          /*actOrder=*/false, /*v1=*/true);
  if (!result.qmm)
    return Status::error(fmt::format(
        "{}: no generated qmm kernel for K={} N={} {}-bit group {}{}", name, in,
        out, random.bits, random.groupSize,
        random.actOrder ? " act-order" : ""));
  const int64_t groups = shape.numGroups();
  const int64_t packedRows = in * random.bits / 32;
  const int64_t zeroWords = groups * out * random.bits / 32;
  ASSIGN_OR_RETURN(result.qweight, allocate<int32_t>(packedRows * out));
  ASSIGN_OR_RETURN(result.qzeros, allocate<int32_t>(zeroWords));
  ASSIGN_OR_RETURN(result.scales, allocate<half_t>(groups * out));
  cuda::fillRandomBits(result.qweight, packedRows * out, seed, stream_);
  cuda::fillRandomBits(result.qzeros, zeroWords, seed + 2, stream_);
  // Codes lie in 0..2^bits-1: scales ~ 1 / (sqrt(K) 2^bits) keep W ~ N(0, 1/K).
  cuda::fillRandomHalf(result.scales, groups * out, seed + 3,
                       2.0f / (std::sqrt(float(in)) * float(1 << random.bits)),
                       true, stream_);
  result.bytes = (packedRows * out + zeroWords) * 4 + groups * out * 2;
  if (random.actOrder) {
    // A random channel order stands in for the permutation that regrouping
    // an act-order checkpoint yields (random codes read alike in any
    // order): the forward gathers x through it, as for a real checkpoint.
    std::vector<int32_t> perm(static_cast<size_t>(in));
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), std::mt19937_64(seed + 4));
    ASSIGN_OR_RETURN(result.gatherPerm, uploadRaw(perm));
    if (scattered)
      ASSIGN_OR_RETURN(result.scatterPerm, uploadRaw(inversePermutation(perm)));
    result.bytes += in * 4;
  }
  ++qmmCount_;
  return Status::success();
}

Status GpuForwardImpl::randomize(const RandomWeightsOptions &random) {
  const ModelConfig &c = config_;
  const int64_t H = c.hiddenSize, I = c.intermediateSize;
  auto randomNorm = [&](DeviceNorm &norm, uint64_t seed) -> Status {
    ASSIGN_OR_RETURN(norm.weight, allocate<half_t>(H));
    cuda::fillRandomHalf(norm.weight, H, seed, 1.0f, true, stream_);
    if (!c.isLlamaFamily()) {
      ASSIGN_OR_RETURN(norm.bias, allocate<half_t>(H));
      cuda::fillRandomHalf(norm.bias, H, seed + 1, 0.01f, false, stream_);
    }
    return Status::success();
  };
  ASSIGN_OR_RETURN(embed_, allocate<half_t>(c.vocabSize * H));
  cuda::fillRandomHalf(embed_, c.vocabSize * H, random.seed, 1.0f, false,
                       stream_);
  if (!c.isLlamaFamily()) {
    const int64_t rows = c.maxPositions + c.positionOffset;
    ASSIGN_OR_RETURN(positions_, allocate<half_t>(rows * H));
    cuda::fillRandomHalf(positions_, rows * H, random.seed + 7, 0.1f, false,
                         stream_);
  }
  layers_.resize(c.numLayers);
  for (int64_t i = 0; i < c.numLayers; ++i) {
    DeviceLayer &layer = layers_[i];
    const std::string p = fmt::format("layers.{}.", i);
    GPTQ_RETURN_IF_ERROR(randomNorm(layer.attentionNorm, 100 * i + 11));
    GPTQ_RETURN_IF_ERROR(randomNorm(layer.mlpNorm, 100 * i + 13));
    // Joined as upload() joins a checkpoint's (random codes have no g_idx
    // to disagree on; act-order gives the joined linear one permutation).
    auto joins = [&](int64_t out) {
      return random.bits != 0 &&
             joinedKernelExists(H, out, random.bits, random.groupSize,
                                /*v1=*/true);
    };
    layer.joinedQkv = joins(c.qDim() + 2 * c.kvDim());
    layer.joinedGateUp = joins(2 * I);
    if (layer.joinedQkv) {
      GPTQ_RETURN_IF_ERROR(randomLinear(p + "qkv", H, c.qDim() + 2 * c.kvDim(),
                                        c.qkvBias, random, layer.qkv));
    } else {
      GPTQ_RETURN_IF_ERROR(
          randomLinear(p + "q", H, c.qDim(), c.qkvBias, random, layer.q));
      GPTQ_RETURN_IF_ERROR(
          randomLinear(p + "k", H, c.kvDim(), c.qkvBias, random, layer.k));
      GPTQ_RETURN_IF_ERROR(
          randomLinear(p + "v", H, c.kvDim(), c.qkvBias, random, layer.v));
    }
    GPTQ_RETURN_IF_ERROR(randomLinear(p + "o", c.qDim(), H, c.oBias, random,
                                      layer.o,
                                      /*scattered=*/true));
    if (layer.joinedGateUp) {
      GPTQ_RETURN_IF_ERROR(randomLinear(p + "gate_up", H, 2 * I, c.mlpBias,
                                        random, layer.gateUp));
    } else {
      if (c.isLlamaFamily())
        GPTQ_RETURN_IF_ERROR(
            randomLinear(p + "gate", H, I, c.mlpBias, random, layer.gate));
      GPTQ_RETURN_IF_ERROR(
          randomLinear(p + "up", H, I, c.mlpBias, random, layer.up));
    }
    GPTQ_RETURN_IF_ERROR(
        randomLinear(p + "down", I, H, c.mlpBias, random, layer.down));
    if (random.actOrder && random.bits != 0) {
      // As in a GPTQ checkpoint, linears that share an input share its
      // Hessian, hence the act-order permutation: k and v take q's, gate
      // takes up's, and reuse the gather made before them.
      if (!layer.joinedQkv)
        for (DeviceLinear *l : {&layer.k, &layer.v}) {
          l->gatherPerm = layer.q.gatherPerm;
          l->reusesGather = true;
        }
      if (c.isLlamaFamily() && !layer.joinedGateUp) {
        layer.gate.gatherPerm = layer.up.gatherPerm;
        layer.gate.reusesGather = true;
      }
    }
  }
  GPTQ_RETURN_IF_ERROR(randomNorm(finalNorm_, 5));
  RandomWeightsOptions dense = random;
  dense.bits = 0; // lm_head stays fp16, as GPTQ checkpoints keep it
  return randomLinear("lm_head", H, c.vocabSize, false, dense, lmHead_);
}

Status GpuForwardImpl::allocateWorkspaces() {
  const ModelConfig &c = config_;
  maxRows_ = options_.maxBatch * options_.maxSequence;
  const int64_t R = maxRows_;
  ASSIGN_OR_RETURN(tokens_, allocate<int32_t>(R));
  ASSIGN_OR_RETURN(x_, allocate<half_t>(R * c.hiddenSize));
  ASSIGN_OR_RETURN(h_, allocate<half_t>(R * c.hiddenSize));
  ASSIGN_OR_RETURN(tmp_, allocate<half_t>(R * c.hiddenSize));
  ASSIGN_OR_RETURN(q_, allocate<half_t>(R * c.qDim()));
  ASSIGN_OR_RETURN(attn_, allocate<half_t>(R * c.qDim()));
  // Gathered inputs of act-order linears (any linear's input width).
  ASSIGN_OR_RETURN(gathered_,
                   allocate<half_t>(R * std::max({c.hiddenSize, c.qDim(),
                                                  c.intermediateSize})));
  if (options_.denseLargeBatches && R >= rt::kDenseMinRows) {
    size_t bytes = 0;
    for (const DeviceLayer &layer : layers_)
      for (const DeviceLinear *l : layer.linears())
        if (l->qmm && densePreferred(*l, R))
          bytes = std::max(bytes, rt::denseWorkspaceBytes(l->in, l->out));
    if (bytes > 0) {
      ASSIGN_OR_RETURN(denseWorkspace_,
                       allocate<unsigned char>(int64_t(bytes)));
      denseWorkspaceBytes_ = bytes;
    }
  }
  ASSIGN_OR_RETURN(k_, allocate<half_t>(R * c.kvDim()));
  ASSIGN_OR_RETURN(v_, allocate<half_t>(R * c.kvDim()));
  ASSIGN_OR_RETURN(up_, allocate<half_t>(R * c.intermediateSize));
  if (c.isLlamaFamily())
    ASSIGN_OR_RETURN(gate_, allocate<half_t>(R * c.intermediateSize));
  const bool anyQkv =
                 std::any_of(layers_.begin(), layers_.end(),
                             [](const DeviceLayer &l) { return l.joinedQkv; }),
             anyGateUp = std::any_of(
                 layers_.begin(), layers_.end(),
                 [](const DeviceLayer &l) { return l.joinedGateUp; });
  if (anyQkv)
    ASSIGN_OR_RETURN(qkv_, allocate<half_t>(R * (c.qDim() + 2 * c.kvDim())));
  if (anyGateUp)
    ASSIGN_OR_RETURN(gateUp_, allocate<half_t>(R * 2 * c.intermediateSize));
  // Decode (one row per sequence) splits the keys of each (row, head) over
  // up to 16 blocks.
  attentionWorkspace_.pairs = options_.maxBatch * c.numHeads;
  attentionWorkspace_.maxSplits = 16;
  ASSIGN_OR_RETURN(attentionWorkspace_.partials,
                   allocate<float>(cuda::attentionWorkspaceFloats(
                       attentionWorkspace_.pairs, attentionWorkspace_.maxSplits,
                       c.headDim)));
  ASSIGN_OR_RETURN(attentionWorkspace_.tickets,
                   allocate<unsigned>(attentionWorkspace_.pairs));
  CUDA_TRY(cudaMemsetAsync(attentionWorkspace_.tickets, 0,
                           attentionWorkspace_.pairs * sizeof(unsigned),
                           stream_));
  const int64_t cache = options_.maxBatch * c.kvDim() * options_.maxSequence;
  for (DeviceLayer &layer : layers_) {
    ASSIGN_OR_RETURN(layer.kCache, allocate<half_t>(cache));
    ASSIGN_OR_RETURN(layer.vCache, allocate<half_t>(cache));
  }
  weightBytes_ = lmHead_.bytes;
  for (const DeviceLayer &layer : layers_)
    for (const DeviceLinear *l : layer.linears())
      weightBytes_ += l->bytes;
  return synchronize();
}

Status GpuForwardImpl::linear(const DeviceLinear &l, const half_t *x,
                              int64_t rows, half_t *y, bool relu,
                              bool gathered) {
  if (l.qmm) {
    cuda::QmmOperands operands;
    operands.x = CUdeviceptr(x);
    operands.qweight = CUdeviceptr(l.qweight);
    operands.qzeros = CUdeviceptr(l.qzeros);
    operands.scales = CUdeviceptr(l.scales);
    operands.y = CUdeviceptr(y);
    const CUstream stream = reinterpret_cast<CUstream>(stream_);
    if (denseWorkspace_ && densePreferred(l, rows)) {
      // Large batches: dequantize + cuBLAS; a regrouped weight's rows go
      // back to the input's order, so x is used ungathered.
      GPTQ_RETURN_IF_ERROR(
          qmm_->launchDense(*l.qmm, operands, CUdeviceptr(l.gatherPerm), rows,
                            CUdeviceptr(denseWorkspace_), denseWorkspaceBytes_,
                            cublas_, stream)
              .withContext(l.name));
    } else {
      // On sm_90+ a matmul starts early, as a programmatic dependent of the
      // kernel before it, where its strategy pays off so (QmmKernelSpec::
      // earlyStart after the act-order gather, earlyStartAfterKernel after
      // the norms, attention and the SiLU product, which let it start at
      // once: Kernels.cu): its first weight loads overlap that kernel's
      // tail, and it waits for x.
      using Overlap = cuda::QmmKernels::Overlap;
      Overlap overlap = context_->info().computeMajor >= 9
                            ? Overlap::AfterKernel
                            : Overlap::None;
      if (l.gatherPerm && !gathered) {
        if (!l.reusesGather) {
          cuda::gatherColumns(x, l.gatherPerm, rows, l.in, gathered_, stream_);
          if (overlap != Overlap::None)
            overlap = Overlap::AfterGather;
        }
        operands.x = CUdeviceptr(gathered_);
      }
      GPTQ_RETURN_IF_ERROR(qmm_->launch(*l.qmm, operands, rows, stream, overlap)
                               .withContext(l.name));
    }
  } else {
    // Row-major y[rows][out] = x[rows][in] W[in][out] is, column-major,
    // y^T = W^T x^T with W^T an out x in matrix of leading dimension out.
    const float alpha = 1.0f, beta = 0.0f;
    CUBLAS_TRY(cublasGemmEx(cublas_, CUBLAS_OP_N, CUBLAS_OP_N, int(l.out),
                            int(rows), int(l.in), &alpha, l.weight, CUDA_R_16F,
                            int(l.out), x, CUDA_R_16F, int(l.in), &beta, y,
                            CUDA_R_16F, int(l.out), CUBLAS_COMPUTE_32F,
                            CUBLAS_GEMM_DEFAULT));
  }
  if (l.bias || relu)
    cuda::biasAct(y, l.bias, rows, l.out, relu, stream_);
  return Status::success();
}

Status GpuForwardImpl::norm(const DeviceNorm &n, half_t *x, int64_t rows,
                            half_t *y, const int32_t *perm,
                            const half_t *delta) {
  const int64_t H = config_.hiddenSize;
  if (config_.isLlamaFamily()) {
    if (delta)
      cuda::addRmsNorm(x, delta, n.weight, rows, H, float(config_.normEps), y,
                       stream_, perm);
    else
      cuda::rmsNorm(x, n.weight, rows, H, float(config_.normEps), y, stream_,
                    perm);
    return Status::success();
  }
  if (perm)
    return Status::error("norm: a gathered output needs RMSNorm");
  if (delta)
    cuda::residualAdd(x, delta, rows * H, stream_);
  cuda::layerNorm(x, n.weight, n.bias, rows, H, float(config_.normEps), y,
                  stream_);
  return Status::success();
}

Status GpuForwardImpl::forward(const std::vector<int32_t> &tokens,
                               int64_t batch, int64_t T, int64_t start,
                               bool allLogits) {
  const ModelConfig &c = config_;
  const int64_t rows = batch * T, H = c.hiddenSize;
  if (batch < 1 || T < 1 || int64_t(tokens.size()) != rows)
    return Status::error(
        fmt::format("forward: {} tokens do not form {} sequences of {}",
                    tokens.size(), batch, T));
  if (batch > options_.maxBatch || start + T > options_.maxSequence)
    return Status::error(fmt::format(
        "forward: batch {} x length {} exceeds the GPU limits {} x {}", batch,
        start + T, options_.maxBatch, options_.maxSequence));
  if (c.slidingWindow > 0 && start + T > c.slidingWindow)
    return Status::error(fmt::format(
        "{} tokens exceed the sliding window of {} (not implemented)",
        start + T, c.slidingWindow));
  for (int64_t i = 0; i < rows; ++i)
    if (tokens[i] < 0 || tokens[i] >= c.vocabSize)
      return Status::error(fmt::format(
          "token {} is outside the vocabulary of {}", tokens[i], c.vocabSize));
  CUDA_TRY(cudaMemcpyAsync(tokens_, tokens.data(), rows * sizeof(int32_t),
                           cudaMemcpyHostToDevice, stream_));
  cuda::embed(tokens_, rows, T, start, embed_, positions_, c.positionOffset, H,
              x_, stream_);

  const bool llama = c.isLlamaFamily();
  const bool preNorm = llama || c.doLayerNormBefore;
  // Pre-norm layers add each residual branch (tmp_) to x_ in the norm that
  // reads x_ next (addRmsNorm): one kernel fewer per branch.
  const half_t *pending = nullptr;
  for (DeviceLayer &layer : layers_) {
    // Act-order inputs shared by one permutation come gathered out of the
    // norm (q, k, v; up, gate) and the SiLU product (down) where the tiles
    // run: one kernel fewer before each (fusesAttentionGather ...).
    const bool gatherAttention =
        fusesAttentionGather(layer) &&
        (layer.joinedQkv
             ? runsTiles(layer.qkv, rows)
             : runsTiles(layer.q, rows) && runsTiles(layer.k, rows) &&
                   runsTiles(layer.v, rows));
    const bool gatherMlp =
        fusesMlpGather(layer) &&
        (layer.joinedGateUp
             ? runsTiles(layer.gateUp, rows)
             : runsTiles(layer.up, rows) && runsTiles(layer.gate, rows));
    const bool gatherDown =
        fusesDownGather(layer) && runsTiles(layer.down, rows);
    const bool gatherO = fusesOGather(layer) && runsTiles(layer.o, rows);
    const half_t *in = x_;
    if (preNorm) {
      GPTQ_RETURN_IF_ERROR(
          norm(layer.attentionNorm, x_, rows, gatherAttention ? gathered_ : h_,
               gatherAttention ? attentionInput(layer).gatherPerm : nullptr,
               pending));
      pending = nullptr;
      in = gatherAttention ? gathered_ : h_;
    }
    // q, k and v: packed buffers, or column ranges of the joined output.
    half_t *q = q_, *k = k_, *v = v_;
    int64_t qStride = c.qDim(), kvStride = c.kvDim();
    if (layer.joinedQkv) {
      GPTQ_RETURN_IF_ERROR(
          linear(layer.qkv, in, rows, qkv_, false, gatherAttention));
      q = qkv_;
      k = q + c.qDim();
      v = k + c.kvDim();
      qStride = kvStride = c.qDim() + 2 * c.kvDim();
    } else {
      GPTQ_RETURN_IF_ERROR(
          linear(layer.q, in, rows, q, false, gatherAttention));
      GPTQ_RETURN_IF_ERROR(
          linear(layer.k, in, rows, k, false, gatherAttention));
      GPTQ_RETURN_IF_ERROR(
          linear(layer.v, in, rows, v, false, gatherAttention));
    }
    if (llama)
      cuda::ropeAppendKv(
          q, k, v, qStride, kvStride, batch, T, start, c.numHeads, c.numKvHeads,
          c.headDim, float(c.ropeTheta), float(c.ropeLinearFactor),
          options_.maxSequence, layer.kCache, layer.vCache, stream_);
    else
      cuda::appendKv(k, v, kvStride, batch, T, start, c.numKvHeads, c.headDim,
                     options_.maxSequence, layer.kCache, layer.vCache, stream_);
    half_t *attention = gatherO ? gathered_ : attn_;
    cuda::attention(q, qStride, layer.kCache, layer.vCache, batch, T, start,
                    c.numHeads, c.numKvHeads, c.headDim, options_.maxSequence,
                    attention, stream_, gatherO ? layer.o.scatterPerm : nullptr,
                    attentionWorkspace_);
    GPTQ_RETURN_IF_ERROR(
        linear(layer.o, attention, rows, tmp_, false, gatherO));
    if (preNorm)
      pending = tmp_;
    else
      cuda::residualAdd(x_, tmp_, rows * H, stream_);
    if (!preNorm) {
      GPTQ_RETURN_IF_ERROR(norm(layer.attentionNorm, x_, rows, h_));
      std::swap(x_, h_);
    }

    in = x_;
    if (preNorm) {
      GPTQ_RETURN_IF_ERROR(
          norm(layer.mlpNorm, x_, rows, gatherMlp ? gathered_ : h_,
               gatherMlp ? mlpInput(layer).gatherPerm : nullptr, pending));
      pending = nullptr;
      in = gatherMlp ? gathered_ : h_;
    }
    const int64_t I = c.intermediateSize;
    const half_t *downIn = up_;
    if (layer.joinedGateUp) {
      // Llama only (joinable): silu(gate) * up from the two column ranges.
      GPTQ_RETURN_IF_ERROR(
          linear(layer.gateUp, in, rows, gateUp_, false, gatherMlp));
      half_t *product = gatherDown ? gathered_ : up_;
      cuda::siluMulRows(gateUp_, gateUp_ + I, 2 * I,
                        gatherDown ? layer.down.gatherPerm : nullptr, rows, I,
                        product, stream_);
      downIn = product;
    } else {
      GPTQ_RETURN_IF_ERROR(linear(layer.up, in, rows, up_, !llama, gatherMlp));
      if (llama) {
        GPTQ_RETURN_IF_ERROR(
            linear(layer.gate, in, rows, gate_, false, gatherMlp));
        if (gatherDown) {
          cuda::siluMulRows(gate_, up_, I, layer.down.gatherPerm, rows, I,
                            gathered_, stream_);
          downIn = gathered_;
        } else {
          cuda::siluMulRows(gate_, up_, I, nullptr, rows, I, up_, stream_);
        }
      }
    }
    GPTQ_RETURN_IF_ERROR(
        linear(layer.down, downIn, rows, tmp_, false, gatherDown));
    if (preNorm)
      pending = tmp_;
    else
      cuda::residualAdd(x_, tmp_, rows * H, stream_);
    if (!preNorm) {
      GPTQ_RETURN_IF_ERROR(norm(layer.mlpNorm, x_, rows, h_));
      std::swap(x_, h_);
    }
  }
  const half_t *final = x_;
  if (preNorm) {
    GPTQ_RETURN_IF_ERROR(norm(finalNorm_, x_, rows, h_, nullptr, pending));
    final = h_;
  }
  int64_t logitRows = rows;
  if (!allLogits) {
    cuda::gatherLastRows(final, batch, T, H, tmp_, stream_);
    final = tmp_;
    logitRows = batch;
  }
  if (logitRows > logitRows_) {
    ASSIGN_OR_RETURN(logits_, allocate<float>(logitRows * c.vocabSize));
    logitRows_ = logitRows;
  }
  const float alpha = 1.0f, beta = 0.0f;
  CUBLAS_TRY(cublasGemmEx(cublas_, CUBLAS_OP_N, CUBLAS_OP_N, int(c.vocabSize),
                          int(logitRows), int(H), &alpha, lmHead_.weight,
                          CUDA_R_16F, int(c.vocabSize), final, CUDA_R_16F,
                          int(H), &beta, logits_, CUDA_R_32F, int(c.vocabSize),
                          CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  CUDA_TRY(cudaGetLastError());
  batch_ = batch;
  length_ = start + T;
  return Status::success();
}

Expected<std::vector<float>> GpuForwardImpl::copyLogits(int64_t rows) {
  std::vector<float> host(rows * config_.vocabSize);
  CUDA_TRY(cudaMemcpyAsync(host.data(), logits_, host.size() * sizeof(float),
                           cudaMemcpyDeviceToHost, stream_));
  GPTQ_RETURN_IF_ERROR(synchronize());
  return host;
}

} // namespace

GpuForward::~GpuForward() = default;

Expected<std::unique_ptr<GpuForward>>
GpuForward::create(const ModelWeights &weights, const GpuOptions &options) {
  auto forward = std::make_unique<GpuForwardImpl>();
  GPTQ_RETURN_IF_ERROR(forward->init(weights.config, options));
  GPTQ_RETURN_IF_ERROR(forward->upload(weights));
  GPTQ_RETURN_IF_ERROR(forward->allocateWorkspaces());
  return std::unique_ptr<GpuForward>(std::move(forward));
}

Expected<std::unique_ptr<GpuForward>>
GpuForward::createRandom(const ModelConfig &config,
                         const RandomWeightsOptions &random,
                         const GpuOptions &options) {
  auto forward = std::make_unique<GpuForwardImpl>();
  GPTQ_RETURN_IF_ERROR(forward->init(config, options));
  GPTQ_RETURN_IF_ERROR(forward->randomize(random));
  GPTQ_RETURN_IF_ERROR(forward->allocateWorkspaces());
  return std::unique_ptr<GpuForward>(std::move(forward));
}

bool gpuAvailable(std::string *whyNot) {
  return rt::cudaDeviceAvailable(whyNot);
}

Expected<double> measureCopyBandwidth(size_t bytes) {
  void *a = nullptr, *b = nullptr;
  CUDA_TRY(cudaMalloc(&a, bytes));
  if (cudaError_t error = cudaMalloc(&b, bytes); error != cudaSuccess) {
    cudaFree(a);
    return cudaStatus(error, "cudaMalloc");
  }
  cudaEvent_t begin, end;
  cudaEventCreate(&begin);
  cudaEventCreate(&end);
  cudaMemset(a, 1, bytes);
  cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice); // warm-up
  const int iterations = 10;
  cudaEventRecord(begin);
  for (int i = 0; i < iterations; ++i)
    cudaMemcpy(i % 2 ? a : b, i % 2 ? b : a, bytes, cudaMemcpyDeviceToDevice);
  cudaEventRecord(end);
  cudaError_t error = cudaEventSynchronize(end);
  float ms = 0.0f;
  cudaEventElapsedTime(&ms, begin, end);
  cudaEventDestroy(begin);
  cudaEventDestroy(end);
  cudaFree(a);
  cudaFree(b);
  CUDA_TRY(error);
  return 2.0 * double(bytes) * iterations / (double(ms) * 1e-3);
}

} // namespace gptq::model
