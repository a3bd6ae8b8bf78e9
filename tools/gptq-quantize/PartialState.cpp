//===- PartialState.cpp - Resumable per-layer progress on disk ------------===//

#include "PartialState.h"

#include "gptq/Format/SafetensorsStream.h"

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

Status PartialState::saveLayer(int64_t layer,
                               const format::SafetensorsWriter &tensors) {
  const std::string path = partialLayerPath(outDir_, layer);
  GPTQ_RETURN_IF_ERROR(tensors.write(path, format::Durability::Deferred));
  unsynced_.push_back(path);
  return Status::success();
}

Expected<bool> PartialState::recordProgress(int64_t layer,
                                            CalibrationBackend *backend,
                                            bool withHidden, bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force &&
      std::chrono::duration<double>(now - lastRecord_).count() < interval_)
    return false;
  // The layer files first: the record must never name a layer that a
  // crash could still take away.
  GPTQ_RETURN_IF_ERROR(format::syncFiles(unsynced_));
  unsynced_.clear();
  std::map<std::string, std::string> metadata = {
      {"next_layer", std::to_string(layer + 1)}, {"settings", fingerprint_}};
  std::vector<format::TensorSource> tensors;
  CalibrationBackend::HostTensor hidden;
  if (withHidden) {
    Expected<CalibrationBackend::HostTensor> found =
        backend->hiddenTensor(kHiddenTensor);
    if (!found)
      return found.status();
    hidden = found.take();
    tensors.push_back(hidden.view);
  }
  GPTQ_RETURN_IF_ERROR(format::writeSafetensors(
      (fs::path(partialDirectory(outDir_)) / kProgressFile).string(), metadata,
      tensors));
  lastRecord_ = std::chrono::steady_clock::now();
  return true;
}

Expected<int64_t> PartialState::restore(CalibrationBackend *backend,
                                        bool withHidden, int64_t numLayers) {
  const std::string path =
      (fs::path(partialDirectory(outDir_)) / kProgressFile).string();
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
  if (settings->second != fingerprint_)
    return Status::error(
        fmt::format("--resume: {} was written with other settings ({}); now {}",
                    path, settings->second, fingerprint_));
  int64_t nextLayer = 0;
  try {
    nextLayer = std::stoll(next->second);
  } catch (const std::exception &) {
    nextLayer = -1;
  }
  if (nextLayer < 0 || nextLayer > numLayers)
    return Status::error(fmt::format("{}: next_layer '{}' is not a layer of "
                                     "this model ({} layers)",
                                     path, next->second, numLayers));
  for (int64_t layer = 0; layer < nextLayer; ++layer)
    if (!fs::exists(partialLayerPath(outDir_, layer), error))
      return Status::error(fmt::format("--resume: {} is missing",
                                       partialLayerPath(outDir_, layer)));
  // After the last layer no hidden states are needed, nor saved.
  if (withHidden && nextLayer < numLayers)
    GPTQ_RETURN_IF_ERROR(backend->restoreHidden(*file, kHiddenTensor));
  return nextLayer;
}

} // namespace gptq::tools
