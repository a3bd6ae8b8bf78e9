// Every kernel of the GPU correctness sweep (both strategies, every bit
// width, act-order, bf16, bias, hand-written stream tiles) compiles with
// NVRTC for both shipped architectures without register spills.
// RUN: gptq-opt %S/../gpu/kernel-sweep.mlir --emit=ptx --arch=sm_80,sm_90a --summary -o %t.ptx 2>&1 | FileCheck %s
// RUN: grep -c "\.entry " %t.ptx | FileCheck %s --check-prefix=COUNT

// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_80  qmm_f16_w4g64_act_k512_n256_stream_m16n64k64w8s2  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_80  qmm_f16_w4g128_asym_k256_n256_m64n128k64w4  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_90a  qmm_f16_w4g64_act_k512_n256_stream_m16n64k64w8s2  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_90a  qmm_f16_w4g128_asym_k256_n256_m64n128k64w4  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}

// 34 kernels (14 mma, 20 stream), once per architecture.
// COUNT: 68
