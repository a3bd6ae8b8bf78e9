//===- QmmLaunch.cpp - Arguments and grid of a generated qmm kernel -------===//

#include "gptq/Runtime/QmmLaunch.h"

#include <algorithm>

#include <fmt/format.h>

namespace gptq::rt {

namespace {
struct RoleName {
  QmmParam param;
  const char *role;
};
constexpr RoleName kRoles[] = {
    {QmmParam::X, "x"},           {QmmParam::Qweight, "qweight"},
    {QmmParam::Qzeros, "qzeros"}, {QmmParam::Scales, "scales"},
    {QmmParam::GIdx, "g_idx"},    {QmmParam::Bias, "bias"},
    {QmmParam::Y, "y"},           {QmmParam::M, "m"}};
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

Status QmmArgs::bind(const QmmParamList &params, const QmmOperands &operands,
                     int rows, std::string_view kernel) {
  rows_ = rows;
  for (unsigned i = 0; i < params.count; ++i) {
    CUdeviceptr pointer = 0;
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
