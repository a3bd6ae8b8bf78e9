//===- Concatenate.h - Quantized linears side by side -----------*- C++ -*-===//
//
// Linears that read the same input (q, k and v; gate and up) can run as one
// wider linear: its output columns are theirs, one after the other. For GPTQ
// that is exact as long as they agree on everything that is per input
// channel (K, bits, group size, zero-point format and g_idx): qweight,
// scales, qzeros and bias are all laid out per output column, so their rows
// are joined (FORMAT.md §4; qzeros rows hold N * bits / 32 whole words, so
// the 3-bit bit streams join at word boundaries too).
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_CONCATENATE_H
#define GPTQ_FORMAT_CONCATENATE_H

#include "gptq/Format/Dequantize.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace gptq::format {

/// Why `parts` cannot be joined (the first difference, naming the part), or
/// success. Each part must validate.
Status checkConcatenable(const std::vector<const QuantizedLinear *> &parts);

/// The biases of linears side by side, each {width, bias} (an empty bias
/// contributes `width` zeros), or empty when no part has one.
std::vector<float> concatenateBiases(
    const std::vector<std::pair<int64_t, const std::vector<float> *>> &parts);

/// One linear whose output columns are those of `parts` in order. A part
/// without a bias contributes zeros if another part has one
/// (concatenateBiases).
Expected<QuantizedLinear>
concatenateOutputs(const std::vector<const QuantizedLinear *> &parts);

} // namespace gptq::format

#endif // GPTQ_FORMAT_CONCATENATE_H
