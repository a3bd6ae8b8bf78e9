//===- CheckpointReader.cpp - Single-file and sharded checkpoints ---------===//
//
// Sharded checkpoints are validated eagerly: a missing or damaged shard, or
// an index entry pointing at a shard that lacks the tensor, is reported when
// the model is opened, naming the index and the shard, rather than surfacing
// later as "no tensor" deep inside model loading.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Safetensors.h"

#include <fstream>
#include <sstream>

#include <dirent.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace gptq::format {

namespace {

bool isDirectory(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string directoryOf(const std::string &path) {
  std::string::size_type slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string join(const std::string &directory, const std::string &name) {
  return directory.empty() || directory.back() == '/' ? directory + name
                                                      : directory + "/" + name;
}

/// Resolves a model directory to the file that describes its weights.
Expected<std::string> resolveDirectory(const std::string &directory) {
  std::string index = join(directory, "model.safetensors.index.json");
  if (isFile(index))
    return index;
  std::string single = join(directory, "model.safetensors");
  if (isFile(single))
    return single;
  // AutoGPTQ names its file after model_file_base_name instead; accept any
  // single .safetensors file, but refuse to guess between several.
  std::vector<std::string> candidates;
  if (DIR *dir = ::opendir(directory.c_str())) {
    while (dirent *entry = ::readdir(dir))
      if (endsWith(entry->d_name, ".safetensors"))
        candidates.push_back(entry->d_name);
    ::closedir(dir);
  }
  if (candidates.size() == 1)
    return join(directory, candidates[0]);
  if (candidates.empty())
    return Status::error(fmt::format(
        "{}: no model.safetensors.index.json or .safetensors file", directory));
  return Status::error(fmt::format(
      "{}: no model.safetensors.index.json and {} .safetensors files; open one "
      "of them explicitly",
      directory, candidates.size()));
}

} // namespace

Expected<CheckpointReader> CheckpointReader::open(const std::string &path) {
  std::string target = path;
  if (isDirectory(path)) {
    Expected<std::string> resolved = resolveDirectory(path);
    if (!resolved)
      return resolved.status();
    target = *resolved;
  }
  CheckpointReader reader;
  reader.path_ = target;

  if (!endsWith(target, ".index.json")) {
    Expected<SafetensorsFile> file = SafetensorsFile::open(target);
    if (!file)
      return file.status();
    for (const TensorInfo &info : file->tensors())
      reader.shardOf_[info.name] = 0;
    reader.shards_.push_back(file.take());
    return reader;
  }

  std::ifstream stream(target);
  if (!stream)
    return Status::error(target + ": cannot open index file");
  std::stringstream text;
  text << stream.rdbuf();
  nlohmann::json index = nlohmann::json::parse(text.str(), nullptr, false);
  if (index.is_discarded() || !index.is_object())
    return Status::error(target + ": not a valid JSON object");
  auto weightMap = index.find("weight_map");
  if (weightMap == index.end() || !weightMap->is_object())
    return Status::error(target + ": missing or non-object 'weight_map'");

  const std::string directory = directoryOf(target);
  std::map<std::string, size_t> shardIndex; // shard file name -> shards_ slot
  for (auto it = weightMap->begin(); it != weightMap->end(); ++it) {
    if (!it->is_string())
      return Status::error(fmt::format(
          "{}: weight_map entry for '{}' is not a string", target, it.key()));
    const std::string shardName = it->get<std::string>();
    if (shardName.empty() || shardName.find('/') != std::string::npos)
      return Status::error(fmt::format(
          "{}: weight_map entry for '{}' names '{}', not a file beside the "
          "index",
          target, it.key(), shardName));
    auto slot = shardIndex.find(shardName);
    if (slot == shardIndex.end()) {
      Expected<SafetensorsFile> shard =
          SafetensorsFile::open(join(directory, shardName));
      if (!shard)
        return shard.status().withContext(
            fmt::format("{}: shard '{}'", target, shardName));
      slot = shardIndex.emplace(shardName, reader.shards_.size()).first;
      reader.shards_.push_back(shard.take());
    }
    if (!reader.shards_[slot->second].find(it.key()))
      return Status::error(
          fmt::format("{}: tensor '{}' is mapped to shard '{}', which does "
                      "not contain it",
                      target, it.key(), shardName));
    reader.shardOf_[it.key()] = slot->second;
  }
  if (reader.shards_.empty())
    return Status::error(target + ": weight_map is empty");
  return reader;
}

std::vector<std::string> CheckpointReader::tensorNames() const {
  std::vector<std::string> names;
  for (const auto &entry : shardOf_)
    names.push_back(entry.first);
  return names;
}

const SafetensorsFile *
CheckpointReader::fileFor(const std::string &name) const {
  auto it = shardOf_.find(name);
  return it == shardOf_.end() ? nullptr : &shards_[it->second];
}

const TensorInfo *CheckpointReader::find(const std::string &name) const {
  const SafetensorsFile *file = fileFor(name);
  return file ? file->find(name) : nullptr;
}

Expected<const TensorInfo *>
CheckpointReader::find(const std::string &name,
                       const std::vector<int64_t> &shape) const {
  const SafetensorsFile *file = fileFor(name);
  const TensorInfo *info = file ? file->find(name) : nullptr;
  if (!info)
    return Status::error(fmt::format("{}: missing tensor '{}'", path_, name));
  if (info->shape != shape)
    return Status::error(fmt::format(
        "{}: tensor '{}' has shape [{}], expected [{}]", file->path(), name,
        fmt::join(info->shape, ", "), fmt::join(shape, ", ")));
  return info;
}

Status CheckpointReader::missing(const std::string &name) const {
  return Status::error(fmt::format("{}: no tensor '{}'", path_, name));
}

Expected<ByteSpan> CheckpointReader::bytes(const std::string &name) const {
  const SafetensorsFile *file = fileFor(name);
  if (!file)
    return missing(name);
  return file->bytes(name);
}

Expected<std::vector<float>>
CheckpointReader::readFloat(const std::string &name) const {
  const SafetensorsFile *file = fileFor(name);
  if (!file)
    return missing(name);
  return file->readFloat(name);
}

Expected<std::vector<int32_t>>
CheckpointReader::readInt32(const std::string &name) const {
  const SafetensorsFile *file = fileFor(name);
  if (!file)
    return missing(name);
  return file->readInt32(name);
}

} // namespace gptq::format
