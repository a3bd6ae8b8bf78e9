//===- DescribeDesc.h - a matmul description as text, for test messages ---===//

#ifndef GPTQ_TEST_UNIT_JIT_DESCRIBEDESC_H
#define GPTQ_TEST_UNIT_JIT_DESCRIBEDESC_H

#include "gptq/Jit/QmmJit.h"

#include <string>

namespace gptq::jit::test {

/// "w4 g128 act asym v1 f16 bias K256 N256 M1": what a failing check ran.
inline std::string describe(const MatmulDesc &desc) {
  return "w" + std::to_string(desc.layout.bits) + " g" +
         std::to_string(desc.layout.groupSize) +
         (desc.layout.actOrder ? " act" : "") +
         (desc.layout.regrouped ? " regrouped" : "") +
         (desc.layout.sym ? " sym" : " asym") +
         (desc.layout.format == format::CheckpointFormat::GptqV2 ? " v2"
                                                                 : " v1") +
         (desc.dtype == DType::BF16 ? " bf16" : " f16") +
         (desc.hasBias ? " bias" : "") + " K" + std::to_string(desc.K) + " N" +
         std::to_string(desc.N) + " M" + std::to_string(desc.M);
}

} // namespace gptq::jit::test

#endif // GPTQ_TEST_UNIT_JIT_DESCRIBEDESC_H
