//===- XorShift.h - A small fast generator for benchmark inputs -*- C++ -*-===//
//
// xorshift64*: fast and good enough for filling benchmark inputs with
// non-zero values (qmm-bench, gptq-tune). Not for anything statistical.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_SUPPORT_XORSHIFT_H
#define GPTQ_SUPPORT_XORSHIFT_H

#include <cstdint>

namespace gptq {

struct XorShift64Star {
  uint64_t state;
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ull;
  }
  /// Uniform in [0, 1), 24 bits.
  float uniform() { return float(next() >> 40) / float(1 << 24); }
};

} // namespace gptq

#endif // GPTQ_SUPPORT_XORSHIFT_H
