//===- SafetensorsWriter.cpp - Write safetensors files --------------------===//
//
// The header is written by hand rather than through a JSON object so that
// key order matches the Python package (`__metadata__` first, then tensors
// in data order); nlohmann only escapes the strings.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/AtomicFile.h"
#include "gptq/Format/Safetensors.h"

#include "gptq/Support/Half.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gptq::format {

static std::string quoted(const std::string &text) {
  return nlohmann::json(text).dump();
}

Status SafetensorsWriter::addTensor(const std::string &name, DType dtype,
                                    std::vector<int64_t> shape,
                                    std::vector<uint8_t> bytes) {
  if (name.empty() || name == "__metadata__")
    return Status::error(
        fmt::format("safetensors writer: invalid tensor name '{}'", name));
  for (const Pending &pending : tensors_)
    if (pending.name == name)
      return Status::error(
          fmt::format("safetensors writer: tensor '{}' added twice", name));
  uint64_t elements = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return Status::error(fmt::format(
          "safetensors writer: tensor '{}' has negative dimension {}", name,
          dim));
    elements *= uint64_t(dim);
  }
  if (elements * dtypeSize(dtype) != bytes.size())
    return Status::error(fmt::format(
        "safetensors writer: tensor '{}' of shape [{}] and dtype {} needs {} "
        "bytes, got {}",
        name, fmt::join(shape, ", "), dtypeName(dtype),
        elements * dtypeSize(dtype), bytes.size()));
  tensors_.push_back({name, dtype, std::move(shape), std::move(bytes)});
  return Status::success();
}

template <typename T>
static std::vector<uint8_t> toBytes(const std::vector<T> &values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!values.empty())
    std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

Status SafetensorsWriter::addFloat32(const std::string &name,
                                     std::vector<int64_t> shape,
                                     const std::vector<float> &values) {
  return addTensor(name, DType::F32, std::move(shape), toBytes(values));
}

Status SafetensorsWriter::addFloat16(const std::string &name,
                                     std::vector<int64_t> shape,
                                     const std::vector<float> &values) {
  std::vector<uint16_t> bits(values.size());
  std::transform(values.begin(), values.end(), bits.begin(), floatToHalf);
  return addTensor(name, DType::F16, std::move(shape), toBytes(bits));
}

Status SafetensorsWriter::addBFloat16(const std::string &name,
                                      std::vector<int64_t> shape,
                                      const std::vector<float> &values) {
  std::vector<uint16_t> bits(values.size());
  std::transform(values.begin(), values.end(), bits.begin(), floatToBf16);
  return addTensor(name, DType::BF16, std::move(shape), toBytes(bits));
}

Status SafetensorsWriter::addInt32(const std::string &name,
                                   std::vector<int64_t> shape,
                                   const std::vector<int32_t> &values) {
  return addTensor(name, DType::I32, std::move(shape), toBytes(values));
}

std::vector<const SafetensorsWriter::Pending *>
SafetensorsWriter::ordered() const {
  std::vector<const Pending *> order;
  for (const Pending &pending : tensors_)
    order.push_back(&pending);
  std::sort(order.begin(), order.end(), [](const Pending *a, const Pending *b) {
    int rankA = dtypeWriteRank(a->dtype), rankB = dtypeWriteRank(b->dtype);
    return rankA != rankB ? rankA > rankB : a->name < b->name;
  });
  return order;
}

std::string SafetensorsWriter::serializeHeader() const {
  std::string json = "{";
  bool first = true;
  if (!metadata_.empty()) {
    json += "\"__metadata__\":{";
    for (auto it = metadata_.begin(); it != metadata_.end(); ++it) {
      if (it != metadata_.begin())
        json += ",";
      json += quoted(it->first) + ":" + quoted(it->second);
    }
    json += "}";
    first = false;
  }
  uint64_t offset = 0;
  for (const Pending *pending : ordered()) {
    if (!first)
      json += ",";
    first = false;
    uint64_t end = offset + pending->bytes.size();
    json += fmt::format(
        "{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
        quoted(pending->name), dtypeName(pending->dtype),
        fmt::join(pending->shape, ","), offset, end);
    offset = end;
  }
  json += "}";
  // Pad so that the data section starts 8-byte aligned, as Python does.
  json.append((8 - json.size() % 8) % 8, ' ');
  uint64_t length = json.size();
  std::string header(8, '\0');
  std::memcpy(header.data(), &length, 8); // little-endian host (see reader)
  return header + json;
}

Status SafetensorsWriter::write(const std::string &path,
                                Durability durability) const {
  Expected<AtomicFileWriter> file = AtomicFileWriter::create(path);
  if (!file)
    return file.status();
  GPTQ_RETURN_IF_ERROR(file->append(serializeHeader()));
  for (const Pending *pending : ordered())
    GPTQ_RETURN_IF_ERROR(
        file->append(pending->bytes.data(), pending->bytes.size()));
  return durability == Durability::Sync ? file->commit()
                                        : file->commitDeferred();
}

} // namespace gptq::format
