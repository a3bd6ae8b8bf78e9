//===- QmmJit.h - qmm.matmul on tensors, compiled on demand -----*- C++ -*-===//
//
// One library call per quantized matmul: the first call for a (layout,
// dtype, K, N, M bucket, bias, arch) specializes a qmm.matmul, lowers it with
// the qmm passes to CUDA C++, compiles it with NVRTC through the disk kernel
// cache and loads it; every later call for the same key only looks the
// kernel up and launches it (no compilation, no host allocation).
//
// A QmmJit serves one device. It is thread-safe: calls may come from any
// number of threads, and a key that several threads miss at once is compiled
// once.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_JIT_QMMJIT_H
#define GPTQ_JIT_QMMJIT_H

#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Format/Packing.h"
#include "gptq/Runtime/KernelCache.h"
#include "gptq/Runtime/QmmLaunch.h"
#include "gptq/Support/Status.h"

#include <cuda.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace gptq::jit {

/// Activation, scale, bias and output element type.
enum class DType : uint8_t { F16, BF16 };

/// The GPTQ quantization of a weight; mirrors #qmm.layout.
struct QuantLayout {
  /// Code width: 2, 3, 4 or 8.
  int bits = 4;
  /// Input channels per group; -1 for one group spanning K.
  int64_t groupSize = 128;
  /// Group of channel k is g_idx[k] instead of k / groupSize.
  bool actOrder = false;
  bool sym = true;
  format::CheckpointFormat format = format::CheckpointFormat::GptqV1;
  /// With actOrder: the weight's input channels were sorted by group once
  /// (QmmJit::regroupActOrder), so every group is contiguous; qweight is
  /// the regrouped one and g_idx holds the permutation (channel k of the
  /// weight is input channel perm[k]). Scales and zeros are unchanged.
  /// matmul() gathers x's columns by the permutation into
  /// MatmulTensors::workspace and runs the plain kernel of the layout on
  /// it (specialize() alone lowers to the reordered kernel, which gathers
  /// x per value inside the matmul: slower, see docs/PERF.md). A caller
  /// that can write x already permuted (x'[m][j] = x[m][perm[j]]) skips
  /// the gather by passing x' and the regrouped qweight with actOrder off:
  /// the plain kernel, as gptq-run's forward does (lib/Model/cuda).
  bool regrouped = false;
};

/// What to compute: y[M][N] = x[M][K] · W (+ bias).
struct MatmulDesc {
  QuantLayout layout;
  DType dtype = DType::F16;
  int64_t M = 0, K = 0, N = 0;
  bool hasBias = false;
};

/// Device pointers in the checkpoint's layout (see qmm.matmul): x [M][K],
/// qweight [K*bits/32][N] int32, qzeros [G][N*bits/32] int32, scales [G][N],
/// g_idx [K] int32 (read only with act-order; AutoGPTQ checkpoints carry it
/// either way, so it may be set otherwise), bias [N] (only with hasBias),
/// y [M][N], workspace (see below). x, qweight,
/// qzeros, scales and workspace must be 16-byte aligned (the kernels load
/// them in 16-byte vectors), the others 4-byte aligned.
struct MatmulTensors {
  CUdeviceptr x = 0, qweight = 0, qzeros = 0, scales = 0, gIdx = 0, bias = 0,
              y = 0;
  /// Scratch memory the caller owns (16-byte aligned), so that a call
  /// allocates nothing and concurrent calls share none: size it with
  /// QmmJit::workspaceBytes(desc). It serves two paths:
  ///  - rt::densePreferred(M, act-order), workspaceBytes at least
  ///    rt::denseWorkspaceBytes(K, N) and cuBLAS present: the dense path
  ///    (rt/DenseMatmul.h: the weight dequantized in column chunks, then
  ///    cuBLAS), for any layout, act-order included;
  ///  - otherwise, with a regrouped layout: M * K elements of x's type that
  ///    receive x's columns gathered by the permutation.
  CUdeviceptr workspace = 0;
  /// The workspace's size; 0 with a regrouped layout means M * K elements
  /// (the contract before the dense path, which then stays off).
  size_t workspaceBytes = 0;
};

/// Why a call failed, for callers that map errors to codes (the C API).
enum class ErrorKind {
  None,
  InvalidArgument,
  NoDevice,
  Compile,
  Launch,
  Internal
};

/// A generated kernel's parameter role (gptq/Runtime/QmmLaunch.h).
using KernelParam = rt::QmmParam;

/// How to launch a generated kernel for M rows: grid (N / blockN,
/// ceil(M / blockM), splitK), block (threads, 1, 1), `dynamicSharedBytes`
/// of dynamic shared memory (the kernels' shared memory is static today).
/// With splitK > 1 the kernel declares clusters of (1, 1, splitK).
struct LaunchGeometry {
  unsigned blockM = 0, blockN = 0, threads = 0, dynamicSharedBytes = 0;
  /// Channels per K step (the tensor maps of wgmma_tma tiles need it).
  unsigned blockK = 0;
  unsigned splitK = 1;
  /// Whether a programmatic dependent launch after the act-order gather
  /// pays off (mlir::qmm::startsBeforeGatherEnds: stream kernels only).
  bool earlyStart = false;
};

/// One qmm.matmul lowered for one architecture: what NVRTC compiles and how
/// the result is launched. Needs no device.
struct Specialization {
  std::string arch;
  std::string kernelName;
  std::string cudaSource;
  /// The #qmm.tile the pipeline chose, as text (for logs and tests).
  std::string tile;
  LaunchGeometry geometry;
  /// The kernel's parameters in declaration order.
  rt::QmmParamList params;
};

struct QmmJitOptions {
  /// CUDA device ordinal.
  int device = 0;
  /// NVRTC target; empty: the device's (sm_90a on Hopper, else sm_XY). An
  /// override must be loadable there: kernels are loaded as cubins, which
  /// run only on the same major architecture.
  std::string arch;
  /// Kernel cache directory; empty: rt::KernelCache::defaultDirectory()
  /// ($GPTQ_KERNEL_CACHE_DIR, XDG cache, ~/.cache, temp).
  std::string kernelCacheDir;
  /// Autotune cache written by gptq-tune (JSON). Kept and handed to the
  /// lowering when buildLowerToCudaPipeline accepts a cache path; until then
  /// the pipeline's per-arch defaults choose every tile.
  std::string autotuneCachePath;
};

class QmmJit {
public:
  /// Loads the driver and retains the device's primary context. Fails with
  /// NoDevice when there is no driver or no device.
  static Expected<std::unique_ptr<QmmJit>>
  create(const QmmJitOptions &options = {}, ErrorKind *kind = nullptr);
  ~QmmJit();
  QmmJit(const QmmJit &) = delete;
  QmmJit &operator=(const QmmJit &) = delete;

  /// Enqueues y = x · W (+ bias) on `stream` (null: the legacy default
  /// stream), compiling the kernel first on a miss. Makes the device's
  /// primary context current on the calling thread when another one is.
  /// On failure `kind` (if given) says which kind of failure it was.
  Status matmul(const MatmulDesc &desc, const MatmulTensors &tensors,
                CUstream stream, ErrorKind *kind = nullptr);

  /// Prepares an act-order weight for the regrouped fast path, once (e.g.
  /// at load): writes into `regroupedQweight` (same size as
  /// tensors.qweight) the weight with its input channels sorted by group
  /// and into `perm` (K int32) the permutation, both device buffers the
  /// caller owns. Later matmuls pass them as qweight and g_idx with
  /// `layout.regrouped` set. Reads tensors.qweight and tensors.gIdx after
  /// synchronizing `stream`; the work goes through the host and is
  /// complete when this returns. Fails, naming the group, when g_idx does
  /// not give every group exactly group_size channels (as GPTQ's act-order
  /// always does).
  Status regroupActOrder(const MatmulDesc &desc, const MatmulTensors &tensors,
                         CUdeviceptr regroupedQweight, CUdeviceptr perm,
                         CUstream stream, ErrorKind *kind = nullptr);

  /// Lowers one qmm.matmul of `desc`'s layout, dtype, K, N, bias and M
  /// bucket to CUDA C++ for `arch`, without compiling or touching a device.
  /// `autotuneCachePath` is passed on as QmmJitOptions describes; `sms`
  /// is the target GPU's SM count, for the default tiles' grid rules (the
  /// JIT passes its device's).
  static Expected<Specialization>
  specialize(const MatmulDesc &desc, const std::string &arch,
             const std::string &autotuneCachePath = "",
             int64_t sms = autotune::kReferenceSms);

  /// The workspace (MatmulTensors::workspace) that gives `desc` its fastest
  /// path: the dense path's chunk where rt::densePreferred, M * K
  /// elements for a regrouped layout, the larger of the two where both
  /// apply (the dense path falls back to the gather without cuBLAS); 0
  /// when none is used.
  static size_t workspaceBytes(const MatmulDesc &desc);

  /// The checks matmul() applies to a description (layout, dtype, shapes),
  /// with messages naming qmm.matmul and the offending numbers.
  static Status validate(const MatmulDesc &desc);
  /// validate(desc) plus the pointers: present where needed, aligned.
  static Status validate(const MatmulDesc &desc, const MatmulTensors &tensors);
  /// The checks regroupActOrder() applies before touching the device: an
  /// act-order layout not regrouped yet, and the four buffers present and
  /// 4-byte aligned.
  static Status validateRegroup(const MatmulDesc &desc,
                                const MatmulTensors &tensors,
                                CUdeviceptr regroupedQweight, CUdeviceptr perm);

  const std::string &arch() const { return arch_; }
  int device() const { return device_; }
  /// The NVRTC and disk cache statistics (a warm call changes none).
  rt::KernelCache::Stats kernelCacheStats() const;
  const std::string &kernelCacheDirectory() const;
  /// Specializations this object has lowered and loaded (table misses).
  uint64_t specializations() const;
  /// Matmuls that took the dense path (dequantize + cuBLAS).
  uint64_t denseMatmuls() const;

private:
  struct Impl;
  QmmJit(std::unique_ptr<Impl> impl, std::string arch, int device);
  std::unique_ptr<Impl> impl_;
  std::string arch_;
  int device_ = 0;
};

} // namespace gptq::jit

#endif // GPTQ_JIT_QMMJIT_H
