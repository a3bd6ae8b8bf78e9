//===- Concatenate.cpp - Quantized linears side by side -------------------===//

#include "gptq/Format/Concatenate.h"

#include <fmt/format.h>

#include <algorithm>

namespace gptq::format {

Status checkConcatenable(const std::vector<const QuantizedLinear *> &parts) {
  if (parts.empty())
    return Status::error("concatenating quantized linears: no parts");
  const QuantizedLinear &first = *parts[0];
  for (size_t i = 0; i < parts.size(); ++i) {
    const QuantizedLinear &part = *parts[i];
    GPTQ_RETURN_IF_ERROR(part.validate().withContext(
        fmt::format("concatenating quantized linears: part {}", i)));
    auto differs = [&](const char *what, auto a, auto b) {
      return Status::error(fmt::format(
          "concatenating quantized linears: part {} has {} {}, part 0 {}", i,
          what, b, a));
    };
    if (part.K != first.K)
      return differs("K", first.K, part.K);
    if (part.bits != first.bits)
      return differs("bits", first.bits, part.bits);
    if (part.groupSize != first.groupSize)
      return differs("group size", first.groupSize, part.groupSize);
    if (part.format != first.format)
      return differs("zero-point format", checkpointFormatName(first.format),
                     checkpointFormatName(part.format));
    if (part.gIdx != first.gIdx)
      return Status::error(fmt::format(
          "concatenating quantized linears: part {} has another g_idx than "
          "part 0",
          i));
  }
  return Status::success();
}

/// Appends row r of each part's [rows][width * part.N / unit] array.
template <typename T, typename Get>
static std::vector<T>
joinRows(const std::vector<const QuantizedLinear *> &parts, int64_t rows,
         Get get, int64_t bitsPerColumn, int64_t bitsPerElement) {
  int64_t total = 0;
  for (const QuantizedLinear *part : parts)
    total += part->N * bitsPerColumn / bitsPerElement;
  std::vector<T> joined;
  joined.reserve(size_t(rows * total));
  for (int64_t r = 0; r < rows; ++r)
    for (const QuantizedLinear *part : parts) {
      const std::vector<T> &values = get(*part);
      const int64_t width = part->N * bitsPerColumn / bitsPerElement;
      joined.insert(joined.end(), values.begin() + r * width,
                    values.begin() + (r + 1) * width);
    }
  return joined;
}

std::vector<float> concatenateBiases(
    const std::vector<std::pair<int64_t, const std::vector<float> *>> &parts) {
  std::vector<float> joined;
  const bool anyBias =
      std::any_of(parts.begin(), parts.end(),
                  [](const auto &part) { return !part.second->empty(); });
  if (!anyBias)
    return joined;
  for (const auto &[width, bias] : parts) {
    if (bias->empty())
      joined.insert(joined.end(), size_t(width), 0.0f);
    else
      joined.insert(joined.end(), bias->begin(), bias->end());
  }
  return joined;
}

Expected<QuantizedLinear>
concatenateOutputs(const std::vector<const QuantizedLinear *> &parts) {
  GPTQ_RETURN_IF_ERROR(checkConcatenable(parts));
  const QuantizedLinear &first = *parts[0];
  QuantizedLinear joined;
  joined.K = first.K;
  joined.bits = first.bits;
  joined.groupSize = first.groupSize;
  joined.format = first.format;
  joined.gIdx = first.gIdx;
  std::vector<std::pair<int64_t, const std::vector<float> *>> biases;
  for (const QuantizedLinear *part : parts) {
    joined.N += part->N;
    biases.emplace_back(part->N, &part->bias);
  }
  const int64_t G = first.numGroups();
  // qweight: one column per output, K * bits / 32 words down it; qzeros:
  // bits per output along a row of words; scales: one value per output.
  joined.qweight = joinRows<int32_t>(
      parts, first.K * first.bits / 32,
      [](const QuantizedLinear &p) -> const std::vector<int32_t> & {
        return p.qweight;
      },
      32, 32);
  joined.qzeros = joinRows<int32_t>(
      parts, G,
      [](const QuantizedLinear &p) -> const std::vector<int32_t> & {
        return p.qzeros;
      },
      first.bits, 32);
  joined.scales = joinRows<float>(
      parts, G,
      [](const QuantizedLinear &p) -> const std::vector<float> & {
        return p.scales;
      },
      32, 32);
  joined.bias = concatenateBiases(biases);
  GPTQ_RETURN_IF_ERROR(joined.validate().withContext(
      "concatenating quantized linears: the joined linear"));
  return joined;
}

} // namespace gptq::format
