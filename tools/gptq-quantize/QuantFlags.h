//===- QuantFlags.h - Checks shared by the quantizing subcommands -*- C++
//-*-===//
//
// `layer` and `model` take the same quantization flags; one function checks
// them so the two subcommands accept the same values and reject bad ones with
// the same messages.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_GPTQQUANTIZE_QUANTFLAGS_H
#define GPTQ_TOOLS_GPTQQUANTIZE_QUANTFLAGS_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>

namespace gptq::tools {

/// --bits, --group-size, --static-groups, --damp, --format and --device, in
/// that order; the first bad one is reported.
Status checkQuantFlags(int bits, int64_t groupSize, bool staticGroups,
                       double dampPercent, const std::string &format,
                       const std::string &device);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_GPTQQUANTIZE_QUANTFLAGS_H
