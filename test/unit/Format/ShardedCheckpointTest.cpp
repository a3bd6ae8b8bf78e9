//===- ShardedCheckpointTest.cpp - Streamed and sharded safetensors -------===//

#include "gptq/Format/ShardedCheckpoint.h"
#include "gptq/Format/Safetensors.h"
#include "gptq/Format/SafetensorsStream.h"

#include "TestFiles.h"
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace gptq;
using namespace gptq::format;
namespace fs = std::filesystem;

using gptq::test::readAll;
using gptq::test::TempDir;

namespace {

/// Tensors of `bytes` bytes each, named as a model's, with distinct data.
struct Sample {
  std::vector<std::vector<uint8_t>> storage;
  std::vector<TensorSource> tensors;

  void add(const std::string &name, DType dtype, std::vector<int64_t> shape) {
    int64_t elements = 1;
    for (int64_t dim : shape)
      elements *= dim;
    std::vector<uint8_t> bytes(elements * dtypeSize(dtype));
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = uint8_t(i * 7 + storage.size() * 13);
    storage.push_back(std::move(bytes));
    tensors.push_back({name, dtype, std::move(shape), {}});
  }
  /// Points the views at the storage (after all adds: no reallocation).
  const std::vector<TensorSource> &views() {
    for (size_t i = 0; i < tensors.size(); ++i)
      tensors[i].bytes = {storage[i].data(), storage[i].size()};
    return tensors;
  }
};

Sample modelSample() {
  Sample sample;
  sample.add("model.embed_tokens.weight", DType::F16, {64, 32}); // 4096
  for (int layer : {0, 1, 2, 10}) {
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    sample.add(p + "mlp.qweight", DType::I32, {32, 16});         // 2048
    sample.add(p + "mlp.scales", DType::F16, {4, 16});           // 128
    sample.add(p + "input_layernorm.weight", DType::BF16, {32}); // 64
  }
  sample.add("lm_head.weight", DType::F32, {32, 64}); // 8192
  return sample;
}

TEST(ShardSize, ParsesHuggingFaceSpellings) {
  EXPECT_EQ(*parseShardSize("4GB"), 4'000'000'000ull);
  EXPECT_EQ(*parseShardSize("500MB"), 500'000'000ull);
  EXPECT_EQ(*parseShardSize("2gb"), 2'000'000'000ull);
  EXPECT_EQ(*parseShardSize("10KB"), 10'000ull);
  EXPECT_EQ(*parseShardSize("4GiB"), 4ull << 30);
  EXPECT_EQ(*parseShardSize("3mib"), 3ull << 20);
  EXPECT_EQ(*parseShardSize("1TB"), 1'000'000'000'000ull);
  EXPECT_EQ(*parseShardSize("12345"), 12345ull);
  EXPECT_EQ(*parseShardSize("7B"), 7ull);
}

TEST(ShardSize, RefusesWhatItCannotReadExactly) {
  for (const char *bad : {"", "GB", "0", "0MB", "-1GB", "1.5GB", "5XB", "5 GB",
                          "4GBs", "99999999999999999999", "20000000000TB"}) {
    Expected<uint64_t> parsed = parseShardSize(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.status().message().find("--max-shard-size"),
              std::string::npos)
        << parsed.status().message();
  }
}

TEST(SafetensorsStream, MatchesTheOwningWriterByteForByte) {
  TempDir dir;
  Sample sample = modelSample();
  SafetensorsWriter owning;
  owning.setMetadata("format", "pt");
  for (size_t i = 0; i < sample.tensors.size(); ++i)
    ASSERT_TRUE(owning
                    .addTensor(sample.tensors[i].name, sample.tensors[i].dtype,
                               sample.tensors[i].shape, sample.storage[i])
                    .ok());
  ASSERT_TRUE(owning.write(dir.file("owning.safetensors")).ok());
  ASSERT_TRUE(writeSafetensors(dir.file("stream.safetensors"),
                               {{"format", "pt"}}, sample.views())
                  .ok());
  EXPECT_EQ(readAll(dir.file("owning.safetensors")),
            readAll(dir.file("stream.safetensors")));
}

TEST(SafetensorsStream, RefusesWrongSizesAndDuplicates) {
  TempDir dir;
  std::vector<uint8_t> bytes(6);
  Status wrong =
      writeSafetensors(dir.file("x.safetensors"), {},
                       {{"t", DType::F32, {2}, {bytes.data(), bytes.size()}}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.message().find("x.safetensors: tensor 't'"),
            std::string::npos)
      << wrong.message();
  Status twice =
      writeSafetensors(dir.file("x.safetensors"), {},
                       {{"t", DType::U8, {6}, {bytes.data(), bytes.size()}},
                        {"t", DType::U8, {6}, {bytes.data(), bytes.size()}}});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.message().find("added twice"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.file("x.safetensors")));
}

TEST(ShardPlan, KeepsNaturalOrderAndTheLimit) {
  Sample sample = modelSample();
  const std::vector<TensorSource> &tensors = sample.views();
  ShardPlan plan = planShards(tensors, 5000);
  ASSERT_GE(plan.files.size(), 3u);
  const std::string count = std::to_string(plan.files.size());
  EXPECT_EQ(plan.files[0], "model-00001-of-" +
                               std::string(5 - count.size(), '0') + count +
                               ".safetensors");
  uint64_t total = 0;
  std::vector<std::string> order;
  for (const std::vector<size_t> &members : plan.members) {
    uint64_t size = 0;
    for (size_t index : members) {
      size += tensors[index].bytes.size;
      order.push_back(tensors[index].name);
    }
    if (members.size() > 1)
      EXPECT_LE(size, 5000u);
    total += size;
  }
  EXPECT_EQ(plan.totalSize, total);
  // lm_head (8192 bytes) is over the limit: a shard of its own.
  EXPECT_EQ(order.front(), "lm_head.weight");
  EXPECT_EQ(plan.members[0].size(), 1u);
  // layers.2 before layers.10.
  auto at = [&](const std::string &name) {
    return std::find(order.begin(), order.end(), name) - order.begin();
  };
  EXPECT_LT(at("model.layers.2.mlp.qweight"),
            at("model.layers.10.mlp.qweight"));
}

TEST(ShardPlan, OneFileWhenEverythingFits) {
  Sample sample = modelSample();
  ShardPlan plan = planShards(sample.views(), 4'000'000'000ull);
  ASSERT_EQ(plan.files.size(), 1u);
  EXPECT_EQ(plan.files[0], "model.safetensors");
}

TEST(ShardedCheckpoint, CheckpointReaderLoadsTheShardsThroughTheIndex) {
  TempDir dir;
  Sample sample = modelSample();
  const std::vector<TensorSource> &tensors = sample.views();
  ShardPlan plan = planShards(tensors, 5000);
  ASSERT_TRUE(writeShards(dir.path(), plan, tensors, {{"format", "pt"}}).ok());

  nlohmann::json index =
      nlohmann::json::parse(readAll(dir.file("model.safetensors.index.json")));
  EXPECT_EQ(index["metadata"]["total_size"].get<uint64_t>(), plan.totalSize);
  EXPECT_EQ(index["weight_map"].size(), tensors.size());

  Expected<CheckpointReader> reader = CheckpointReader::open(dir.path());
  ASSERT_TRUE(reader) << reader.status().message();
  EXPECT_EQ(reader->shards().size(), plan.files.size());
  EXPECT_EQ(reader->tensorNames().size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo *info = reader->find(tensors[i].name);
    ASSERT_NE(info, nullptr) << tensors[i].name;
    EXPECT_EQ(info->dtype, tensors[i].dtype);
    EXPECT_EQ(info->shape, tensors[i].shape);
    Expected<ByteSpan> bytes = reader->bytes(tensors[i].name);
    ASSERT_TRUE(bytes);
    ASSERT_EQ(bytes->size, sample.storage[i].size());
    EXPECT_EQ(std::memcmp(bytes->data, sample.storage[i].data(), bytes->size),
              0)
        << tensors[i].name;
  }
}

TEST(ShardedCheckpoint, FindWithAShapeNamesTheShardOrTheIndex) {
  TempDir dir;
  Sample sample = modelSample();
  const std::vector<TensorSource> &tensors = sample.views();
  ShardPlan plan = planShards(tensors, 5000);
  ASSERT_GT(plan.files.size(), 1u);
  ASSERT_TRUE(writeShards(dir.path(), plan, tensors, {{"format", "pt"}}).ok());
  Expected<CheckpointReader> reader = CheckpointReader::open(dir.path());
  ASSERT_TRUE(reader) << reader.status().message();

  const TensorSource &tensor = tensors.back();
  Expected<const TensorInfo *> found = reader->find(tensor.name, tensor.shape);
  ASSERT_TRUE(found) << found.status().message();
  EXPECT_EQ(*found, reader->find(tensor.name));

  std::vector<int64_t> wrong = tensor.shape;
  wrong.push_back(1);
  Expected<const TensorInfo *> badShape = reader->find(tensor.name, wrong);
  ASSERT_FALSE(badShape);
  EXPECT_EQ(badShape.message(),
            fmt::format("{}: tensor '{}' has shape [{}], expected [{}, 1]",
                        reader->fileFor(tensor.name)->path(), tensor.name,
                        fmt::join(tensor.shape, ", "),
                        fmt::join(tensor.shape, ", ")));

  Expected<const TensorInfo *> missing = reader->find("nope", {1});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.message(), reader->path() + ": missing tensor 'nope'");
}

TEST(ShardedCheckpoint, ASingleShardHasNoIndex) {
  TempDir dir;
  Sample sample = modelSample();
  const std::vector<TensorSource> &tensors = sample.views();
  ASSERT_TRUE(
      writeShards(dir.path(), planShards(tensors, 1ull << 40), tensors, {})
          .ok());
  EXPECT_TRUE(fs::exists(dir.file("model.safetensors")));
  EXPECT_FALSE(fs::exists(dir.file("model.safetensors.index.json")));
}

} // namespace
