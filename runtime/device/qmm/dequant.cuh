// dequant.cuh - unpacking GPTQ codes and zero points.
//
// Both qweight (down each column) and qzeros (along each row) are
// little-endian bit streams of `Bits`-bit values over 32-bit words: value j
// occupies stream bits [Bits*j, Bits*j + Bits). For 2, 4 and 8 bits no value
// crosses a word; for 3 bits values 10 and 21 of every 32 straddle two words
// (FORMAT.md section 4).
#pragma once

#include "qmm/types.cuh"

namespace qmm {

/// How a checkpoint stores zero points: AutoGPTQ's gptq (v1) stores zero-1
/// and readers add one back; GPTQModel's gptq_v2 stores them as they are.
enum class ZeroStorage { MinusOne, AsIs };

/// The compile-time description of a weight's quantization.
///
/// `XPermuted` describes an act-order weight whose input channels were
/// reordered once, at load time, so that channel k belongs to group
/// k / GroupSize (qmm-reorder-act-order): the kernel then treats it as a
/// plain grouped layout (ActOrder false) and reads x column perm[k] for
/// channel k, perm being passed where g_idx was.
template <int Bits, int GroupSize, bool ActOrder, ZeroStorage Zeros,
          bool XPermuted = false>
struct QuantLayout {
  static_assert(Bits == 2 || Bits == 3 || Bits == 4 || Bits == 8,
                "GPTQ codes are 2, 3, 4 or 8 bits wide");
  static_assert(!(ActOrder && XPermuted),
                "a reordered act-order weight is a plain grouped layout");
  static constexpr int kBits = Bits;
  static constexpr int kGroupSize = GroupSize; // K when the layout has -1
  static constexpr bool kActOrder = ActOrder;
  static constexpr bool kXPermuted = XPermuted;
  static constexpr int kZeroOffset = Zeros == ZeroStorage::MinusOne ? 1 : 0;
  static constexpr unsigned kMask = (1u << Bits) - 1u;
};

/// Value `Index` of the 32 values packed in `words[0..Bits)`. `Index` is a
/// compile-time constant in unrolled loops, so the word and shift fold away.
template <int Bits>
__device__ __forceinline__ uint32_t extract_code(const uint32_t *words,
                                                 int index) {
  const int bit = index * Bits;
  const int word = bit >> 5;
  const int shift = bit & 31;
  uint32_t value = words[word] >> shift;
  if (shift + Bits > 32) // only for 3-bit values 10 and 21
    value |= words[word + 1] << (32 - shift);
  return value & ((1u << Bits) - 1u);
}

/// Zero point of output column `n` in group `group`, read from qzeros
/// (G x N*Bits/32 words, packed along N) and decoded per the layout.
/// `load(const uint32_t *)` reads one word; callers that must keep their
/// loads in program order pass their own.
template <typename Layout, typename Load>
__device__ __forceinline__ int load_zero_point(const uint32_t *qzeros,
                                               int outFeatures, int group,
                                               int n, Load load) {
  constexpr int Bits = Layout::kBits;
  const uint32_t *row = qzeros + (int64_t)group * (outFeatures * Bits / 32);
  const int bit = n * Bits;
  const int word = bit >> 5;
  const int shift = bit & 31;
  uint32_t value = load(row + word) >> shift;
  if (shift + Bits > 32)
    value |= load(row + word + 1) << (32 - shift);
  return int(value & Layout::kMask) + Layout::kZeroOffset;
}
template <typename Layout>
__device__ __forceinline__ int
load_zero_point(const uint32_t *qzeros, int outFeatures, int group, int n) {
  return load_zero_point<Layout>(
      qzeros, outFeatures, group, n,
      [](const uint32_t *word) { return __ldg(word); });
}

} // namespace qmm
