//===- Quantizer.h - Per-row min/max quantizer of GPTQ ----------*- C++ -*-===//
//
// The uniform affine quantizer GPTQ uses for one row slice (one output row
// over one group of input columns), exactly as FORMAT.md §1 specifies:
//
//   xmin = min(min(x), 0), xmax = max(max(x), 0)
//   symmetric: xmax = max(|xmin|, xmax), and xmin = -xmax where xmin < 0
//   xmin == xmax == 0: xmin = -1, xmax = +1
//   scale = (xmax - xmin) / maxq,  maxq = 2^bits - 1
//   zero = (maxq + 1) / 2 (symmetric) or round(-xmin / scale) (asymmetric)
//   code = clamp(round(x / scale) + zero, 0, maxq)
//   value = scale * (code - zero)
//
// Everything is computed in float, in the reference's order of operations,
// and every round is half-to-even (std::nearbyint under the default rounding
// mode), so ties land where the reference (PyTorch fp32) puts them.
//
// Optional MSE search (the reference's `mse=True`): shrink [xmin, xmax] by
// p = 1 - i/grid for i < floor(maxShrink * grid), and keep the candidate with
// the smallest sum |value - x|^norm.
//
// v1-storable zero points (QuantizerConfig::v1StorableZeros). An AutoGPTQ v1
// checkpoint stores zero - 1 as an unsigned bits-wide field, so zero points
// 1..maxq+1 are storable and 0 is not (FORMAT.md §4). Symmetric zero points
// ((maxq+1)/2) always are. An asymmetric slice gets zero = 0 exactly when
// -xmin < scale/2, i.e. it is (almost) non-negative. With the option on,
// such a slice instead gets zero = 1, whose grid spans [-scale, (maxq-1)scale]:
//   1. widen so the slice still fits: scale = max(xmax / (maxq - 1), -xmin);
//   2. without MSE search, also try 20 evenly spaced smaller scales down to
//      max(xmax / maxq, -xmin) (the largest values may then clip to
//      (maxq-1)scale) and keep the one with the smallest squared error.
//   With MSE search on, step 1 is applied to every shrink candidate and the
//   search itself picks the best one.
// Slices whose zero point is not 0 are unchanged. Spending one of the maxq
// steps below zero makes the widening alone cost about (maxq/(maxq-1))^2 in
// squared error (measured on half-normal rows: 2.28x at 2 bits, 1.15x at 4);
// step 2 brings that to 1.15x at 2 bits, 1.09x at 3, 1.05x at 4 and 0.98x
// at 8 bits (clipping the tail helps there). In GPTQ at 4 bits with every
// zero point moved, the layer's proxy error grows by about 6%.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_QUANT_QUANTIZER_H
#define GPTQ_QUANT_QUANTIZER_H

#include "gptq/Support/Status.h"

#include <cstdint>

namespace gptq::quant {

struct QuantizerConfig {
  int bits = 4;
  bool sym = true;
  bool mseSearch = false;
  /// Never emit zero = 0 (see the file comment); only affects asymmetric.
  bool v1StorableZeros = false;
  float mseNorm = 2.4f;
  int mseGrid = 100;
  float mseMaxShrink = 0.8f;
};

/// Parameters of one row slice. `zero` is an integer held in a float, as in
/// the reference and the golden file.
struct QuantParams {
  float scale = 1.0f;
  float zero = 0.0f;
};

/// One error message if `bits` is not a supported width (2, 3, 4, 8).
Status checkQuantBits(int bits);

class Quantizer {
public:
  /// Fails on unsupported bits or MSE settings.
  static Expected<Quantizer> create(const QuantizerConfig &config);

  const QuantizerConfig &config() const { return config_; }
  int maxq() const { return maxq_; }

  /// Parameters for `count` values starting at `values` (contiguous).
  QuantParams findParams(const float *values, int64_t count) const;

  /// The integer code of `x`: clamp(round(x / scale) + zero, 0, maxq).
  int32_t code(float x, const QuantParams &params) const {
    return static_cast<int32_t>(codeAsFloat(x, params));
  }
  /// The value a code stands for: scale * (code - zero).
  static float dequantize(int32_t code, const QuantParams &params) {
    return params.scale * (static_cast<float>(code) - params.zero);
  }
  /// Quantize then dequantize `x`.
  float quantize(float x, const QuantParams &params) const {
    return params.scale * (codeAsFloat(x, params) - params.zero);
  }

private:
  explicit Quantizer(const QuantizerConfig &config);

  float codeAsFloat(float x, const QuantParams &params) const;
  /// Min/max parameters for a range already containing 0 (after the
  /// symmetric and all-zero rules), with the v1 widening applied.
  QuantParams paramsForRange(float xmin, float xmax, bool *zeroMoved) const;
  double sliceError(const float *values, int64_t count,
                    const QuantParams &params, double norm) const;
  QuantParams refineMovedZero(const float *values, int64_t count, float xmin,
                              float xmax, QuantParams widened) const;

  QuantizerConfig config_;
  int maxq_;
};

} // namespace gptq::quant

#endif // GPTQ_QUANT_QUANTIZER_H
