//===- SafetensorsStream.h - Safetensors from borrowed bytes ----*- C++ -*-===//
//
// SafetensorsWriter owns a copy of every tensor until write(), which is
// right for small files but doubles a model's weights in memory when a
// checkpoint is assembled. Here the tensors are views (ByteSpan) into memory
// the caller keeps alive, typically the mmaps of the source checkpoint and
// of gptq-quantize's per-layer files, so a checkpoint of any size is written
// with only its header in memory. The layout is SafetensorsWriter's (the
// Python package's): same tensor order, same header, same padding, so both
// writers produce identical files from identical tensors.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_SAFETENSORSSTREAM_H
#define GPTQ_FORMAT_SAFETENSORSSTREAM_H

#include "gptq/Format/Safetensors.h"

#include <map>
#include <string>
#include <vector>

namespace gptq::format {

/// One tensor to write; `bytes` must stay valid until the write returns.
struct TensorSource {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  ByteSpan bytes;
};

/// A view of `info`'s bytes in `file`.
TensorSource tensorSource(const SafetensorsFile &file, const TensorInfo &info);

/// Writes `tensors` and `metadata` to `path` atomically. Fails, naming the
/// path and the tensor, on duplicate names or a size that does not match
/// the shape and dtype.
Status writeSafetensors(const std::string &path,
                        const std::map<std::string, std::string> &metadata,
                        const std::vector<TensorSource> &tensors,
                        Durability durability = Durability::Sync);

/// fsyncs each file and the directories holding them.
Status syncFiles(const std::vector<std::string> &paths);

} // namespace gptq::format

#endif // GPTQ_FORMAT_SAFETENSORSSTREAM_H
