//===- Packing.cpp - AutoGPTQ bit packing ---------------------------------===//
//
// One bit-stream rule serves every width: value j of a line occupies stream
// bits [bits*j, bits*j + bits), word w holds stream bits 32w..32w+31. Working
// on the stream (rather than on per-width special cases as the reference
// writer does) makes 3-bit straddling values fall out of the same code.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/Packing.h"

#include <fmt/format.h>

namespace gptq::format {

namespace {

/// A line of packed words inside a larger array: `stride` apart.
struct WordLine {
  uint32_t *words;
  int64_t stride;

  uint32_t &at(int64_t index) const { return words[index * stride]; }
};

struct ConstWordLine {
  const uint32_t *words;
  int64_t stride;

  uint32_t at(int64_t index) const { return words[index * stride]; }
};

/// ORs `value` (already < 2^bits) into stream position `index`.
void putValue(WordLine line, int64_t index, int bits, uint32_t value) {
  int64_t bit = index * bits;
  int64_t word = bit / 32;
  int shift = int(bit % 32);
  line.at(word) |= value << shift;
  if (shift + bits > 32) // straddles into the next word
    line.at(word + 1) |= value >> (32 - shift);
}

uint32_t getValue(ConstWordLine line, int64_t index, int bits) {
  int64_t bit = index * bits;
  int64_t word = bit / 32;
  int shift = int(bit % 32);
  uint32_t value = line.at(word) >> shift;
  if (shift + bits > 32)
    value |= line.at(word + 1) << (32 - shift);
  return value & ((1u << bits) - 1u);
}

/// int32 storage is how the checkpoint holds the words; the bit arithmetic
/// is done unsigned so that shifts into bit 31 are well defined.
uint32_t *asWords(std::vector<int32_t> &values) {
  return reinterpret_cast<uint32_t *>(values.data());
}
const uint32_t *asWords(const std::vector<int32_t> &values) {
  return reinterpret_cast<const uint32_t *>(values.data());
}

/// Shared argument checks: bit width, the packed dimension fills whole
/// words, and the input holds `expected` elements.
Status checkShape(const char *what, int64_t packedDim, const char *dimName,
                  int64_t otherDim, int bits) {
  GPTQ_RETURN_IF_ERROR(checkPackBits(bits));
  if (packedDim <= 0 || otherDim < 0)
    return Status::error(fmt::format("{}: invalid dimensions {}={} ({} x {})",
                                     what, dimName, packedDim, packedDim,
                                     otherDim));
  if ((packedDim * bits) % 32 != 0)
    return Status::error(fmt::format(
        "{}: {}={} times {} bits is not a multiple of 32, so it does not fill "
        "whole int32 words",
        what, dimName, packedDim, bits));
  return Status::success();
}

Status checkSize(const char *what, size_t actual, int64_t expected,
                 const std::string &shape) {
  if (int64_t(actual) != expected)
    return Status::error(fmt::format("{}: expected {} elements ({}), got {}",
                                     what, expected, shape, actual));
  return Status::success();
}

} // namespace

const char *checkpointFormatName(CheckpointFormat format) {
  return format == CheckpointFormat::GptqV1 ? "gptq_v1" : "gptq_v2";
}

Expected<CheckpointFormat> parseCheckpointFormat(std::string_view name) {
  if (name == "gptq_v1" || name == "gptq")
    return CheckpointFormat::GptqV1;
  if (name == "gptq_v2")
    return CheckpointFormat::GptqV2;
  return Status::error(fmt::format(
      "unknown checkpoint format '{}' (expected gptq, gptq_v1 or gptq_v2)",
      name));
}

Status checkPackBits(int bits) {
  if (bits == 2 || bits == 3 || bits == 4 || bits == 8)
    return Status::success();
  return Status::error(
      fmt::format("unsupported bits {} (expected 2, 3, 4 or 8)", bits));
}

Expected<std::vector<int32_t>> packWeights(const std::vector<int32_t> &codes,
                                           int64_t K, int64_t N, int bits) {
  GPTQ_RETURN_IF_ERROR(checkShape("packWeights", K, "K", N, bits));
  GPTQ_RETURN_IF_ERROR(checkSize("packWeights codes", codes.size(), K * N,
                                 fmt::format("[K={}][N={}]", K, N)));
  const int32_t maxq = (1 << bits) - 1;
  std::vector<int32_t> qweight(K * bits / 32 * N, 0);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) {
      int32_t code = codes[k * N + n];
      if (code < 0 || code > maxq)
        return Status::error(fmt::format(
            "packWeights: code {} at [k={}][n={}] (index {}) is outside "
            "0..{} for {} bits",
            code, k, n, k * N + n, maxq, bits));
      putValue(WordLine{asWords(qweight) + n, N}, k, bits, uint32_t(code));
    }
  return qweight;
}

Expected<std::vector<int32_t>>
unpackWeights(const std::vector<int32_t> &qweight, int64_t K, int64_t N,
              int bits) {
  GPTQ_RETURN_IF_ERROR(checkShape("unpackWeights", K, "K", N, bits));
  GPTQ_RETURN_IF_ERROR(
      checkSize("unpackWeights qweight", qweight.size(), K * bits / 32 * N,
                fmt::format("[K*bits/32={}][N={}]", K * bits / 32, N)));
  std::vector<int32_t> codes(K * N);
  for (int64_t n = 0; n < N; ++n) {
    ConstWordLine line{asWords(qweight) + n, N};
    for (int64_t k = 0; k < K; ++k)
      codes[k * N + n] = int32_t(getValue(line, k, bits));
  }
  return codes;
}

Expected<std::vector<int32_t>> packZeros(const std::vector<int32_t> &zeros,
                                         int64_t groups, int64_t N, int bits,
                                         CheckpointFormat format) {
  GPTQ_RETURN_IF_ERROR(checkShape("packZeros", N, "N", groups, bits));
  GPTQ_RETURN_IF_ERROR(checkSize("packZeros zeros", zeros.size(), groups * N,
                                 fmt::format("[groups={}][N={}]", groups, N)));
  const bool v1 = format == CheckpointFormat::GptqV1;
  const int32_t maxq = (1 << bits) - 1;
  const int64_t wordsPerRow = N * bits / 32;
  std::vector<int32_t> qzeros(groups * wordsPerRow, 0);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t n = 0; n < N; ++n) {
      int32_t zero = zeros[g * N + n];
      if (v1 && zero == 0)
        return Status::error(fmt::format(
            "packZeros: gptq_v1 cannot store a zero point of 0 (it stores "
            "zero - 1) at group {} column {}; write the checkpoint as gptq_v2",
            g, n));
      int32_t stored = v1 ? zero - 1 : zero;
      if (stored < 0 || stored > maxq)
        return Status::error(fmt::format(
            "packZeros: zero point {} at group {} column {} is outside {} "
            "for {} bits in {}",
            zero, g, n,
            v1 ? fmt::format("1..{}", maxq + 1) : fmt::format("0..{}", maxq),
            bits, checkpointFormatName(format)));
      putValue(WordLine{asWords(qzeros) + g * wordsPerRow, 1}, n, bits,
               uint32_t(stored));
    }
  return qzeros;
}

Expected<std::vector<int32_t>> unpackZeros(const std::vector<int32_t> &qzeros,
                                           int64_t groups, int64_t N, int bits,
                                           CheckpointFormat format) {
  GPTQ_RETURN_IF_ERROR(checkShape("unpackZeros", N, "N", groups, bits));
  const int64_t wordsPerRow = N * bits / 32;
  GPTQ_RETURN_IF_ERROR(
      checkSize("unpackZeros qzeros", qzeros.size(), groups * wordsPerRow,
                fmt::format("[groups={}][N*bits/32={}]", groups, wordsPerRow)));
  const int32_t offset = format == CheckpointFormat::GptqV1 ? 1 : 0;
  std::vector<int32_t> zeros(groups * N);
  for (int64_t g = 0; g < groups; ++g) {
    ConstWordLine line{asWords(qzeros) + g * wordsPerRow, 1};
    for (int64_t n = 0; n < N; ++n)
      zeros[g * N + n] = int32_t(getValue(line, n, bits)) + offset;
  }
  return zeros;
}

Expected<std::vector<ZeroLocation>>
findCorruptV1Zeros(const std::vector<int32_t> &qzeros, int64_t groups,
                   int64_t N, int bits) {
  Expected<std::vector<int32_t>> stored =
      unpackZeros(qzeros, groups, N, bits, CheckpointFormat::GptqV2);
  if (!stored)
    return stored.status();
  const int32_t maxq = (1 << bits) - 1;
  const int64_t wordsPerRow = N * bits / 32;
  std::vector<ZeroLocation> corrupt;
  for (int64_t g = 0; g < groups; ++g) {
    const uint32_t *row = asWords(qzeros) + g * wordsPerRow;
    for (int64_t n = 0; n < N; ++n) {
      if ((*stored)[g * N + n] == maxq) {
        corrupt.push_back({g, n});
        continue;
      }
      // A 3-bit value straddling words whose low bits sit in an all-ones
      // tail started by the previous (all-ones) value was spoilt as well.
      int64_t bit = n * bits;
      int shift = int(bit % 32);
      if (shift + bits <= 32 || n == 0 || (*stored)[g * N + n - 1] != maxq)
        continue;
      uint32_t tail = row[bit / 32] >> shift;
      if (tail == (1u << (32 - shift)) - 1u)
        corrupt.push_back({g, n});
    }
  }
  return corrupt;
}

} // namespace gptq::format
