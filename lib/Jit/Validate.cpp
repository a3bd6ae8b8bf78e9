//===- Validate.cpp - Checks of a matmul description and its tensors ------===//
//
// The JIT checks what the qmm.matmul verifier and the tile pass would reject
// before building any IR, so a bad call fails in microseconds with a message
// in the caller's terms (M, K, N, group_size) rather than an MLIR diagnostic.
// Success allocates nothing: these checks run on the warm path.
//
//===----------------------------------------------------------------------===//

#include "KernelKey.h"

#include "gptq/Autotune/DefaultConfigs.h"

#include <fmt/format.h>

#include <climits>

namespace gptq::jit {
namespace {

Status invalid(const std::string &message) {
  return Status::error("qmm.matmul: " + message);
}

Status checkPointer(const char *name, CUdeviceptr pointer, unsigned alignment) {
  if (pointer == 0)
    return invalid(fmt::format("{} is a null pointer", name));
  if (pointer % alignment != 0)
    return invalid(fmt::format("{} (0x{:x}) must be {}-byte aligned", name,
                               uint64_t(pointer), alignment));
  return Status::success();
}

} // namespace

Status QmmJit::validate(const MatmulDesc &desc) {
  const QuantLayout &layout = desc.layout;
  if (layout.bits != 2 && layout.bits != 3 && layout.bits != 4 &&
      layout.bits != 8)
    return invalid(
        fmt::format("bits = {} is not supported (2, 3, 4 or 8)", layout.bits));
  if (layout.groupSize != -1 &&
      (layout.groupSize <= 0 || layout.groupSize % 32 != 0))
    return invalid(
        fmt::format("group_size = {} must be -1 or a positive multiple of 32",
                    layout.groupSize));
  if (layout.format != format::CheckpointFormat::GptqV1 &&
      layout.format != format::CheckpointFormat::GptqV2)
    return invalid(fmt::format("format {} is neither gptq_v1 nor gptq_v2",
                               int(layout.format)));
  // Regrouping permutes an act-order weight's channels by g_idx; a plain
  // weight has nothing to regroup.
  if (layout.regrouped && !layout.actOrder)
    return invalid("regrouped weights are act-order weights: set act_order");
  if (desc.dtype != DType::F16 && desc.dtype != DType::BF16)
    return invalid(
        fmt::format("dtype {} is neither f16 nor bf16", int(desc.dtype)));
  // The kernels take M as an int and tile it by at least 16 rows.
  if (desc.M < 1 || desc.M > INT_MAX)
    return invalid(
        fmt::format("M = {} must be between 1 and {}", desc.M, INT_MAX));
  if (desc.K <= 0 || desc.K % 32 != 0)
    return invalid(
        fmt::format("K = {} must be a positive multiple of 32", desc.K));
  if (layout.groupSize != -1 && desc.K % layout.groupSize != 0)
    return invalid(fmt::format("K = {} is not a multiple of group_size = {}",
                               desc.K, layout.groupSize));
  if (desc.N <= 0 || desc.N % 32 != 0)
    return invalid(
        fmt::format("N = {} must be a positive multiple of 32", desc.N));
  return Status::success();
}

Status QmmJit::validate(const MatmulDesc &desc, const MatmulTensors &tensors) {
  GPTQ_RETURN_IF_ERROR(validate(desc));
  GPTQ_RETURN_IF_ERROR(checkPointer("x", tensors.x, 16));
  GPTQ_RETURN_IF_ERROR(checkPointer("qweight", tensors.qweight, 16));
  GPTQ_RETURN_IF_ERROR(checkPointer("qzeros", tensors.qzeros, 16));
  GPTQ_RETURN_IF_ERROR(checkPointer("scales", tensors.scales, 16));
  GPTQ_RETURN_IF_ERROR(checkPointer("y", tensors.y, 4));
  if (desc.layout.actOrder)
    GPTQ_RETURN_IF_ERROR(checkPointer(desc.layout.regrouped
                                          ? "g_idx (the regrouped permutation)"
                                          : "g_idx (act_order)",
                                      tensors.gIdx, 4));
  if (desc.layout.regrouped)
    GPTQ_RETURN_IF_ERROR(
        checkPointer("workspace (M x K, for the regrouped layout's gathered x)",
                     tensors.workspace, 16));
  else if (tensors.workspace != 0)
    GPTQ_RETURN_IF_ERROR(checkPointer("workspace", tensors.workspace, 16));
  if (tensors.workspaceBytes != 0 && tensors.workspace == 0)
    return invalid(fmt::format("workspace_bytes = {} but workspace is NULL",
                               tensors.workspaceBytes));
  if (desc.hasBias)
    GPTQ_RETURN_IF_ERROR(checkPointer("bias (has_bias)", tensors.bias, 4));
  else if (tensors.bias != 0)
    return invalid("bias is given but has_bias is false");
  return Status::success();
}

Status QmmJit::validateRegroup(const MatmulDesc &desc,
                               const MatmulTensors &tensors,
                               CUdeviceptr regroupedQweight, CUdeviceptr perm) {
  GPTQ_RETURN_IF_ERROR(validate(desc));
  if (!desc.layout.actOrder || desc.layout.regrouped)
    return invalid("regrouping needs an act-order layout that is not "
                   "regrouped yet");
  GPTQ_RETURN_IF_ERROR(checkPointer("qweight", tensors.qweight, 4));
  GPTQ_RETURN_IF_ERROR(checkPointer("g_idx", tensors.gIdx, 4));
  GPTQ_RETURN_IF_ERROR(
      checkPointer("the regrouped qweight", regroupedQweight, 4));
  return checkPointer("perm", perm, 4);
}

Status encodeArch(const std::string &arch, char (&out)[16]) {
  std::memset(out, 0, sizeof(out));
  if (arch.empty() || arch.size() >= sizeof(out) ||
      arch.compare(0, 3, "sm_") != 0)
    return Status::error(fmt::format(
        "qmm.matmul: '{}' is not a GPU architecture such as sm_80 or sm_90a",
        arch));
  std::memcpy(out, arch.data(), arch.size());
  return Status::success();
}

KernelKey makeKernelKey(const MatmulDesc &desc, const char (&arch)[16]) {
  KernelKey key;
  key.K = desc.K;
  key.N = desc.N;
  key.mBucket = autotune::rowBucket(desc.M);
  key.groupSize = desc.layout.groupSize;
  key.bits = uint8_t(desc.layout.bits);
  key.actOrder = desc.layout.actOrder;
  key.sym = desc.layout.sym;
  key.v2 = desc.layout.format == format::CheckpointFormat::GptqV2;
  key.bf16 = desc.dtype == DType::BF16;
  key.bias = desc.hasBias;
  std::memcpy(key.arch, arch, sizeof(arch));
  return key;
}

} // namespace gptq::jit
