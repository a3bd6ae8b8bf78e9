//===- AutotuneCache.h - measured tile configurations per GPU -*- C++ -*-===//
//
// gptq-tune measures candidate tiles on one GPU and records the fastest per
// (GPU, layout, K, N, M bucket) in a JSON file; qmm-select-tile (gptq-opt
// --autotune-cache) and the runtime read it back and use an entry instead of
// the default heuristics (DefaultConfigs.h). Plain C++, no MLIR, so the
// runtime can link it.
//
// A cache is advice, never a requirement: a missing, corrupt or foreign file
// and invalid entries produce warnings and are ignored (the defaults apply);
// loading never fails. Entries for other GPUs or drivers are kept in memory
// and written back by save(), so one file can hold several machines' results.
// The file format is described in docs/ARCHITECTURE.md ("Autotuning").
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_AUTOTUNE_AUTOTUNECACHE_H
#define GPTQ_AUTOTUNE_AUTOTUNECACHE_H

#include "gptq/Autotune/DefaultConfigs.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace gptq::autotune {

/// The file's `version`; files with another one are ignored with a warning.
constexpr int kAutotuneCacheVersion = 1;

/// The GPU an entry was measured on.
struct GpuIdentity {
  /// cuDeviceGetName, e.g. "NVIDIA H100 80GB HBM3".
  std::string name;
  /// The NVRTC target, e.g. "sm_90a".
  std::string arch;
  /// cuDriverGetVersion, e.g. 13000.
  int driverVersion = 0;

  bool operator<(const GpuIdentity &other) const {
    return std::tie(name, arch, driverVersion) <
           std::tie(other.name, other.arch, other.driverVersion);
  }
  bool operator==(const GpuIdentity &other) const {
    return !(*this < other) && !(other < *this);
  }
};

/// Which entries a reader may use. Empty fields (and driver 0) match
/// anything: the runtime fills all three from the present device; gptq-opt,
/// which runs where there is no GPU, usually names only the architecture.
struct GpuSelector {
  std::string name;
  std::string arch;
  int driverVersion = 0;

  bool matches(const GpuIdentity &gpu) const;
};

/// The quantization layout and activation type of the weight (#qmm.layout
/// plus the element type of x).
struct LayoutKey {
  int bits = 4;
  int64_t groupSize = 128;
  bool actOrder = false;
  bool sym = false;
  /// "gptq_v1" or "gptq_v2" (qmm::CheckpointFormat's spelling).
  std::string format = "gptq_v1";
  /// "f16" or "bf16".
  std::string dtype = "f16";

  auto tie() const {
    return std::tie(bits, groupSize, actOrder, sym, format, dtype);
  }
  bool operator<(const LayoutKey &other) const { return tie() < other.tie(); }
  bool operator==(const LayoutKey &other) const { return tie() == other.tie(); }
};

/// What an entry is looked up by, besides the GPU.
struct ProblemKey {
  LayoutKey layout;
  int64_t inFeatures = 0;  // K
  int64_t outFeatures = 0; // N
  /// rowBucket(M): 1, 16, 64, 256, 1024 or 4096.
  int64_t rowBucket = 1;

  auto tie() const {
    return std::tie(layout, inFeatures, outFeatures, rowBucket);
  }
  bool operator<(const ProblemKey &other) const { return tie() < other.tie(); }
  bool operator==(const ProblemKey &other) const {
    return tie() == other.tie();
  }
};

struct CacheEntry {
  GpuIdentity gpu;
  ProblemKey problem;
  TileConfig config;
  /// Median kernel time of `config`, and of the default configuration in
  /// the same run (for reference: the gain the entry buys).
  double timeUs = 0;
  double defaultTimeUs = 0;
};

/// "mma" / "stream", and back (nullopt for anything else).
const char *strategyName(Strategy strategy);
std::optional<Strategy> parseStrategy(const std::string &name);

/// "stream m16 n32 k128 w4 s4": for progress lines and messages.
std::string describeTile(const TileConfig &config);
/// The inverse of describeTile: "stream m8 n32 k128 w4 s2" with an
/// optional " c3" (split_k), or an error naming the part that is wrong.
/// Fields only; the legality rules are checkTile's.
Expected<TileConfig> parseTile(const std::string &text);

/// Checks a layout's fields (bits, group size, format, dtype).
Status checkLayoutKey(const LayoutKey &layout);

class AutotuneCache;

/// What load() returns: the cache (possibly empty) and what was wrong with
/// the file, one line per problem, ready to print as warnings.
struct AutotuneCacheLoad;

class AutotuneCache {
public:
  /// An empty cache whose lookups use entries matching `selector`.
  explicit AutotuneCache(GpuSelector selector = {})
      : selector_(std::move(selector)) {}

  /// Reads `path`. Never fails: see AutotuneCacheLoad.
  static AutotuneCacheLoad load(const std::string &path,
                                const GpuSelector &selector);

  /// The tuned tile for `problem` on the selected GPU, if any.
  std::optional<TileConfig> lookup(const ProblemKey &problem) const;
  /// Same, with M (any row count; -1 = unknown, as for the defaults)
  /// mapped to its bucket.
  std::optional<TileConfig> lookup(const LayoutKey &layout, int64_t inFeatures,
                                   int64_t outFeatures, int64_t rows) const;

  /// Adds `entry`, replacing one of the same GPU and problem. Fails (and
  /// adds nothing) when the tile is illegal for the problem.
  Status insert(const CacheEntry &entry);

  /// Writes every entry (usable and kept-for-other-GPUs) to `path`
  /// atomically (temporary file + rename), in a stable order.
  Status save(const std::string &path) const;

  /// Entries the lookups use (matching the selector), and all entries.
  std::vector<CacheEntry> selectedEntries() const;
  const std::vector<CacheEntry> &entries() const { return entries_; }

  const GpuSelector &selector() const { return selector_; }

  /// The JSON text save() writes (exposed for tests).
  std::string toJson() const;

private:
  GpuSelector selector_;
  std::vector<CacheEntry> entries_;
};

struct AutotuneCacheLoad {
  AutotuneCache cache;
  std::vector<std::string> warnings;
};

} // namespace gptq::autotune

#endif // GPTQ_AUTOTUNE_AUTOTUNECACHE_H
