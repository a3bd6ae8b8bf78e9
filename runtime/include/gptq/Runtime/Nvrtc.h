//===- Nvrtc.h - Compiling generated CUDA C++ with NVRTC --------*- C++ -*-===//
//
// Kernels are generated as CUDA C++ and compiled at run time for the GPU at
// hand, so a checkpoint's layouts need no ahead-of-time build. The device
// building blocks in runtime/device (qmm/*.cuh) are compiled into the runtime
// as strings and handed to NVRTC as headers: a program never depends on where
// the project's sources are.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_RUNTIME_NVRTC_H
#define GPTQ_RUNTIME_NVRTC_H

#include "gptq/Support/Status.h"

#include <string>
#include <vector>

namespace gptq::rt {

struct CompileOptions {
  /// Target, e.g. "sm_80" or "sm_90a".
  std::string arch = "sm_90a";
  /// Also produce a cubin (needed for the resource report and for loading
  /// without a JIT step); PTX is always produced.
  bool wantCubin = true;
  /// Passed to NVRTC after the runtime's own options.
  std::vector<std::string> extraOptions;

  /// The options exactly as handed to NVRTC; part of the kernel cache key.
  std::vector<std::string> nvrtcOptions() const;
};

/// What ptxas reported for one kernel (only filled with a cubin).
struct KernelResources {
  std::string name;
  int registers = 0;
  int sharedBytes = 0;
  int spillStoreBytes = 0;
  int spillLoadBytes = 0;
  int stackBytes = 0;
};

struct CompileResult {
  std::string ptx;
  /// Empty unless CompileOptions::wantCubin.
  std::string cubin;
  /// NVRTC's log (warnings, ptxas -v report).
  std::string log;
  std::vector<KernelResources> kernels;
};

/// Compiles `source` (named `programName` in diagnostics). A failure carries
/// NVRTC's log in its message.
Expected<CompileResult> compileCuda(const std::string &source,
                                    const std::string &programName,
                                    const CompileOptions &options);

/// NVRTC's version as "major.minor"; part of the kernel cache key.
std::string nvrtcVersionString();

/// Parses the ptxas -v report in an NVRTC log into per-kernel resources.
std::vector<KernelResources> parsePtxasReport(const std::string &log);

/// The headers compiled into the runtime, as (include name, contents).
const std::vector<std::pair<std::string, std::string>> &embeddedDeviceHeaders();

} // namespace gptq::rt

#endif // GPTQ_RUNTIME_NVRTC_H
