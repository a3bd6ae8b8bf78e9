//===- LayerInputs.cpp - Load and check a layer's weight and Hessian ------===//

#include "LayerInputs.h"

#include "gptq/Format/Safetensors.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace gptq::tools {

using format::DType;

Expected<TensorSpec> parseTensorSpec(const std::string &flag,
                                     const std::string &spec) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size())
    return Status::error(fmt::format(
        "{}: expected FILE.safetensors:TENSOR, got '{}'", flag, spec));
  return TensorSpec{spec.substr(0, colon), spec.substr(colon + 1)};
}

namespace {

/// One opened input: its file and the name of its tensor in it.
struct OpenedTensor {
  format::SafetensorsFile file;
  std::string tensor;

  const format::TensorInfo &info() const { return *file.find(tensor); }
};

Expected<OpenedTensor> openTensor(const std::string &flag,
                                  const std::string &spec) {
  Expected<TensorSpec> parsed = parseTensorSpec(flag, spec);
  if (!parsed)
    return parsed.status();
  Expected<format::SafetensorsFile> file =
      format::SafetensorsFile::open(parsed->path);
  if (!file)
    return file.status().withContext(flag);
  if (!file->find(parsed->tensor))
    return Status::error(fmt::format("{} {}: no tensor '{}' in the file", flag,
                                     spec, parsed->tensor));
  return OpenedTensor{file.take(), parsed->tensor};
}

bool isOneOf(DType dtype, std::initializer_list<DType> allowed) {
  for (DType candidate : allowed)
    if (dtype == candidate)
      return true;
  return false;
}

Status checkMatrix(const std::string &flag, const std::string &spec,
                   const format::TensorInfo &info, const char *layout) {
  if (info.shape.size() != 2)
    return Status::error(fmt::format("{} {}: rank {} (shape [{}]), expected {}",
                                     flag, spec, info.shape.size(),
                                     fmt::join(info.shape, ", "), layout));
  if (info.shape[0] == 0 || info.shape[1] == 0)
    return Status::error(fmt::format("{} {}: shape [{}] is empty", flag, spec,
                                     fmt::join(info.shape, ", ")));
  return Status::success();
}

/// The first non-finite value, reported with its [row][column].
Status checkFinite(const std::string &flag, const std::string &spec,
                   const std::vector<float> &values, int64_t columns) {
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      return Status::error(fmt::format("{} {}: entry [{}][{}] is {}", flag,
                                       spec, int64_t(i) / columns,
                                       int64_t(i) % columns, values[i]));
  return Status::success();
}

/// qweight packs K values down each column and qzeros N values along each
/// row as whole 32-bit words.
Status checkPackable(const char *what, int64_t count, int bits) {
  if ((count * bits) % 32 != 0)
    return Status::error(fmt::format(
        "{} = {} cannot be packed at {} bits ({} * bits must be a multiple "
        "of 32)",
        what, count, bits, what));
  return Status::success();
}

} // namespace

Expected<LayerInputs> loadLayerInputs(const std::string &weightSpec,
                                      const std::string &hessianSpec, int bits,
                                      int64_t groupSize) {
  Expected<OpenedTensor> weight = openTensor("--weight", weightSpec);
  if (!weight)
    return weight.status();
  Expected<OpenedTensor> hessian = openTensor("--hessian", hessianSpec);
  if (!hessian)
    return hessian.status();

  const format::TensorInfo &weightInfo = weight->info();
  if (!isOneOf(weightInfo.dtype, {DType::F16, DType::BF16, DType::F32}))
    return Status::error(
        fmt::format("--weight {}: dtype {}, expected F16, BF16 or F32",
                    weightSpec, format::dtypeName(weightInfo.dtype)));
  GPTQ_RETURN_IF_ERROR(
      checkMatrix("--weight", weightSpec, weightInfo, "[N][K]"));
  const int64_t N = weightInfo.shape[0], K = weightInfo.shape[1];

  const format::TensorInfo &hessianInfo = hessian->info();
  if (!isOneOf(hessianInfo.dtype, {DType::F32, DType::F16, DType::F64}))
    return Status::error(
        fmt::format("--hessian {}: dtype {}, expected F32, F16 or F64",
                    hessianSpec, format::dtypeName(hessianInfo.dtype)));
  GPTQ_RETURN_IF_ERROR(
      checkMatrix("--hessian", hessianSpec, hessianInfo, "[K][K]"));
  if (hessianInfo.shape[0] != hessianInfo.shape[1])
    return Status::error(fmt::format("--hessian {}: shape [{}] is not square",
                                     hessianSpec,
                                     fmt::join(hessianInfo.shape, ", ")));
  if (hessianInfo.shape[0] != K)
    return Status::error(fmt::format(
        "--hessian {}: shape [{}] does not match the weight's K = {}",
        hessianSpec, fmt::join(hessianInfo.shape, ", "), K));

  if (groupSize != -1 && K % groupSize != 0)
    return Status::error(fmt::format(
        "K = {} is not divisible by --group-size {}", K, groupSize));
  GPTQ_RETURN_IF_ERROR(checkPackable("K", K, bits));
  GPTQ_RETURN_IF_ERROR(checkPackable("N", N, bits));

  LayerInputs inputs;
  inputs.N = N;
  inputs.K = K;
  Expected<std::vector<float>> weightValues =
      weight->file.readFloat(weightInfo.name);
  if (!weightValues)
    return weightValues.status().withContext("--weight " + weightSpec);
  inputs.weight = weightValues.take();
  Expected<std::vector<float>> hessianValues =
      hessian->file.readFloat(hessianInfo.name);
  if (!hessianValues)
    return hessianValues.status().withContext("--hessian " + hessianSpec);
  inputs.hessian = hessianValues.take();

  GPTQ_RETURN_IF_ERROR(checkFinite("--weight", weightSpec, inputs.weight, K));
  GPTQ_RETURN_IF_ERROR(
      checkFinite("--hessian", hessianSpec, inputs.hessian, K));
  return inputs;
}

} // namespace gptq::tools
