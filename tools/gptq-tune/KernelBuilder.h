//===- KernelBuilder.h - candidate tiles to CUDA C++ ----------*- C++ -*-===//
//
// gptq-tune times exactly what the compiler would emit: each candidate tile
// becomes a qmm.matmul carrying an explicit #qmm.tile (so qmm-select-tile
// keeps it), lowered by the same pipeline as gptq-opt. Candidates are
// grouped into sources of a few kernels each, so NVRTC calls can run in
// parallel while each call still amortizes its fixed cost over several
// kernels.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_GPTQTUNE_KERNELBUILDER_H
#define GPTQ_TOOLS_GPTQTUNE_KERNELBUILDER_H

#include "gptq/Autotune/AutotuneCache.h"
#include "gptq/Support/Status.h"

#include <string>
#include <vector>

namespace gptq::tune {

struct CandidateKernel {
  /// Index into the candidate list.
  size_t candidate = 0;
  /// The extern "C" kernel in `KernelSource::source`.
  std::string name;
  /// Parameter roles in order (x, qweight, qzeros, scales, [g_idx], y, m).
  std::vector<std::string> params;
};

struct KernelSource {
  std::string programName;
  std::string source;
  std::vector<CandidateKernel> kernels;
};

/// Lowers every candidate for a `layout` weight of K x N to CUDA C++ for
/// `arch`, at most `kernelsPerSource` kernels per source. Fails with the
/// compiler's diagnostics if a candidate does not lower.
Expected<std::vector<KernelSource>>
buildKernelSources(const autotune::LayoutKey &layout, int64_t inFeatures,
                   int64_t outFeatures,
                   const std::vector<autotune::TileConfig> &candidates,
                   const std::string &arch, size_t kernelsPerSource);

} // namespace gptq::tune

#endif // GPTQ_TOOLS_GPTQTUNE_KERNELBUILDER_H
