//===- PartialState.h - Resumable per-layer progress on disk ----*- C++ -*-===//
//
// Quantizing a large model takes long enough that an interruption must not
// cost the finished layers. After each layer, OUTDIR/.gptq-partial/ gets
// that layer's packed tensors (layer-NNNNN.safetensors), then the hidden
// states the next layer needs plus the index of that layer and a settings
// fingerprint (progress.safetensors). Both are written atomically and in
// that order, so whatever an interruption leaves is consistent: at worst
// one layer is quantized again. --resume restores the hidden states and
// continues; a fingerprint that does not match the command line is refused
// rather than mixing layers quantized with different settings.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_PARTIALSTATE_H
#define GPTQ_TOOLS_QUANTIZE_PARTIALSTATE_H

#include "CalibrationBackend.h"

#include "gptq/Format/Safetensors.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>

namespace gptq::tools {

/// OUTDIR/.gptq-partial
std::string partialDirectory(const std::string &outDir);
/// OUTDIR/.gptq-partial/layer-NNNNN.safetensors
std::string partialLayerPath(const std::string &outDir, int64_t layer);

/// Records that layers 0..layer are done: writes `layerTensors`, then the
/// progress file with the backend's hidden states (when `withHidden`).
Status saveLayerProgress(const std::string &outDir, int64_t layer,
                         const format::SafetensorsWriter &layerTensors,
                         const std::string &fingerprint,
                         CalibrationBackend *backend, bool withHidden);

/// The first layer still to quantize (0 when there is no progress file),
/// after restoring the backend's hidden states (when `withHidden` and
/// layers remain of `numLayers`).
Expected<int64_t> restoreProgress(const std::string &outDir,
                                  const std::string &fingerprint,
                                  CalibrationBackend *backend, bool withHidden,
                                  int64_t numLayers);

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_PARTIALSTATE_H
