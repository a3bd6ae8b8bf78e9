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

#include "QMM/QMMDialect.h.inc"
#include "QMM/QMMEnums.h.inc"

namespace mlir::qmm {
/// Parses `true` or `false` (boolean attribute parameters).
FailureOr<bool> parseBoolKeyword(AsmParser &parser);
} // namespace mlir::qmm

#define GET_ATTRDEF_CLASSES
#include "QMM/QMMAttrs.h.inc"
#define GET_TYPEDEF_CLASSES
#include "QMM/QMMTypes.h.inc"
#define GET_OP_CLASSES
#include "QMM/QMMOps.h.inc"

#endif // GPTQ_DIALECT_QMM_QMMDIALECT_H
