//===- KernelCache.cpp - Persistent on-disk cache of compiled kernels -----===//
//
// Entry layout (little-endian): "GPTQKC02", then length-prefixed fields
// (key, PTX, cubin, log), the kernel resource records, and last a 64-bit
// FNV-1a checksum of everything before it. The full key is stored and
// compared, so a hash collision between two keys is a miss, never a wrong
// kernel.
//
//===----------------------------------------------------------------------===//

#include "gptq/Runtime/KernelCache.h"
#include "gptq/Runtime/CudaDriver.h"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include <unistd.h>

namespace gptq::rt {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'G', 'P', 'T', 'Q', 'K', 'C', '0', '2'};

uint64_t fnv1a(const std::string &bytes,
               uint64_t hash = 0xcbf29ce484222325ull) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

class Writer {
public:
  void u64(uint64_t value) {
    for (int i = 0; i < 8; ++i)
      out_.push_back(char((value >> (8 * i)) & 0xff));
  }
  void str(const std::string &value) {
    u64(value.size());
    out_ += value;
  }
  std::string &bytes() { return out_; }

private:
  std::string out_;
};

class Reader {
public:
  explicit Reader(const std::string &bytes, size_t end)
      : bytes_(bytes), end_(end) {}
  bool u64(uint64_t &value) {
    if (end_ - pos_ < 8)
      return false;
    value = 0;
    for (int i = 0; i < 8; ++i)
      value |= uint64_t((unsigned char)bytes_[pos_ + i]) << (8 * i);
    pos_ += 8;
    return true;
  }
  bool str(std::string &value) {
    uint64_t size;
    if (!u64(size) || end_ - pos_ < size)
      return false;
    value.assign(bytes_, pos_, size);
    pos_ += size;
    return true;
  }
  bool atEnd() const { return pos_ == end_; }

private:
  const std::string &bytes_;
  size_t end_;
  size_t pos_ = sizeof(kMagic);
};

std::string driverVersionText() {
  auto api = driverApi();
  int version = 0;
  if (!api.ok() || (*api)->cuDriverGetVersion(&version) != CUDA_SUCCESS)
    return "none";
  return std::to_string(version);
}

} // namespace

std::string serializeCacheEntry(const std::string &key,
                                const CompileResult &result) {
  Writer writer;
  writer.bytes().append(kMagic, sizeof(kMagic));
  writer.str(key);
  writer.str(result.ptx);
  writer.str(result.cubin);
  writer.str(result.log);
  writer.u64(result.kernels.size());
  for (const KernelResources &kernel : result.kernels) {
    writer.str(kernel.name);
    for (int value :
         {kernel.registers, kernel.sharedBytes, kernel.spillStoreBytes,
          kernel.spillLoadBytes, kernel.stackBytes})
      writer.u64(uint64_t(uint32_t(value)));
  }
  writer.u64(fnv1a(writer.bytes()));
  return std::move(writer.bytes());
}

Expected<CompileResult> deserializeCacheEntry(const std::string &bytes,
                                              const std::string &key) {
  if (bytes.size() < sizeof(kMagic) + 8 ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    return Status::error("not a kernel cache entry of this version");
  const size_t payloadEnd = bytes.size() - 8;
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i)
    stored |= uint64_t((unsigned char)bytes[payloadEnd + i]) << (8 * i);
  if (stored != fnv1a(bytes.substr(0, payloadEnd)))
    return Status::error("checksum mismatch (truncated or corrupted entry)");
  Reader reader(bytes, payloadEnd);
  std::string storedKey;
  CompileResult result;
  uint64_t count = 0;
  if (!reader.str(storedKey) || !reader.str(result.ptx) ||
      !reader.str(result.cubin) || !reader.str(result.log) ||
      !reader.u64(count) || count > (1u << 20))
    return Status::error("malformed entry");
  if (storedKey != key)
    return Status::error("entry belongs to another key");
  for (uint64_t i = 0; i < count; ++i) {
    KernelResources kernel;
    uint64_t values[5];
    if (!reader.str(kernel.name))
      return Status::error("malformed kernel record");
    for (uint64_t &value : values)
      if (!reader.u64(value))
        return Status::error("malformed kernel record");
    kernel.registers = int(values[0]);
    kernel.sharedBytes = int(values[1]);
    kernel.spillStoreBytes = int(values[2]);
    kernel.spillLoadBytes = int(values[3]);
    kernel.stackBytes = int(values[4]);
    result.kernels.push_back(std::move(kernel));
  }
  if (!reader.atEnd())
    return Status::error("trailing bytes in entry");
  return result;
}

KernelCache::KernelCache(std::string directory)
    : directory_(directory.empty() ? defaultDirectory()
                                   : std::move(directory)) {}

std::string KernelCache::defaultDirectory() {
  if (const char *dir = std::getenv("GPTQ_KERNEL_CACHE_DIR"); dir && *dir)
    return dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/gptq-toolkit/kernels";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/gptq-toolkit/kernels";
  return (fs::temp_directory_path() / "gptq-toolkit-kernels").string();
}

std::string KernelCache::keyText(const std::string &source,
                                 const CompileOptions &options) {
  std::string key = "nvrtc " + nvrtcVersionString() + "\ndriver " +
                    driverVersionText() + "\noptions";
  for (const std::string &option : options.nvrtcOptions())
    key += " " + option;
  key += "\ncubin " + std::to_string(options.wantCubin) + "\nsource\n" + source;
  return key;
}

std::string KernelCache::entryPath(const std::string &source,
                                   const CompileOptions &options) const {
  const std::string key = keyText(source, options);
  // Two independent 64-bit hashes: the name alone almost never collides, and
  // the stored key settles it when it does.
  return fmt::format("{}/{}-{:016x}{:016x}.kernel", directory_, options.arch,
                     fnv1a(key), fnv1a(key, 0x84222325cbf29ce4ull));
}

KernelCache::Stats KernelCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

Expected<std::shared_ptr<const CompileResult>>
KernelCache::getOrCompile(const std::string &source,
                          const std::string &programName,
                          const CompileOptions &options) {
  const std::string key = keyText(source, options);
  const std::string path = entryPath(source, options);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto found = memory_.find(path); found != memory_.end()) {
      ++stats_.memoryHits;
      return found->second;
    }
  }

  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    Expected<CompileResult> entry = deserializeCacheEntry(bytes, key);
    if (entry.ok()) {
      auto shared = std::make_shared<const CompileResult>(entry.take());
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.diskHits;
      memory_.emplace(path, shared);
      return shared;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.corruptEntries;
  }

  Expected<CompileResult> compiled = compileCuda(source, programName, options);
  if (!compiled.ok())
    return compiled.status();
  auto shared = std::make_shared<const CompileResult>(compiled.take());

  // Write to a name unique to this process and thread, then rename: readers
  // see either the old entry, no entry, or the complete new one.
  bool written = false;
  std::error_code error;
  fs::create_directories(directory_, error);
  const std::string temporary =
      fmt::format("{}.tmp.{}.{}", path, ::getpid(),
                  std::hash<std::thread::id>()(std::this_thread::get_id()));
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (out) {
      const std::string bytes = serializeCacheEntry(key, *shared);
      out.write(bytes.data(), std::streamsize(bytes.size()));
      out.close();
      written = bool(out);
    }
  }
  if (written) {
    fs::rename(temporary, path, error);
    written = !error;
  }
  if (!written)
    fs::remove(temporary, error);

  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.misses;
  if (!written)
    ++stats_.writeFailures;
  memory_.emplace(path, shared);
  return shared;
}

} // namespace gptq::rt
