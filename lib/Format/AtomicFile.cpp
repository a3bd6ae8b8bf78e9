//===- AtomicFile.cpp - Write files all-or-nothing ------------------------===//
//
// POSIX only (open/write/fsync/rename), like the rest of the toolkit. The
// directory is fsynced after the rename as well, so that the new name
// survives a crash and not just the data.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/AtomicFile.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace gptq::format {

static std::string errnoText() { return std::strerror(errno); }

Expected<AtomicFileWriter> AtomicFileWriter::create(const std::string &path) {
  std::string tempPath = fmt::format("{}.tmp.{}", path, ::getpid());
  int fd =
      ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::error(fmt::format("{}: cannot create temporary file {}: {}",
                                     path, tempPath, errnoText()));
  return AtomicFileWriter(path, std::move(tempPath), fd);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter &&other) noexcept
    : path_(std::move(other.path_)), tempPath_(std::move(other.tempPath_)),
      fd_(std::exchange(other.fd_, -1)) {}

AtomicFileWriter &
AtomicFileWriter::operator=(AtomicFileWriter &&other) noexcept {
  if (this != &other) {
    abandon();
    path_ = std::move(other.path_);
    tempPath_ = std::move(other.tempPath_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

AtomicFileWriter::~AtomicFileWriter() { abandon(); }

void AtomicFileWriter::abandon() {
  if (fd_ < 0)
    return;
  ::close(fd_);
  ::unlink(tempPath_.c_str());
  fd_ = -1;
}

Status AtomicFileWriter::append(const void *data, size_t size) {
  if (fd_ < 0)
    return Status::error(path_ + ": write after the file was committed");
  const char *bytes = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t written = ::write(fd_, bytes, size);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0) {
      Status status = Status::error(
          fmt::format("{}: write to {} failed: {}", path_, tempPath_,
                      written < 0 ? errnoText() : "no progress"));
      abandon();
      return status;
    }
    bytes += written;
    size -= size_t(written);
  }
  return Status::success();
}

Status AtomicFileWriter::commit() { return finish(true); }

Status AtomicFileWriter::commitDeferred() { return finish(false); }

Status AtomicFileWriter::finish(bool sync) {
  if (fd_ < 0)
    return Status::error(path_ + ": commit of a file already committed");
  if (sync && ::fsync(fd_) != 0) {
    Status status = Status::error(fmt::format("{}: fsync of {} failed: {}",
                                              path_, tempPath_, errnoText()));
    abandon();
    return status;
  }
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    Status status = Status::error(fmt::format("{}: close of {} failed: {}",
                                              path_, tempPath_, errnoText()));
    ::unlink(tempPath_.c_str());
    return status;
  }
  if (::rename(tempPath_.c_str(), path_.c_str()) != 0) {
    Status status = Status::error(fmt::format("{}: rename from {} failed: {}",
                                              path_, tempPath_, errnoText()));
    ::unlink(tempPath_.c_str());
    return status;
  }
  if (!sync)
    return Status::success();
  // Best effort: persist the directory entry too.
  std::string::size_type slash = path_.rfind('/');
  std::string directory = slash == std::string::npos
                              ? "."
                              : path_.substr(0, slash == 0 ? 1 : slash);
  int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
  return Status::success();
}

Status writeFileAtomically(const std::string &path, std::string_view contents) {
  Expected<AtomicFileWriter> writer = AtomicFileWriter::create(path);
  if (!writer)
    return writer.status();
  GPTQ_RETURN_IF_ERROR(writer->append(contents));
  return writer->commit();
}

} // namespace gptq::format
