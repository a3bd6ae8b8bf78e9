//===- QmmLaunch.cpp - Arguments and grid of a generated qmm kernel -------===//

#include "gptq/Runtime/QmmLaunch.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace gptq::rt {

namespace {
struct RoleName {
  QmmParam param;
  const char *role;
};
constexpr RoleName kRoles[] = {{QmmParam::X, "x"},
                               {QmmParam::Qweight, "qweight"},
                               {QmmParam::Qzeros, "qzeros"},
                               {QmmParam::Scales, "scales"},
                               {QmmParam::GIdx, "g_idx"},
                               {QmmParam::Bias, "bias"},
                               {QmmParam::Y, "y"},
                               {QmmParam::M, "m"},
                               {QmmParam::XMap, "x_map"},
                               {QmmParam::QweightMap, "qweight_map"},
                               {QmmParam::ScalesMap, "scales_map"},
                               {QmmParam::QzerosMap, "qzeros_map"}};

/// One 2-D tiled map: `outer` rows of `inner` elements of `type`, rows
/// `rowBytes` apart, boxes of `boxOuter` rows of `boxInner` elements.
Status encodeMap(const DriverApi &cu, CUtensorMap &map, const char *role,
                 std::string_view kernel, CUtensorMapDataType type,
                 CUdeviceptr address, uint64_t inner, uint64_t outer,
                 uint64_t rowBytes, uint32_t boxInner, uint32_t boxOuter,
                 CUtensorMapSwizzle swizzle) {
  const cuuint64_t dims[2] = {inner, outer};
  const cuuint64_t strides[1] = {rowBytes};
  const cuuint32_t box[2] = {boxInner, boxOuter};
  const cuuint32_t elementStrides[2] = {1, 1};
  const CUresult result = cu.cuTensorMapEncodeTiled(
      &map, type, 2, reinterpret_cast<void *>(address), dims, strides, box,
      elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle,
      CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  return checkCu(result, "cuTensorMapEncodeTiled")
      .withContext(fmt::format("kernel {}: the tensor map of '{}' ({} x {}, "
                               "box {} x {})",
                               kernel, role, outer, inner, boxOuter, boxInner));
}
} // namespace

std::optional<QmmParam> qmmParamFromRole(std::string_view role) {
  for (const RoleName &entry : kRoles)
    if (role == entry.role)
      return entry.param;
  return std::nullopt;
}

const char *qmmParamRole(QmmParam param) {
  for (const RoleName &entry : kRoles)
    if (param == entry.param)
      return entry.role;
  return "?";
}

bool QmmParamList::push(QmmParam param) {
  if (count == kMaxQmmParams)
    return false;
  params[count++] = param;
  return true;
}

Expected<QmmParamList>
QmmParamList::fromRoles(const std::vector<std::string> &roles,
                        std::string_view kernel) {
  QmmParamList list;
  for (const std::string &role : roles) {
    std::optional<QmmParam> param = qmmParamFromRole(role);
    if (!param)
      return Status::error(
          fmt::format("kernel {} has a parameter '{}' that the runtime does "
                      "not know how to pass",
                      kernel, role));
    if (!list.push(*param))
      return Status::error(
          fmt::format("kernel {} has {} parameters, more than the {} the "
                      "runtime passes",
                      kernel, roles.size(), kMaxQmmParams));
  }
  return list;
}

Status encodeQmmTensorMaps(const QmmOperands &operands, int rows,
                           const QmmMapShape &shape, std::string_view kernel,
                           CUtensorMap (&maps)[4]) {
  const int64_t K = shape.inFeatures, N = shape.outFeatures;
  if ((shape.blockK != 64 && shape.blockK != 128) || K <= 0 ||
      K % shape.blockK != 0 || N <= 0 || N % 64 != 0 || rows <= 0 ||
      (shape.blockM != 16 && shape.blockM != 32 && shape.blockM != 64 &&
       shape.blockM != 128) ||
      (shape.blockN != 64 && shape.blockN != 128))
    return Status::error(fmt::format(
        "kernel {} takes tensor maps, but the launch describes K = {}, N = "
        "{}, {} rows, block_m = {}, block_n = {}, block_k = {} (wgmma_tma "
        "tiles need block_k 64 or 128, K a multiple of it, N of 64, block_m "
        "16-128, block_n 64 or 128)",
        kernel, K, N, rows, shape.blockM, shape.blockN, shape.blockK));
  const int64_t groupSize = shape.groupSize > 0 ? shape.groupSize : K;
  const int64_t groups = (K + groupSize - 1) / groupSize;
  // TMA reads from 16-byte aligned addresses (the row strides, K * 2, N * 4,
  // N * 2 and N / 2 bytes, are multiples of 16 with K and N of 64).
  const std::pair<const char *, CUdeviceptr> pointers[] = {
      {"x", operands.x},
      {"qweight", operands.qweight},
      {"scales", operands.scales},
      {"qzeros", operands.qzeros}};
  for (const auto &[role, pointer] : pointers) {
    if (pointer == 0)
      return Status::error(fmt::format(
          "kernel {} takes a tensor map of '{}', but no such tensor was given",
          kernel, role));
    if (pointer % 16 != 0)
      return Status::error(fmt::format(
          "kernel {} reads '{}' through a TMA tensor map, which needs a "
          "16-byte aligned address, got 0x{:x}",
          kernel, role, pointer));
  }
  Expected<const DriverApi *> api = driverApi();
  if (!api)
    return api.status();
  const DriverApi *cu = *api;
  const CUtensorMapDataType half = shape.bf16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16
                                              : CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
  const uint32_t blockM = uint32_t(shape.blockM),
                 blockN = uint32_t(shape.blockN);
  GPTQ_RETURN_IF_ERROR(encodeMap(*cu, maps[0], "x", kernel, half, operands.x, K,
                                 rows, K * 2, 64, blockM,
                                 CU_TENSOR_MAP_SWIZZLE_128B));
  GPTQ_RETURN_IF_ERROR(
      encodeMap(*cu, maps[1], "qweight", kernel, CU_TENSOR_MAP_DATA_TYPE_UINT32,
                operands.qweight, N, K / 8, N * 4, blockN,
                uint32_t(shape.blockK / 8), CU_TENSOR_MAP_SWIZZLE_NONE));
  GPTQ_RETURN_IF_ERROR(encodeMap(*cu, maps[2], "scales", kernel, half,
                                 operands.scales, N, groups, N * 2, blockN, 1,
                                 CU_TENSOR_MAP_SWIZZLE_NONE));
  return encodeMap(*cu, maps[3], "qzeros", kernel,
                   CU_TENSOR_MAP_DATA_TYPE_UINT32, operands.qzeros, N / 8,
                   groups, N / 8 * 4, blockN / 8, 1,
                   CU_TENSOR_MAP_SWIZZLE_NONE);
}

Status QmmArgs::bind(const QmmParamList &params, const QmmOperands &operands,
                     int rows, std::string_view kernel,
                     const QmmMapShape &maps) {
  rows_ = rows;
  bool mapsEncoded = false;
  for (unsigned i = 0; i < params.count; ++i) {
    CUdeviceptr pointer = 0;
    int mapIndex = -1;
    switch (params.params[i]) {
    case QmmParam::X:
      pointer = operands.x;
      break;
    case QmmParam::Qweight:
      pointer = operands.qweight;
      break;
    case QmmParam::Qzeros:
      pointer = operands.qzeros;
      break;
    case QmmParam::Scales:
      pointer = operands.scales;
      break;
    case QmmParam::GIdx:
      pointer = operands.gIdx;
      break;
    case QmmParam::Bias:
      pointer = operands.bias;
      break;
    case QmmParam::Y:
      pointer = operands.y;
      break;
    case QmmParam::M:
      args_[i] = &rows_;
      continue;
    case QmmParam::XMap:
      mapIndex = 0;
      break;
    case QmmParam::QweightMap:
      mapIndex = 1;
      break;
    case QmmParam::ScalesMap:
      mapIndex = 2;
      break;
    case QmmParam::QzerosMap:
      mapIndex = 3;
      break;
    }
    if (mapIndex >= 0) {
      if (!mapsEncoded) {
        if (maps.inFeatures == 0)
          return Status::error(fmt::format(
              "kernel {} takes tensor maps, but its launcher gave no layer "
              "shape to make them from",
              kernel));
        GPTQ_RETURN_IF_ERROR(
            encodeQmmTensorMaps(operands, rows, maps, kernel, maps_));
        mapsEncoded = true;
      }
      args_[i] = &maps_[mapIndex];
      continue;
    }
    if (pointer == 0)
      return Status::error(
          fmt::format("kernel {} takes '{}', but no such tensor was given",
                      kernel, qmmParamRole(params.params[i])));
    pointers_[i] = pointer;
    args_[i] = &pointers_[i];
  }
  return Status::success();
}

Dim3 qmmGrid(int64_t outFeatures, int64_t rows, unsigned blockN,
             unsigned blockM, unsigned splitK) {
  return Dim3{unsigned(outFeatures / blockN),
              unsigned((rows + blockM - 1) / blockM), splitK};
}

StreamingWindow qmmWeightWindow(CUdeviceptr qweight, int64_t inFeatures,
                                int64_t outFeatures, int bits,
                                size_t maxWindowBytes) {
  if (qweight == 0 || maxWindowBytes == 0 || inFeatures <= 0 ||
      outFeatures <= 0 || bits <= 0)
    return {};
  const size_t bytes =
      size_t(inFeatures) * size_t(outFeatures) * size_t(bits) / 8;
  return {qweight, std::min(bytes, maxWindowBytes)};
}

} // namespace gptq::rt
