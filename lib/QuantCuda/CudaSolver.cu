//===- CudaSolver.cu - The GPTQ solver on a CUDA device -------------------===//
//
// FORMAT.md §3 on the GPU, mirroring lib/Quant/CpuSolver.cpp step by step so
// the two agree code for code (see CudaSolver.h). Choices and why:
//
// - U = upper Cholesky factor of H⁻¹ is computed in double and rounded to
//   float, like the CPU reference: an fp32 factorization flips rounding
//   ties against the golden file. U comes from one cuSOLVER potrf of H in
//   reversed order and one blocked triangular inverse (cuBLAS trmm; see
//   factorize()); FP64 runs on the H100's tensor cores, so this costs 5 ms
//   at K = 4096 and 18 ms at K = 8192. The CPU's singularity rule (a pivot
//   at or below 1e-10 of its diagonal entry fails) is re-checked on H's
//   factor and on U, since cuSOLVER only reports non-positive pivots; both
//   solvers then retry with the same damping.
//
// - The act-order permutation is sorted on the host from diag(H), which the
//   host already holds, with the CPU's stable sort: identical ties, and no
//   device round trip.
//
// - Column loop: rows are independent given U, so each weight row is owned
//   by 8 threads of one warp that run a block's columns sequentially:
//   quantize, spread the error over the block's later columns (kept in
//   shared memory with U's diagonal block), all in the CPU's float
//   operation order. One launch per block, then sgemms (plain fp32, no
//   TF32) for the trailing columns, deferred over spans of blocks (see
//   kUpdateSpan): no per-column launches and no host synchronization.
//
// - Dynamic groups read their parameters from W as the previous blocks left
//   it, not from the in-block updated values: the reference's (and the CPU
//   solver's) quirk, kept because the golden file depends on it. Global W is
//   exactly that state during a block kernel, which never writes it.
//
//===----------------------------------------------------------------------===//

#include "gptq/QuantCuda/CudaSolver.h"

#include "CudaStatus.h"
#include "DeviceArray.h"
#include "DeviceQuantizer.cuh"
#include "gptq/Quant/Quantizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <future>
#include <numeric>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include <fmt/format.h>

namespace gptq::quant {

using namespace detail;

namespace {

/// Weight rows per thread block of the column kernel (N = 4096 gives 128
/// blocks for the GPU's 132 SMs) and threads per row.
constexpr int kRowsPerCta = 32;
constexpr int kLanesPerRow = 8;
constexpr int kThreadsPerCta = kRowsPerCta * kLanesPerRow;
/// Shared-tile pitch, in floats, of the [column][row] tiles: a warp holds 4
/// rows × 8 lanes whose lanes own 8 consecutive columns (j % 8), and with a
/// pitch of 4 (mod 32) those 32 accesses hit 32 distinct banks.
constexpr int kPitch = kRowsPerCta + 4;
static_assert(32 % kLanesPerRow == 0, "a row's lanes share one warp");
static_assert(kPitch % 32 == 32 / kLanesPerRow, "conflict-free pitch");
/// The column kernel keeps the whole block, and U's diagonal block, in
/// shared memory (105 KB at 128 columns: two thread blocks per SM).
constexpr int64_t kMaxBlockSize = 128;
/// A pivot at or below this fraction of its diagonal entry is a failure
/// (the same rule as lib/Quant/InverseCholesky.cpp).
constexpr double kMinRelativePivot = 1e-10;
/// Diagonal blocks this size are inverted by triangular solves; above it,
/// the triangular inverse recurses on halves with two trmm per merge.
constexpr int64_t kLeafSize = 256;

enum ParamMode : int { kWholeRow = 0, kDynamicGroups = 1, kStaticGroups = 2 };

/// Columns whose errors are applied to the columns past them in one sgemm.
/// The trailing update W[:, i2:] -= Err · U[i1:i2, i2:] per block of 128 is
/// an sgemm of inner dimension 128, which reaches about half the fp32 peak
/// and re-reads and re-writes all of W's later columns each block (54 ms
/// of 130 at 28672×8192). Deferring it for the columns past a span of
/// blocks, updating only the span's own later columns after each block,
/// makes the bulk of the flops one sgemm of inner dimension `span`.
constexpr int64_t kUpdateSpan = 1024;

/// The span: a multiple of the block width, and with dynamic groups also of
/// the group size, since a group's parameters come from W's state after all
/// previous blocks, so no group may reach past its span. Without such a
/// multiple up to kUpdateSpan, one block (every update at once, as before).
int64_t updateSpan(int64_t K, int64_t width, int mode, int64_t groupSize) {
  for (int64_t span = kUpdateSpan / width * width; span > width; span -= width)
    if (mode != kDynamicGroups || span % groupSize == 0)
      return std::min(span, K);
  return width;
}

size_t tileBytes(int64_t width) {
  return size_t(width) * width * sizeof(float) +
         size_t(width) * kPitch * (2 * sizeof(float) + sizeof(uint8_t));
}

unsigned gridFor(int64_t count, int threads) {
  int64_t blocks = (count + threads - 1) / threads;
  return unsigned(std::min<int64_t>(blocks, 1 << 20));
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

__global__ void rowParamsKernel(DeviceQuantConfig config, const float *w,
                                int64_t N, int64_t K, float *scales,
                                float *zeros) {
  int64_t row = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (row >= N)
    return;
  DeviceParams p = findParams(config, w + row * K, K);
  scales[row] = p.scale;
  zeros[row] = p.zero;
}

__global__ void staticParamsKernel(DeviceQuantConfig config, const float *w,
                                   int64_t N, int64_t K, int64_t groupSize,
                                   int64_t groups, float *scales,
                                   float *zeros) {
  int64_t index = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= N * groups)
    return;
  int64_t row = index / groups, group = index % groups;
  DeviceParams p =
      findParams(config, w + row * K + group * groupSize, groupSize);
  scales[index] = p.scale;
  zeros[index] = p.zero;
}

__global__ void zeroDeadColumnsKernel(float *w, int64_t total, int64_t K,
                                      const uint8_t *dead) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x)
    if (dead[i % K])
      w[i] = 0.0f;
}

/// dst[n][p] = src[n][columns[p]].
template <typename T>
__global__ void gatherColumnsKernel(const T *src, T *dst, int64_t total,
                                    int64_t K, const int32_t *columns) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t row = i / K, column = i % K;
    dst[i] = src[row * K + columns[column]];
  }
}

/// A = J·P H Pᵀ·J in double, dead diagonals set to 1: the permuted
/// Hessian with its row and column order reversed (J is the exchange
/// matrix), A[i][j] = H[perm[K-1-i]][perm[K-1-j]]. See factorize() for why.
__global__ void permuteHessianKernel(const float *h, double *a, int64_t K,
                                     const int32_t *perm) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < K * K;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = K - 1 - i / K, c = K - 1 - i % K;
    double value = double(h[int64_t(perm[r]) * K + perm[c]]);
    if (r == c && value == 0.0)
      value = 1.0;
    a[i] = value;
  }
}

__global__ void dampDiagonalKernel(double *a, int64_t K, double damp,
                                   double *diagonal) {
  int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= K)
    return;
  a[i * K + i] += damp;
  diagonal[i] = a[i * K + i];
}

/// The identity in each leaf-sized diagonal block of the column-major `x`
/// (the right-hand sides of the leaf triangular solves).
__global__ void leafIdentityKernel(double *x, int64_t K, int64_t leaf) {
  for (int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; e < K * leaf;
       e += int64_t(gridDim.x) * blockDim.x) {
    int64_t c = e / leaf, rr = e % leaf, first = c / leaf * leaf;
    if (first + rr < K)
      x[c * K + first + rr] = first + rr == c ? 1.0 : 0.0;
  }
}

/// Device pointers to the `count` full leaf blocks of `a` and `x`, for the
/// batched leaf solve.
__global__ void leafPointersKernel(const double *a, double *x, int64_t K,
                                   int64_t leaf, int count,
                                   const double **aBlocks, double **xBlocks) {
  int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= count)
    return;
  int64_t offset = int64_t(b) * leaf * (K + 1);
  aBlocks[b] = a + offset;
  xBlocks[b] = x + offset;
}

/// Flags a factor whose pivot L_ii² is not above kMinRelativePivot times
/// the diagonal entry it came from.
__global__ void checkPivotsKernel(const double *factor, int64_t K,
                                  const double *diagonal, int *flag) {
  int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= K)
    return;
  double l = factor[i * K + i];
  double pivot = l * l;
  if (!(pivot > kMinRelativePivot * diagonal[i]) || !isfinite(pivot))
    atomicOr(flag, 1);
}

/// The CPU's singularity rule for its second factorization, the Cholesky of
/// H⁻¹ = UᵀU: pivot U_jj² above kMinRelativePivot times (H⁻¹)_jj =
/// Σ_{k≤j} U_kj². Column j of U is column K-1-j of X = L⁻¹ read from the
/// diagonal down (contiguous), so one warp per column sums it.
__global__ void checkInversePivotsKernel(const double *x, int64_t K,
                                         int *flag) {
  const int64_t c = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (c >= K)
    return;
  const double *column = x + c * K;
  double sum = 0.0;
  for (int64_t r = c + lane; r < K; r += 32)
    sum += column[r] * column[r];
  for (int offset = 16; offset > 0; offset /= 2)
    sum += __shfl_xor_sync(0xffffffffu, sum, offset);
  if (lane == 0) {
    double pivot = column[c] * column[c];
    if (!(pivot > kMinRelativePivot * sum) || !isfinite(sum))
      atomicOr(flag, 1);
  }
}

constexpr int kTransposeTile = 32;

/// U[i][j] = X[K-1-i][K-1-j] for j ≥ i, else 0, rounded to float; X is the
/// column-major lower inverse factor, U row-major. The index reversal plus
/// the layout change is a transpose, done through a shared tile so both
/// the reads and the writes are coalesced.
__global__ void upperFromInverseKernel(const double *x, float *upper, int64_t K,
                                       int *flag) {
  __shared__ double tile[kTransposeTile][kTransposeTile + 1];
  const int64_t i0 = int64_t(blockIdx.y) * kTransposeTile;
  const int64_t j0 = int64_t(blockIdx.x) * kTransposeTile;
  const int tx = threadIdx.x;
  // Tiles wholly below the diagonal are zeros, with nothing to read.
  const bool below = j0 + kTransposeTile - 1 < i0;
  if (!below)
    for (int ty = threadIdx.y; ty < kTransposeTile; ty += blockDim.y) {
      int64_t i = i0 + tx, j = j0 + ty;
      // Consecutive tx read consecutive (reversed) rows of one column.
      tile[ty][tx] =
          i < K && j < K && j >= i ? x[(K - 1 - j) * K + (K - 1 - i)] : 0.0;
    }
  __syncthreads();
  bool bad = false;
  for (int ty = threadIdx.y; ty < kTransposeTile; ty += blockDim.y) {
    int64_t i = i0 + ty, j = j0 + tx;
    if (i >= K || j >= K)
      continue;
    double value = below ? 0.0 : tile[tx][ty];
    bad |= !isfinite(value);
    upper[i * K + j] = float(value);
  }
  if (bad)
    atomicOr(flag, 1);
}

struct BlockArgs {
  const float *w; // [N][K] permuted, as the previous blocks left it
  const float *u; // [K][K] upper
  int64_t N, K, i1;
  int width;
  int mode;
  int64_t groupSize, groups;
  const int32_t *perm;
  float *scales, *zeros; // [N][groups]
  DeviceQuantConfig config;
  int32_t *codes; // [N][K] permuted
  float *values;  // [N][K] permuted
  float *errors;  // [N][errorsPitch], at the block's first column
  int64_t errorsPitch;
  double *rowLoss; // [N]
};

/// One block of columns [i1, i1 + width) for kRowsPerCta rows, with
/// kLanesPerRow threads per row. Column j of the block belongs to lane
/// j % kLanesPerRow of its row, which alone updates it, so lanes never wait
/// on each other's updates: at step i the owner of column i reads its value
/// and shuffles it to the row's other lanes, every lane computes the
/// column's quantization redundantly (no divergence, no broadcast of the
/// results), and each lane spreads the error over its own later columns.
/// A step's critical path is thus one shuffle, the quantizer and about
/// (width - i) / kLanesPerRow updates.
__global__ void __launch_bounds__(kThreadsPerCta)
    columnBlockKernel(BlockArgs a) {
  extern __shared__ float shared[];
  const int width = a.width;
  // U[i1:i2, i1:i2]: every step reads one of its rows, and from global
  // memory each would be an L2 round trip on the critical path.
  float *tileU = shared;                 // [width][width]
  float *tileW = tileU + width * width;  // [width][kPitch]: w1, then err
  float *tileQ = tileW + width * kPitch; // [width][kPitch]: dequantized
  uint8_t *tileC = reinterpret_cast<uint8_t *>(tileQ + width * kPitch);

  const int t = threadIdx.x;
  const int r = t / kLanesPerRow, lane = t % kLanesPerRow;
  const int64_t row0 = int64_t(blockIdx.x) * kRowsPerCta;
  const int rows =
      int(a.N - row0 < kRowsPerCta ? a.N - row0 : int64_t(kRowsPerCta));
  for (int index = t; index < rows * width; index += kThreadsPerCta) {
    int rr = index / width, j = index % width;
    tileW[j * kPitch + rr] = a.w[(row0 + rr) * a.K + a.i1 + j];
  }
  for (int index = t; index < width * width; index += kThreadsPerCta) {
    int i = index / width, j = index % width;
    tileU[index] = a.u[(a.i1 + i) * a.K + a.i1 + j];
  }
  __syncthreads();

  // Rows past N still take part in the shuffles, on a clamped row whose
  // results are never stored.
  const bool active = r < rows;
  const int64_t row = row0 + (active ? r : 0);
  const float *wRow = a.w + row * a.K;
  const float maxq = a.config.maxq;
  constexpr unsigned kAll = 0xffffffffu;
  DeviceParams p{1.0f, 0.0f};
  for (int i = 0; i < width; ++i) {
    const int64_t column = a.i1 + i;
    if (a.mode == kDynamicGroups) {
      int64_t slot = row * a.groups + column / a.groupSize;
      if (column % a.groupSize == 0) {
        // The group's range from W as the previous blocks left it, reduced
        // over the row's lanes (exact in any order), then the rest of the
        // quantizer on every lane.
        const float *values = wRow + column;
        float xmin = 0.0f, xmax = 0.0f;
        for (int64_t k = lane; k < a.groupSize; k += kLanesPerRow) {
          xmin = stdMin(xmin, values[k]);
          xmax = stdMax(xmax, values[k]);
        }
        for (int offset = kLanesPerRow / 2; offset > 0; offset /= 2) {
          xmin =
              stdMin(xmin, __shfl_xor_sync(kAll, xmin, offset, kLanesPerRow));
          xmax =
              stdMax(xmax, __shfl_xor_sync(kAll, xmax, offset, kLanesPerRow));
        }
        p = paramsFromExtremes(a.config, values, a.groupSize, xmin, xmax);
        if (active && lane == 0) {
          a.scales[slot] = p.scale;
          a.zeros[slot] = p.zero;
        }
      } else if (i == 0) {
        p = DeviceParams{a.scales[slot], a.zeros[slot]};
      }
    } else if (a.mode == kStaticGroups) {
      int64_t slot = row * a.groups + a.perm[column] / a.groupSize;
      p = DeviceParams{a.scales[slot], a.zeros[slot]};
    } else if (i == 0) {
      p = DeviceParams{a.scales[row], a.zeros[row]};
    }

    const float *u = tileU + i * width;
    const float d = u[i];
    const int owner = i % kLanesPerRow;
    // Only the owner's copy is current; the shuffle also orders the owner's
    // read before anyone overwrites the column with err below.
    const float x =
        __shfl_sync(kAll, tileW[i * kPitch + r], owner, kLanesPerRow);
    const float code = codeAsFloat(x, p, maxq);
    const float q = dequantizeCode(code, p);
    const float diff = __fsub_rn(x, q);
    const float err = __fdiv_rn(diff, d);
    const int first =
        i + 1 + (lane - (i + 1) % kLanesPerRow + kLanesPerRow) % kLanesPerRow;
#pragma unroll 4
    for (int j = first; j < width; j += kLanesPerRow)
      tileW[j * kPitch + r] =
          __fsub_rn(tileW[j * kPitch + r], __fmul_rn(err, u[j]));
    // Same values from every lane: no divergence, one write lands.
    tileC[i * kPitch + r] = uint8_t(int(code));
    tileQ[i * kPitch + r] = q;
    // The column keeps diff, not err: the loss and the error output below
    // are computed off the sequential path.
    tileW[i * kPitch + r] = diff;
  }
  __syncthreads();

  // The loss, (diff / d)² / 2 in double, over the columns this lane owns:
  // every lane computing every column's term in the loop cost two double
  // divisions per column on the critical path. The project compares losses
  // to 0.5%, so the lanes' partial sums may be added in any order.
  double loss = 0.0;
  for (int j = lane; j < width; j += kLanesPerRow) {
    const double dd = double(tileW[j * kPitch + r]);
    const double d64 = double(tileU[j * width + j]);
    loss = __dadd_rn(
        loss,
        __ddiv_rn(__ddiv_rn(__dmul_rn(dd, dd), __dmul_rn(d64, d64)), 2.0));
  }
  for (int offset = kLanesPerRow / 2; offset > 0; offset /= 2)
    loss += __shfl_xor_sync(kAll, loss, offset, kLanesPerRow);
  if (active && lane == 0)
    a.rowLoss[row] += loss;

  for (int index = t; index < rows * width; index += kThreadsPerCta) {
    int rr = index / width, j = index % width;
    int64_t at = (row0 + rr) * a.K + a.i1 + j;
    a.codes[at] = tileC[j * kPitch + rr];
    a.values[at] = tileQ[j * kPitch + rr];
    // The same division as in the loop, so bit-identical to the err used
    // for the in-block updates.
    a.errors[(row0 + rr) * a.errorsPitch + j] =
        __fdiv_rn(tileW[j * kPitch + rr], tileU[j * width + j]);
  }
}

//===----------------------------------------------------------------------===//
// The solver
//===----------------------------------------------------------------------===//

/// Buffers kept across solves (they only grow).
struct Workspace {
  DeviceArray<float> weightIn, weight, hessian, upper, scales, zeros, errors;
  DeviceArray<float> values;
  DeviceArray<double> factor, pristine, inverse, diagonal, solverWork, rowLoss;
  DeviceArray<int32_t> perm, invPerm, codes, codesOut;
  DeviceArray<uint8_t> dead;
  DeviceArray<int> flags;
  DeviceArray<const double *> leafA;
  DeviceArray<double *> leafX;
};

class CudaSolverImpl final : public CudaGptqSolver {
public:
  explicit CudaSolverImpl(int device) : device_(device) {}
  ~CudaSolverImpl() override {
    if (!initialized_)
      return;
    cudaSetDevice(device_);
    for (cudaEvent_t event : events_)
      cudaEventDestroy(event);
    for (cudaEvent_t event : factorEvents_)
      cudaEventDestroy(event);
    for (cudaEvent_t event : stagingEvents_)
      cudaEventDestroy(event);
    for (void *buffer : staging_)
      if (buffer)
        cudaFreeHost(buffer);
    if (solver_)
      cusolverDnDestroy(solver_);
    if (blas_)
      cublasDestroy(blas_);
    if (stream_)
      cudaStreamDestroy(stream_);
  }

  Expected<GptqResult> solve(const std::vector<float> &weight, int64_t N,
                             int64_t K, const std::vector<float> &hessian,
                             const GptqOptions &options) override;
  const CudaSolveTimings &lastTimings() const override { return timings_; }

private:
  static constexpr int kNumEvents = 7;
  /// Around potrf, the triangular inverse and U's checks and conversion,
  /// for the last attempt.
  static constexpr int kNumFactorEvents = 4;

  Status initialize();
  Expected<GptqResult> solveOnDevice(const std::vector<float> &weight,
                                     int64_t N, int64_t K,
                                     const std::vector<float> &hessian,
                                     const GptqOptions &options);
  /// Results of more than kStagingBytes come back through pinned buffers.
  static constexpr size_t kStagingBytes = size_t(16) << 20;
  /// `count` elements from the device into `out`, on the stream (complete
  /// once it returns, except for small ones: synchronize the stream).
  template <typename T>
  Status download(const T *device, size_t count, std::vector<T> &out);
  /// Column-major lower `a` (K×K) to its inverse in `x` (lower triangle).
  Status invertLower(const double *a, double *x, int64_t K);
  /// Damping retries; on success dUpper holds U and `dampUsed` is set.
  Status factorize(int64_t K, double meanDiagonal, const GptqOptions &options,
                   double &dampUsed);

  int device_;
  bool initialized_ = false;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  cusolverDnHandle_t solver_ = nullptr;
  cudaEvent_t events_[kNumEvents] = {};
  cudaEvent_t factorEvents_[kNumFactorEvents] = {};
  void *staging_[2] = {};
  cudaEvent_t stagingEvents_[2] = {};
  Workspace ws_;
  CudaSolveTimings timings_;
};

Status CudaSolverImpl::initialize() {
  if (initialized_)
    return cudaStatus(cudaSetDevice(device_), "cudaSetDevice");
  std::string whyNot;
  if (!cudaSolverAvailable(&whyNot))
    return Status::error(whyNot);
  GPTQ_CUDA(cudaSetDevice(device_));
  initialized_ = true; // from here on the destructor cleans up
  GPTQ_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  GPTQ_CUBLAS(cublasCreate(&blas_));
  GPTQ_CUBLAS(cublasSetStream(blas_, stream_));
  // Plain fp32 (the reference ran with TF32 off).
  GPTQ_CUBLAS(cublasSetMathMode(blas_, CUBLAS_DEFAULT_MATH));
  GPTQ_CUSOLVER(cusolverDnCreate(&solver_));
  GPTQ_CUSOLVER(cusolverDnSetStream(solver_, stream_));
  for (cudaEvent_t &event : events_)
    GPTQ_CUDA(cudaEventCreate(&event));
  for (cudaEvent_t &event : factorEvents_)
    GPTQ_CUDA(cudaEventCreate(&event));
  for (cudaEvent_t &event : stagingEvents_)
    GPTQ_CUDA(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  GPTQ_CUDA(cudaFuncSetAttribute(columnBlockKernel,
                                 cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 int(tileBytes(kMaxBlockSize))));
  return Status::success();
}

Status CudaSolverImpl::invertLower(const double *a, double *x, int64_t K) {
  const int64_t leaf = std::min(kLeafSize, K);
  leafIdentityKernel<<<gridFor(K * leaf, 256), 256, 0, stream_>>>(x, K, leaf);
  GPTQ_CUDA_LAUNCH("leafIdentityKernel");
  // Leaves: X_bb = L_bb⁻¹ by triangular solves against the identity, the
  // full-sized ones in one batched call.
  const double one = 1.0, minusOne = -1.0;
  const int fullLeaves = int(K / leaf);
  GPTQ_RETURN_IF_ERROR(ws_.leafA.reserve(fullLeaves, "leaf pointers"));
  GPTQ_RETURN_IF_ERROR(ws_.leafX.reserve(fullLeaves, "leaf pointers"));
  leafPointersKernel<<<gridFor(fullLeaves, 128), 128, 0, stream_>>>(
      a, x, K, leaf, fullLeaves, ws_.leafA.get(), ws_.leafX.get());
  GPTQ_CUDA_LAUNCH("leafPointersKernel");
  GPTQ_CUBLAS(cublasDtrsmBatched(
      blas_, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N,
      CUBLAS_DIAG_NON_UNIT, int(leaf), int(leaf), &one, ws_.leafA.get(), int(K),
      ws_.leafX.get(), int(K), fullLeaves));
  if (int64_t rest = K - fullLeaves * leaf) {
    int64_t offset = fullLeaves * leaf * (K + 1);
    GPTQ_CUBLAS(cublasDtrsm(blas_, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_LOWER,
                            CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT, int(rest),
                            int(rest), &one, a + offset, int(K), x + offset,
                            int(K)));
  }
  // Then, bottom-up over a halving of [0, K) whose cuts fall on leaf
  // boundaries: for L = [L11 0; L21 L22], X21 = -X22 · L21 · X11.
  struct Node {
    int64_t offset, size;
  };
  std::vector<Node> merges;
  std::vector<Node> pending = {{0, K}};
  while (!pending.empty()) {
    Node node = pending.back();
    pending.pop_back();
    if (node.size <= leaf)
      continue;
    merges.push_back(node);
    int64_t half = (node.size / 2 + leaf - 1) / leaf * leaf;
    pending.push_back({node.offset, half});
    pending.push_back({node.offset + half, node.size - half});
  }
  // Children were pushed after their parent: reversed, every merge comes
  // after the merges inside it.
  for (auto it = merges.rbegin(); it != merges.rend(); ++it) {
    int64_t o = it->offset, n1 = (it->size / 2 + leaf - 1) / leaf * leaf,
            n2 = it->size - n1;
    const double *l21 = a + o * K + o + n1;
    double *x11 = x + o * K + o, *x21 = x + o * K + o + n1,
           *x22 = x + (o + n1) * K + o + n1;
    GPTQ_CUBLAS(cublasDtrmm(blas_, CUBLAS_SIDE_RIGHT, CUBLAS_FILL_MODE_LOWER,
                            CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT, int(n2), int(n1),
                            &one, x11, int(K), l21, int(K), x21, int(K)));
    GPTQ_CUBLAS(cublasDtrmm(blas_, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_LOWER,
                            CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT, int(n2), int(n1),
                            &minusOne, x22, int(K), x21, int(K), x21, int(K)));
  }
  return Status::success();
}

Status CudaSolverImpl::factorize(int64_t K, double meanDiagonal,
                                 const GptqOptions &options, double &dampUsed) {
  const int n = int(K);
  int work = 0;
  GPTQ_CUSOLVER(cusolverDnDpotrf_bufferSize(solver_, CUBLAS_FILL_MODE_LOWER, n,
                                            ws_.factor.get(), n, &work));
  GPTQ_RETURN_IF_ERROR(ws_.solverWork.reserve(work, "the cuSOLVER workspace"));
  // flags: [0] the potrf info, [3] a pivot or value failed our checks.
  int *flags = ws_.flags.get();
  double *a = ws_.factor.get(), *inverse = ws_.inverse.get();
  const unsigned diagGrid = gridFor(K, 256);
  const dim3 tiles(unsigned((K + kTransposeTile - 1) / kTransposeTile),
                   unsigned((K + kTransposeTile - 1) / kTransposeTile));

  double fraction = options.dampPercent;
  for (int attempt = 0; attempt <= options.maxDampRetries; ++attempt) {
    if (attempt > 0)
      fraction = fraction > 0.0 ? fraction * options.dampGrowth : 0.01;
    GPTQ_CUDA(cudaMemsetAsync(flags, 0, 4 * sizeof(int), stream_));
    GPTQ_CUDA(cudaMemcpyAsync(a, ws_.pristine.get(), K * K * sizeof(double),
                              cudaMemcpyDeviceToDevice, stream_));
    dampDiagonalKernel<<<diagGrid, 256, 0, stream_>>>(
        a, K, fraction * meanDiagonal, ws_.diagonal.get());
    GPTQ_CUDA_LAUNCH("dampDiagonalKernel");
    GPTQ_CUDA(cudaEventRecord(factorEvents_[0], stream_));
    // `a` is J H J (reversed order): its lower factor L gives H = (J L J)
    // (J L J)ᵀ with J L J upper, so H⁻¹ = (J L⁻¹ J)ᵀ (J L⁻¹ J) and, by
    // uniqueness, U = J L⁻¹ J. One Cholesky and one triangular inverse
    // (K³/3 flops each) instead of the textbook Cholesky, inverse from the
    // factor and Cholesky of the inverse, which took 46 ms at K = 8192 on
    // an H100 against 18 ms here.
    GPTQ_CUSOLVER(cusolverDnDpotrf(solver_, CUBLAS_FILL_MODE_LOWER, n, a, n,
                                   ws_.solverWork.get(), work, flags + 0));
    GPTQ_CUDA(cudaEventRecord(factorEvents_[1], stream_));
    // The CPU checks the pivots of H's factor in the natural order; these are
    // the reversed order's. Both are H's Cholesky pivots in some order, and a
    // numerically singular H shows a vanishing pivot in either (the tests
    // with exactly singular Hessians settle on the CPU's damping).
    checkPivotsKernel<<<diagGrid, 256, 0, stream_>>>(a, K, ws_.diagonal.get(),
                                                     flags + 3);
    GPTQ_CUDA_LAUNCH("checkPivotsKernel");
    GPTQ_RETURN_IF_ERROR(invertLower(a, inverse, K));
    GPTQ_CUDA(cudaEventRecord(factorEvents_[2], stream_));
    checkInversePivotsKernel<<<gridFor(K * 32, 256), 256, 0, stream_>>>(
        inverse, K, flags + 3);
    GPTQ_CUDA_LAUNCH("checkInversePivotsKernel");
    upperFromInverseKernel<<<tiles, dim3(kTransposeTile, 8), 0, stream_>>>(
        inverse, ws_.upper.get(), K, flags + 3);
    GPTQ_CUDA_LAUNCH("upperFromInverseKernel");
    GPTQ_CUDA(cudaEventRecord(factorEvents_[3], stream_));

    int host[4] = {};
    GPTQ_CUDA(cudaMemcpyAsync(host, flags, sizeof(host), cudaMemcpyDeviceToHost,
                              stream_));
    GPTQ_CUDA(cudaStreamSynchronize(stream_));
    if (host[0] < 0)
      return Status::error(fmt::format(
          "cuSOLVER potrf rejected argument {} (K = {})", -host[0], K));
    if (host[0] == 0 && host[3] == 0) {
      dampUsed = fraction;
      return Status::success();
    }
  }
  return Status::error(fmt::format(
      "Cholesky factorization of the damped Hessian failed even at damping "
      "fraction {} ({} retries); is the Hessian positive semi-definite?",
      fraction, options.maxDampRetries));
}

/// Asks for transparent huge pages on the page-aligned interior of
/// [data, data + bytes): a result vector of a large layer is about a GB of
/// fresh memory, and faulting it in 4 KB pages costs more than copying it.
/// Only advice; where it is refused, the copy is merely slower.
void adviseHugePages(void *data, size_t bytes) {
#ifdef __linux__
  constexpr uintptr_t kHugePage = uintptr_t(2) << 20;
  uintptr_t begin = (uintptr_t(data) + kHugePage - 1) & ~(kHugePage - 1);
  uintptr_t end = (uintptr_t(data) + bytes) & ~(kHugePage - 1);
  if (end > begin)
    (void)madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

template <typename T>
Status CudaSolverImpl::download(const T *device, size_t count,
                                std::vector<T> &out) {
  const size_t bytes = count * sizeof(T);
  if (bytes <= kStagingBytes) {
    out.resize(count);
    GPTQ_CUDA(cudaMemcpyAsync(out.data(), device, bytes, cudaMemcpyDeviceToHost,
                              stream_));
    return Status::success();
  }
  // Pageable copies ran at 1.7 GB/s and the vector was zero-filled first.
  // Instead: chunks through two pinned buffers, each appended to the
  // reserved (untouched) vector while the next one is in flight.
  if (!staging_[0])
    for (void *&buffer : staging_)
      GPTQ_CUDA(cudaMallocHost(&buffer, kStagingBytes));
  out.clear();
  out.reserve(count);
  adviseHugePages(out.data(), bytes);
  const size_t chunk = kStagingBytes / sizeof(T);
  const size_t chunks = (count + chunk - 1) / chunk;
  auto issue = [&](size_t c) -> Status {
    size_t first = c * chunk, length = std::min(chunk, count - first);
    GPTQ_CUDA(cudaMemcpyAsync(staging_[c % 2], device + first,
                              length * sizeof(T), cudaMemcpyDeviceToHost,
                              stream_));
    GPTQ_CUDA(cudaEventRecord(stagingEvents_[c % 2], stream_));
    return Status::success();
  };
  GPTQ_RETURN_IF_ERROR(issue(0));
  for (size_t c = 0; c < chunks; ++c) {
    // Buffer (c + 1) % 2 was emptied in the previous iteration.
    if (c + 1 < chunks)
      GPTQ_RETURN_IF_ERROR(issue(c + 1));
    GPTQ_CUDA(cudaEventSynchronize(stagingEvents_[c % 2]));
    const T *values = static_cast<const T *>(staging_[c % 2]);
    out.insert(out.end(), values, values + std::min(chunk, count - c * chunk));
  }
  return Status::success();
}

Expected<GptqResult> CudaSolverImpl::solve(const std::vector<float> &weight,
                                           int64_t N, int64_t K,
                                           const std::vector<float> &hessian,
                                           const GptqOptions &options) {
  auto start = std::chrono::steady_clock::now();
  // validateGptqInputs scans all of W and H on one core (hundreds of ms for
  // a large layer), so it runs beside the device work, which only needs the
  // shapes and options below to stay in bounds: inputs that fail validation
  // are still rejected with its message, and nothing of their solve is
  // returned. Anything else is validated first, as before.
  const bool inBounds =
      N > 0 && K > 0 && int64_t(weight.size()) == N * K &&
      int64_t(hessian.size()) == K * K && options.blockSize >= 1 &&
      options.blockSize <= kMaxBlockSize &&
      (options.groupSize == -1 ||
       (options.groupSize > 0 && K % options.groupSize == 0)) &&
      K <= (int64_t(1) << 31) / 2 && N <= (int64_t(1) << 31) - 1;
  std::future<Status> validation;
  if (inBounds) {
    validation = std::async(std::launch::async, [&] {
      return validateGptqInputs(weight, N, K, hessian, options);
    });
  } else {
    GPTQ_RETURN_IF_ERROR(validateGptqInputs(weight, N, K, hessian, options));
    if (options.blockSize > kMaxBlockSize)
      return Status::error(
          fmt::format("the CUDA solver supports block sizes up to {}, got {}",
                      kMaxBlockSize, options.blockSize));
    return Status::error(fmt::format("layer {}x{} too large for cuBLAS", N, K));
  }
  Status ready = initialize();
  Expected<GptqResult> result =
      ready.ok() ? solveOnDevice(weight, N, K, hessian, options)
                 : Expected<GptqResult>(ready);
  if (!result.ok())
    // Leave the stream idle so that the next solve starts clean.
    cudaStreamSynchronize(stream_);
  GPTQ_RETURN_IF_ERROR(validation.get());
  if (!result.ok())
    return result;
  timings_.wallMs = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  return result;
}

Expected<GptqResult>
CudaSolverImpl::solveOnDevice(const std::vector<float> &weight, int64_t N,
                              int64_t K, const std::vector<float> &hessian,
                              const GptqOptions &options) {
  QuantizerConfig quantizerConfig;
  quantizerConfig.bits = options.bits;
  quantizerConfig.sym = options.sym;
  quantizerConfig.mseSearch = options.mseSearch;
  quantizerConfig.v1StorableZeros = options.v1StorableZeros;
  // Validates bits and the MSE settings exactly as the CPU solver does.
  Expected<Quantizer> quantizer = Quantizer::create(quantizerConfig);
  if (!quantizer)
    return quantizer.status();
  DeviceQuantConfig config;
  config.maxq = float(quantizer->maxq());
  config.sym = options.sym;
  config.mseSearch = options.mseSearch;
  config.v1StorableZeros = options.v1StorableZeros;
  config.mseNorm = double(quantizerConfig.mseNorm);
  config.mseGrid = quantizerConfig.mseGrid;
  config.mseMaxShrink = quantizerConfig.mseMaxShrink;

  const int64_t groupSize = options.groupSize == -1 ? K : options.groupSize;
  const int64_t groups = numGroups(K, options.groupSize);
  const int mode = options.groupSize == -1 ? kWholeRow
                   : options.staticGroups  ? kStaticGroups
                                           : kDynamicGroups;
  const int64_t width = std::min(options.blockSize, K);
  const int64_t span = updateSpan(K, width, mode, groupSize);

  // Host side, once per layer: dead channels, act-order and the mean of the
  // permuted diagonal, exactly as the CPU solver computes them.
  std::vector<double> diagonal(K);
  std::vector<uint8_t> dead(K, 0);
  for (int64_t i = 0; i < K; ++i) {
    diagonal[i] = hessian[i * K + i];
    if (diagonal[i] == 0.0) {
      diagonal[i] = 1.0;
      dead[i] = 1;
    }
  }
  std::vector<int32_t> perm(K), invPerm(K);
  std::iota(perm.begin(), perm.end(), 0);
  if (options.actOrder)
    std::stable_sort(perm.begin(), perm.end(), [&](int32_t a, int32_t b) {
      return diagonal[a] > diagonal[b];
    });
  for (int64_t p = 0; p < K; ++p)
    invPerm[perm[p]] = int32_t(p);
  double meanDiagonal = 0.0;
  for (int64_t p = 0; p < K; ++p)
    meanDiagonal += diagonal[perm[p]];
  meanDiagonal /= double(K);

  const size_t NK = size_t(N) * size_t(K), KK = size_t(K) * size_t(K);
  GPTQ_RETURN_IF_ERROR(ws_.weightIn.reserve(NK, "the weight"));
  GPTQ_RETURN_IF_ERROR(ws_.weight.reserve(NK, "the permuted weight"));
  GPTQ_RETURN_IF_ERROR(ws_.hessian.reserve(KK, "the Hessian"));
  GPTQ_RETURN_IF_ERROR(ws_.upper.reserve(KK, "U"));
  GPTQ_RETURN_IF_ERROR(ws_.factor.reserve(KK, "the factorization"));
  GPTQ_RETURN_IF_ERROR(ws_.pristine.reserve(KK, "the permuted Hessian"));
  GPTQ_RETURN_IF_ERROR(ws_.inverse.reserve(KK, "the inverse factor"));
  GPTQ_RETURN_IF_ERROR(ws_.diagonal.reserve(K, "a diagonal"));
  GPTQ_RETURN_IF_ERROR(ws_.scales.reserve(N * groups, "scales"));
  GPTQ_RETURN_IF_ERROR(ws_.zeros.reserve(N * groups, "zero points"));
  GPTQ_RETURN_IF_ERROR(ws_.errors.reserve(N * span, "the block errors"));
  GPTQ_RETURN_IF_ERROR(ws_.rowLoss.reserve(N, "the row losses"));
  GPTQ_RETURN_IF_ERROR(ws_.perm.reserve(K, "the permutation"));
  GPTQ_RETURN_IF_ERROR(ws_.invPerm.reserve(K, "the inverse permutation"));
  GPTQ_RETURN_IF_ERROR(ws_.codes.reserve(NK, "codes"));
  GPTQ_RETURN_IF_ERROR(ws_.codesOut.reserve(NK, "codes"));
  GPTQ_RETURN_IF_ERROR(ws_.dead.reserve(K, "dead-column flags"));
  GPTQ_RETURN_IF_ERROR(ws_.flags.reserve(4, "status flags"));

  // The unpermuted input weight is dead after step 4, so its buffer takes
  // the dequantized values (in original order) at the end.
  float *wIn = ws_.weightIn.get(), *w = ws_.weight.get();

  GPTQ_CUDA(cudaEventRecord(events_[0], stream_));
  GPTQ_CUDA(cudaMemcpyAsync(wIn, weight.data(), NK * sizeof(float),
                            cudaMemcpyHostToDevice, stream_));
  GPTQ_CUDA(cudaMemcpyAsync(ws_.hessian.get(), hessian.data(),
                            KK * sizeof(float), cudaMemcpyHostToDevice,
                            stream_));
  GPTQ_CUDA(cudaMemcpyAsync(ws_.perm.get(), perm.data(), K * sizeof(int32_t),
                            cudaMemcpyHostToDevice, stream_));
  GPTQ_CUDA(cudaMemcpyAsync(ws_.invPerm.get(), invPerm.data(),
                            K * sizeof(int32_t), cudaMemcpyHostToDevice,
                            stream_));
  GPTQ_CUDA(cudaMemcpyAsync(ws_.dead.get(), dead.data(), K,
                            cudaMemcpyHostToDevice, stream_));
  GPTQ_CUDA(cudaEventRecord(events_[1], stream_));

  // 1. Whole-row parameters, before dead columns are zeroed.
  if (mode == kWholeRow) {
    rowParamsKernel<<<gridFor(N, 128), 128, 0, stream_>>>(
        config, wIn, N, K, ws_.scales.get(), ws_.zeros.get());
    GPTQ_CUDA_LAUNCH("rowParamsKernel");
  }
  // 2. Dead input channels get a zero weight.
  if (std::find(dead.begin(), dead.end(), 1) != dead.end()) {
    zeroDeadColumnsKernel<<<gridFor(int64_t(NK), 256), 256, 0, stream_>>>(
        wIn, int64_t(NK), K, ws_.dead.get());
    GPTQ_CUDA_LAUNCH("zeroDeadColumnsKernel");
  }
  // 3. Static groups from the dead-zeroed original weight.
  if (mode == kStaticGroups) {
    staticParamsKernel<<<gridFor(N * groups, 128), 128, 0, stream_>>>(
        config, wIn, N, K, groupSize, groups, ws_.scales.get(),
        ws_.zeros.get());
    GPTQ_CUDA_LAUNCH("staticParamsKernel");
  }
  // 4. The permutation (the identity without act-order; one copy either way).
  gatherColumnsKernel<float><<<gridFor(int64_t(NK), 256), 256, 0, stream_>>>(
      wIn, w, int64_t(NK), K, ws_.perm.get());
  GPTQ_CUDA_LAUNCH("gatherColumnsKernel");
  permuteHessianKernel<<<gridFor(int64_t(KK), 256), 256, 0, stream_>>>(
      ws_.hessian.get(), ws_.pristine.get(), K, ws_.perm.get());
  GPTQ_CUDA_LAUNCH("permuteHessianKernel");
  GPTQ_CUDA(cudaMemsetAsync(ws_.rowLoss.get(), 0, N * sizeof(double), stream_));
  GPTQ_CUDA(cudaEventRecord(events_[2], stream_));

  // 5-6. Damping and U (with retries).
  double dampUsed = 0.0;
  GPTQ_RETURN_IF_ERROR(factorize(K, meanDiagonal, options, dampUsed));
  GPTQ_CUDA(cudaEventRecord(events_[3], stream_));

  // 7. The column loop; codes and values come out in permuted order.
  GPTQ_RETURN_IF_ERROR(ws_.values.reserve(NK, "dequantized values"));
  float *values = ws_.values.get();
  BlockArgs args;
  args.w = w;
  args.u = ws_.upper.get();
  args.N = N;
  args.K = K;
  args.mode = mode;
  args.groupSize = groupSize;
  args.groups = groups;
  args.perm = ws_.perm.get();
  args.scales = ws_.scales.get();
  args.zeros = ws_.zeros.get();
  args.config = config;
  args.codes = ws_.codes.get();
  args.values = values;
  args.errorsPitch = span;
  args.rowLoss = ws_.rowLoss.get();
  const unsigned rowBlocks = unsigned((N + kRowsPerCta - 1) / kRowsPerCta);
  const float minusOne = -1.0f, one = 1.0f;
  float *errors = ws_.errors.get();
  const float *upper = ws_.upper.get();
  // Row-major arrays read column-major are their transposes, so each
  // update W[:, c1:c2] -= Err[:, e1:e2] · U[r1:r2, c1:c2] is the column-major
  // Wᵀ[c1:c2, :] -= U[r1:r2, c1:c2]ᵀ · Errᵀ[e1:e2, :].
  auto update = [&](int64_t r1, int64_t r2, int64_t c1, int64_t c2,
                    int64_t e1) -> Status {
    GPTQ_CUBLAS(cublasSgemm(blas_, CUBLAS_OP_N, CUBLAS_OP_N, int(c2 - c1),
                            int(N), int(r2 - r1), &minusOne,
                            upper + r1 * K + c1, int(K), errors + e1, int(span),
                            &one, w + c1, int(K)));
    return Status::success();
  };
  for (int64_t s1 = 0; s1 < K; s1 += span) {
    const int64_t s2 = std::min(s1 + span, K);
    for (int64_t i1 = s1; i1 < s2; i1 += width) {
      int64_t i2 = std::min(i1 + width, s2);
      args.i1 = i1;
      args.width = int(i2 - i1);
      args.errors = errors + (i1 - s1);
      columnBlockKernel<<<rowBlocks, kThreadsPerCta, tileBytes(args.width),
                          stream_>>>(args);
      GPTQ_CUDA_LAUNCH("columnBlockKernel");
      // The span's later blocks now; columns past the span later, at once.
      if (i2 < s2)
        GPTQ_RETURN_IF_ERROR(update(i1, i2, i2, s2, i1 - s1));
    }
    if (s2 < K)
      GPTQ_RETURN_IF_ERROR(update(s1, s2, s2, K, 0));
  }
  GPTQ_CUDA(cudaEventRecord(events_[4], stream_));

  // 8. Back to the original column order: out[n][k] = in[n][invPerm[k]].
  gatherColumnsKernel<int32_t><<<gridFor(int64_t(NK), 256), 256, 0, stream_>>>(
      ws_.codes.get(), ws_.codesOut.get(), int64_t(NK), K, ws_.invPerm.get());
  GPTQ_CUDA_LAUNCH("gatherColumnsKernel");
  gatherColumnsKernel<float><<<gridFor(int64_t(NK), 256), 256, 0, stream_>>>(
      values, wIn, int64_t(NK), K, ws_.invPerm.get());
  GPTQ_CUDA_LAUNCH("gatherColumnsKernel");
  GPTQ_CUDA(cudaEventRecord(events_[5], stream_));

  GptqResult result;
  result.N = N;
  result.K = K;
  result.dampUsed = dampUsed;
  result.scales.resize(N * groups);
  result.zeros.resize(N * groups);
  std::vector<double> rowLoss(N);
  GPTQ_CUDA(cudaMemcpyAsync(result.scales.data(), ws_.scales.get(),
                            N * groups * sizeof(float), cudaMemcpyDeviceToHost,
                            stream_));
  GPTQ_CUDA(cudaMemcpyAsync(result.zeros.data(), ws_.zeros.get(),
                            N * groups * sizeof(float), cudaMemcpyDeviceToHost,
                            stream_));
  GPTQ_CUDA(cudaMemcpyAsync(rowLoss.data(), ws_.rowLoss.get(),
                            N * sizeof(double), cudaMemcpyDeviceToHost,
                            stream_));
  GPTQ_RETURN_IF_ERROR(download(ws_.codesOut.get(), NK, result.codes));
  GPTQ_RETURN_IF_ERROR(download(wIn, NK, result.dequantized));
  GPTQ_CUDA(cudaEventRecord(events_[6], stream_));
  GPTQ_CUDA(cudaStreamSynchronize(stream_));

  // Rows summed in order, as the CPU solver does.
  result.loss = std::accumulate(rowLoss.begin(), rowLoss.end(), 0.0);
  result.gIdx.resize(K);
  const bool byPosition = options.actOrder && !options.staticGroups;
  for (int64_t p = 0; p < K; ++p) {
    int64_t column = perm[p];
    result.gIdx[column] = int32_t((byPosition ? p : column) / groupSize);
  }

  float ms[kNumEvents - 1];
  for (int i = 0; i + 1 < kNumEvents; ++i)
    GPTQ_CUDA(cudaEventElapsedTime(&ms[i], events_[i], events_[i + 1]));
  timings_ = CudaSolveTimings();
  timings_.uploadMs = ms[0];
  timings_.prepareMs = ms[1];
  timings_.factorMs = ms[2];
  timings_.columnLoopMs = ms[3];
  timings_.finishMs = ms[4];
  timings_.downloadMs = ms[5];
  float part[kNumFactorEvents - 1];
  for (int i = 0; i + 1 < kNumFactorEvents; ++i)
    GPTQ_CUDA(
        cudaEventElapsedTime(&part[i], factorEvents_[i], factorEvents_[i + 1]));
  timings_.choleskyMs = part[0];
  timings_.inverseMs = part[1];
  timings_.upperMs = part[2];
  return result;
}

} // namespace

bool cudaSolverAvailable(std::string *whyNot) {
  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess || count == 0) {
    if (whyNot)
      *whyNot =
          error != cudaSuccess
              ? std::string("No CUDA device: cudaGetDeviceCount failed: ") +
                    cudaGetErrorString(error)
              : std::string("No CUDA device: cudaGetDeviceCount "
                            "reports 0 devices");
    return false;
  }
  return true;
}

std::unique_ptr<CudaGptqSolver> createCudaGptqSolver(int device) {
  return std::make_unique<CudaSolverImpl>(device);
}

std::unique_ptr<GptqSolver> createCudaSolver(int device) {
  return createCudaGptqSolver(device);
}

} // namespace gptq::quant
