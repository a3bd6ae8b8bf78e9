//===- DType.cpp - safetensors element types ------------------------------===//

#include "gptq/Format/DType.h"

#include <fmt/format.h>

namespace gptq::format {

namespace {
struct DTypeEntry {
  DType dtype;
  const char *name;
  size_t size;
  int writeRank;
};

// writeRank follows the declaration order of safetensors' Rust `Dtype`
// (BOOL < U8 < I8 < ... < I16 < U16 < F16 < BF16 < I32 < U32 < F32 < F64 <
// I64 < U64), which its serializer sorts by, descending.
constexpr DTypeEntry kEntries[] = {
    {DType::F16, "F16", 2, 11}, {DType::BF16, "BF16", 2, 12},
    {DType::F32, "F32", 4, 15}, {DType::F64, "F64", 8, 16},
    {DType::I8, "I8", 1, 5},    {DType::U8, "U8", 1, 4},
    {DType::I16, "I16", 2, 9},  {DType::I32, "I32", 4, 13},
    {DType::I64, "I64", 8, 17}, {DType::BOOL, "BOOL", 1, 0},
};

const DTypeEntry &entry(DType dtype) {
  for (const DTypeEntry &e : kEntries)
    if (e.dtype == dtype)
      return e;
  return kEntries[0]; // unreachable: every enumerator has an entry
}
} // namespace

const char *dtypeName(DType dtype) { return entry(dtype).name; }
size_t dtypeSize(DType dtype) { return entry(dtype).size; }
int dtypeWriteRank(DType dtype) { return entry(dtype).writeRank; }

bool isFloatingPoint(DType dtype) {
  return dtype == DType::F16 || dtype == DType::BF16 || dtype == DType::F32 ||
         dtype == DType::F64;
}

Expected<DType> parseDType(std::string_view name) {
  for (const DTypeEntry &e : kEntries)
    if (name == e.name)
      return e.dtype;
  return Status::error(fmt::format(
      "unsupported dtype '{}' (expected F16, BF16, F32, F64, I8, U8, I16, "
      "I32, I64 or BOOL)",
      name));
}

} // namespace gptq::format
