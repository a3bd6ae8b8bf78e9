//===- Quantizer.cpp - Per-row min/max quantizer of GPTQ ------------------===//
//
// See Quantizer.h for the rules. The float arithmetic below mirrors the
// reference's tensor expressions one operation at a time; do not fold or
// reorder it (e.g. x * (1/scale) instead of x / scale moves ties).
//
//===----------------------------------------------------------------------===//

#include "gptq/Quant/Quantizer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace gptq::quant {

/// Candidates tried between the widened scale and xmax / maxq when a
/// v1-storable zero point had to be moved to 1 (see Quantizer.h).
static constexpr int kMovedZeroCandidates = 20;

Status checkQuantBits(int bits) {
  if (bits == 2 || bits == 3 || bits == 4 || bits == 8)
    return Status::success();
  return Status::error(
      fmt::format("unsupported bits {} (expected 2, 3, 4 or 8)", bits));
}

Expected<Quantizer> Quantizer::create(const QuantizerConfig &config) {
  GPTQ_RETURN_IF_ERROR(checkQuantBits(config.bits));
  if (config.mseSearch) {
    if (!(config.mseNorm > 0.0f) || !std::isfinite(config.mseNorm))
      return Status::error(
          fmt::format("MSE norm must be positive, got {}", config.mseNorm));
    if (config.mseGrid <= 0)
      return Status::error(
          fmt::format("MSE grid must be positive, got {}", config.mseGrid));
    if (!(config.mseMaxShrink > 0.0f && config.mseMaxShrink <= 1.0f))
      return Status::error(fmt::format(
          "MSE max shrink must be in (0, 1], got {}", config.mseMaxShrink));
  }
  return Quantizer(config);
}

Quantizer::Quantizer(const QuantizerConfig &config)
    : config_(config), maxq_((1 << config.bits) - 1) {}

float Quantizer::codeAsFloat(float x, const QuantParams &params) const {
  float code = std::nearbyint(x / params.scale) + params.zero;
  return std::min(std::max(code, 0.0f), static_cast<float>(maxq_));
}

QuantParams Quantizer::paramsForRange(float xmin, float xmax,
                                      bool *zeroMoved) const {
  float maxqF = static_cast<float>(maxq_);
  QuantParams params;
  params.scale = (xmax - xmin) / maxqF;
  if (config_.sym) {
    params.zero = (maxqF + 1.0f) / 2.0f;
  } else {
    params.zero = std::nearbyint(-xmin / params.scale);
  }
  if (zeroMoved)
    *zeroMoved = false;
  if (config_.v1StorableZeros && !config_.sym && params.zero == 0.0f) {
    params.zero = 1.0f;
    params.scale = std::max(xmax / (maxqF - 1.0f), -xmin);
    if (zeroMoved)
      *zeroMoved = true;
  }
  return params;
}

double Quantizer::sliceError(const float *values, int64_t count,
                             const QuantParams &params, double norm) const {
  double error = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    double diff = std::fabs(static_cast<double>(quantize(values[i], params)) -
                            static_cast<double>(values[i]));
    error += norm == 2.0 ? diff * diff : std::pow(diff, norm);
  }
  return error;
}

QuantParams Quantizer::refineMovedZero(const float *values, int64_t count,
                                       float xmin, float xmax,
                                       QuantParams widened) const {
  // Between the widened scale (nothing clips) and xmax / maxq (the top value
  // clips by one step) lies the best trade of rounding against clipping.
  float lowest = std::max(xmax / static_cast<float>(maxq_), -xmin);
  QuantParams best = widened;
  double bestError = sliceError(values, count, widened, 2.0);
  for (int i = 1; i <= kMovedZeroCandidates; ++i) {
    float fraction = static_cast<float>(i) / kMovedZeroCandidates;
    QuantParams candidate{widened.scale - fraction * (widened.scale - lowest),
                          1.0f};
    double error = sliceError(values, count, candidate, 2.0);
    if (error < bestError) {
      bestError = error;
      best = candidate;
    }
  }
  return best;
}

QuantParams Quantizer::findParams(const float *values, int64_t count) const {
  float xmin = 0.0f, xmax = 0.0f;
  for (int64_t i = 0; i < count; ++i) {
    xmin = std::min(xmin, values[i]);
    xmax = std::max(xmax, values[i]);
  }
  if (config_.sym) {
    xmax = std::max(std::fabs(xmin), xmax);
    if (xmin < 0.0f)
      xmin = -xmax;
  }
  // A range so small that its scale underflows is treated like an all-zero
  // one, so that no scale is 0 (the reference would produce NaN there).
  if ((xmin == 0.0f && xmax == 0.0f) ||
      (xmax - xmin) / static_cast<float>(maxq_) == 0.0f) {
    xmin = -1.0f;
    xmax = 1.0f;
  }

  bool zeroMoved = false;
  QuantParams params = paramsForRange(xmin, xmax, &zeroMoved);
  if (!config_.mseSearch) {
    if (zeroMoved)
      params = refineMovedZero(values, count, xmin, xmax, params);
    return params;
  }

  // The reference evaluates p = 1 - i/grid in double and multiplies the
  // float range by it as a float.
  double bestError = std::numeric_limits<double>::infinity();
  int steps = static_cast<int>(static_cast<double>(config_.mseMaxShrink) *
                               config_.mseGrid);
  for (int i = 0; i < steps; ++i) {
    float shrink =
        static_cast<float>(1.0 - static_cast<double>(i) / config_.mseGrid);
    QuantParams candidate =
        paramsForRange(shrink * xmin, shrink * xmax, nullptr);
    double error = sliceError(values, count, candidate, config_.mseNorm);
    if (error < bestError) {
      bestError = error;
      params = candidate;
    }
  }
  return params;
}

} // namespace gptq::quant
