//===- AtomicFile.h - Write files all-or-nothing ----------------*- C++ -*-===//
//
// A checkpoint or config written half-way (full disk, killed process) must
// never replace a good file under its final name. Writers stream into
// "<path>.tmp.<pid>" in the same directory, fsync it, then rename it over
// the target, so readers see either the old file or the complete new one.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_ATOMICFILE_H
#define GPTQ_FORMAT_ATOMICFILE_H

#include "gptq/Support/Status.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace gptq::format {

/// When the data must be on disk. Deferred still writes a temporary file
/// and renames it (readers never see a partial file) but skips the fsyncs,
/// so that a caller writing many files can make them durable together with
/// syncFiles() (SafetensorsStream.h) before it records that they exist.
enum class Durability { Sync, Deferred };

/// Streams a file under a temporary name; commit() makes it appear under its
/// final name. Destroying an uncommitted writer removes the temporary file.
class AtomicFileWriter {
public:
  static Expected<AtomicFileWriter> create(const std::string &path);

  AtomicFileWriter(AtomicFileWriter &&other) noexcept;
  AtomicFileWriter &operator=(AtomicFileWriter &&other) noexcept;
  AtomicFileWriter(const AtomicFileWriter &) = delete;
  AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;
  ~AtomicFileWriter();

  Status append(const void *data, size_t size);
  Status append(std::string_view text) {
    return append(text.data(), text.size());
  }
  /// fsync, close, rename over the target. On failure the temporary file is
  /// removed and the target is left as it was.
  Status commit();
  /// close and rename without any fsync: readers still never see a partial
  /// file, but after a power loss the file may be empty or gone. For files
  /// the caller makes durable later in one batch (syncFiles in
  /// SafetensorsStream.h) before anything refers to them.
  Status commitDeferred();

  const std::string &path() const { return path_; }
  const std::string &tempPath() const { return tempPath_; }

private:
  AtomicFileWriter(std::string path, std::string tempPath, int fd)
      : path_(std::move(path)), tempPath_(std::move(tempPath)), fd_(fd) {}
  void abandon();
  Status finish(bool sync);

  std::string path_, tempPath_;
  int fd_ = -1;
};

/// Writes `contents` to `path` atomically (see AtomicFileWriter).
Status writeFileAtomically(const std::string &path, std::string_view contents);

} // namespace gptq::format

#endif // GPTQ_FORMAT_ATOMICFILE_H
