//===- SafetensorsFile.cpp - Memory-mapped safetensors reader -------------===//
//
// Everything a later accessor relies on is checked in open(): after it
// succeeds, every TensorInfo's byte range lies inside the mapping and matches
// its shape, so bytes() and the read functions need no further checks.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Safetensors.h"

#include "gptq/Support/Half.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; this reader assumes a matching host"
#endif

namespace gptq::format {

/// The Python package refuses larger headers; so do we, which also bounds
/// the work done on a corrupt length.
static constexpr uint64_t kMaxHeaderBytes = 100'000'000;

int64_t TensorInfo::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

namespace {

/// Element count of `shape`, or an error on negative dims or overflow.
Expected<uint64_t> checkedElements(const std::vector<int64_t> &shape) {
  uint64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return Status::error(fmt::format("negative dimension {}", dim));
    if (dim != 0 &&
        count > std::numeric_limits<uint64_t>::max() / 64 / uint64_t(dim))
      return Status::error("shape overflows 64 bits");
    count *= uint64_t(dim);
  }
  return count;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

/// Parses one header entry into `info` (name already set).
Status parseEntry(const nlohmann::json &entry, TensorInfo &info) {
  if (!entry.is_object())
    return Status::error(
        fmt::format("tensor '{}' entry is not a JSON object", info.name));
  auto dtype = entry.find("dtype");
  auto shape = entry.find("shape");
  auto offsets = entry.find("data_offsets");
  if (dtype == entry.end() || shape == entry.end() || offsets == entry.end())
    return Status::error(fmt::format(
        "tensor '{}' lacks one of dtype, shape, data_offsets", info.name));
  if (!dtype->is_string())
    return Status::error(
        fmt::format("tensor '{}' dtype is not a string", info.name));
  Expected<DType> parsed = parseDType(dtype->get<std::string>());
  if (!parsed)
    return parsed.status().withContext(fmt::format("tensor '{}'", info.name));
  info.dtype = *parsed;
  if (!shape->is_array())
    return Status::error(
        fmt::format("tensor '{}' shape is not an array", info.name));
  for (const nlohmann::json &dim : *shape) {
    if (!dim.is_number_unsigned())
      return Status::error(
          fmt::format("tensor '{}' shape holds {}, not a non-negative integer",
                      info.name, dim.dump()));
    uint64_t value = dim.get<uint64_t>();
    if (value > uint64_t(std::numeric_limits<int64_t>::max()))
      return Status::error(fmt::format("tensor '{}' dimension {} is too large",
                                       info.name, value));
    info.shape.push_back(int64_t(value));
  }
  if (!offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned())
    return Status::error(fmt::format(
        "tensor '{}' data_offsets is not a pair of non-negative integers",
        info.name));
  info.begin = (*offsets)[0].get<uint64_t>();
  info.end = (*offsets)[1].get<uint64_t>();
  if (info.end < info.begin)
    return Status::error(
        fmt::format("tensor '{}' data_offsets [{}, {}) end before they begin",
                    info.name, info.begin, info.end));
  Expected<uint64_t> elements = checkedElements(info.shape);
  if (!elements)
    return elements.status().withContext(
        fmt::format("tensor '{}' shape {}", info.name, shapeText(info.shape)));
  uint64_t expected = *elements * dtypeSize(info.dtype);
  if (expected != info.end - info.begin)
    return Status::error(fmt::format(
        "tensor '{}' of shape {} and dtype {} needs {} bytes but data_offsets "
        "[{}, {}) span {}",
        info.name, shapeText(info.shape), dtypeName(info.dtype), expected,
        info.begin, info.end, info.end - info.begin));
  return Status::success();
}

} // namespace

Expected<SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  auto fail = [&](const std::string &message) {
    return Status::error(path + ": " + message);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int error = errno;
    ::close(fd);
    return fail(fmt::format("cannot stat: {}", std::strerror(error)));
  }
  const uint64_t fileSize = uint64_t(st.st_size);
  if (fileSize < 8) {
    ::close(fd);
    return fail(fmt::format(
        "file is {} bytes, too short for the 8-byte header length", fileSize));
  }
  void *mapping = ::mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapError = errno;
  ::close(fd); // the mapping keeps the file referenced
  if (mapping == MAP_FAILED)
    return fail(fmt::format("mmap failed: {}", std::strerror(mapError)));

  SafetensorsFile file;
  file.path_ = path;
  file.mapping_ = mapping;
  file.mappingSize_ = fileSize;
  const uint8_t *base = static_cast<const uint8_t *>(mapping);

  uint64_t headerSize = 0;
  std::memcpy(&headerSize, base, 8);
  if (headerSize > kMaxHeaderBytes)
    return fail(fmt::format("header length {} exceeds the {}-byte limit",
                            headerSize, kMaxHeaderBytes));
  if (headerSize > fileSize - 8)
    return fail(fmt::format(
        "header length {} exceeds the file size {} (truncated file?)",
        headerSize, fileSize));
  file.data_ = base + 8 + headerSize;
  const uint64_t dataSize = fileSize - 8 - headerSize;

  nlohmann::json header =
      nlohmann::json::parse(base + 8, base + 8 + headerSize, /*cb=*/nullptr,
                            /*allow_exceptions=*/false);
  if (header.is_discarded())
    return fail("header is not valid JSON");
  if (!header.is_object())
    return fail("header is not a JSON object");

  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object())
        return fail("__metadata__ is not a JSON object");
      for (auto meta = it->begin(); meta != it->end(); ++meta) {
        if (!meta->is_string())
          return fail(fmt::format("__metadata__ value of '{}' is not a string",
                                  meta.key()));
        file.metadata_[meta.key()] = meta->get<std::string>();
      }
      continue;
    }
    TensorInfo info;
    info.name = it.key();
    Status status = parseEntry(*it, info);
    if (!status.ok())
      return fail(status.message());
    if (info.end > dataSize)
      return fail(fmt::format(
          "tensor '{}' data range [{}, {}) exceeds the {}-byte data section",
          info.name, info.begin, info.end, dataSize));
    file.tensors_.push_back(std::move(info));
  }

  // nlohmann's object iterates sorted by key, so tensors_ is sorted by name.
  std::vector<const TensorInfo *> byOffset;
  for (const TensorInfo &info : file.tensors_)
    byOffset.push_back(&info);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const TensorInfo *a, const TensorInfo *b) {
              return a->begin != b->begin ? a->begin < b->begin
                                          : a->end < b->end;
            });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const TensorInfo &previous = *byOffset[i - 1], &current = *byOffset[i];
    // Empty tensors occupy no bytes and may share an offset with anything.
    if (current.begin < previous.end && current.begin != current.end)
      return fail(fmt::format("tensors '{}' [{}, {}) and '{}' [{}, {}) overlap",
                              previous.name, previous.begin, previous.end,
                              current.name, current.begin, current.end));
  }
  for (size_t i = 0; i < file.tensors_.size(); ++i)
    file.index_[file.tensors_[i].name] = i;
  return file;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile &&other) noexcept
    : path_(std::move(other.path_)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mappingSize_(std::exchange(other.mappingSize_, 0)),
      data_(std::exchange(other.data_, nullptr)),
      tensors_(std::move(other.tensors_)), index_(std::move(other.index_)),
      metadata_(std::move(other.metadata_)) {}

SafetensorsFile &SafetensorsFile::operator=(SafetensorsFile &&other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mappingSize_ = std::exchange(other.mappingSize_, 0);
    data_ = std::exchange(other.data_, nullptr);
    tensors_ = std::move(other.tensors_);
    index_ = std::move(other.index_);
    metadata_ = std::move(other.metadata_);
  }
  return *this;
}

SafetensorsFile::~SafetensorsFile() { unmap(); }

void SafetensorsFile::unmap() {
  if (mapping_)
    ::munmap(mapping_, mappingSize_);
  mapping_ = nullptr;
  mappingSize_ = 0;
  data_ = nullptr;
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

ByteSpan SafetensorsFile::bytes(const TensorInfo &info) const {
  return ByteSpan{data_ + info.begin, size_t(info.end - info.begin)};
}

Expected<ByteSpan> SafetensorsFile::bytes(const std::string &name) const {
  const TensorInfo *info = find(name);
  if (!info)
    return Status::error(fmt::format("{}: no tensor '{}'", path_, name));
  return bytes(*info);
}

/// Loads `count` little-endian T from possibly unaligned memory.
template <typename T> static T loadAt(const uint8_t *data, size_t index) {
  T value;
  std::memcpy(&value, data + index * sizeof(T), sizeof(T));
  return value;
}

Expected<std::vector<float>>
SafetensorsFile::readFloat(const std::string &name) const {
  const TensorInfo *info = find(name);
  if (!info)
    return Status::error(fmt::format("{}: no tensor '{}'", path_, name));
  if (!isFloatingPoint(info->dtype))
    return Status::error(fmt::format(
        "{}: tensor '{}' has dtype {}, expected F16, BF16, F32 or F64", path_,
        name, dtypeName(info->dtype)));
  const uint8_t *data = data_ + info->begin;
  const size_t count = size_t(info->numElements());
  std::vector<float> values(count);
  for (size_t i = 0; i < count; ++i) {
    switch (info->dtype) {
    case DType::F16:
      values[i] = halfToFloat(loadAt<uint16_t>(data, i));
      break;
    case DType::BF16:
      values[i] = bf16ToFloat(loadAt<uint16_t>(data, i));
      break;
    case DType::F32:
      values[i] = loadAt<float>(data, i);
      break;
    default: // F64, the only other floating type
      values[i] = float(loadAt<double>(data, i));
      break;
    }
  }
  return values;
}

Expected<std::vector<int32_t>>
SafetensorsFile::readInt32(const std::string &name) const {
  const TensorInfo *info = find(name);
  if (!info)
    return Status::error(fmt::format("{}: no tensor '{}'", path_, name));
  if (info->dtype != DType::I32)
    return Status::error(
        fmt::format("{}: tensor '{}' has dtype {}, expected I32", path_, name,
                    dtypeName(info->dtype)));
  const size_t count = size_t(info->numElements());
  std::vector<int32_t> values(count);
  if (count)
    std::memcpy(values.data(), data_ + info->begin, count * sizeof(int32_t));
  return values;
}

} // namespace gptq::format
