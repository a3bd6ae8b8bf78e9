//===- QuantFlags.cpp - Checks shared by the quantizing subcommands -------===//

#include "QuantFlags.h"

#include "gptq/Format/Packing.h"
#include "gptq/Quant/Quantizer.h"

#include <fmt/format.h>

#include <cmath>

namespace gptq::tools {

Status checkQuantFlags(int bits, int64_t groupSize, bool staticGroups,
                       double dampPercent, const std::string &format,
                       const std::string &device) {
  GPTQ_RETURN_IF_ERROR(quant::checkQuantBits(bits).withContext("--bits"));
  if (groupSize != -1 && groupSize <= 0)
    return Status::error(
        fmt::format("--group-size must be positive or -1, got {}", groupSize));
  if (staticGroups && groupSize == -1)
    return Status::error("--static-groups needs groups, but --group-size is "
                         "-1 (one group per row)");
  if (!std::isfinite(dampPercent) || dampPercent < 0.0)
    return Status::error(
        fmt::format("--damp must be finite and >= 0, got {}", dampPercent));
  Expected<format::CheckpointFormat> checkpointFormat =
      format::parseCheckpointFormat(format);
  if (!checkpointFormat)
    return checkpointFormat.status().withContext("--format");
  if (device != "cpu" && device != "cuda")
    return Status::error(
        fmt::format("--device must be cpu or cuda, got '{}'", device));
  return Status::success();
}

} // namespace gptq::tools
