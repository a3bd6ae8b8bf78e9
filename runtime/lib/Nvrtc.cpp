//===- Nvrtc.cpp - NVRTC compilation and the ptxas resource report --------===//
//
// The resource report (registers, shared memory, spills) comes from ptxas's
// verbose output, which NVRTC forwards into the program log when it builds a
// cubin: it is what users of nvcc already read, and it needs no ELF parsing.
//
//===----------------------------------------------------------------------===//

#include "gptq/Runtime/Nvrtc.h"

#include <fmt/format.h>
#include <nvrtc.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

namespace gptq::rt {
namespace {

std::string nvrtcError(nvrtcResult result, const char *call) {
  return fmt::format("{}: {}", call, nvrtcGetErrorString(result));
}

/// The CUDA toolkit's include directory, if present: NVRTC needs
/// cuda_fp16.h/cuda_bf16.h from there when its built-in copies are missing.
std::string toolkitIncludeDir() {
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *home = std::getenv(variable))
      if (std::filesystem::exists(std::string(home) + "/include/cuda_fp16.h"))
        return std::string(home) + "/include";
  if (std::filesystem::exists("/usr/local/cuda/include/cuda_fp16.h"))
    return "/usr/local/cuda/include";
  return "";
}

} // namespace

std::vector<std::string> CompileOptions::nvrtcOptions() const {
  std::vector<std::string> result = {"--gpu-architecture=" + arch,
                                     "--std=c++17", "-DQMM_NVRTC=1"};
  if (wantCubin)
    result.push_back("--ptxas-options=-v");
  std::string include = toolkitIncludeDir();
  if (!include.empty())
    result.push_back("--include-path=" + include);
  result.insert(result.end(), extraOptions.begin(), extraOptions.end());
  return result;
}

std::string nvrtcVersionString() {
  int major = 0, minor = 0;
  if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS)
    return "unknown";
  return fmt::format("{}.{}", major, minor);
}

std::vector<KernelResources> parsePtxasReport(const std::string &log) {
  // ptxas prints, per kernel:
  //   ptxas info    : Compiling entry function 'NAME' for 'sm_90a'
  //   ptxas info    : Function properties for NAME
  //       N bytes stack frame, S bytes spill stores, L bytes spill loads
  //   ptxas info    : Used R registers, ... B bytes smem, ...
  static const std::regex entry(R"(Compiling entry function '([^']+)')");
  static const std::regex frame(
      R"((\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads)");
  static const std::regex used(R"(Used (\d+) registers)");
  static const std::regex smem(R"((\d+) bytes smem)");
  std::vector<KernelResources> kernels;
  std::istringstream lines(log);
  std::string line;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_search(line, match, entry)) {
      kernels.push_back(KernelResources{match[1].str()});
      continue;
    }
    if (kernels.empty())
      continue;
    KernelResources &kernel = kernels.back();
    if (std::regex_search(line, match, frame)) {
      kernel.stackBytes = std::stoi(match[1].str());
      kernel.spillStoreBytes = std::stoi(match[2].str());
      kernel.spillLoadBytes = std::stoi(match[3].str());
    }
    if (std::regex_search(line, match, used)) {
      kernel.registers = std::stoi(match[1].str());
      if (std::regex_search(line, match, smem))
        kernel.sharedBytes = std::stoi(match[1].str());
    }
  }
  return kernels;
}

Expected<CompileResult> compileCuda(const std::string &source,
                                    const std::string &programName,
                                    const CompileOptions &options) {
  const auto &headers = embeddedDeviceHeaders();
  std::vector<const char *> headerSources, headerNames;
  for (const auto &[name, contents] : headers) {
    headerNames.push_back(name.c_str());
    headerSources.push_back(contents.c_str());
  }
  nvrtcProgram program;
  nvrtcResult result = nvrtcCreateProgram(
      &program, source.c_str(), programName.c_str(), int(headers.size()),
      headerSources.data(), headerNames.data());
  if (result != NVRTC_SUCCESS)
    return Status::error(nvrtcError(result, "nvrtcCreateProgram"));
  struct ProgramGuard {
    nvrtcProgram &program;
    ~ProgramGuard() { nvrtcDestroyProgram(&program); }
  } guard{program};

  std::vector<std::string> optionStrings = options.nvrtcOptions();
  std::vector<const char *> optionPointers;
  for (const std::string &option : optionStrings)
    optionPointers.push_back(option.c_str());
  nvrtcResult compiled = nvrtcCompileProgram(
      program, int(optionPointers.size()), optionPointers.data());
  CompileResult output;
  size_t logSize = 0;
  if (nvrtcGetProgramLogSize(program, &logSize) == NVRTC_SUCCESS &&
      logSize > 1) {
    output.log.resize(logSize);
    nvrtcGetProgramLog(program, output.log.data());
    output.log.resize(logSize - 1);
  }
  if (compiled != NVRTC_SUCCESS)
    return Status::error(
        fmt::format("NVRTC could not compile {} for {}: {}\n{}", programName,
                    options.arch, nvrtcGetErrorString(compiled), output.log));

  size_t ptxSize = 0;
  if ((result = nvrtcGetPTXSize(program, &ptxSize)) != NVRTC_SUCCESS)
    return Status::error(nvrtcError(result, "nvrtcGetPTXSize"));
  output.ptx.resize(ptxSize);
  if ((result = nvrtcGetPTX(program, output.ptx.data())) != NVRTC_SUCCESS)
    return Status::error(nvrtcError(result, "nvrtcGetPTX"));
  if (!output.ptx.empty() && output.ptx.back() == '\0')
    output.ptx.pop_back();

  if (options.wantCubin) {
    size_t cubinSize = 0;
    if ((result = nvrtcGetCUBINSize(program, &cubinSize)) != NVRTC_SUCCESS)
      return Status::error(nvrtcError(result, "nvrtcGetCUBINSize"));
    if (cubinSize == 0)
      return Status::error(fmt::format(
          "NVRTC produced no cubin for {}: '{}' is not a real GPU architecture",
          programName, options.arch));
    output.cubin.resize(cubinSize);
    if ((result = nvrtcGetCUBIN(program, output.cubin.data())) != NVRTC_SUCCESS)
      return Status::error(nvrtcError(result, "nvrtcGetCUBIN"));
    output.kernels = parsePtxasReport(output.log);
  }
  return output;
}

} // namespace gptq::rt
