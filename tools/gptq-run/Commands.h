//===- Commands.h - gptq-run's subcommands ----------------------*- C++ -*-===//
//
// Each subcommand takes its parsed options and returns a Status; main()
// prints a failure on one line and exits non-zero.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_RUN_COMMANDS_H
#define GPTQ_RUN_COMMANDS_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gptq::run {

struct PplOptions {
  std::string model, text, device = "cpu", dumpLogits;
  int64_t window = 512, maxWindows = 0, batch = 0;
  unsigned threads = 0;
};

struct GenerateOptions {
  std::string model, prompt, device = "cpu";
  int64_t maxNewTokens = 128;
  double temperature = 0.0, topP = 1.0;
  uint64_t seed = 0;
  unsigned threads = 0;
};

struct BenchOptions {
  std::string config;
  int bits = 4;
  int64_t groupSize = 128;
  bool actOrder = false;
  std::vector<int64_t> batches = {1, 8, 32};
  int64_t promptLen = 512, genLen = 128;
  int repeats = 3;
  /// Run large prefills on the generated tiles instead of the dense path
  /// (dequantize + cuBLAS), for comparisons.
  bool noDense = false;
  bool noJoin = false;
};

Status runPpl(const PplOptions &options);
Status runGenerate(const GenerateOptions &options);
Status runBench(const BenchOptions &options);

} // namespace gptq::run

#endif // GPTQ_RUN_COMMANDS_H
