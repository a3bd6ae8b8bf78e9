//===- WriteSampleSafetensors.cpp - Files for the Python round trip -------===//
//
// `write FILE` writes the sample tensors with our writer; `check FILE` reads
// a file written by Python's safetensors package and checks the same
// values. test/python/safetensors_roundtrip.py regenerates the identical
// values, so both directions compare exact bits with an independent
// implementation. The sample values are integers-derived so that both sides
// can compute them without sharing a random generator.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Safetensors.h"
#include "gptq/Support/Half.h"

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace gptq;
using namespace gptq::format;

namespace {

// Keep in sync with sample_* in test/python/safetensors_roundtrip.py.
std::vector<float> sampleF32() {
  std::vector<float> values(3 * 5);
  for (int i = 0; i < 15; ++i)
    values[i] = float(i * 37 % 23 - 11) / 8.0f + float(i) * 1e-3f;
  return values;
}
std::vector<float> sampleF16() { // already fp16-exact: multiples of 1/64
  std::vector<float> values(4 * 6);
  for (int i = 0; i < 24; ++i)
    values[i] = float(i * 29 % 61 - 30) / 64.0f;
  return values;
}
std::vector<float> sampleBF16() { // bf16-exact: small integers times 2^k
  std::vector<float> values(2 * 8);
  for (int i = 0; i < 16; ++i)
    values[i] = float(i * 13 % 17 - 8) * std::ldexp(1.0f, i - 8);
  return values;
}
std::vector<int32_t> sampleI32() {
  std::vector<int32_t> values(7);
  for (int i = 0; i < 7; ++i)
    values[i] = int32_t(uint32_t(i) * 2654435761u);
  return values;
}

int fail(const std::string &message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

int write(const std::string &path) {
  SafetensorsWriter writer;
  for (Status status : {writer.addFloat32("sample.f32", {3, 5}, sampleF32()),
                        writer.addFloat16("sample.f16", {4, 6}, sampleF16()),
                        writer.addBFloat16("sample.bf16", {2, 8}, sampleBF16()),
                        writer.addInt32("sample.i32", {7}, sampleI32())})
    if (!status.ok())
      return fail(status.message());
  writer.setMetadata("format", "pt");
  writer.setMetadata("written_by", "gptq-toolkit");
  Status status = writer.write(path);
  return status.ok() ? 0 : fail(status.message());
}

template <typename T>
bool same(const char *name, const std::vector<T> &got,
          const std::vector<T> &want) {
  if (got.size() == want.size() &&
      (got.empty() ||
       std::memcmp(got.data(), want.data(), got.size() * sizeof(T)) == 0))
    return true;
  std::fprintf(stderr, "mismatch in %s\n", name);
  return false;
}

int check(const std::string &path) {
  auto file = SafetensorsFile::open(path);
  if (!file)
    return fail(file.message());
  auto f32 = file->readFloat("sample.f32");
  auto f16 = file->readFloat("sample.f16");
  auto bf16 = file->readFloat("sample.bf16");
  auto i32 = file->readInt32("sample.i32");
  for (const Status &status :
       {f32.status(), f16.status(), bf16.status(), i32.status()})
    if (!status.ok())
      return fail(status.message());
  bool ok = same("sample.f32", *f32, sampleF32()) &&
            same("sample.f16", *f16, sampleF16()) &&
            same("sample.bf16", *bf16, sampleBF16()) &&
            same("sample.i32", *i32, sampleI32());
  if (file->find("sample.f16")->dtype != DType::F16 ||
      file->find("sample.bf16")->dtype != DType::BF16 ||
      file->find("sample.f32")->shape != std::vector<int64_t>{3, 5})
    ok = !fail("dtype or shape differs");
  auto written = file->metadata().find("written_by");
  if (written == file->metadata().end() || written->second != "python")
    ok = !fail("metadata written_by != python");
  if (ok)
    std::printf("%s: all sample tensors match\n", path.c_str());
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3 ||
      (std::strcmp(argv[1], "write") && std::strcmp(argv[1], "check")))
    return fail("usage: write-sample-safetensors write|check FILE");
  return std::strcmp(argv[1], "write") == 0 ? write(argv[2]) : check(argv[2]);
}
