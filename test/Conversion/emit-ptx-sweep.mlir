// Every kernel of the GPU correctness sweep (all three strategies, every
// bit width, act-order, reordered act-order, bf16, bias, hand-written
// stream and pipelined tiles) compiles with NVRTC for both shipped
// architectures without register spills, with two known exceptions,
// checked separately:
//  - 3-bit act-order stream kernels (the per-value fallback path, 32
//    lookups per column and unit) spill a few dozen bytes: at most 64.
//  - 64 x 128 pipelined tiles of 4 warps at 4 bits, whose 12-warp target
//    caps them at 168 registers, spill 8 bytes on sm_80 (none on sm_90a):
//    at most 8.
// Reordered kernels (`_reord_`, 3-bit included) take the grouped paths and
// must not spill at all.
// RUN: gptq-opt %S/../gpu/kernel-sweep.mlir --emit=ptx --arch=sm_80,sm_90a --summary -o %t.ptx > %t.summary 2>&1
// RUN: grep -v "_w3g[0-9a-z]*_act_.*_stream_" %t.summary | grep -v "^sm_80 .*_w4g[0-9a-z_]*_pipe_m64n128k64w4s3" | FileCheck %s
// RUN: grep "^sm_80 .*_w4g[0-9a-z_]*_pipe_m64n128k64w4s3" %t.summary | FileCheck %s --check-prefix=PIPE80
// RUN: grep "_w3g[0-9a-z]*_act_.*_stream_" %t.summary | FileCheck %s --check-prefix=ACT3
// RUN: grep -c "\.entry " %t.ptx | FileCheck %s --check-prefix=COUNT

// ACT3: qmm_f16_w3g128_act_asym_v2_k1024_n1024_stream_{{.*}} spill stores {{[0-5]?[0-9] |6[0-4] }}B
// ACT3: qmm_f16_w3g128_act_asym_v2_k1024_n1024_stream_{{.*}} spill stores {{[0-5]?[0-9] |6[0-4] }}B
// ACT3: qmm_f16_w3g128_act_asym_v2_k1024_n1024_stream_{{.*}} spill stores {{[0-5]?[0-9] |6[0-4] }}B
// ACT3: qmm_f16_w3g128_act_asym_v2_k1024_n1024_stream_{{.*}} spill stores {{[0-5]?[0-9] |6[0-4] }}B

// PIPE80-COUNT-8: _pipe_m64n128k64w4s3 {{.*}} spill stores {{[0-8]}} B  spill loads {{[0-8]}} B

// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_80  qmm_f16_w4g128_act_asym_k1024_n512_m64n128k64w4  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_80  qmm_f16_w4g64_act_k512_n256_stream_m16n64k64w8s2  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_90a  qmm_f16_w4g128_act_asym_k1024_n512_m64n128k64w4  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_90a  qmm_f16_w4g64_act_k512_n256_stream_m16n64k64w8s2  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_90a  qmm_f16_w4g128_asym_k256_n256_pipe_m64n128k64w4s3  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}

// 68 kernels (2 mma, 15 pipelined, 51 stream of which 8 reordered
// act-order), once per architecture.
// COUNT: 136
