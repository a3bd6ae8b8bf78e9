//===- KernelCache.h - Persistent on-disk cache of compiled kernels -*- C++
//-*-===//
//
// NVRTC takes hundreds of milliseconds per specialization; a process that
// starts again (or another process on the same machine) must find the result
// on disk. An entry is keyed by everything that changes the compiled code:
// the source, the NVRTC options (which include the architecture), the NVRTC
// version and the driver version. Entries are written to a temporary file and
// renamed into place, so concurrent writers (threads or processes) never
// expose a torn entry; an entry that fails its checks (truncated, bit flips,
// another key in the same slot, an older format) is treated as a miss and
// replaced.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_RUNTIME_KERNELCACHE_H
#define GPTQ_RUNTIME_KERNELCACHE_H

#include "gptq/Runtime/Nvrtc.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace gptq::rt {

class KernelCache {
public:
  struct Stats {
    uint64_t memoryHits = 0;
    uint64_t diskHits = 0;
    uint64_t misses = 0;
    /// Entries found on disk but rejected (and recompiled).
    uint64_t corruptEntries = 0;
    /// Entries that could not be written (the cache still returns results).
    uint64_t writeFailures = 0;
  };

  /// Uses `directory` (created when missing); an empty string picks
  /// defaultDirectory().
  explicit KernelCache(std::string directory = "");

  /// $GPTQ_KERNEL_CACHE_DIR, else $XDG_CACHE_HOME/gptq-toolkit/kernels, else
  /// ~/.cache/gptq-toolkit/kernels, else a folder under the temp directory.
  static std::string defaultDirectory();

  /// The compiled program for (source, options), from memory, from disk, or
  /// compiled now and stored. Thread-safe; concurrent requests for the same
  /// key may compile twice but all get equal results.
  Expected<std::shared_ptr<const CompileResult>>
  getOrCompile(const std::string &source, const std::string &programName,
               const CompileOptions &options);

  /// The file that holds (or would hold) the entry for this key.
  std::string entryPath(const std::string &source,
                        const CompileOptions &options) const;

  const std::string &directory() const { return directory_; }
  Stats stats() const;

  /// The full key text: source, options, NVRTC and driver versions.
  static std::string keyText(const std::string &source,
                             const CompileOptions &options);

private:
  std::string directory_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const CompileResult>> memory_;
  Stats stats_;
};

/// Serialization of one entry (exposed for tests): a header with a magic
/// number, format version, the key and a checksum of the payload.
std::string serializeCacheEntry(const std::string &key,
                                const CompileResult &result);
/// Fails (with the reason) if `bytes` is not a valid entry for `key`.
Expected<CompileResult> deserializeCacheEntry(const std::string &bytes,
                                              const std::string &key);

} // namespace gptq::rt

#endif // GPTQ_RUNTIME_KERNELCACHE_H
