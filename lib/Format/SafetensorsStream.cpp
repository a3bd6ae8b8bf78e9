//===- SafetensorsStream.cpp - Write safetensors from borrowed bytes ------===//
//
// The header is built exactly as SafetensorsWriter::serializeHeader builds
// it (the tests compare the two writers' files byte for byte); the data is
// then appended straight from the callers' views, so nothing but the header
// is copied.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/SafetensorsStream.h"

#include "gptq/Format/AtomicFile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace gptq::format {

TensorSource tensorSource(const SafetensorsFile &file, const TensorInfo &info) {
  return TensorSource{info.name, info.dtype, info.shape, file.bytes(info)};
}

namespace {

std::string quoted(const std::string &text) {
  return nlohmann::json(text).dump();
}

Status checkTensors(const std::string &path,
                    const std::vector<TensorSource> &tensors) {
  std::set<std::string> names;
  for (const TensorSource &tensor : tensors) {
    if (tensor.name.empty() || tensor.name == "__metadata__")
      return Status::error(
          fmt::format("{}: invalid tensor name '{}'", path, tensor.name));
    if (!names.insert(tensor.name).second)
      return Status::error(
          fmt::format("{}: tensor '{}' added twice", path, tensor.name));
    uint64_t elements = 1;
    for (int64_t dim : tensor.shape) {
      if (dim < 0)
        return Status::error(
            fmt::format("{}: tensor '{}' has negative dimension {}", path,
                        tensor.name, dim));
      elements *= uint64_t(dim);
    }
    if (elements * dtypeSize(tensor.dtype) != tensor.bytes.size)
      return Status::error(fmt::format(
          "{}: tensor '{}' of shape [{}] and dtype {} needs {} bytes, got {}",
          path, tensor.name, fmt::join(tensor.shape, ", "),
          dtypeName(tensor.dtype), elements * dtypeSize(tensor.dtype),
          tensor.bytes.size));
  }
  return Status::success();
}

/// The Python package's order: wider dtypes first, then by name.
std::vector<const TensorSource *>
fileOrder(const std::vector<TensorSource> &tensors) {
  std::vector<const TensorSource *> order;
  for (const TensorSource &tensor : tensors)
    order.push_back(&tensor);
  std::sort(order.begin(), order.end(),
            [](const TensorSource *a, const TensorSource *b) {
              int rankA = dtypeWriteRank(a->dtype),
                  rankB = dtypeWriteRank(b->dtype);
              return rankA != rankB ? rankA > rankB : a->name < b->name;
            });
  return order;
}

std::string header(const std::map<std::string, std::string> &metadata,
                   const std::vector<const TensorSource *> &order) {
  std::string json = "{";
  bool first = true;
  if (!metadata.empty()) {
    json += "\"__metadata__\":{";
    for (auto it = metadata.begin(); it != metadata.end(); ++it) {
      if (it != metadata.begin())
        json += ",";
      json += quoted(it->first) + ":" + quoted(it->second);
    }
    json += "}";
    first = false;
  }
  uint64_t offset = 0;
  for (const TensorSource *tensor : order) {
    if (!first)
      json += ",";
    first = false;
    const uint64_t end = offset + tensor->bytes.size;
    json += fmt::format(
        "{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
        quoted(tensor->name), dtypeName(tensor->dtype),
        fmt::join(tensor->shape, ","), offset, end);
    offset = end;
  }
  json += "}";
  json.append((8 - json.size() % 8) % 8, ' ');
  const uint64_t length = json.size();
  std::string result(8, '\0');
  std::memcpy(result.data(), &length, 8); // little-endian host (see reader)
  return result + json;
}

} // namespace

Status writeSafetensors(const std::string &path,
                        const std::map<std::string, std::string> &metadata,
                        const std::vector<TensorSource> &tensors,
                        Durability durability) {
  GPTQ_RETURN_IF_ERROR(checkTensors(path, tensors));
  const std::vector<const TensorSource *> order = fileOrder(tensors);
  Expected<AtomicFileWriter> file = AtomicFileWriter::create(path);
  if (!file)
    return file.status();
  GPTQ_RETURN_IF_ERROR(file->append(header(metadata, order)));
  for (const TensorSource *tensor : order)
    GPTQ_RETURN_IF_ERROR(file->append(tensor->bytes.data, tensor->bytes.size));
  return durability == Durability::Sync ? file->commit()
                                        : file->commitDeferred();
}

Status syncFiles(const std::vector<std::string> &paths) {
  std::set<std::string> directories;
  for (const std::string &path : paths) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return Status::error(
          fmt::format("{}: cannot open to fsync: {}", path, strerror(errno)));
    const int result = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (result != 0)
      return Status::error(
          fmt::format("{}: fsync failed: {}", path, strerror(error)));
    const std::string::size_type slash = path.rfind('/');
    directories.insert(slash == std::string::npos
                           ? "."
                           : path.substr(0, slash == 0 ? 1 : slash));
  }
  // Best effort, as AtomicFileWriter::commit: persist the new names too.
  for (const std::string &directory : directories) {
    const int fd =
        ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  return Status::success();
}

} // namespace gptq::format
