//===- PartialState.cpp - Resumable per-layer progress on disk ------------===//

#include "PartialState.h"

#include <fmt/format.h>

#include <filesystem>

namespace gptq::tools {

namespace fs = std::filesystem;

namespace {
constexpr const char *kProgressFile = "progress.safetensors";
constexpr const char *kHiddenTensor = "hidden_states";
} // namespace

std::string partialDirectory(const std::string &outDir) {
  return (fs::path(outDir) / ".gptq-partial").string();
}

std::string partialLayerPath(const std::string &outDir, int64_t layer) {
  return (fs::path(partialDirectory(outDir)) /
          fmt::format("layer-{:05d}.safetensors", layer))
      .string();
}

Status saveLayerProgress(const std::string &outDir, int64_t layer,
                         const format::SafetensorsWriter &layerTensors,
                         const std::string &fingerprint,
                         CalibrationBackend *backend, bool withHidden) {
  GPTQ_RETURN_IF_ERROR(layerTensors.write(partialLayerPath(outDir, layer)));
  format::SafetensorsWriter progress;
  progress.setMetadata("next_layer", std::to_string(layer + 1));
  progress.setMetadata("settings", fingerprint);
  if (withHidden)
    GPTQ_RETURN_IF_ERROR(backend->saveHidden(progress, kHiddenTensor));
  return progress.write(
      (fs::path(partialDirectory(outDir)) / kProgressFile).string());
}

Expected<int64_t> restoreProgress(const std::string &outDir,
                                  const std::string &fingerprint,
                                  CalibrationBackend *backend, bool withHidden,
                                  int64_t numLayers) {
  const std::string path =
      (fs::path(partialDirectory(outDir)) / kProgressFile).string();
  std::error_code error;
  if (!fs::exists(path, error))
    return int64_t(0);
  Expected<format::SafetensorsFile> file = format::SafetensorsFile::open(path);
  if (!file)
    return file.status().withContext("--resume");
  const auto &metadata = file->metadata();
  auto settings = metadata.find("settings");
  auto next = metadata.find("next_layer");
  if (settings == metadata.end() || next == metadata.end())
    return Status::error(path + ": not a gptq-quantize progress file");
  if (settings->second != fingerprint)
    return Status::error(
        fmt::format("--resume: {} was written with other settings ({}); now {}",
                    path, settings->second, fingerprint));
  const int64_t nextLayer = std::stoll(next->second);
  for (int64_t layer = 0; layer < nextLayer; ++layer)
    if (!fs::exists(partialLayerPath(outDir, layer), error))
      return Status::error(fmt::format("--resume: {} is missing",
                                       partialLayerPath(outDir, layer)));
  // After the last layer no hidden states are needed, nor saved.
  if (withHidden && nextLayer < numLayers)
    GPTQ_RETURN_IF_ERROR(backend->restoreHidden(*file, kHiddenTensor));
  return nextLayer;
}

} // namespace gptq::tools
