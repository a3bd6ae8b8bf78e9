//===- QMMToCUDA.h - translate qmm kernels to CUDA C++ ----------*- C++ -*-===//

#ifndef GPTQ_CONVERSION_QMMTOCUDA_H
#define GPTQ_CONVERSION_QMMTOCUDA_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Support/LLVM.h"

namespace mlir::qmm {

/// Writes CUDA C++ for every kernel in `module` to `os`. Fails with a
/// diagnostic on the first op the emitter cannot translate.
LogicalResult translateKernelModuleToCuda(gpu::GPUModuleOp module,
                                          raw_ostream &os);

} // namespace mlir::qmm

#endif // GPTQ_CONVERSION_QMMTOCUDA_H
