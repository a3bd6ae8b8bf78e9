//===- DType.h - safetensors element types ----------------------*- C++ -*-===//
//
// The element types the toolkit reads and writes, spelled as safetensors
// spells them in its JSON header ("F16", "I32", ...). Kept apart from the
// file reader so that code describing tensors need not pull in I/O.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_DTYPE_H
#define GPTQ_FORMAT_DTYPE_H

#include "gptq/Support/Status.h"

#include <cstddef>
#include <string_view>

namespace gptq::format {

enum class DType { F16, BF16, F32, F64, I8, U8, I16, I32, I64, BOOL };

/// The safetensors spelling: "F16", "BF16", ..., "BOOL".
const char *dtypeName(DType dtype);
/// Bytes per element.
size_t dtypeSize(DType dtype);
/// Parses a safetensors dtype name (case-sensitive, as the format is).
Expected<DType> parseDType(std::string_view name);
bool isFloatingPoint(DType dtype);

/// Rank by which the safetensors Python package orders tensors in the data
/// section (larger first, then by name): its Rust Dtype enum order.
int dtypeWriteRank(DType dtype);

} // namespace gptq::format

#endif // GPTQ_FORMAT_DTYPE_H
