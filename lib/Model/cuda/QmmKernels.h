//===- QmmKernels.h - Generated qmm kernels for the GPU forward -*- C++ -*-===//
//
// gptq-opt generates the quantized-matmul kernels at build time (bundles of
// CUDA C++ plus a JSON manifest per shape family, embedded in the library);
// here they are looked up by a layer's shape and layout, compiled by NVRTC
// through the runtime's disk cache on first use, and launched as their
// manifest says. The forward pass never needs MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_CUDA_QMMKERNELS_H
#define GPTQ_MODEL_CUDA_QMMKERNELS_H

#include "gptq/Format/Dequantize.h"
#include "gptq/Runtime/DenseMatmul.h"
#include "gptq/Runtime/KernelCache.h"
#include "gptq/Runtime/Module.h"
#include "gptq/Runtime/QmmLaunch.h"
#include "gptq/Support/Status.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gptq::model::cuda {

struct QmmBundle {
  const char *name;
  const char *source;   ///< CUDA C++ from gptq-opt --emit=cuda
  const char *manifest; ///< JSON from gptq-opt --emit=manifest
};
/// The bundles compiled into this build (none without gptq-opt).
const std::vector<QmmBundle> &qmmBundles();

struct QmmKernelSpec {
  std::string name;
  size_t bundle = 0;
  int64_t K = 0, N = 0;
  int bits = 4;
  int64_t groupSize = 128;
  bool actOrder = false, v1 = true;
  int64_t blockM = 16, blockN = 64, blockK = 64, threads = 128;
  /// The grid's z extent: CTAs of one cluster that split K.
  int64_t splitK = 1;
  /// Shared memory passed at launch (wgmma tiles past 48 KB).
  int64_t dynamicSharedBytes = 0;
  /// The manifest's `early_start`: worth a programmatic dependent launch
  /// after the act-order gather (mlir::qmm::startsBeforeGatherEnds says
  /// which kernels and why).
  bool earlyStart = false;
  /// The manifest's `early_start_after_kernel`: worth one after the
  /// forward's other kernels (mlir::qmm::startsBeforePriorKernelEnds).
  bool earlyStartAfterKernel = false;
  /// The kernel's parameter roles, read from the manifest.
  rt::QmmParamList params;
  /// Generated for one row (the decode tile); found only through `decode`.
  bool decodeOnly = false;
  /// Generated for kPrefillRows rows (the prefill tile); found only through
  /// `prefill`.
  bool prefillOnly = false;
  /// Generated for kSmallBatchRows rows; found only through `smallBatch`.
  bool smallBatchOnly = false;
  /// Generated for kMidBatchRows rows; found only through `midBatch`.
  bool midBatchOnly = false;
  /// The decode kernel of the same shape and layout, used for m <= its
  /// block_m; null when the bundle has none.
  const QmmKernelSpec *decode = nullptr;
  /// The prefill kernel of the same shape and layout, used for m beyond
  /// this kernel's block_m; null when the bundle has none.
  const QmmKernelSpec *prefill = nullptr;
  /// The small-batch kernel of the same shape and layout, used for more
  /// rows than the decode kernel's block_m up to kSmallBatchRows; null when
  /// the bundle has none or it is this kernel.
  const QmmKernelSpec *smallBatch = nullptr;
  /// The mid-batch kernel of the same shape and layout, used for more rows
  /// than kSmallBatchRows (or the decode kernel's block_m) up to
  /// kMidBatchRows; null when the bundle has none or it is this kernel.
  const QmmKernelSpec *midBatch = nullptr;

  /// One of the fixed-row variants (not a dynamic-M kernel).
  bool variantOnly() const {
    return decodeOnly || prefillOnly || smallBatchOnly || midBatchOnly;
  }
};

/// Rows the bundles' small-batch variants are generated for: with M known
/// the defaults put 4-bit layers on sm_90a on 16-row pipelined tiles (all
/// three Llama-2-7B shapes; faster than the stream kernel at 16 rows on the
/// H100, docs/PERF.md), which the dynamic-M general kernel, whose M is
/// unknown, does not.
constexpr int64_t kSmallBatchRows = 16;

/// Rows the bundles' mid-batch variants are generated for: batched decode
/// of 17 to 64 sequences, which would otherwise run the 128-row prefill
/// tile (sm_90a) with most of its rows empty.
constexpr int64_t kMidBatchRows = 64;

/// Rows the bundles' prefill variants are generated for (QmmKernelSet.cmake):
/// the 1024-row bucket's tile, which prompts of hundreds of tokens run
/// best. The 256-row bucket's tile splits K across clusters on narrow
/// layers (sized for 256 rows); a 512-token prefill of the Llama-2-7B shape
/// ran 4% slower on it (H100, 2026-11-26: 8,450 against 8,810 tok/s).
constexpr int64_t kPrefillRows = 1024;

/// Device pointers of one quantized linear, by kernel parameter role.
using QmmOperands = rt::QmmOperands;

class QmmKernels {
public:
  /// Reads the embedded manifests; kernels compile for `arch` on first use.
  /// Launches mark the weights streaming in L2 up to `maxWindowBytes`
  /// (rt::qmmWeightWindow; DeviceInfo::maxAccessPolicyWindowBytes, 0: no
  /// window).
  static Expected<std::unique_ptr<QmmKernels>>
  create(const std::string &arch, size_t maxWindowBytes = 0);
  /// The architecture the kernels compile for ("sm_90a", "sm_80").
  const std::string &arch() const { return arch_; }

  /// The dynamic-M fp16 kernel for this shape and layout, or null.
  const QmmKernelSpec *find(int64_t K, int64_t N, int bits, int64_t groupSize,
                            bool actOrder, bool v1) const;
  /// Whether a matmul may start before the kernel before it on the stream,
  /// which wrote x, completes (sm_90+; rt::launchKernel: the kernel waits
  /// for it before reading x).
  enum class Overlap {
    None,
    /// After the act-order gather: kernels with QmmKernelSpec::earlyStart.
    AfterGather,
    /// After another kernel: those with earlyStartAfterKernel.
    AfterKernel,
  };
  /// Whether `spec`'s kernel is launched as a programmatic dependent under
  /// `overlap` (earlyStart after the gather, earlyStartAfterKernel after
  /// other kernels, never with None).
  static bool startsEarly(const QmmKernelSpec &spec, Overlap overlap);
  /// y[m][N] = x[m][K] · W on `stream` (with `spec`'s decode kernel when m
  /// is small enough), started early as `overlap` allows (startsEarly);
  /// other kernels start after the previous one.
  Status launch(const QmmKernelSpec &spec, const QmmOperands &operands,
                int64_t m, CUstream stream, Overlap overlap = Overlap::None);
  /// The dense path (rt/DenseMatmul.h) where rt::densePreferred: `spec`'s
  /// weight dequantized into `workspace` in column chunks, then cuBLAS on
  /// `handle` (which gets `stream`). `perm`, if set, is a regrouped
  /// weight's permutation: x is then the ungathered input.
  Status launchDense(const QmmKernelSpec &spec, const QmmOperands &operands,
                     CUdeviceptr perm, int64_t m, CUdeviceptr workspace,
                     size_t workspaceBytes, cublasHandle_t handle,
                     CUstream stream);
  size_t numKernels() const { return specs_.size(); }

private:
  QmmKernels() = default;
  Expected<const rt::KernelFunction *> function(const QmmKernelSpec &spec);

  std::string arch_;
  size_t maxWindowBytes_ = 0;
  std::vector<QmmKernelSpec> specs_;
  std::unique_ptr<rt::KernelCache> cache_;
  std::map<size_t, rt::LoadedModule> modules_;
  std::map<std::string, rt::KernelFunction> functions_;
  /// The dense path's dequantizers, compiled on first use.
  rt::DequantizerTable dequantizers_;
};

} // namespace gptq::model::cuda

#endif // GPTQ_MODEL_CUDA_QMMKERNELS_H
