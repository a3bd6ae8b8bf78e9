//===- TuneFlags.h - what gptq-tune is asked to tune ------------*- C++ -*-===//
//
// The parsed and checked command line of gptq-tune: one layout, a list of
// shapes (K x N) and a list of row counts M. Errors name the flag.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_GPTQTUNE_TUNEFLAGS_H
#define GPTQ_TOOLS_GPTQTUNE_TUNEFLAGS_H

#include "gptq/Autotune/AutotuneCache.h"
#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gptq::tune {

struct TuneShape {
  /// "7B.qkv" for preset shapes, "4096x12288" otherwise.
  std::string name;
  int64_t inFeatures = 0;  // K
  int64_t outFeatures = 0; // N
};

struct TuneRequest {
  autotune::LayoutKey layout;
  std::vector<TuneShape> shapes;
  std::vector<int64_t> rows;
  std::string outPath;
  size_t maxCandidates = 0;
  bool dryRun = false;
  /// Target for --dry-run; on a GPU, empty means the device's own.
  std::string arch;
  int repetitions = 20;
  unsigned compileThreads = 0;
  /// Print every candidate's time, not only the best.
  bool verbose = false;
  /// Candidates to time beside the default instead of its neighbourhood
  /// (describeTile's form, e.g. "stream m8 n32 k128 w4 s2 c3").
  std::vector<autotune::TileConfig> tiles;
  /// Extra NVRTC options for every candidate (experiments, e.g. the timing
  /// switches of runtime/device/qmm/ablate.cuh). The runtime compiles its
  /// kernels without them, so such a run only prints times and writes no
  /// cache.
  std::vector<std::string> nvrtcOptions;
};

/// Parses "--shapes": a comma-separated list of presets ("llama-7b",
/// "llama-70b": the Llama-2 layers of PEERS.md, qkv and gate-up fused) and
/// KxN pairs ("4096x12288"; "×" works too).
Expected<std::vector<TuneShape>> parseShapes(const std::string &text);

/// Parses "--m": a comma-separated list of positive row counts, at most one
/// per M bucket (the cache keeps one entry per bucket).
Expected<std::vector<int64_t>> parseRows(const std::string &text);

/// Checks the layout against each shape (K a multiple of 32 and of the group
/// size, N a multiple of 32) and the remaining fields.
Status checkRequest(const TuneRequest &request);

} // namespace gptq::tune

#endif // GPTQ_TOOLS_GPTQTUNE_TUNEFLAGS_H
