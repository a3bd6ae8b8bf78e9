//===- QMMDialect.h - the qmm dialect ---------------------------*- C++ -*-===//
//
// Dialect, attributes, types and ops of `qmm` (definitions in
// dialects/QMM/*.td).
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_DIALECT_QMM_QMMDIALECT_H
#define GPTQ_DIALECT_QMM_QMMDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Autotune/TileLegality.h"

#include "QMM/QMMDialect.h.inc"
#include "QMM/QMMEnums.h.inc"

namespace mlir::qmm {
/// Parses `true` or `false` (boolean attribute parameters).
FailureOr<bool> parseBoolKeyword(AsmParser &parser);

/// The dialect's kernel strategies and the autotune library's (plain C++,
/// shared with the runtime) name the same five families.
inline gptq::autotune::Strategy toAutotuneStrategy(KernelStrategy strategy) {
  switch (strategy) {
  case KernelStrategy::stream:
    return gptq::autotune::Strategy::Stream;
  case KernelStrategy::pipelined:
    return gptq::autotune::Strategy::Pipelined;
  case KernelStrategy::wgmma:
    return gptq::autotune::Strategy::Wgmma;
  case KernelStrategy::wgmma_tma:
    return gptq::autotune::Strategy::WgmmaTma;
  case KernelStrategy::mma:
    break;
  }
  return gptq::autotune::Strategy::Mma;
}
inline KernelStrategy toKernelStrategy(gptq::autotune::Strategy strategy) {
  switch (strategy) {
  case gptq::autotune::Strategy::Stream:
    return KernelStrategy::stream;
  case gptq::autotune::Strategy::Pipelined:
    return KernelStrategy::pipelined;
  case gptq::autotune::Strategy::Wgmma:
    return KernelStrategy::wgmma;
  case gptq::autotune::Strategy::WgmmaTma:
    return KernelStrategy::wgmma_tma;
  case gptq::autotune::Strategy::Mma:
    break;
  }
  return KernelStrategy::mma;
}

/// Whether a kernel of `strategy` pays off launched as a programmatic
/// dependent of the act-order gather (sm_90+): the stream kernel issues its
/// first weight loads before it waits for the gather (1.1-1.9 us saved at
/// M = 1 on the H100); the pipelined kernel measured 4.6-17 us slower
/// launched so (M = 16, 2026-11-26), and its split tiles still 1-4 us
/// slower once it copied its first step's weights before waiting
/// (2026-11-27). The JIT's LaunchGeometry::earlyStart
/// and the manifest's `early_start` (read by the model and qmm-bench) both
/// come from here.
inline bool startsBeforeGatherEnds(KernelStrategy strategy) {
  return strategy == KernelStrategy::stream;
}

/// Whether a kernel of `strategy`, split `splitK` ways, pays off launched
/// as a programmatic dependent of the small kernels before a linear in a
/// model forward (norms, attention, the SiLU product; they let their
/// dependent start at once). Stream kernels and split pipelined ones issue
/// their first weight loads (the pipelined kernel: its first step's
/// weights, scales and zero points) before they wait for x: gptq-run
/// bench, Llama-2-7B shapes, H100 (2026-11-27), decode +9% at batch 1 and
/// 8 (stream), +5% at batch 16 (split pipelined, on top). Unsplit
/// pipelined kernels wait first (their many steps gain little from it)
/// and were not measured so. The manifest's `early_start_after_kernel`.
inline bool startsBeforePriorKernelEnds(KernelStrategy strategy,
                                        int64_t splitK) {
  return strategy == KernelStrategy::stream ||
         (strategy == KernelStrategy::pipelined && splitK > 1);
}
} // namespace mlir::qmm

#define GET_ATTRDEF_CLASSES
#include "QMM/QMMAttrs.h.inc"
#define GET_TYPEDEF_CLASSES
#include "QMM/QMMTypes.h.inc"
#define GET_OP_CLASSES
#include "QMM/QMMOps.h.inc"

namespace mlir::qmm {
/// The autotune library's view of a #qmm.tile (the legality rules and the
/// cache speak TileConfig).
gptq::autotune::TileConfig toTileConfig(TileAttr tile);
/// A #qmm.tile for `config`.
TileAttr toTileAttr(MLIRContext *context,
                    const gptq::autotune::TileConfig &config);
/// The legality rules' view of a matmul of `layout` with K input and N
/// output features (no target architecture).
gptq::autotune::TileProblem toTileProblem(LayoutAttr layout, int64_t K,
                                          int64_t N);
} // namespace mlir::qmm

#endif // GPTQ_DIALECT_QMM_QMMDIALECT_H
