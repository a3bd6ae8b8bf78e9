//===- PackResult.h - A solver result in checkpoint layout ------*- C++ -*-===//
//
// The solver works row-major in nn.Linear's [N][K]; the checkpoint is laid
// out along K first (qweight [K·bits/32][N], scales [G][N]). Both
// subcommands (`layer` and `model`) turn a GptqResult into the tensors of a
// QuantizedLinear here, with the scales rounded to fp16 as they are stored,
// so that dequantizing the result gives exactly the weights a reader of the
// checkpoint will use.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_PACKRESULT_H
#define GPTQ_TOOLS_QUANTIZE_PACKRESULT_H

#include "gptq/Format/Dequantize.h"
#include "gptq/Format/Safetensors.h"
#include "gptq/Quant/GptqSolver.h"
#include "gptq/Support/Status.h"

#include <string>

namespace gptq::tools {

/// Packs `result` (codes, zero points, scales, g_idx) at `bits` in `format`.
Expected<format::QuantizedLinear> packResult(const quant::GptqResult &result,
                                             int bits, int64_t groupSize,
                                             format::CheckpointFormat format);

/// Adds `<prefix>qweight`, `qzeros`, `scales` (F16) and `g_idx` to `writer`.
Status addQuantizedTensors(format::SafetensorsWriter &writer,
                           const std::string &prefix,
                           const format::QuantizedLinear &layer);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_PACKRESULT_H
