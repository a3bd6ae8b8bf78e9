//===- KernelKey.h - The JIT's in-memory table key --------------*- C++ -*-===//
//
// Everything that selects a compiled kernel, as a fixed-size value: hashing
// and comparing it touches no heap, so the warm path's lookup allocates
// nothing (std::unordered_map::find with this key does not allocate).
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_LIB_JIT_KERNELKEY_H
#define GPTQ_LIB_JIT_KERNELKEY_H

#include "gptq/Jit/QmmJit.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gptq::jit {

struct KernelKey {
  int64_t K = 0, N = 0;
  /// gptq::autotune::rowBucket(M): the tile, hence the kernel, is chosen
  /// per bucket; any M of the bucket runs the same kernel.
  int64_t mBucket = 0;
  int64_t groupSize = 0;
  uint8_t bits = 0;
  bool actOrder = false, sym = false, v2 = false, bf16 = false, bias = false;
  /// NUL-padded target name ("sm_90a"); fixed size keeps the key POD.
  char arch[16] = {};

  bool operator==(const KernelKey &other) const {
    return K == other.K && N == other.N && mBucket == other.mBucket &&
           groupSize == other.groupSize && bits == other.bits &&
           actOrder == other.actOrder && sym == other.sym && v2 == other.v2 &&
           bf16 == other.bf16 && bias == other.bias &&
           std::memcmp(arch, other.arch, sizeof(arch)) == 0;
  }
};

/// Field-wise FNV-1a style mixing (not over the raw bytes: the padding
/// between fields is not guaranteed to be zero).
struct KernelKeyHash {
  size_t operator()(const KernelKey &key) const {
    uint64_t hash = 0xcbf29ce484222325ull;
    auto mix = [&](uint64_t value) {
      hash ^= value;
      hash *= 0x100000001b3ull;
      hash ^= hash >> 29;
    };
    mix(uint64_t(key.K));
    mix(uint64_t(key.N));
    mix(uint64_t(key.mBucket));
    mix(uint64_t(key.groupSize));
    mix(uint64_t(key.bits) | uint64_t(key.actOrder) << 8 |
        uint64_t(key.sym) << 9 | uint64_t(key.v2) << 10 |
        uint64_t(key.bf16) << 11 | uint64_t(key.bias) << 12);
    for (char c : key.arch)
      mix(uint64_t(uint8_t(c)));
    return size_t(hash);
  }
};

/// The key of a validated `desc` for the target `arch` (a NUL-padded name,
/// as stored in KernelKey::arch). Regrouped layouts have no key of their
/// own: QmmJit::matmul runs them as their plain layout after the x gather.
KernelKey makeKernelKey(const MatmulDesc &desc, const char (&arch)[16]);

/// Copies `arch` into a key's arch field; fails when it does not fit.
Status encodeArch(const std::string &arch, char (&out)[16]);

} // namespace gptq::jit

#endif // GPTQ_LIB_JIT_KERNELKEY_H
