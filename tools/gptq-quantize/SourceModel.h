//===- SourceModel.h - The checkpoint being quantized -----------*- C++ -*-===//
//
// GPTQ needs one decoder layer's weights at a time, so the source checkpoint
// stays memory-mapped and only the layer being quantized is materialized in
// fp32 (Linear weights transposed to [in][out] as ModelWeights holds them).
// Every tensor the run will need is checked when the model is opened, from
// the safetensors headers alone (presence, shape, dtype, not already
// quantized, divisible into groups and packable), so a bad checkpoint fails
// before any layer is quantized, naming the tensor and its file.
//
// The embedding is needed only to embed the calibration tokens; embedding()
// materializes just the rows of the tokens that occur (a 128k-entry
// vocabulary would otherwise cost a full fp32 copy of the table).
//
// lib/Model's loadModel reads the whole model in fp32 for the forward
// passes; the tensor names here follow the same transformers module paths
// (FORMAT.md §6.3).
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_SOURCEMODEL_H
#define GPTQ_TOOLS_QUANTIZE_SOURCEMODEL_H

#include "gptq/Format/Safetensors.h"
#include "gptq/Model/ModelWeights.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gptq::tools {

/// What the quantized linears must allow.
struct QuantShapeRules {
  int bits = 4;
  int64_t groupSize = 128; ///< -1: one group per row
};

class SourceModel {
public:
  /// Opens `directory` (config.json plus safetensors, sharded or not) and
  /// checks every layer's tensors against `config` and `rules`.
  static Expected<SourceModel> open(const std::string &directory,
                                    const model::ModelConfig &config,
                                    const QuantShapeRules &rules);

  const model::ModelConfig &config() const { return config_; }
  const format::CheckpointReader &reader() const { return *reader_; }

  /// Layer `index` with fp32 weights.
  Expected<model::LayerWeights> loadLayer(int64_t index) const;

  /// The linear `<prefix>.weight` as stored, [out][in] in fp32: the
  /// solver's orientation, read straight from the mmap rather than by
  /// transposing the layer's [in][out] copy back.
  Expected<std::vector<float>> readWeight(const std::string &prefix) const;

  /// A ModelWeights holding only what embedding needs, for `tokens`, which
  /// are renumbered in place into its compact table (the vocabulary check
  /// is done here first against the real vocabulary).
  Expected<model::ModelWeights> embedding(std::vector<int32_t> &tokens,
                                          int64_t T) const;

  /// "model.layers.3.self_attn.q_proj" for every quantized linear.
  std::vector<std::string> linearPrefixes() const;

private:
  SourceModel() = default;

  model::ModelConfig config_;
  std::unique_ptr<format::CheckpointReader> reader_;
};

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_SOURCEMODEL_H
