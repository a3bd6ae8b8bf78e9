//===- DeviceQuantizer.cuh - The GPTQ quantizer in device code --*- CUDA
//-*-===//
//
// Internal to GPTQQuantCuda: gptq::quant::Quantizer (lib/Quant/Quantizer.cpp)
// re-expressed for one CUDA thread, operation for operation, so that scales,
// zero points and codes come out bit-identical to the CPU's. Every float op
// is an explicit round-to-nearest intrinsic (__fdiv_rn, __fmul_rn, ...): the
// CPU build forbids contraction (-ffp-contract=off), and nvcc would otherwise
// fuse a multiply and a subtract into an FMA, which moves rounding ties.
// std::min / std::max are spelled out as the comparisons they are (they
// differ from fminf/fmaxf on signed zeros). The one thing that may differ is
// pow() in the MSE search's error norm (libdevice vs glibc, last ulp).
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_LIB_QUANTCUDA_DEVICEQUANTIZER_CUH
#define GPTQ_LIB_QUANTCUDA_DEVICEQUANTIZER_CUH

#include <cstdint>

namespace gptq::quant::detail {

/// QuantizerConfig in a form a kernel takes by value.
struct DeviceQuantConfig {
  float maxq;
  bool sym;
  bool mseSearch;
  bool v1StorableZeros;
  double mseNorm; ///< float config value widened, as the CPU passes it
  int mseGrid;
  float mseMaxShrink;
};

struct DeviceParams {
  float scale;
  float zero;
};

/// The same count of refinement candidates as Quantizer.cpp.
constexpr int kMovedZeroCandidates = 20;

__device__ inline float stdMin(float a, float b) { return b < a ? b : a; }
__device__ inline float stdMax(float a, float b) { return a < b ? b : a; }

/// clamp(round(x / scale) + zero, 0, maxq), round half to even.
__device__ inline float codeAsFloat(float x, DeviceParams p, float maxq) {
  float code = __fadd_rn(rintf(__fdiv_rn(x, p.scale)), p.zero);
  return stdMin(stdMax(code, 0.0f), maxq);
}

__device__ inline float dequantizeCode(float code, DeviceParams p) {
  return __fmul_rn(p.scale, __fsub_rn(code, p.zero));
}

__device__ inline DeviceParams paramsForRange(const DeviceQuantConfig &c,
                                              float xmin, float xmax,
                                              bool *zeroMoved) {
  DeviceParams p;
  p.scale = __fdiv_rn(__fsub_rn(xmax, xmin), c.maxq);
  if (c.sym)
    p.zero = __fdiv_rn(__fadd_rn(c.maxq, 1.0f), 2.0f);
  else
    p.zero = rintf(__fdiv_rn(-xmin, p.scale));
  *zeroMoved = false;
  if (c.v1StorableZeros && !c.sym && p.zero == 0.0f) {
    p.zero = 1.0f;
    p.scale = stdMax(__fdiv_rn(xmax, __fsub_rn(c.maxq, 1.0f)), -xmin);
    *zeroMoved = true;
  }
  return p;
}

/// Σ |quantize(v) − v|^norm over `count` values `stride` apart, in double.
__device__ inline double sliceError(const DeviceQuantConfig &c,
                                    const float *values, int64_t count,
                                    DeviceParams p, double norm) {
  double error = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    float v = values[i];
    float q = dequantizeCode(codeAsFloat(v, p, c.maxq), p);
    double diff = fabs(__dsub_rn(double(q), double(v)));
    error =
        __dadd_rn(error, norm == 2.0 ? __dmul_rn(diff, diff) : pow(diff, norm));
  }
  return error;
}

__device__ inline DeviceParams
refineMovedZero(const DeviceQuantConfig &c, const float *values, int64_t count,
                float xmin, float xmax, DeviceParams widened) {
  float lowest = stdMax(__fdiv_rn(xmax, c.maxq), -xmin);
  DeviceParams best = widened;
  double bestError = sliceError(c, values, count, widened, 2.0);
  for (int i = 1; i <= kMovedZeroCandidates; ++i) {
    float fraction = __fdiv_rn(float(i), float(kMovedZeroCandidates));
    DeviceParams candidate{
        __fsub_rn(widened.scale,
                  __fmul_rn(fraction, __fsub_rn(widened.scale, lowest))),
        1.0f};
    double error = sliceError(c, values, count, candidate, 2.0);
    if (error < bestError) {
      bestError = error;
      best = candidate;
    }
  }
  return best;
}

/// The rest of Quantizer::findParams once xmin = min(0, values) and
/// xmax = max(0, values) are known. Min and max are exact and, starting
/// from +0 with strict comparisons, independent of the order they were
/// taken in, so callers may reduce them in parallel.
__device__ inline DeviceParams paramsFromExtremes(const DeviceQuantConfig &c,
                                                  const float *values,
                                                  int64_t count, float xmin,
                                                  float xmax) {
  if (c.sym) {
    xmax = stdMax(fabsf(xmin), xmax);
    if (xmin < 0.0f)
      xmin = -xmax;
  }
  if ((xmin == 0.0f && xmax == 0.0f) ||
      __fdiv_rn(__fsub_rn(xmax, xmin), c.maxq) == 0.0f) {
    xmin = -1.0f;
    xmax = 1.0f;
  }
  bool zeroMoved = false;
  DeviceParams params = paramsForRange(c, xmin, xmax, &zeroMoved);
  if (!c.mseSearch) {
    if (zeroMoved)
      params = refineMovedZero(c, values, count, xmin, xmax, params);
    return params;
  }
  double bestError = __longlong_as_double(0x7ff0000000000000ll); // +inf
  int steps = int(__dmul_rn(double(c.mseMaxShrink), double(c.mseGrid)));
  for (int i = 0; i < steps; ++i) {
    float shrink =
        float(__dsub_rn(1.0, __ddiv_rn(double(i), double(c.mseGrid))));
    bool unused;
    DeviceParams candidate = paramsForRange(c, __fmul_rn(shrink, xmin),
                                            __fmul_rn(shrink, xmax), &unused);
    double error = sliceError(c, values, count, candidate, c.mseNorm);
    if (error < bestError) {
      bestError = error;
      params = candidate;
    }
  }
  return params;
}

/// Quantizer::findParams for `count` contiguous values.
__device__ inline DeviceParams findParams(const DeviceQuantConfig &c,
                                          const float *values, int64_t count) {
  float xmin = 0.0f, xmax = 0.0f;
  for (int64_t i = 0; i < count; ++i) {
    float v = values[i];
    xmin = stdMin(xmin, v);
    xmax = stdMax(xmax, v);
  }
  return paramsFromExtremes(c, values, count, xmin, xmax);
}

} // namespace gptq::quant::detail

#endif // GPTQ_LIB_QUANTCUDA_DEVICEQUANTIZER_CUH
