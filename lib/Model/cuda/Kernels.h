//===- Kernels.h - Small kernels of the GPU forward ------------*- C++ -*-===//
//
// Host-callable launchers for the forward pass's small kernels (everything
// but the matmuls). Plain C++ signatures so that GpuForward.cpp needs only
// the CUDA runtime's types, not nvcc. Tensors are fp16 (`uint16_t` bits on
// this side), row-major, one row per token; math inside is fp32.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_CUDA_KERNELS_H
#define GPTQ_MODEL_CUDA_KERNELS_H

#include <cuda_runtime_api.h>

#include <cstdint>

namespace gptq::model::cuda {

using half_t = uint16_t;

/// out[m] = table[tokens[m]] (+ positions[start + m % T + offset]).
void embed(const int32_t *tokens, int64_t rows, int64_t T, int64_t start,
           const half_t *table, const half_t *positions, int64_t offset,
           int64_t hidden, half_t *out, cudaStream_t stream);

/// out[m][k] = x[m][perm[k]] for rows x cols (the input of an act-order
/// linear whose channels were regrouped by perm at load time).
void gatherColumns(const half_t *x, const int32_t *perm, int64_t rows,
                   int64_t cols, half_t *out, cudaStream_t stream);

/// RMSNorm (bias null) as LlamaRMSNorm rounds it, or LayerNorm. With
/// `perm`, rmsNorm writes its output's columns gathered by it
/// (out[m][k] = norm(x)[m][perm[k]]: the input of the act-order linears
/// that share perm, without a gatherColumns).
void rmsNorm(const half_t *x, const half_t *weight, int64_t rows,
             int64_t hidden, float eps, half_t *out, cudaStream_t stream,
             const int32_t *perm = nullptr);
/// residualAdd(x, delta) and then rmsNorm of x in one kernel (x updated in
/// place, with the same fp16 rounding).
void addRmsNorm(half_t *x, const half_t *delta, const half_t *weight,
                int64_t rows, int64_t hidden, float eps, half_t *out,
                cudaStream_t stream, const int32_t *perm = nullptr);
void layerNorm(const half_t *x, const half_t *weight, const half_t *bias,
               int64_t rows, int64_t hidden, float eps, half_t *out,
               cudaStream_t stream);

/// Writes k, v [batch*T][kvHeads][d] (rows `stride` elements apart) into the
/// cache [batch][kvHeads][maxSeq][d] at positions start..start+T.
void appendKv(const half_t *k, const half_t *v, int64_t stride, int64_t batch,
              int64_t T, int64_t start, int64_t kvHeads, int64_t headDim,
              int64_t maxSeq, half_t *kCache, half_t *vCache,
              cudaStream_t stream);

/// Llama's RoPE and appendKv in one kernel: q [rows][heads][d] rotated in
/// place (row m at position start + m % T), k rotated into the cache only
/// (k itself is left as it was), v copied. Rows of q are `qStride` and rows
/// of k and v `kvStride` elements apart (heads * d and kvHeads * d when
/// packed; the joined q-k-v linear's width when they are column ranges of
/// its output).
void ropeAppendKv(half_t *q, const half_t *k, const half_t *v, int64_t qStride,
                  int64_t kvStride, int64_t batch, int64_t T, int64_t start,
                  int64_t heads, int64_t kvHeads, int64_t headDim, float theta,
                  float linearFactor, int64_t maxSeq, half_t *kCache,
                  half_t *vCache, cudaStream_t stream);

/// Causal attention of q [batch*T][heads][d] (positions start..start+T; rows
/// `qStride` elements apart) against the cache; out [batch*T][heads][d]
/// (packed). headDim <= 256, a multiple
/// of 32. With `scatter`, out's column c (head c / d, element c % d) is
/// written to column scatter[c] instead: o's input gathered by its
/// act-order permutation when scatter is that permutation's inverse.
///
/// Head sizes of 32, 64, 128 and 256 read 16 bytes per lane (q, the caches
/// and qStride keep that alignment: whole heads of a multiple of 8 halves),
/// and where the (query, head) pairs are few (decode) split the keys over
/// several blocks whose partial softmax sums `workspace` holds (null: no
/// split).
struct AttentionWorkspace {
  /// attentionWorkspaceFloats(pairs, maxSplits, headDim) floats.
  float *partials = nullptr;
  /// `pairs` counters, zero before the first launch (kept zero after).
  unsigned *tickets = nullptr;
  int64_t pairs = 0; ///< (row, head) pairs it holds partials for
  int maxSplits = 0;
};
inline int64_t attentionWorkspaceFloats(int64_t pairs, int maxSplits,
                                        int64_t headDim) {
  return pairs * maxSplits * (headDim + 2);
}
void attention(const half_t *q, int64_t qStride, const half_t *kCache,
               const half_t *vCache, int64_t batch, int64_t T, int64_t start,
               int64_t heads, int64_t kvHeads, int64_t headDim, int64_t maxSeq,
               half_t *out, cudaStream_t stream,
               const int32_t *scatter = nullptr,
               const AttentionWorkspace &workspace = {});

/// out[m][k] = silu(gate[m][perm[k]]) * up[m][perm[k]] (perm null: k) for
/// rows x cols, gate's and up's rows `stride` elements apart, out packed:
/// the product and gatherColumns in one kernel, and the product of the
/// joined gate-up linear's two column ranges (stride 2 * cols, up = gate +
/// cols). Without perm, out may be up itself (stride = cols: in place).
void siluMulRows(const half_t *gate, const half_t *up, int64_t stride,
                 const int32_t *perm, int64_t rows, int64_t cols, half_t *out,
                 cudaStream_t stream);
/// y[m][n] += bias[n], then max(y, 0) when `relu`.
void biasAct(half_t *y, const half_t *bias, int64_t rows, int64_t cols,
             bool relu, cudaStream_t stream);
/// x[i] += delta[i].
void residualAdd(half_t *x, const half_t *delta, int64_t count,
                 cudaStream_t stream);
/// out[b] = x[b * T + T - 1] (rows of `hidden`).
void gatherLastRows(const half_t *x, int64_t batch, int64_t T, int64_t hidden,
                    half_t *out, cudaStream_t stream);

/// Deterministic pseudo-random fills (benchmarks): fp16 uniform in
/// [-scale, scale] (or [base, base + scale] when `positive`) and int32 words
/// of random bits.
void fillRandomHalf(half_t *out, int64_t count, uint64_t seed, float scale,
                    bool positive, cudaStream_t stream);
void fillRandomBits(int32_t *out, int64_t count, uint64_t seed,
                    cudaStream_t stream);

} // namespace gptq::model::cuda

#endif // GPTQ_MODEL_CUDA_KERNELS_H
