//===- SafetensorsTest.cpp - safetensors reader, writer, checkpoints ------===//

#include "gptq/Format/Safetensors.h"
#include "gptq/Format/AtomicFile.h"
#include "gptq/Support/Half.h"

#include "TestFiles.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace gptq;
using namespace gptq::format;

using gptq::test::readAll;
using gptq::test::TempDir;

namespace {

void writeRaw(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// A file with the given JSON header (declared length = header size unless
/// overridden) followed by `dataBytes` bytes.
std::string rawFile(const std::string &header, size_t dataBytes,
                    uint64_t declaredLength = ~uint64_t(0)) {
  uint64_t length =
      declaredLength == ~uint64_t(0) ? header.size() : declaredLength;
  std::string bytes(8, '\0');
  std::memcpy(bytes.data(), &length, 8);
  return bytes + header + std::string(dataBytes, '\x01');
}

TEST(Safetensors, WriterReaderRoundTrip) {
  TempDir dir;
  SafetensorsWriter writer;
  std::vector<float> f32 = {1.5f, -2.25f, 3.0e-5f, 1.0e6f, -0.0f, 7.0f};
  std::vector<float> f16 = {0.5f, -1.0f, 65504.0f, 6.1035156e-05f};
  std::vector<float> bf16 = {1.0f, -3.5f, 1.0e20f, 0.15625f};
  std::vector<int32_t> i32 = {0, -1, 2147483647, -2147483647 - 1, 42, 7};
  ASSERT_TRUE(writer.addFloat32("layer.f32", {2, 3}, f32).ok());
  ASSERT_TRUE(writer.addFloat16("layer.f16", {4}, f16).ok());
  ASSERT_TRUE(writer.addBFloat16("a.bf16", {2, 2}, bf16).ok());
  ASSERT_TRUE(writer.addInt32("layer.i32", {3, 2}, i32).ok());
  std::vector<uint8_t> u8 = {1, 2, 255};
  ASSERT_TRUE(writer.addTensor("z.u8", DType::U8, {3}, u8).ok());
  std::vector<double> f64 = {0.1, -1e300};
  std::vector<uint8_t> f64Bytes(16);
  std::memcpy(f64Bytes.data(), f64.data(), 16);
  ASSERT_TRUE(writer.addTensor("b.f64", DType::F64, {2}, f64Bytes).ok());
  ASSERT_TRUE(writer.addTensor("empty", DType::F32, {0, 4}, {}).ok());
  writer.setMetadata("format", "pt");
  writer.setMetadata("quote\"d", "line\nbreak");
  ASSERT_TRUE(writer.write(dir.file("out.safetensors")).ok());
  EXPECT_EQ(dir.list(), std::vector<std::string>{"out.safetensors"});

  auto file = SafetensorsFile::open(dir.file("out.safetensors"));
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->tensors().size(), 7u);
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(file->metadata().at("quote\"d"), "line\nbreak");
  EXPECT_EQ(*file->readFloat("layer.f32"), f32);
  EXPECT_EQ(*file->readFloat("layer.f16"), f16); // all exactly representable
  EXPECT_EQ(*file->readFloat("a.bf16"),
            (std::vector<float>{1.0f, -3.5f, bf16ToFloat(floatToBf16(1.0e20f)),
                                0.15625f}));
  EXPECT_EQ(*file->readInt32("layer.i32"), i32);
  EXPECT_EQ(*file->readFloat("b.f64"),
            (std::vector<float>{float(0.1),
                                -std::numeric_limits<float>::infinity()}));
  const TensorInfo *info = file->find("layer.i32");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->dtype, DType::I32);
  EXPECT_EQ(info->shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(info->numElements(), 6);
  ByteSpan raw = file->bytes(*info);
  ASSERT_EQ(raw.size, 24u);
  int32_t second;
  std::memcpy(&second, raw.data + 4, 4);
  EXPECT_EQ(second, -1);
  auto u8Back = file->bytes("z.u8");
  ASSERT_TRUE(u8Back.ok());
  EXPECT_EQ(std::vector<uint8_t>(u8Back->data, u8Back->data + 3), u8);
  EXPECT_EQ(file->find("empty")->numElements(), 0);
  EXPECT_EQ(file->find("missing"), nullptr);

  // Layout as the Python package writes it: wider dtypes first, then names;
  // header padded with spaces to a multiple of 8.
  std::string bytes = readAll(dir.file("out.safetensors"));
  uint64_t headerLength;
  std::memcpy(&headerLength, bytes.data(), 8);
  EXPECT_EQ(headerLength % 8, 0u);
  std::string header = bytes.substr(8, headerLength);
  EXPECT_EQ(header.rfind("{\"__metadata__\":", 0), 0u) << header;
  size_t f64At = header.find("\"b.f64\""), f32At = header.find("\"layer.f32\""),
         i32At = header.find("\"layer.i32\""),
         bf16At = header.find("\"a.bf16\""),
         f16At = header.find("\"layer.f16\""), u8At = header.find("\"z.u8\"");
  EXPECT_LT(f64At, f32At);
  EXPECT_LT(f32At, i32At);
  EXPECT_LT(i32At, bf16At);
  EXPECT_LT(bf16At, f16At);
  EXPECT_LT(f16At, u8At);
  EXPECT_EQ(file->find("b.f64")->begin, 0u);
}

TEST(Safetensors, ReadTypeErrors) {
  TempDir dir;
  SafetensorsWriter writer;
  ASSERT_TRUE(writer.addInt32("ints", {2}, {1, 2}).ok());
  ASSERT_TRUE(writer.addFloat32("floats", {1}, {1.0f}).ok());
  ASSERT_TRUE(writer.write(dir.file("t.safetensors")).ok());
  auto file = SafetensorsFile::open(dir.file("t.safetensors"));
  ASSERT_TRUE(file.ok());
  auto notFloat = file->readFloat("ints");
  ASSERT_FALSE(notFloat.ok());
  EXPECT_NE(notFloat.message().find("has dtype I32"), std::string::npos);
  auto notInt = file->readInt32("floats");
  ASSERT_FALSE(notInt.ok());
  EXPECT_NE(notInt.message().find("expected I32"), std::string::npos);
  auto absent = file->readFloat("nope");
  ASSERT_FALSE(absent.ok());
  EXPECT_NE(absent.message().find("no tensor 'nope'"), std::string::npos);
  EXPECT_NE(absent.message().find("t.safetensors"), std::string::npos);
}

TEST(Safetensors, WriterRejectsBadTensors) {
  SafetensorsWriter writer;
  ASSERT_TRUE(writer.addInt32("x", {2}, {1, 2}).ok());
  Status twice = writer.addInt32("x", {2}, {1, 2});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.message().find("added twice"), std::string::npos);
  Status size = writer.addFloat32("y", {2, 2}, {1.0f});
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.message().find("needs 16 bytes, got 4"), std::string::npos);
  EXPECT_FALSE(writer.addInt32("__metadata__", {1}, {1}).ok());
}

struct CorruptCase {
  const char *label;
  std::string contents;
  const char *expected;
};

TEST(Safetensors, CorruptFilesAreRejected) {
  TempDir dir;
  const std::string good =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  std::vector<CorruptCase> cases = {
      {"tiny", "abc", "too short for the 8-byte header length"},
      {"length beyond file", rawFile(good, 8, 1000), "exceeds the file size"},
      {"huge length", rawFile(good, 8, uint64_t(1) << 40), "exceeds the"},
      {"truncated data", rawFile(good, 4),
       "data range [0, 8) exceeds the 4-byte data section"},
      {"bad json", rawFile(R"({"a":{"dtype":"F32",)", 8), "not valid JSON"},
      {"not object", rawFile("[1,2]", 0), "not a JSON object"},
      {"bad dtype",
       rawFile(R"({"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}})", 8),
       "unsupported dtype 'F17'"},
      {"size mismatch",
       rawFile(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 12),
       "needs 12 bytes but data_offsets [0, 8) span 8"},
      {"overlap",
       rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
               12),
       "overlap"},
      {"reversed offsets",
       rawFile(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8),
       "end before they begin"},
      {"negative dim",
       rawFile(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
       "not a non-negative integer"},
      {"missing field", rawFile(R"({"a":{"dtype":"F32","shape":[2]}})", 8),
       "lacks one of"},
      {"metadata not strings", rawFile(R"({"__metadata__":{"k":1}})", 0),
       "is not a string"},
  };
  for (const CorruptCase &c : cases) {
    std::string path = dir.file("corrupt.safetensors");
    writeRaw(path, c.contents);
    auto file = SafetensorsFile::open(path);
    ASSERT_FALSE(file.ok()) << c.label;
    EXPECT_NE(file.message().find(c.expected), std::string::npos)
        << c.label << ": " << file.message();
    EXPECT_EQ(file.message().rfind(path + ": ", 0), 0u) << file.message();
    EXPECT_EQ(file.message().find('\n'), std::string::npos) << c.label;
  }
  // Sanity: the good header itself opens.
  writeRaw(dir.file("good.safetensors"), rawFile(good, 8));
  auto file = SafetensorsFile::open(dir.file("good.safetensors"));
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->readFloat("a")->size(), 2u);
  EXPECT_FALSE(SafetensorsFile::open(dir.file("absent.safetensors")).ok());
}

TEST(Safetensors, FileIsMovable) {
  TempDir dir;
  SafetensorsWriter writer;
  ASSERT_TRUE(writer.addInt32("v", {3}, {4, 5, 6}).ok());
  ASSERT_TRUE(writer.write(dir.file("m.safetensors")).ok());
  auto opened = SafetensorsFile::open(dir.file("m.safetensors"));
  ASSERT_TRUE(opened.ok());
  SafetensorsFile moved = opened.take();
  SafetensorsFile target = std::move(moved);
  EXPECT_EQ(*target.readInt32("v"), (std::vector<int32_t>{4, 5, 6}));
}

TEST(AtomicFile, FailureLeavesExistingFileAndNoTemp) {
  TempDir dir;
  const std::string path = dir.file("config.json");
  ASSERT_TRUE(writeFileAtomically(path, "old contents").ok());
  EXPECT_EQ(readAll(path), "old contents");

  // The target directory does not exist: creation fails cleanly.
  Status missingDir =
      writeFileAtomically(dir.file("no-such-dir/config.json"), "x");
  ASSERT_FALSE(missingDir.ok());
  EXPECT_NE(missingDir.message().find("cannot create temporary file"),
            std::string::npos);

  // Rename onto a non-empty directory fails after the data was written: the
  // temporary file must be gone and nothing else touched.
  const std::string blocker = dir.file("blocker");
  ASSERT_EQ(::mkdir(blocker.c_str(), 0755), 0);
  writeRaw(blocker + "/keep", "k");
  Status renameFails = writeFileAtomically(blocker, "new contents");
  ASSERT_FALSE(renameFails.ok());
  EXPECT_NE(renameFails.message().find("rename"), std::string::npos)
      << renameFails.message();
  std::vector<std::string> names = dir.list();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"blocker", "config.json"}));
  ::unlink((blocker + "/keep").c_str());
  ::rmdir(blocker.c_str());

  // An abandoned writer removes its temporary file; the old file survives.
  {
    auto writer = AtomicFileWriter::create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->append("partial").ok());
    EXPECT_EQ(dir.list().size(), 2u); // config.json and the temp file
  }
  EXPECT_EQ(dir.list(), std::vector<std::string>{"config.json"});
  EXPECT_EQ(readAll(path), "old contents");

  ASSERT_TRUE(writeFileAtomically(path, "new contents").ok());
  EXPECT_EQ(readAll(path), "new contents");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"config.json"});
}

TEST(CheckpointReader, TinyLlamaShards) {
  const std::string model =
      std::string(GPTQ_TESTDATA_DIR) + "/tiny-llama-bytes";
  auto reader = CheckpointReader::open(model);
  ASSERT_TRUE(reader.ok()) << reader.message();
  EXPECT_EQ(reader->shards().size(), 2u);
  const TensorInfo *embed = reader->find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, DType::F16);
  EXPECT_EQ(embed->shape, (std::vector<int64_t>{256, 512}));
  auto values = reader->readFloat("model.embed_tokens.weight");
  ASSERT_TRUE(values.ok()) << values.message();
  double sumSquares = 0.0;
  for (float value : *values)
    sumSquares += double(value) * value;
  EXPECT_GT(sumSquares, 0.0);

  const SafetensorsFile *second = reader->fileFor("lm_head.weight");
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second->path().find("model-00002-of-00002"), std::string::npos);
  EXPECT_NE(second, reader->fileFor("model.embed_tokens.weight"));
  const TensorInfo *head = reader->find("lm_head.weight");
  ASSERT_NE(head, nullptr);
  EXPECT_EQ(head->shape, (std::vector<int64_t>{256, 512}));
  EXPECT_TRUE(reader->readFloat("lm_head.weight").ok());
  EXPECT_EQ(reader->find("nope"), nullptr);
  EXPECT_FALSE(reader->readFloat("nope").ok());
  // 4 layers x 9 tensors + embed, norm, lm_head.
  EXPECT_EQ(reader->tensorNames().size(), 39u);
}

TEST(CheckpointReader, SingleFileAndBrokenIndex) {
  TempDir dir;
  SafetensorsWriter writer;
  ASSERT_TRUE(writer.addFloat16("w", {2}, {1.0f, 2.0f}).ok());
  ASSERT_TRUE(writer.write(dir.file("model.safetensors")).ok());
  auto single = CheckpointReader::open(dir.file(""));
  ASSERT_TRUE(single.ok()) << single.message();
  EXPECT_EQ(*single->readFloat("w"), (std::vector<float>{1.0f, 2.0f}));

  writeRaw(
      dir.file("model.safetensors.index.json"),
      R"({"weight_map":{"w":"model.safetensors","v":"model-2.safetensors"}})");
  auto missingShard = CheckpointReader::open(dir.file(""));
  ASSERT_FALSE(missingShard.ok());
  EXPECT_NE(missingShard.message().find("model.safetensors.index.json"),
            std::string::npos);
  EXPECT_NE(missingShard.message().find("model-2.safetensors"),
            std::string::npos)
      << missingShard.message();

  writeRaw(
      dir.file("model.safetensors.index.json"),
      R"({"weight_map":{"w":"model.safetensors","v":"model.safetensors"}})");
  auto notInShard = CheckpointReader::open(dir.file(""));
  ASSERT_FALSE(notInShard.ok());
  EXPECT_NE(notInShard.message().find("tensor 'v' is mapped to shard "
                                      "'model.safetensors'"),
            std::string::npos)
      << notInShard.message();

  writeRaw(dir.file("model.safetensors.index.json"), "{\"weight_map\": 3}");
  EXPECT_FALSE(CheckpointReader::open(dir.file("")).ok());
}

} // namespace
