// Every kernel of the GPU correctness sweep (all five strategies, every
// bit width, act-order, reordered act-order, bf16, bias, hand-written
// stream tiles (column warps too) and pipelined tiles, split-K clusters)
// compiles with NVRTC for both shipped architectures without register
// spills, with known exceptions, checked separately:
//  - 3-bit act-order stream kernels (the per-value fallback path, 32
//    lookups per column and unit) spill a few dozen bytes: at most 64.
//  - 64 x 128 pipelined tiles of 4 warps at 4 bits, whose 12-warp target
//    caps them at 168 registers, spill 8 bytes on sm_80 and, when they
//    split K across a cluster, on sm_90a: at most 8.
//  - 3-bit decode tiles of 8 warps, whose two-CTAs-per-SM target caps them
//    at 128 registers, spill 16 bytes on sm_90a (4 on sm_80): at most 16
//    (measured faster than 4 warps without the spill, docs/PERF.md).
//  - 4-bit 16-row tiles of 16 warps (128 registers at 512 threads) spill
//    4 bytes on sm_90a: at most 8 (measured faster than 8 warps, see
//    autotune/DefaultConfigs.cpp).
// Reordered kernels (`_reord_`, 3-bit included) take the grouped paths and
// must not spill at all. sm_80 has no clusters: its run compiles the sweep
// with split_k removed (qmm-select-tile rejects such tiles for sm_80, see
// test/Transforms/select-tile-split-k.mlir).
// RUN: gptq-opt %S/../gpu/kernel-sweep.mlir --emit=ptx --arch=sm_90a --summary -o %t.90.ptx > %t.90.summary 2>&1
// RUN: sed -e 's/, tile = #qmm.tile<strategy = wgmma[^>]*>//' -e 's/, split_k = [0-9]//' %S/../gpu/kernel-sweep.mlir > %t.80.mlir
// RUN: gptq-opt %t.80.mlir --emit=ptx --arch=sm_80 --summary -o %t.80.ptx > %t.80.summary 2>&1
// RUN: cat %t.80.summary %t.90.summary > %t.summary
// RUN: grep -v "_w3g[0-9a-z]*_act_.*_stream_" %t.summary | grep -v "^sm_80 .*_w4g[0-9a-z_]*_pipe_m64n128k64w4s3" | grep -v "^sm_90a .*_w4g[0-9a-z_]*_pipe_m64n128k64w4s3c" | grep -Ev "_w3g[0-9]+(_asym)?(_v2)?_k[0-9]+_n[0-9]+_stream_m8n[0-9]+k[0-9]+w8s[0-9]+ " | grep -v "_w4g[0-9a-z_]*_stream_m16n32k64w16s2 " | FileCheck %s
// RUN: grep -E "_w3g[0-9]+(_asym)?(_v2)?_k[0-9]+_n[0-9]+_stream_m8n[0-9]+k[0-9]+w8s[0-9]+ " %t.summary | FileCheck %s --check-prefix=DECODE3
// RUN: grep "_w4g[0-9a-z_]*_stream_m16n32k64w16s2 " %t.summary | FileCheck %s --check-prefix=SIXTEEN
// RUN: grep "^sm_80 .*_w4g[0-9a-z_]*_pipe_m64n128k64w4s3" %t.summary | FileCheck %s --check-prefix=PIPE80
// RUN: grep "^sm_90a .*_w4g[0-9a-z_]*_pipe_m64n128k64w4s3c" %t.summary | FileCheck %s --check-prefix=PIPESPLIT
// RUN: grep "_w3g[0-9a-z]*_act_.*_stream_" %t.summary | FileCheck %s --check-prefix=ACT3
// RUN: grep -c "\.entry " %t.80.ptx | FileCheck %s --check-prefix=COUNT80
// RUN: grep -c "\.entry " %t.90.ptx | FileCheck %s --check-prefix=COUNT90
// RUN: grep -c "s[0-9]c[0-9]" %t.90.summary | FileCheck %s --check-prefix=SPLIT90
// RUN: not grep "s[0-9]c[0-9]" %t.80.summary

// ACT3: qmm_f16_w3g128_act_asym_v2_k1024_n1024_stream_{{.*}} spill stores {{[0-5]?[0-9] |6[0-4] }}B
// ACT3: qmm_f16_w3g128_act_asym_v2_k1024_n1024_stream_{{.*}} spill stores {{[0-5]?[0-9] |6[0-4] }}B
// ACT3: qmm_f16_w3g128_act_asym_v2_k1024_n1024_stream_{{.*}} spill stores {{[0-5]?[0-9] |6[0-4] }}B
// ACT3: qmm_f16_w3g128_act_asym_v2_k1024_n1024_stream_{{.*}} spill stores {{[0-5]?[0-9] |6[0-4] }}B

// DECODE3-COUNT-4: _w3g{{[0-9]+}}_asym_k{{[0-9]+}}_n{{[0-9]+}}_stream_m8n32k128w8s2 {{.*}} spill stores {{[0-9]|1[0-6]}} B  spill loads {{[0-9]|1[0-6]}} B
// DECODE3-NOT: stream

// SIXTEEN-COUNT-2: _w4g128_asym_k8192_n256_stream_m16n32k64w16s2 {{.*}} spill stores {{[0-8]}} B  spill loads {{[0-8]}} B
// SIXTEEN-NOT: stream

// PIPE80-COUNT-9: _pipe_m64n128k64w4s3 {{.*}} spill stores {{[0-8]}} B  spill loads {{[0-8]}} B
// PIPESPLIT-COUNT-1: _pipe_m64n128k64w4s3c{{[0-9]}} {{.*}} spill stores {{[0-8]}} B  spill loads {{[0-8]}} B

// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_80  qmm_f16_w4g128_act_asym_k1024_n512_m64n128k64w4  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_80  qmm_f16_w4g64_act_k512_n256_stream_m16n64k64w8s2  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_90a  qmm_f16_w4g128_act_asym_k1024_n512_m64n128k64w4  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_90a  qmm_f16_w4g64_act_k512_n256_stream_m16n64k64w8s2  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}
// CHECK: sm_90a  qmm_f16_w4g128_asym_k256_n256_wgtma_m128n64k128w5s4  registers
// CHECK-NOT: spill {{stores|loads}} {{[1-9]}}

// 100 kernels for sm_90a (2 mma, 14 pipelined, 6 wgmma, all hand-written,
// 16 wgmma_tma of which 9 hand-written and 7 the M = 300 defaults, 62
// stream of which 10 reordered act-order; 24 split K); 97 for sm_80,
// which has neither wgmma nor TMA (its run drops those tiles for its
// defaults) and where split-K hand-written tiles collapse into the plain
// tiles they copy.
// COUNT80: 97
// COUNT90: 100
// SPLIT90: 24
