//===- Passes.h - qmm passes ------------------------------------*- C++ -*-===//

#ifndef GPTQ_DIALECT_QMM_PASSES_H
#define GPTQ_DIALECT_QMM_PASSES_H

#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Dialect/QMM/QMMDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace mlir::qmm {

#define GEN_PASS_DECL
#include "QMM/QMMPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "QMM/QMMPasses.h.inc"

/// The attribute `convert-qmm-to-cuda` attaches to each gpu.module it
/// translates: the CUDA C++ source of the module's kernels.
constexpr llvm::StringLiteral kCudaSourceAttrName = "qmm.cuda_source";

/// Argument attribute naming a kernel parameter's role (x, qweight, ...).
constexpr llvm::StringLiteral kParamAttrName = "qmm.param";

/// Adds the full lowering from qmm.matmul to CUDA C++ for `arch`:
/// qmm-fuse-dequant-matmul, qmm-select-tile, qmm-tile, convert-qmm-to-cuda.
void buildLowerToCudaPipeline(OpPassManager &pm, const std::string &arch);

/// The same, with qmm-select-tile taking tiles from the autotune cache at
/// `autotuneCachePath` (empty: defaults only), restricted to entries of the
/// GPU named `gpuName` when that is not empty (else any GPU of `arch`).
/// `reorderActOrder` adds qmm-reorder-act-order after the fusion; off by
/// default because its preparation ops must then be performed by whoever
/// loads the weights (the model runtime and the JIT do not yet).
/// `sms` is the target GPU's SM count, for the default tiles' grid rules.
void buildLowerToCudaPipeline(OpPassManager &pm, const std::string &arch,
                              const std::string &autotuneCachePath,
                              const std::string &gpuName = "",
                              bool reorderActOrder = false,
                              int64_t sms = gptq::autotune::kReferenceSms);

/// Registers buildLowerToCudaPipeline as the pipeline `qmm-lower-to-cuda`.
void registerLowerToCudaPipeline();

} // namespace mlir::qmm

#endif // GPTQ_DIALECT_QMM_PASSES_H
