//===- AutotuneCacheTest.cpp - the autotune cache file --------------------===//

#include "gptq/Autotune/AutotuneCache.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

using namespace gptq::autotune;

namespace {

const GpuIdentity kH100{"NVIDIA H100 80GB HBM3", "sm_90a", 13000};
const GpuIdentity kA100{"NVIDIA A100-SXM4-80GB", "sm_80", 12040};

class AutotuneCacheTest : public ::testing::Test {
protected:
  void SetUp() override {
    directory_ =
        std::filesystem::temp_directory_path() /
        ("gptq-autotune-test-" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string path(const std::string &name) const {
    return (directory_ / name).string();
  }
  void write(const std::string &name, const std::string &text) const {
    std::ofstream(path(name)) << text;
  }

  std::filesystem::path directory_;
};

CacheEntry entry(const GpuIdentity &gpu, int64_t bucket, TileConfig config) {
  CacheEntry e;
  e.gpu = gpu;
  e.problem.layout = LayoutKey{4, 128, false, true, "gptq_v1", "f16"};
  e.problem.inFeatures = 4096;
  e.problem.outFeatures = 4096;
  e.problem.rowBucket = bucket;
  e.config = config;
  e.timeUs = 10.0;
  e.defaultTimeUs = 12.5;
  return e;
}

const TileConfig kStream{Strategy::Stream, 16, 64, 64, 2, 3};
const TileConfig kMma{Strategy::Mma, 32, 64, 32, 2, 1};

bool sameTile(const TileConfig &a, const TileConfig &b) {
  return a.strategy == b.strategy && a.blockM == b.blockM &&
         a.blockN == b.blockN && a.blockK == b.blockK && a.warps == b.warps &&
         a.stages == b.stages && a.splitK == b.splitK;
}

TEST_F(AutotuneCacheTest, RoundTripKeepsEveryField) {
  AutotuneCache cache(GpuSelector{kH100.name, kH100.arch, kH100.driverVersion});
  ASSERT_TRUE(cache.insert(entry(kH100, 16, kStream)).ok());
  ASSERT_TRUE(cache.insert(entry(kH100, 256, kMma)).ok());
  ASSERT_TRUE(cache.insert(entry(kA100, 16, kMma)).ok());
  ASSERT_TRUE(cache.save(path("cache.json")).ok());

  AutotuneCacheLoad loaded = AutotuneCache::load(
      path("cache.json"), GpuSelector{kH100.name, kH100.arch, 13000});
  ASSERT_EQ(loaded.cache.entries().size(), 3u);
  ASSERT_EQ(loaded.warnings.size(), 1u); // the A100 entry
  EXPECT_NE(loaded.warnings[0].find("ignoring 1 entry measured on other GPUs"),
            std::string::npos)
      << loaded.warnings[0];
  ASSERT_EQ(loaded.cache.selectedEntries().size(), 2u);
  const CacheEntry first = loaded.cache.selectedEntries()[0];
  EXPECT_EQ(first.gpu, kH100);
  EXPECT_EQ(first.problem, entry(kH100, 16, kStream).problem);
  EXPECT_TRUE(sameTile(first.config, kStream));
  EXPECT_DOUBLE_EQ(first.timeUs, 10.0);
  EXPECT_DOUBLE_EQ(first.defaultTimeUs, 12.5);
  // Saving again writes the same text: a stable order.
  EXPECT_EQ(loaded.cache.toJson(), cache.toJson());
}

TEST_F(AutotuneCacheTest, SplitKRoundTripsAndDefaultsToOne) {
  TileConfig split{Strategy::Pipelined, 64, 128, 64, 4, 3};
  split.splitK = 3;
  AutotuneCache cache;
  ASSERT_TRUE(cache.insert(entry(kH100, 64, split)).ok());
  ASSERT_TRUE(cache.insert(entry(kH100, 16, kStream)).ok());
  const std::string text = cache.toJson();
  EXPECT_NE(text.find("\"split_k\": 3"), std::string::npos) << text;
  write("split.json", text);
  AutotuneCacheLoad loaded =
      AutotuneCache::load(path("split.json"), GpuSelector{});
  EXPECT_TRUE(loaded.warnings.empty());
  auto tuned = loaded.cache.lookup(entry(kH100, 64, split).problem);
  ASSERT_TRUE(tuned);
  EXPECT_TRUE(sameTile(*tuned, split));
  // A cache written before split-K has no split_k: one CTA per tile.
  std::string old = text;
  for (size_t at;
       (at = old.find(",\n        \"split_k\": 1")) != std::string::npos;)
    old.erase(at, std::string(",\n        \"split_k\": 1").size());
  ASSERT_EQ(old.find("\"split_k\": 1"), std::string::npos) << old;
  write("old.json", old);
  loaded = AutotuneCache::load(path("old.json"), GpuSelector{});
  EXPECT_TRUE(loaded.warnings.empty());
  tuned = loaded.cache.lookup(entry(kH100, 16, kStream).problem);
  ASSERT_TRUE(tuned);
  EXPECT_EQ(tuned->splitK, 1);
  // An A100 entry that splits K is not a tile that GPU can run.
  CacheEntry ampere = entry(kA100, 64, split);
  EXPECT_NE(cache.insert(ampere).message().find("thread-block clusters"),
            std::string::npos);
}

TEST(ParseTile, InvertsDescribeTile) {
  for (TileConfig tile : {TileConfig{Strategy::Stream, 8, 32, 128, 4, 2},
                          TileConfig{Strategy::Mma, 64, 128, 64, 4, 1},
                          TileConfig{Strategy::Pipelined, 64, 128, 64, 4, 3, 4},
                          TileConfig{Strategy::Wgmma, 128, 128, 64, 8, 4, 2}}) {
    auto parsed = parseTile(describeTile(tile));
    ASSERT_TRUE(parsed.ok()) << parsed.message();
    EXPECT_TRUE(sameTile(*parsed, tile)) << describeTile(tile);
  }
  EXPECT_NE(parseTile("warp m8 n32 k128 w4 s2").message().find("strategy"),
            std::string::npos);
  EXPECT_NE(parseTile("stream m8 n32 k128 w4")
                .message()
                .find("'s<value>' is missing"),
            std::string::npos);
  EXPECT_NE(parseTile("stream m8 n32 k128 w4 s2 x1")
                .message()
                .find("'x1' is not one of"),
            std::string::npos);
  EXPECT_NE(
      parseTile("stream m8 m16 n32 k128 w4 s2").message().find("given twice"),
      std::string::npos);
  EXPECT_FALSE(parseTile("").ok());
}

TEST_F(AutotuneCacheTest, LookupMapsRowsToBuckets) {
  AutotuneCache cache(GpuSelector{"", "sm_90a", 0});
  ASSERT_TRUE(cache.insert(entry(kH100, 16, kStream)).ok());
  ASSERT_TRUE(cache.insert(entry(kH100, 256, kMma)).ok());
  const LayoutKey layout = entry(kH100, 1, kMma).problem.layout;
  for (int64_t rows : {2, 9, 16, -1})
    EXPECT_TRUE(sameTile(*cache.lookup(layout, 4096, 4096, rows), kStream))
        << rows;
  for (int64_t rows : {65, 200, 256})
    EXPECT_TRUE(sameTile(*cache.lookup(layout, 4096, 4096, rows), kMma))
        << rows;
  EXPECT_FALSE(cache.lookup(layout, 4096, 4096, 1));
  EXPECT_FALSE(cache.lookup(layout, 4096, 4096, 64));
  EXPECT_FALSE(cache.lookup(layout, 4096, 8192, 16));
  LayoutKey bf16 = layout;
  bf16.dtype = "bf16";
  EXPECT_FALSE(cache.lookup(bf16, 4096, 4096, 16));
}

TEST_F(AutotuneCacheTest, SelectorFiltersGpuAndDriver) {
  AutotuneCache all;
  ASSERT_TRUE(all.insert(entry(kH100, 16, kStream)).ok());
  ASSERT_TRUE(all.save(path("cache.json")).ok());
  const ProblemKey problem = entry(kH100, 16, kStream).problem;
  auto lookupWith = [&](GpuSelector selector) {
    return AutotuneCache::load(path("cache.json"), selector)
        .cache.lookup(problem)
        .has_value();
  };
  EXPECT_TRUE(lookupWith({"", "sm_90a", 0}));
  EXPECT_TRUE(lookupWith({kH100.name, "sm_90a", 13000}));
  EXPECT_FALSE(lookupWith({"NVIDIA H200", "sm_90a", 0}));
  EXPECT_FALSE(lookupWith({"", "sm_90a", 12080}));
  EXPECT_FALSE(lookupWith({"", "sm_80", 0}));
}

TEST_F(AutotuneCacheTest, InsertReplacesSameGpuAndProblem) {
  AutotuneCache cache;
  ASSERT_TRUE(cache.insert(entry(kH100, 16, kStream)).ok());
  ASSERT_TRUE(cache.insert(entry(kH100, 16, kMma)).ok());
  ASSERT_TRUE(cache.insert(entry(kA100, 16, kStream)).ok());
  ASSERT_EQ(cache.entries().size(), 2u);
  EXPECT_TRUE(sameTile(cache.entries()[0].config, kMma));
}

TEST_F(AutotuneCacheTest, InsertRejectsIllegalTiles) {
  AutotuneCache cache;
  TileConfig bad = kStream;
  bad.blockM = 48;
  gptq::Status status = cache.insert(entry(kH100, 16, bad));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("stream tiles need block_m = 8, 16 or 32"),
            std::string::npos)
      << status.message();
  EXPECT_TRUE(cache.entries().empty());
}

TEST_F(AutotuneCacheTest, SaveIsAtomicAndLeavesNoTemporaryFile) {
  AutotuneCache cache;
  ASSERT_TRUE(cache.insert(entry(kH100, 16, kStream)).ok());
  ASSERT_TRUE(cache.save(path("cache.json")).ok());
  const std::string before = cache.toJson();
  // A save that cannot happen (the target is a directory) leaves the
  // previous file as it was.
  std::filesystem::create_directories(path("dir.json"));
  EXPECT_FALSE(cache.save(path("dir.json")).ok());
  ASSERT_TRUE(cache.insert(entry(kH100, 256, kMma)).ok());
  ASSERT_TRUE(cache.save(path("cache.json")).ok());
  size_t files = 0;
  for (const auto &item : std::filesystem::directory_iterator(directory_)) {
    (void)item;
    ++files;
  }
  EXPECT_EQ(files, 2u) << "temporary files left behind";
  std::ifstream in(path("cache.json"));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str(), before);
  EXPECT_EQ(text.str(), cache.toJson());
}

TEST_F(AutotuneCacheTest, CorruptFileIsAWarningNotAnError) {
  write("corrupt.json", "{\"format\": \"gptq-autotune-cache\", \"version\": 1, "
                        "\"entries\": [{\"gpu\": ");
  AutotuneCacheLoad loaded =
      AutotuneCache::load(path("corrupt.json"), GpuSelector{});
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].find("not a valid JSON object"),
            std::string::npos);
  EXPECT_TRUE(loaded.cache.entries().empty());
}

TEST_F(AutotuneCacheTest, MissingFileIsAWarning) {
  AutotuneCacheLoad loaded =
      AutotuneCache::load(path("absent.json"), GpuSelector{});
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].find("cannot be read"), std::string::npos);
}

TEST_F(AutotuneCacheTest, OtherVersionOrFormatIsIgnored) {
  write("v2.json",
        R"({"format": "gptq-autotune-cache", "version": 2, "entries": []})");
  write("stray.json", R"({"kernels": []})");
  write("array.json", R"([1, 2])");
  write("entries.json",
        R"({"format": "gptq-autotune-cache", "version": 1, "entries": {}})");
  for (auto [name, expected] :
       {std::pair{"v2.json", "version 2 is not the supported 1"},
        std::pair{"stray.json", "\"format\" is not"},
        std::pair{"array.json", "not a valid JSON object"},
        std::pair{"entries.json", "\"entries\" is missing or not an array"}}) {
    AutotuneCacheLoad loaded = AutotuneCache::load(path(name), GpuSelector{});
    ASSERT_EQ(loaded.warnings.size(), 1u) << name;
    EXPECT_NE(loaded.warnings[0].find(expected), std::string::npos)
        << loaded.warnings[0];
  }
}

TEST_F(AutotuneCacheTest, InvalidEntriesAreSkippedOneByOne) {
  AutotuneCache cache;
  ASSERT_TRUE(cache.insert(entry(kH100, 16, kStream)).ok());
  std::string text = cache.toJson();
  // Three broken copies of the valid entry before it.
  auto replaceOnce = [](std::string s, const std::string &from,
                        const std::string &to) {
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const size_t open = text.find("[\n") + 2, close = text.rfind("\n  ]");
  const std::string valid = text.substr(open, close - open);
  const std::string badTile =
      replaceOnce(valid, "\"block_m\": 16", "\"block_m\": 12");
  const std::string badType =
      replaceOnce(valid, "\"k\": 4096", "\"k\": \"4096\"");
  const std::string badBits = replaceOnce(valid, "\"bits\": 4", "\"bits\": 5");
  write("invalid.json", text.substr(0, open) + badTile + ",\n" + badType +
                            ",\n" + badBits + ",\n" + valid + ",\n" + valid +
                            text.substr(close));
  AutotuneCacheLoad loaded =
      AutotuneCache::load(path("invalid.json"), GpuSelector{});
  ASSERT_EQ(loaded.warnings.size(), 4u);
  EXPECT_NE(loaded.warnings[0].find(
                "entry 0 is invalid (tile stream m12 n64 k64 w2 s3: block_m "
                "must be a positive multiple of 8, got 12)"),
            std::string::npos)
      << loaded.warnings[0];
  EXPECT_NE(loaded.warnings[1].find("entry 1 is invalid (k has the wrong type"),
            std::string::npos)
      << loaded.warnings[1];
  EXPECT_NE(loaded.warnings[2].find(
                "entry 2 is invalid (bits must be 2, 3, 4 or 8, got 5)"),
            std::string::npos)
      << loaded.warnings[2];
  EXPECT_NE(loaded.warnings[3].find("entry 4 repeats"), std::string::npos)
      << loaded.warnings[3];
  ASSERT_EQ(loaded.cache.entries().size(), 1u);
  EXPECT_TRUE(loaded.cache.lookup(entry(kH100, 16, kStream).problem));
}

TEST_F(AutotuneCacheTest, SeveralMatchingGpusAreReportedAndOrdered) {
  const GpuIdentity h200{"NVIDIA H200", "sm_90a", 13000};
  AutotuneCache cache;
  ASSERT_TRUE(cache.insert(entry(h200, 16, kMma)).ok());
  ASSERT_TRUE(cache.insert(entry(kH100, 16, kStream)).ok());
  ASSERT_TRUE(cache.save(path("two.json")).ok());
  AutotuneCacheLoad loaded =
      AutotuneCache::load(path("two.json"), GpuSelector{"", "sm_90a", 0});
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].find("entries of several GPUs match"),
            std::string::npos);
  // 'NVIDIA H100 ...' sorts before 'NVIDIA H200'.
  EXPECT_TRUE(sameTile(*loaded.cache.lookup(entry(kH100, 16, kStream).problem),
                       kStream));
}

} // namespace
