//===- Half.h - fp16 / bf16 bit conversions on the host ----------*- C++ -*-===//
//
// Host code stores fp16 and bf16 tensors as raw uint16_t bits (exactly as
// safetensors and the GPU hold them). These conversions round to nearest
// even, as the hardware's cvt.rn does, so host references and device results
// agree bit for bit on the rounding of inputs.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_SUPPORT_HALF_H
#define GPTQ_SUPPORT_HALF_H

#include <cstdint>
#include <cstring>

namespace gptq {

inline uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

inline float floatFromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// IEEE binary16 bits -> float (exact).
inline float halfToFloat(uint16_t half) {
  uint32_t sign = uint32_t(half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1fu;
  uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0x1f) // inf / nan
    return floatFromBits(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0)
      return floatFromBits(sign);
    // Subnormal: value = mantissa * 2^-24.
    float magnitude = float(mantissa) * 5.9604644775390625e-8f;
    return sign ? -magnitude : magnitude;
  }
  return floatFromBits(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

/// float -> IEEE binary16 bits, round to nearest even, overflow to inf.
inline uint16_t floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000u);
  uint32_t absBits = bits & 0x7fffffffu;
  if (absBits >= 0x7f800000u) // inf / nan (keep nan quiet)
    return sign | 0x7c00u | (absBits > 0x7f800000u ? 0x200u : 0u);
  if (absBits >= 0x477ff000u) // rounds to >= 65520: overflow
    return sign | 0x7c00u;
  if (absBits < 0x38800000u) { // below the smallest normal half (2^-14)
    // Scale so that one half-subnormal ulp (2^-24) becomes 1.0 and let the
    // FPU's round-to-nearest-even produce the integer mantissa.
    float magnitude = floatFromBits(absBits) * 16777216.0f;
    float rounded = magnitude + 8388608.0f - 8388608.0f; // RNE to integer
    return sign | uint16_t(rounded);
  }
  uint32_t mantissaOdd = (absBits >> 13) & 1u;
  absBits += 0xfffu + mantissaOdd; // RNE on the 13 dropped bits
  return sign | uint16_t((absBits - 0x38000000u) >> 13);
}

/// bfloat16 bits -> float (exact).
inline float bf16ToFloat(uint16_t bf16) {
  return floatFromBits(uint32_t(bf16) << 16);
}

/// float -> bfloat16 bits, round to nearest even.
inline uint16_t floatToBf16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) // nan
    return uint16_t((bits >> 16) | 0x40u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return uint16_t(bits >> 16);
}

} // namespace gptq

#endif // GPTQ_SUPPORT_HALF_H
