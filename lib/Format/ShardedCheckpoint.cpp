//===- ShardedCheckpoint.cpp - Weights split into shards plus index -------===//
//
// The index is what makes a sharded directory loadable (transformers and
// CheckpointReader look for it first; with several .safetensors files and
// no index our reader refuses to guess), so it is written last: whatever an
// interruption leaves, an index never names a shard that is missing or
// half-written.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/ShardedCheckpoint.h"

#include "gptq/Format/AtomicFile.h"

#include <algorithm>
#include <cctype>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gptq::format {

namespace {

/// "a.2.b" < "a.10.b": runs of digits compare as numbers.
bool naturalLess(const std::string &a, const std::string &b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit((unsigned char)a[i]) &&
        std::isdigit((unsigned char)b[j])) {
      size_t iEnd = i, jEnd = j;
      while (iEnd < a.size() && std::isdigit((unsigned char)a[iEnd]))
        ++iEnd;
      while (jEnd < b.size() && std::isdigit((unsigned char)b[jEnd]))
        ++jEnd;
      // Without leading zeros the longer run is the larger number.
      std::string_view x(a.data() + i, iEnd - i), y(b.data() + j, jEnd - j);
      while (x.size() > 1 && x[0] == '0')
        x.remove_prefix(1);
      while (y.size() > 1 && y[0] == '0')
        y.remove_prefix(1);
      if (x.size() != y.size())
        return x.size() < y.size();
      if (x != y)
        return x < y;
      i = iEnd;
      j = jEnd;
      continue;
    }
    if (a[i] != b[j])
      return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

std::string joinPath(const std::string &directory, const std::string &name) {
  return directory.empty() || directory.back() == '/' ? directory + name
                                                      : directory + "/" + name;
}

} // namespace

std::string shardIndexName(const std::string &baseName) {
  return baseName + ".safetensors.index.json";
}

ShardPlan planShards(const std::vector<TensorSource> &tensors,
                     uint64_t maxShardBytes, const std::string &baseName) {
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return naturalLess(tensors[a].name, tensors[b].name);
  });
  ShardPlan plan;
  uint64_t current = 0;
  for (size_t index : order) {
    const uint64_t size = tensors[index].bytes.size;
    if (plan.members.empty() ||
        (!plan.members.back().empty() && current + size > maxShardBytes)) {
      plan.members.emplace_back();
      current = 0;
    }
    plan.members.back().push_back(index);
    current += size;
    plan.totalSize += size;
  }
  if (plan.members.empty())
    plan.members.emplace_back();
  const size_t count = plan.members.size();
  for (size_t shard = 0; shard < count; ++shard)
    plan.files.push_back(count == 1
                             ? baseName + ".safetensors"
                             : fmt::format("{}-{:05d}-of-{:05d}.safetensors",
                                           baseName, shard + 1, count));
  return plan;
}

Status writeShards(const std::string &directory, const ShardPlan &plan,
                   const std::vector<TensorSource> &tensors,
                   const std::map<std::string, std::string> &metadata,
                   const std::string &baseName) {
  nlohmann::ordered_json weightMap = nlohmann::ordered_json::object();
  std::vector<std::pair<std::string, std::string>> entries;
  for (size_t shard = 0; shard < plan.files.size(); ++shard) {
    std::vector<TensorSource> members;
    for (size_t index : plan.members[shard]) {
      members.push_back(tensors[index]);
      entries.emplace_back(tensors[index].name, plan.files[shard]);
    }
    GPTQ_RETURN_IF_ERROR(writeSafetensors(
        joinPath(directory, plan.files[shard]), metadata, members));
  }
  if (plan.files.size() == 1)
    return Status::success();
  // Sorted by name, as transformers writes it.
  std::sort(entries.begin(), entries.end());
  for (const auto &[name, file] : entries)
    weightMap[name] = file;
  nlohmann::ordered_json index;
  index["metadata"] = {{"total_size", plan.totalSize}};
  index["weight_map"] = std::move(weightMap);
  return writeFileAtomically(joinPath(directory, shardIndexName(baseName)),
                             index.dump(2) + "\n");
}

} // namespace gptq::format
