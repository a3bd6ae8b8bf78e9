//===- PartialState.h - Resumable per-layer progress on disk ----*- C++ -*-===//
//
// Quantizing a large model takes long enough that an interruption must not
// cost the finished layers. After each layer, OUTDIR/.gptq-partial/ gets
// that layer's packed tensors (layer-NNNNN.safetensors); they are also what
// the final checkpoint is assembled from, so finished layers never stay in
// memory. The commit record is progress.safetensors: the hidden states the
// next layer needs, the index of that layer and a settings fingerprint.
//
// Durability is batched. Layer files are written atomically (temporary file
// and rename) but not fsynced one by one; the progress record is written
// only when `interval` seconds have passed since the last one (0: after
// every layer), and right before it every layer file written since the last
// record is fsynced. A record therefore never names a layer whose file could
// be lost, an interruption costs at most `interval` seconds of work plus one
// layer, and the per-layer cost of resumability is a write into the page
// cache instead of fsyncs and a copy of the hidden states (which dominate:
// sequences × seqlen × hidden values). --resume restores the hidden states
// and continues; a fingerprint that does not match the command line is
// refused rather than mixing layers quantized with different settings.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_PARTIALSTATE_H
#define GPTQ_TOOLS_QUANTIZE_PARTIALSTATE_H

#include "CalibrationBackend.h"

#include "gptq/Format/Safetensors.h"
#include "gptq/Support/Status.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace gptq::tools {

/// OUTDIR/.gptq-partial
std::string partialDirectory(const std::string &outDir);
/// OUTDIR/.gptq-partial/layer-NNNNN.safetensors
std::string partialLayerPath(const std::string &outDir, int64_t layer);

class PartialState {
public:
  PartialState(std::string outDir, std::string fingerprint,
               double intervalSeconds)
      : outDir_(std::move(outDir)), fingerprint_(std::move(fingerprint)),
        interval_(intervalSeconds) {}

  /// Writes layer `layer`'s packed tensors (durable at the next record).
  Status saveLayer(int64_t layer, const format::SafetensorsWriter &tensors);

  /// Layers 0..layer are saved and the backend holds layer + 1's inputs
  /// (when `withHidden`): writes the progress record if the interval has
  /// passed or `force`. Returns whether it wrote one.
  Expected<bool> recordProgress(int64_t layer, CalibrationBackend *backend,
                                bool withHidden, bool force);

  /// The first layer still to quantize (0 when there is no progress
  /// record), after restoring the backend's hidden states (when
  /// `withHidden` and layers remain of `numLayers`).
  Expected<int64_t> restore(CalibrationBackend *backend, bool withHidden,
                            int64_t numLayers);

private:
  std::string outDir_, fingerprint_;
  double interval_;
  std::chrono::steady_clock::time_point lastRecord_ =
      std::chrono::steady_clock::now();
  /// Layer files written since the last record, not yet fsynced.
  std::vector<std::string> unsynced_;
};

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_PARTIALSTATE_H
