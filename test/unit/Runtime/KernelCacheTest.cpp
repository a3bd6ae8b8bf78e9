//===- KernelCacheTest.cpp - The on-disk kernel cache ---------------------===//
//
// Hit, miss, corrupted and foreign entries, and concurrent writers (threads
// of one process, and separate processes) on one directory. Compilation is
// real NVRTC on a small kernel, so a "hit" is a hit of actual output.
//
//===----------------------------------------------------------------------===//

#include "gptq/Runtime/KernelCache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace gptq;
using namespace gptq::rt;
namespace fs = std::filesystem;

namespace {

std::string kernelSource(int variant) {
  return "extern \"C\" __global__ void add_" + std::to_string(variant) +
         "(float *y, const float *x, int n) {\n"
         "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
         "  if (i < n) y[i] += " +
         std::to_string(variant) + ".0f * x[i];\n}\n";
}

CompileOptions sm80() {
  CompileOptions options;
  options.arch = "sm_80";
  return options;
}

class KernelCacheTest : public testing::Test {
protected:
  void SetUp() override {
    std::random_device random;
    directory = fs::temp_directory_path() /
                ("gptq-cache-test-" + std::to_string(::getpid()) + "-" +
                 std::to_string(random()));
  }
  void TearDown() override { fs::remove_all(directory); }

  std::vector<fs::path> files() const {
    std::vector<fs::path> result;
    if (fs::exists(directory))
      for (const auto &entry : fs::directory_iterator(directory))
        result.push_back(entry.path());
    return result;
  }

  fs::path directory;
};

TEST_F(KernelCacheTest, MissThenMemoryHitThenDiskHitInANewInstance) {
  const std::string source = kernelSource(1);
  std::shared_ptr<const CompileResult> first;
  {
    KernelCache cache(directory.string());
    auto compiled = cache.getOrCompile(source, "add.cu", sm80());
    ASSERT_TRUE(compiled.ok()) << compiled.message();
    first = *compiled;
    EXPECT_EQ(cache.stats().misses, 1u);
    EXPECT_EQ(cache.stats().diskHits, 0u);
    ASSERT_TRUE(fs::exists(cache.entryPath(source, sm80())));

    auto again = cache.getOrCompile(source, "add.cu", sm80());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->get(), first.get()) << "same object from memory";
    EXPECT_EQ(cache.stats().memoryHits, 1u);
    EXPECT_EQ(cache.stats().misses, 1u);
  }
  // A new cache on the same directory is what a second process start sees.
  KernelCache reopened(directory.string());
  auto fromDisk = reopened.getOrCompile(source, "add.cu", sm80());
  ASSERT_TRUE(fromDisk.ok()) << fromDisk.message();
  EXPECT_EQ(reopened.stats().diskHits, 1u);
  EXPECT_EQ(reopened.stats().misses, 0u);
  EXPECT_EQ((*fromDisk)->ptx, first->ptx);
  EXPECT_EQ((*fromDisk)->cubin, first->cubin);
  ASSERT_EQ((*fromDisk)->kernels.size(), 1u);
  EXPECT_EQ((*fromDisk)->kernels[0].name, "add_1");
  EXPECT_EQ((*fromDisk)->kernels[0].registers, first->kernels[0].registers);
}

TEST_F(KernelCacheTest, KeyCoversSourceAndOptions) {
  KernelCache cache(directory.string());
  CompileOptions sm90 = sm80();
  sm90.arch = "sm_90a";
  CompileOptions withDefine = sm80();
  withDefine.extraOptions.push_back("-DEXTRA=1");
  const std::string a = cache.entryPath(kernelSource(1), sm80());
  EXPECT_NE(a, cache.entryPath(kernelSource(2), sm80()));
  EXPECT_NE(a, cache.entryPath(kernelSource(1), sm90));
  EXPECT_NE(a, cache.entryPath(kernelSource(1), withDefine));
  const std::string key = KernelCache::keyText(kernelSource(1), sm80());
  EXPECT_NE(key.find("nvrtc " + nvrtcVersionString()), std::string::npos);
  EXPECT_NE(key.find("driver "), std::string::npos);
  EXPECT_NE(key.find("--gpu-architecture=sm_80"), std::string::npos);
}

/// Damages the entry in a given way; the cache must notice, recompile and
/// leave a valid entry behind.
void expectRecompiledAfter(
    const fs::path &directory,
    const std::function<void(const fs::path &)> &damage) {
  const std::string source = kernelSource(3);
  std::string goodPtx;
  fs::path entry;
  {
    KernelCache cache(directory.string());
    auto compiled = cache.getOrCompile(source, "add.cu", sm80());
    ASSERT_TRUE(compiled.ok()) << compiled.message();
    goodPtx = (*compiled)->ptx;
    entry = cache.entryPath(source, sm80());
  }
  damage(entry);
  KernelCache cache(directory.string());
  auto compiled = cache.getOrCompile(source, "add.cu", sm80());
  ASSERT_TRUE(compiled.ok()) << compiled.message();
  EXPECT_EQ(cache.stats().corruptEntries, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().diskHits, 0u);
  EXPECT_EQ((*compiled)->ptx, goodPtx);
  // The rewritten entry is good again.
  KernelCache third(directory.string());
  ASSERT_TRUE(third.getOrCompile(source, "add.cu", sm80()).ok());
  EXPECT_EQ(third.stats().diskHits, 1u);
}

std::string readAll(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

void writeAll(const fs::path &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

TEST_F(KernelCacheTest, FlippedByteIsRecompiled) {
  expectRecompiledAfter(directory, [](const fs::path &entry) {
    std::string bytes = readAll(entry);
    ASSERT_GT(bytes.size(), 100u);
    bytes[bytes.size() / 2] ^= 0x10;
    writeAll(entry, bytes);
  });
}

TEST_F(KernelCacheTest, TruncatedEntryIsRecompiled) {
  expectRecompiledAfter(directory, [](const fs::path &entry) {
    std::string bytes = readAll(entry);
    writeAll(entry, bytes.substr(0, bytes.size() / 3));
  });
}

TEST_F(KernelCacheTest, GarbageAndEmptyEntriesAreRecompiled) {
  expectRecompiledAfter(directory, [](const fs::path &entry) {
    writeAll(entry, "this is not a kernel");
  });
  fs::remove_all(directory);
  expectRecompiledAfter(directory,
                        [](const fs::path &entry) { writeAll(entry, ""); });
}

TEST_F(KernelCacheTest, EntryOfAnotherKeyIsRejected) {
  CompileResult result;
  result.ptx = "// other";
  const std::string bytes = serializeCacheEntry("key A", result);
  EXPECT_TRUE(deserializeCacheEntry(bytes, "key A").ok());
  auto other = deserializeCacheEntry(bytes, "key B");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.message().find("another key"), std::string::npos);
}

TEST_F(KernelCacheTest, UnwritableDirectoryStillCompiles) {
  fs::create_directories(directory);
  const fs::path blocker = directory / "not-a-directory";
  writeAll(blocker, "x");
  KernelCache cache((blocker / "cache").string());
  auto compiled = cache.getOrCompile(kernelSource(4), "add.cu", sm80());
  ASSERT_TRUE(compiled.ok()) << compiled.message();
  EXPECT_EQ(cache.stats().writeFailures, 1u);
  EXPECT_FALSE((*compiled)->ptx.empty());
}

TEST_F(KernelCacheTest, ConcurrentThreadsOnOneDirectory) {
  // Several caches (as separate components of one process would have) and
  // several keys, all racing: every result must be right and the directory
  // must hold exactly one valid entry per key and no temporary files.
  constexpr int kThreads = 8, kKeys = 2;
  std::vector<std::thread> threads;
  std::vector<std::string> ptx(kThreads);
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      KernelCache cache(directory.string());
      auto compiled =
          cache.getOrCompile(kernelSource(10 + t % kKeys), "add.cu", sm80());
      if (compiled.ok())
        ptx[t] = (*compiled)->ptx;
      else
        errors[t] = compiled.message();
    });
  for (auto &thread : threads)
    thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(errors[t].empty()) << errors[t];
    EXPECT_EQ(ptx[t], ptx[t % kKeys]);
    EXPECT_NE(ptx[t].find("add_" + std::to_string(10 + t % kKeys)),
              std::string::npos);
  }
  EXPECT_EQ(files().size(), size_t(kKeys));
  for (const fs::path &file : files())
    EXPECT_EQ(file.extension(), ".kernel") << file;
  KernelCache check(directory.string());
  for (int key = 0; key < kKeys; ++key)
    ASSERT_TRUE(
        check.getOrCompile(kernelSource(10 + key), "add.cu", sm80()).ok());
  EXPECT_EQ(check.stats().diskHits, uint64_t(kKeys));
}

TEST_F(KernelCacheTest, ConcurrentProcessesOnOneDirectory) {
  constexpr int kProcesses = 4;
  const std::string source = kernelSource(20);
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      KernelCache cache(directory.string());
      auto compiled = cache.getOrCompile(source, "add.cu", sm80());
      _exit(compiled.ok() && !(*compiled)->cubin.empty() ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(files().size(), 1u) << "one entry, no temporary files left";
  KernelCache check(directory.string());
  auto compiled = check.getOrCompile(source, "add.cu", sm80());
  ASSERT_TRUE(compiled.ok()) << compiled.message();
  EXPECT_EQ(check.stats().diskHits, 1u);
}

TEST(KernelCacheDirectory, EnvironmentVariableWins) {
  ::setenv("GPTQ_KERNEL_CACHE_DIR", "/tmp/somewhere-else", 1);
  EXPECT_EQ(KernelCache::defaultDirectory(), "/tmp/somewhere-else");
  ::unsetenv("GPTQ_KERNEL_CACHE_DIR");
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
  EXPECT_EQ(KernelCache::defaultDirectory(), "/tmp/xdg/gptq-toolkit/kernels");
  ::unsetenv("XDG_CACHE_HOME");
}

} // namespace
