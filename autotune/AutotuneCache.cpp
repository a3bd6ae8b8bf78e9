//===- AutotuneCache.cpp - measured tile configurations per GPU -----------===//

#include "gptq/Autotune/AutotuneCache.h"

#include "gptq/Autotune/TileLegality.h"
#include "gptq/Format/AtomicFile.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace gptq::autotune {

using nlohmann::json;

/// Written as "format" so that a stray JSON file is told apart from a cache.
static constexpr const char *kFormatName = "gptq-autotune-cache";

bool GpuSelector::matches(const GpuIdentity &gpu) const {
  return (name.empty() || name == gpu.name) &&
         (arch.empty() || arch == gpu.arch) &&
         (driverVersion == 0 || driverVersion == gpu.driverVersion);
}

const char *strategyName(Strategy strategy) {
  switch (strategy) {
  case Strategy::Stream:
    return "stream";
  case Strategy::Pipelined:
    return "pipelined";
  case Strategy::Wgmma:
    return "wgmma";
  case Strategy::WgmmaTma:
    return "wgmma_tma";
  case Strategy::Mma:
    break;
  }
  return "mma";
}

std::optional<Strategy> parseStrategy(const std::string &name) {
  for (Strategy strategy :
       {Strategy::Mma, Strategy::Stream, Strategy::Pipelined, Strategy::Wgmma,
        Strategy::WgmmaTma})
    if (name == strategyName(strategy))
      return strategy;
  return std::nullopt;
}

std::string describeTile(const TileConfig &config) {
  std::string text = fmt::format(
      "{} m{} n{} k{} w{} s{}", strategyName(config.strategy), config.blockM,
      config.blockN, config.blockK, config.warps, config.stages);
  if (config.splitK > 1)
    text += fmt::format(" c{}", config.splitK);
  return text;
}

Expected<TileConfig> parseTile(const std::string &text) {
  std::istringstream in(text);
  std::string word;
  TileConfig config;
  if (!(in >> word))
    return Status::error("empty tile description");
  std::optional<Strategy> strategy = parseStrategy(word);
  if (!strategy)
    return Status::error(fmt::format(
        "tile '{}': strategy must be mma, stream, pipelined, wgmma or "
        "wgmma_tma, got '{}'",
        text, word));
  config.strategy = *strategy;
  bool seen[256] = {};
  while (in >> word) {
    const char field = word[0];
    int64_t *target = field == 'm'   ? &config.blockM
                      : field == 'n' ? &config.blockN
                      : field == 'k' ? &config.blockK
                      : field == 'w' ? &config.warps
                      : field == 's' ? &config.stages
                      : field == 'c' ? &config.splitK
                                     : nullptr;
    const std::string digits = word.substr(1);
    if (!target || digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return Status::error(fmt::format(
          "tile '{}': '{}' is not one of m<rows> n<cols> k<channels> "
          "w<warps> s<stages> c<split_k>",
          text, word));
    if (seen[(unsigned char)field])
      return Status::error(
          fmt::format("tile '{}': '{}' given twice", text, field));
    seen[(unsigned char)field] = true;
    *target = std::stoll(digits);
  }
  for (char field : {'m', 'n', 'k', 'w', 's'})
    if (!seen[(unsigned char)field])
      return Status::error(
          fmt::format("tile '{}': '{}<value>' is missing", text, field));
  return config;
}

Status checkLayoutKey(const LayoutKey &layout) {
  if (layout.bits != 2 && layout.bits != 3 && layout.bits != 4 &&
      layout.bits != 8)
    return Status::error(
        fmt::format("bits must be 2, 3, 4 or 8, got {}", layout.bits));
  if (layout.groupSize != -1 && layout.groupSize <= 0)
    return Status::error(fmt::format(
        "group_size must be -1 or positive, got {}", layout.groupSize));
  if (layout.format != "gptq_v1" && layout.format != "gptq_v2")
    return Status::error(fmt::format(
        "format must be gptq_v1 or gptq_v2, got '{}'", layout.format));
  if (layout.dtype != "f16" && layout.dtype != "bf16")
    return Status::error(
        fmt::format("dtype must be f16 or bf16, got '{}'", layout.dtype));
  return Status::success();
}

/// The legality rules of the code generator, plus what makes a key usable.
static Status checkEntry(const CacheEntry &entry) {
  GPTQ_RETURN_IF_ERROR(checkLayoutKey(entry.problem.layout));
  const ProblemKey &problem = entry.problem;
  if (problem.inFeatures <= 0 || problem.inFeatures % 32 != 0 ||
      problem.outFeatures <= 0 || problem.outFeatures % 32 != 0)
    return Status::error(
        fmt::format("K = {} and N = {} must be positive multiples of 32",
                    problem.inFeatures, problem.outFeatures));
  if (rowBucket(problem.rowBucket) != problem.rowBucket)
    return Status::error(fmt::format("m_bucket must be 1, 16, 64, 256, 1024 "
                                     "or 4096, got {}",
                                     problem.rowBucket));
  if (entry.gpu.arch.empty())
    return Status::error("gpu.arch is empty");
  if (!std::isfinite(entry.timeUs) || entry.timeUs < 0 ||
      !std::isfinite(entry.defaultTimeUs) || entry.defaultTimeUs < 0)
    return Status::error("times must be finite and non-negative");
  TileProblem tileProblem;
  tileProblem.bits = problem.layout.bits;
  tileProblem.actOrder = problem.layout.actOrder;
  tileProblem.inFeatures = problem.inFeatures;
  tileProblem.outFeatures = problem.outFeatures;
  tileProblem.groupSize = problem.layout.groupSize;
  tileProblem.arch = entry.gpu.arch;
  return checkTile(entry.config, tileProblem)
      .withContext("tile " + describeTile(entry.config));
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

static json entryToJson(const CacheEntry &entry) {
  const LayoutKey &layout = entry.problem.layout;
  const TileConfig &config = entry.config;
  return json{{"gpu",
               {{"name", entry.gpu.name},
                {"arch", entry.gpu.arch},
                {"driver", entry.gpu.driverVersion}}},
              {"layout",
               {{"bits", layout.bits},
                {"group_size", layout.groupSize},
                {"act_order", layout.actOrder},
                {"sym", layout.sym},
                {"format", layout.format},
                {"dtype", layout.dtype}}},
              {"k", entry.problem.inFeatures},
              {"n", entry.problem.outFeatures},
              {"m_bucket", entry.problem.rowBucket},
              {"tile",
               {{"strategy", strategyName(config.strategy)},
                {"block_m", config.blockM},
                {"block_n", config.blockN},
                {"block_k", config.blockK},
                {"warps", config.warps},
                {"stages", config.stages},
                {"split_k", config.splitK}}},
              {"time_us", entry.timeUs},
              {"default_time_us", entry.defaultTimeUs}};
}

/// `object[key]` as T, or an error naming the key (the path given as
/// `where`) and what was expected.
template <typename T>
static Expected<T> field(const json &object, const char *key,
                         const std::string &where) {
  auto it = object.find(key);
  if (it == object.end())
    return Status::error(fmt::format("missing {}{}", where, key));
  const json &value = *it;
  bool typeOk;
  if constexpr (std::is_same_v<T, bool>)
    typeOk = value.is_boolean();
  else if constexpr (std::is_same_v<T, std::string>)
    typeOk = value.is_string();
  else if constexpr (std::is_floating_point_v<T>)
    typeOk = value.is_number();
  else
    typeOk = value.is_number_integer();
  if (!typeOk)
    return Status::error(
        fmt::format("{}{} has the wrong type ({})", where, key, value.dump()));
  return value.get<T>();
}

#define GPTQ_ASSIGN_FIELD(target, type, object, key, where)                    \
  do {                                                                         \
    auto value_ = field<type>(object, key, where);                             \
    if (!value_)                                                               \
      return value_.status();                                                  \
    target = *value_;                                                          \
  } while (false)

static Expected<CacheEntry> entryFromJson(const json &object) {
  if (!object.is_object())
    return Status::error("not an object");
  CacheEntry entry;
  for (const char *part : {"gpu", "layout", "tile"})
    if (!object.contains(part) || !object.at(part).is_object())
      return Status::error(fmt::format("missing object {}", part));
  const json &gpu = object.at("gpu");
  GPTQ_ASSIGN_FIELD(entry.gpu.name, std::string, gpu, "name", "gpu.");
  GPTQ_ASSIGN_FIELD(entry.gpu.arch, std::string, gpu, "arch", "gpu.");
  GPTQ_ASSIGN_FIELD(entry.gpu.driverVersion, int, gpu, "driver", "gpu.");
  const json &layout = object.at("layout");
  LayoutKey &key = entry.problem.layout;
  GPTQ_ASSIGN_FIELD(key.bits, int, layout, "bits", "layout.");
  GPTQ_ASSIGN_FIELD(key.groupSize, int64_t, layout, "group_size", "layout.");
  GPTQ_ASSIGN_FIELD(key.actOrder, bool, layout, "act_order", "layout.");
  GPTQ_ASSIGN_FIELD(key.sym, bool, layout, "sym", "layout.");
  GPTQ_ASSIGN_FIELD(key.format, std::string, layout, "format", "layout.");
  GPTQ_ASSIGN_FIELD(key.dtype, std::string, layout, "dtype", "layout.");
  GPTQ_ASSIGN_FIELD(entry.problem.inFeatures, int64_t, object, "k", "");
  GPTQ_ASSIGN_FIELD(entry.problem.outFeatures, int64_t, object, "n", "");
  GPTQ_ASSIGN_FIELD(entry.problem.rowBucket, int64_t, object, "m_bucket", "");
  const json &tile = object.at("tile");
  std::string strategy;
  GPTQ_ASSIGN_FIELD(strategy, std::string, tile, "strategy", "tile.");
  std::optional<Strategy> parsed = parseStrategy(strategy);
  if (!parsed)
    return Status::error(fmt::format(
        "tile.strategy must be mma, stream, pipelined, wgmma or wgmma_tma, "
        "got '{}'",
        strategy));
  entry.config.strategy = *parsed;
  GPTQ_ASSIGN_FIELD(entry.config.blockM, int64_t, tile, "block_m", "tile.");
  GPTQ_ASSIGN_FIELD(entry.config.blockN, int64_t, tile, "block_n", "tile.");
  GPTQ_ASSIGN_FIELD(entry.config.blockK, int64_t, tile, "block_k", "tile.");
  GPTQ_ASSIGN_FIELD(entry.config.warps, int64_t, tile, "warps", "tile.");
  GPTQ_ASSIGN_FIELD(entry.config.stages, int64_t, tile, "stages", "tile.");
  // Caches written before split-K have no split_k: one CTA per tile.
  if (tile.contains("split_k"))
    GPTQ_ASSIGN_FIELD(entry.config.splitK, int64_t, tile, "split_k", "tile.");
  GPTQ_ASSIGN_FIELD(entry.timeUs, double, object, "time_us", "");
  GPTQ_ASSIGN_FIELD(entry.defaultTimeUs, double, object, "default_time_us", "");
  return entry;
}

#undef GPTQ_ASSIGN_FIELD

static std::string describeGpu(const GpuIdentity &gpu) {
  return fmt::format("'{}' {} driver {}", gpu.name, gpu.arch,
                     gpu.driverVersion);
}

//===----------------------------------------------------------------------===//
// AutotuneCache
//===----------------------------------------------------------------------===//

AutotuneCacheLoad AutotuneCache::load(const std::string &path,
                                      const GpuSelector &selector) {
  AutotuneCacheLoad result{AutotuneCache(selector), {}};
  auto warn = [&](std::string message) {
    result.warnings.push_back(
        fmt::format("autotune cache '{}': {}", path, message));
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    warn("cannot be read; using the default tiles");
    return result;
  }
  std::stringstream text;
  text << in.rdbuf();
  json document = json::parse(text.str(), /*cb=*/nullptr,
                              /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    warn("not a valid JSON object; ignoring it and using the default tiles");
    return result;
  }
  if (document.value("format", std::string()) != kFormatName) {
    warn(fmt::format("\"format\" is not \"{}\"; ignoring it and using the "
                     "default tiles",
                     kFormatName));
    return result;
  }
  auto version = document.find("version");
  if (version == document.end() || !version->is_number_integer() ||
      version->get<int>() != kAutotuneCacheVersion) {
    warn(fmt::format("version {} is not the supported {}; ignoring it and "
                     "using the default tiles",
                     version == document.end() ? "(none)" : version->dump(),
                     kAutotuneCacheVersion));
    return result;
  }
  auto entries = document.find("entries");
  if (entries == document.end() || !entries->is_array()) {
    warn("\"entries\" is missing or not an array; ignoring it and using the "
         "default tiles");
    return result;
  }

  std::set<std::pair<GpuIdentity, ProblemKey>> seen;
  std::set<GpuIdentity> foreign, matching;
  size_t foreignCount = 0;
  for (size_t index = 0; index < entries->size(); ++index) {
    Expected<CacheEntry> entry = entryFromJson((*entries)[index]);
    Status valid = entry ? checkEntry(*entry) : entry.status();
    if (!valid.ok()) {
      warn(fmt::format("entry {} is invalid ({}); ignoring it", index,
                       valid.message()));
      continue;
    }
    if (!seen.insert({entry->gpu, entry->problem}).second) {
      warn(fmt::format("entry {} repeats the GPU and problem of an earlier "
                       "entry; ignoring it",
                       index));
      continue;
    }
    if (selector.matches(entry->gpu)) {
      matching.insert(entry->gpu);
    } else {
      foreign.insert(entry->gpu);
      ++foreignCount;
    }
    result.cache.entries_.push_back(entry.take());
  }
  if (foreignCount != 0) {
    std::string gpus;
    for (const GpuIdentity &gpu : foreign)
      gpus += (gpus.empty() ? "" : ", ") + describeGpu(gpu);
    warn(fmt::format("ignoring {} entr{} measured on other GPUs or drivers "
                     "({})",
                     foreignCount, foreignCount == 1 ? "y" : "ies", gpus));
  }
  if (matching.size() > 1) {
    std::string gpus;
    for (const GpuIdentity &gpu : matching)
      gpus += (gpus.empty() ? "" : ", ") + describeGpu(gpu);
    warn(fmt::format("entries of several GPUs match ({}); for each problem "
                     "the first of them in this order is used (name the GPU "
                     "to choose)",
                     gpus));
  }
  return result;
}

std::optional<TileConfig>
AutotuneCache::lookup(const ProblemKey &problem) const {
  const CacheEntry *best = nullptr;
  for (const CacheEntry &entry : entries_)
    if (entry.problem == problem && selector_.matches(entry.gpu) &&
        (!best || entry.gpu < best->gpu))
      best = &entry;
  if (!best)
    return std::nullopt;
  return best->config;
}

std::optional<TileConfig> AutotuneCache::lookup(const LayoutKey &layout,
                                                int64_t inFeatures,
                                                int64_t outFeatures,
                                                int64_t rows) const {
  return lookup(ProblemKey{layout, inFeatures, outFeatures, rowBucket(rows)});
}

Status AutotuneCache::insert(const CacheEntry &entry) {
  GPTQ_RETURN_IF_ERROR(checkEntry(entry));
  for (CacheEntry &existing : entries_)
    if (existing.gpu == entry.gpu && existing.problem == entry.problem) {
      existing = entry;
      return Status::success();
    }
  entries_.push_back(entry);
  return Status::success();
}

std::vector<CacheEntry> AutotuneCache::selectedEntries() const {
  std::vector<CacheEntry> selected;
  for (const CacheEntry &entry : entries_)
    if (selector_.matches(entry.gpu))
      selected.push_back(entry);
  return selected;
}

std::string AutotuneCache::toJson() const {
  // Sorted by GPU, then problem: a re-tuned file diffs line by line.
  std::vector<const CacheEntry *> sorted;
  for (const CacheEntry &entry : entries_)
    sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const CacheEntry *a, const CacheEntry *b) {
              return std::tie(a->gpu, a->problem) <
                     std::tie(b->gpu, b->problem);
            });
  json entries = json::array();
  for (const CacheEntry *entry : sorted)
    entries.push_back(entryToJson(*entry));
  json document = {{"format", kFormatName},
                   {"version", kAutotuneCacheVersion},
                   {"entries", std::move(entries)}};
  return document.dump(2) + "\n";
}

Status AutotuneCache::save(const std::string &path) const {
  return format::writeFileAtomically(path, toJson())
      .withContext("writing the autotune cache " + path);
}

} // namespace gptq::autotune
