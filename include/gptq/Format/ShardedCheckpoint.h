//===- ShardedCheckpoint.h - Weights in shards plus an index ----*- C++ -*-===//
//
// Hugging Face's convention for large checkpoints (FORMAT.md §5): tensors
// are split into `model-00001-of-0000N.safetensors` files of at most
// --max-shard-size bytes of tensor data each, and
// `model.safetensors.index.json` maps every tensor name to its shard
// (`weight_map`) and records `metadata.total_size`, the sum of the tensors'
// sizes. A checkpoint that fits in one shard is written as a single
// `model.safetensors` with no index, as transformers' save_pretrained does.
//
// Sizes are spelled as save_pretrained's max_shard_size: an integer number
// of bytes, or an integer with a unit, decimal (KB, MB, GB, TB = 10^3..)
// or binary (KiB, MiB, GiB, TiB = 2^10..), case-insensitive.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_SHARDEDCHECKPOINT_H
#define GPTQ_FORMAT_SHARDEDCHECKPOINT_H

#include "gptq/Format/SafetensorsStream.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gptq::format {

/// "4GB" -> 4000000000; an error (quoting `text`) for anything else,
/// including zero and negative sizes.
Expected<uint64_t> parseShardSize(std::string_view text);

/// Which tensors go to which file.
struct ShardPlan {
  /// File names, in order ("model.safetensors" when there is one shard).
  std::vector<std::string> files;
  /// Indices into the planned tensors, per file.
  std::vector<std::vector<size_t>> members;
  /// Sum of all tensors' byte sizes (the index's metadata.total_size).
  uint64_t totalSize = 0;
};

/// Assigns tensors in natural name order ("layers.2" before "layers.10", so
/// a layer's tensors stay together), opening a new shard whenever the next
/// tensor would take the current one past `maxShardBytes`. A tensor larger
/// than the limit gets a shard of its own, as in transformers.
ShardPlan planShards(const std::vector<TensorSource> &tensors,
                     uint64_t maxShardBytes,
                     const std::string &baseName = "model");

/// Writes the shards of `plan` into `directory` (each durable and atomic),
/// then the index last when there are several, so that an index is never
/// present without every shard it names. `metadata` goes into each shard.
Status writeShards(const std::string &directory, const ShardPlan &plan,
                   const std::vector<TensorSource> &tensors,
                   const std::map<std::string, std::string> &metadata,
                   const std::string &baseName = "model");

/// "model.safetensors.index.json" for `baseName` "model".
std::string shardIndexName(const std::string &baseName = "model");

} // namespace gptq::format

#endif // GPTQ_FORMAT_SHARDEDCHECKPOINT_H
