//===- CheckpointOutput.cpp - The quantized model directory ---------------===//

#include "CheckpointOutput.h"
#include "PartialState.h"

#include "gptq/Format/AtomicFile.h"
#include "gptq/Format/Safetensors.h"
#include "gptq/Format/ShardedCheckpoint.h"
#include "gptq/Model/Perplexity.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace gptq::tools {

namespace fs = std::filesystem;

namespace {

/// Files copied unchanged when the source has them.
constexpr const char *kCopiedFiles[] = {"generation_config.json",
                                        "tokenizer.json",
                                        "tokenizer_config.json",
                                        "tokenizer.model",
                                        "special_tokens_map.json",
                                        "vocab.json",
                                        "merges.txt",
                                        "added_tokens.json"};

bool isQuantizedWeight(const std::string &name,
                       const std::set<std::string> &quantized) {
  const std::string suffix = ".weight";
  if (name.size() <= suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  return quantized.count(name.substr(0, name.size() - suffix.size())) != 0;
}

/// Streams every output tensor from the mmaps where it lies (unquantized
/// tensors from the source checkpoint in their own dtype, packed ones from
/// the per-layer files) into `stage`, sharded by plan.maxShardBytes: only
/// the headers are ever in memory.
Status writeWeights(const CheckpointOutputPlan &plan,
                    const std::string &stage) {
  Expected<format::CheckpointReader> source =
      format::CheckpointReader::open(plan.modelDir);
  if (!source)
    return source.status();
  std::vector<format::TensorSource> tensors;
  for (const std::string &name : source->tensorNames()) {
    if (isQuantizedWeight(name, plan.quantized))
      continue;
    tensors.push_back(
        format::tensorSource(*source->fileFor(name), *source->find(name)));
  }
  std::vector<format::SafetensorsFile> layerFiles;
  for (int64_t layer = 0; layer < plan.numLayers; ++layer) {
    Expected<format::SafetensorsFile> file =
        format::SafetensorsFile::open(partialLayerPath(plan.outDir, layer));
    if (!file)
      return file.status();
    layerFiles.push_back(file.take());
  }
  for (const format::SafetensorsFile &file : layerFiles)
    for (const format::TensorInfo &info : file.tensors())
      tensors.push_back(format::tensorSource(file, info));
  const format::ShardPlan shards =
      format::planShards(tensors, plan.maxShardBytes);
  return format::writeShards(stage, shards, tensors, {{"format", "pt"}});
}

Status writeConfigs(const CheckpointOutputPlan &plan,
                    const std::string &stage) {
  const std::string configPath =
      (fs::path(plan.modelDir) / "config.json").string();
  Expected<std::string> text = model::readTextFile(configPath);
  if (!text)
    return text.status();
  nlohmann::ordered_json config =
      nlohmann::ordered_json::parse(*text, nullptr, false);
  if (config.is_discarded() || !config.is_object())
    return Status::error(configPath + ": not a JSON object");
  config["quantization_config"] = nlohmann::ordered_json::parse(
      plan.quantizeConfig.toQuantizationConfigJson());
  GPTQ_RETURN_IF_ERROR(format::writeFileAtomically(
      (fs::path(stage) / "config.json").string(), config.dump(2) + "\n"));
  GPTQ_RETURN_IF_ERROR(format::writeFileAtomically(
      (fs::path(stage) / "quantize_config.json").string(),
      plan.quantizeConfig.toQuantizeConfigJson()));
  for (const char *name : kCopiedFiles) {
    const fs::path source = fs::path(plan.modelDir) / name;
    std::error_code error;
    if (!fs::is_regular_file(source, error))
      continue;
    Expected<std::string> contents = model::readTextFile(source.string());
    if (!contents)
      return contents.status();
    GPTQ_RETURN_IF_ERROR(format::writeFileAtomically(
        (fs::path(stage) / name).string(), *contents));
  }
  return Status::success();
}

/// Makes `stage`'s files appear in `outDir`, then removes what is left.
Status publish(const std::string &stage, const std::string &outDir) {
  std::error_code error;
  if (renameat2(AT_FDCWD, stage.c_str(), AT_FDCWD, outDir.c_str(),
                RENAME_EXCHANGE) == 0) {
    fs::remove_all(stage, error); // now the old partial state
    return Status::success();
  }
  // No exchange here: move the files one by one, the weights first, then
  // the shard index, config.json last (see the header).
  auto rank = [](const fs::path &file) {
    const std::string name = file.filename().string();
    if (name == "config.json")
      return 3;
    if (name == format::shardIndexName())
      return 2;
    return name.size() > 12 &&
                   name.compare(name.size() - 12, 12, ".safetensors") == 0
               ? 0
               : 1;
  };
  std::vector<fs::path> files;
  for (const fs::directory_entry &entry : fs::directory_iterator(stage, error))
    files.push_back(entry.path());
  std::stable_sort(
      files.begin(), files.end(),
      [&](const fs::path &a, const fs::path &b) { return rank(a) < rank(b); });
  for (const fs::path &file : files) {
    fs::rename(file, fs::path(outDir) / file.filename(), error);
    if (error)
      return Status::error(fmt::format("-o {}: cannot move {} into it: {}",
                                       outDir, file.string(), error.message()));
  }
  fs::remove_all(stage, error);
  fs::remove_all(partialDirectory(outDir), error);
  return Status::success();
}

} // namespace

Status writeQuantizedCheckpoint(const CheckpointOutputPlan &plan) {
  const fs::path out = fs::absolute(plan.outDir).lexically_normal();
  const fs::path outPath = out.filename().empty() ? out.parent_path() : out;
  const std::string stage =
      (outPath.parent_path() / fmt::format(".{}.gptq-final-{}",
                                           outPath.filename().string(),
                                           ::getpid()))
          .string();
  std::error_code error;
  fs::remove_all(stage, error);
  if (!fs::create_directory(stage, error))
    return Status::error(
        fmt::format("cannot create {}: {}", stage, error.message()));
  Status status = writeWeights(plan, stage);
  if (status.ok())
    status = writeConfigs(plan, stage);
  if (status.ok())
    status = publish(stage, outPath.string());
  if (!status.ok())
    fs::remove_all(stage, error);
  return status;
}

} // namespace gptq::tools
