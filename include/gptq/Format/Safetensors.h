//===- Safetensors.h - Read and write safetensors checkpoints ---*- C++ -*-===//
//
// safetensors is the weight format of Hugging Face checkpoints and of GPTQ
// models (FORMAT.md §5): an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}} with optional string
// `__metadata__`, then raw little-endian data. Readers memory-map the file
// and check the header completely up front, so that later accessors can hand
// out pointers without re-checking and a damaged file fails with one clear
// message at open time. Writers reproduce the Python package's layout (tensor
// order, padding) so that files compare byte for byte with its output.
//
// CheckpointReader puts a model directory (single file or sharded with
// model.safetensors.index.json) behind the same lookup interface.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_SAFETENSORS_H
#define GPTQ_FORMAT_SAFETENSORS_H

#include "gptq/Format/AtomicFile.h"
#include "gptq/Format/DType.h"
#include "gptq/Support/Status.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gptq::format {

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// Byte offsets in the data section (which starts after the header).
  uint64_t begin = 0, end = 0;

  int64_t numElements() const;
  uint64_t numBytes() const { return end - begin; }
};

/// A read-only view of bytes owned by someone else.
struct ByteSpan {
  const uint8_t *data = nullptr;
  size_t size = 0;
};

/// A memory-mapped, fully validated safetensors file.
class SafetensorsFile {
public:
  /// Maps `path` and checks the header: length within the file, valid JSON,
  /// known dtypes, shape x dtype size == end - begin, offsets inside the data
  /// section and not overlapping, string metadata.
  static Expected<SafetensorsFile> open(const std::string &path);

  SafetensorsFile(SafetensorsFile &&other) noexcept;
  SafetensorsFile &operator=(SafetensorsFile &&other) noexcept;
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;
  ~SafetensorsFile();

  const std::string &path() const { return path_; }
  /// The `__metadata__` strings (empty when absent).
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }
  /// All tensors, sorted by name.
  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  /// nullptr when there is no tensor of that name.
  const TensorInfo *find(const std::string &name) const;

  /// The tensor's raw little-endian bytes inside the mapping.
  ByteSpan bytes(const TensorInfo &info) const;
  Expected<ByteSpan> bytes(const std::string &name) const;

  /// F16 / BF16 / F32 / F64 converted to float; an error for other dtypes.
  Expected<std::vector<float>> readFloat(const std::string &name) const;
  /// I32 only (no silent narrowing or reinterpretation of other types).
  Expected<std::vector<int32_t>> readInt32(const std::string &name) const;

private:
  SafetensorsFile() = default;
  void unmap();

  std::string path_;
  void *mapping_ = nullptr;
  size_t mappingSize_ = 0;
  const uint8_t *data_ = nullptr; ///< start of the data section
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

/// Collects tensors and metadata, then writes them as the safetensors Python
/// package would: tensors ordered by dtype (wider first, its Rust enum
/// order) then name, `__metadata__` first in the header, header padded with
/// spaces to a multiple of 8 bytes.
class SafetensorsWriter {
public:
  /// Takes ownership of `bytes`, which must hold exactly
  /// numElements(shape) * dtypeSize(dtype) bytes, little-endian.
  Status addTensor(const std::string &name, DType dtype,
                   std::vector<int64_t> shape, std::vector<uint8_t> bytes);
  /// Conveniences that convert from host values.
  Status addFloat32(const std::string &name, std::vector<int64_t> shape,
                    const std::vector<float> &values);
  /// Rounds to nearest even.
  Status addFloat16(const std::string &name, std::vector<int64_t> shape,
                    const std::vector<float> &values);
  Status addBFloat16(const std::string &name, std::vector<int64_t> shape,
                     const std::vector<float> &values);
  Status addInt32(const std::string &name, std::vector<int64_t> shape,
                  const std::vector<int32_t> &values);

  void setMetadata(const std::string &key, const std::string &value) {
    metadata_[key] = value;
  }
  size_t numTensors() const { return tensors_.size(); }

  /// The 8-byte length followed by the padded JSON header; the data section
  /// follows it in the file.
  std::string serializeHeader() const;
  /// Writes atomically (AtomicFile.h): the old file survives any failure.
  Status write(const std::string &path,
               Durability durability = Durability::Sync) const;

private:
  struct Pending {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  /// Tensors in file order.
  std::vector<const Pending *> ordered() const;

  std::vector<Pending> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// A model's weights: one safetensors file, or several shards listed by
/// model.safetensors.index.json's weight_map.
class CheckpointReader {
public:
  /// `path` may be a directory (model.safetensors.index.json preferred, else
  /// model.safetensors, else its only *.safetensors file), an index file, or
  /// a single .safetensors file. Every shard the index names must exist,
  /// open cleanly and contain the tensors mapped to it.
  static Expected<CheckpointReader> open(const std::string &path);

  /// The index file, or the single safetensors file.
  const std::string &path() const { return path_; }
  const std::vector<SafetensorsFile> &shards() const { return shards_; }
  /// Tensor names, sorted.
  std::vector<std::string> tensorNames() const;

  const TensorInfo *find(const std::string &name) const;
  /// The tensor's info if it is present and of `shape`, else an error naming
  /// the checkpoint (missing) or the shard (wrong shape) and the tensor.
  Expected<const TensorInfo *> find(const std::string &name,
                                    const std::vector<int64_t> &shape) const;
  /// The shard holding `name`, or nullptr.
  const SafetensorsFile *fileFor(const std::string &name) const;

  Expected<ByteSpan> bytes(const std::string &name) const;
  Expected<std::vector<float>> readFloat(const std::string &name) const;
  Expected<std::vector<int32_t>> readInt32(const std::string &name) const;

private:
  CheckpointReader() = default;
  Status missing(const std::string &name) const;

  std::string path_;
  std::vector<SafetensorsFile> shards_;
  std::map<std::string, size_t> shardOf_;
};

} // namespace gptq::format

#endif // GPTQ_FORMAT_SAFETENSORS_H
