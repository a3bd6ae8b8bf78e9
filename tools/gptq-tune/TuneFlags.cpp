//===- TuneFlags.cpp - what gptq-tune is asked to tune --------------------===//

#include "TuneFlags.h"

#include "gptq/Autotune/DefaultConfigs.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <sstream>

namespace gptq::tune {

static std::vector<std::string> splitList(const std::string &text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
    if (!item.empty())
      items.push_back(item);
  return items;
}

static bool parsePositive(const std::string &text, int64_t &value) {
  if (text.empty() || text.size() > 12 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  value = std::stoll(text);
  return value > 0;
}

Expected<std::vector<TuneShape>> parseShapes(const std::string &text) {
  // Llama-2 layers, K = in features, N = out features (PEERS.md).
  static const std::map<std::string, std::vector<TuneShape>> presets = {
      {"llama-7b",
       {{"7B.qkv", 4096, 12288},
        {"7B.o", 4096, 4096},
        {"7B.gateup", 4096, 22016},
        {"7B.down", 11008, 4096}}},
      {"llama-70b",
       {{"70B.qkv", 8192, 10240},
        {"70B.o", 8192, 8192},
        {"70B.gateup", 8192, 57344},
        {"70B.down", 28672, 8192}}}};
  std::vector<TuneShape> shapes;
  std::set<std::pair<int64_t, int64_t>> seen;
  auto add = [&](const TuneShape &shape) {
    if (seen.insert({shape.inFeatures, shape.outFeatures}).second)
      shapes.push_back(shape);
  };
  for (std::string item : splitList(text)) {
    if (auto preset = presets.find(item); preset != presets.end()) {
      for (const TuneShape &shape : preset->second)
        add(shape);
      continue;
    }
    // "×" (U+00D7) as printed by qmm-bench and PEERS.md.
    if (size_t times = item.find("\xc3\x97"); times != std::string::npos)
      item.replace(times, 2, "x");
    size_t x = item.find('x');
    int64_t k = 0, n = 0;
    if (x == std::string::npos || !parsePositive(item.substr(0, x), k) ||
        !parsePositive(item.substr(x + 1), n))
      return Status::error(fmt::format(
          "--shapes: '{}' is neither KxN (e.g. 4096x12288) nor a preset "
          "(llama-7b, llama-70b)",
          item));
    add({fmt::format("{}x{}", k, n), k, n});
  }
  if (shapes.empty())
    return Status::error("--shapes: no shape given");
  return shapes;
}

Expected<std::vector<int64_t>> parseRows(const std::string &text) {
  std::vector<int64_t> rows;
  std::map<int64_t, int64_t> bucketOwner;
  for (const std::string &item : splitList(text)) {
    int64_t m = 0;
    if (!parsePositive(item, m))
      return Status::error(
          fmt::format("--m: '{}' is not a positive row count", item));
    const int64_t bucket = autotune::rowBucket(m);
    auto [it, inserted] = bucketOwner.insert({bucket, m});
    if (!inserted)
      return Status::error(fmt::format(
          "--m: {} and {} fall in the same M bucket ({}); the cache keeps "
          "one entry per bucket",
          it->second, m, bucket));
    rows.push_back(m);
  }
  if (rows.empty())
    return Status::error("--m: no row count given");
  return rows;
}

Status checkRequest(const TuneRequest &request) {
  GPTQ_RETURN_IF_ERROR(
      autotune::checkLayoutKey(request.layout).withContext("layout flags"));
  const int64_t groupSize = request.layout.groupSize;
  if (groupSize != -1 && groupSize % 32 != 0)
    return Status::error(fmt::format(
        "--group-size must be -1 or a multiple of 32, got {}", groupSize));
  for (const TuneShape &shape : request.shapes) {
    if (shape.inFeatures % 32 != 0 || shape.outFeatures % 32 != 0)
      return Status::error(
          fmt::format("--shapes: {}: K = {} and N = {} must be multiples of 32",
                      shape.name, shape.inFeatures, shape.outFeatures));
    if (groupSize != -1 && shape.inFeatures % groupSize != 0)
      return Status::error(fmt::format(
          "--shapes: {}: K = {} is not a multiple of the group size {}",
          shape.name, shape.inFeatures, groupSize));
  }
  if (!request.nvrtcOptions.empty() && !request.outPath.empty())
    return Status::error(
        "--out cannot be combined with --nvrtc-option: the runtime compiles "
        "its kernels without those options, so their times must not go into "
        "an autotune cache");
  if (!request.dryRun && request.nvrtcOptions.empty() &&
      request.outPath.empty())
    return Status::error("--out is required (the cache to write or merge "
                         "into) unless --dry-run or --nvrtc-option");
  if (request.repetitions < 10)
    return Status::error(fmt::format(
        "--reps must be at least 10 (a median of fewer is noise), got {}",
        request.repetitions));
  return Status::success();
}

} // namespace gptq::tune
