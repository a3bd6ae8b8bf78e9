// NVRTC compiles the emitted kernels for both shipped architectures; no GPU
// is needed. The summary reports what ptxas allocated, so a change that makes
// a kernel spill shows up here.
// RUN: gptq-opt %s --emit=ptx --arch=sm_80,sm_90a --summary -o %t.ptx 2>&1 | FileCheck %s --check-prefix=SUMMARY
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: gptq-opt %s --emit=cuda --arch=sm_90a --summary -o /dev/null 2>&1 | FileCheck %s --check-prefix=SUMMARY90

#w4 = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>
#w3 = #qmm.layout<bits = 3, group_size = 64, act_order = true, sym = false, format = gptq_v2>

// SUMMARY-DAG: sm_80  qmm_f16_w4g128_asym_k4096_n4096_stream_m16n32k128w8s2  registers {{[0-9]+}}  smem {{[0-9]+}} B  spill stores 0 B  spill loads 0 B
// SUMMARY-DAG: sm_80  qmm_bf16_w3g64_act_asym_v2_k256_n64_m32n64k64w4  registers {{[0-9]+}}  smem {{[0-9]+}} B  spill stores 0 B  spill loads 0 B
// SUMMARY-DAG: sm_90a  qmm_f16_w4g128_asym_k4096_n4096_stream_m16n32k128w8s2  registers {{[0-9]+}}  smem {{[0-9]+}} B  spill stores 0 B  spill loads 0 B
// SUMMARY-DAG: sm_90a  qmm_bf16_w3g64_act_asym_v2_k256_n64_m32n64k64w4  registers {{[0-9]+}}  smem {{[0-9]+}} B  spill stores 0 B  spill loads 0 B
// SUMMARY90: sm_90a  qmm_{{.*}}  registers
// SUMMARY90: sm_90a  qmm_{{.*}}  registers

// PTX: // ----- sm_80 -----
// PTX: .target sm_80
// PTX: .entry qmm_f16_w4g128_asym_k4096_n4096_stream_m16n32k128w8s2(
// PTX: ld.global.nc.L1::no_allocate.v4.u32
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX: .entry qmm_bf16_w3g64_act_asym_v2_k256_n64_m32n64k64w4(
// PTX: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX: // ----- sm_90a -----
// PTX: .target sm_90a
// PTX: .entry qmm_f16_w4g128_asym_k4096_n4096_stream_m16n32k128w8s2(
// PTX: .entry qmm_bf16_w3g64_act_asym_v2_k256_n64_m32n64k64w4(

func.func @decode(%x: tensor<?x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<32x512xi32>, %s: tensor<32x4096xf16>) -> tensor<?x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #w4} : (tensor<?x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>, tensor<32x4096xf16>) -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}

func.func @act_order(%x: tensor<20x256xbf16>, %qw: tensor<24x64xi32>, %qz: tensor<4x6xi32>, %s: tensor<4x64xbf16>, %g: tensor<256xi32>) -> tensor<20x64xbf16> {
  %y = qmm.matmul %x, %qw, %qz, %s g_idx(%g) {layout = #w3, tile = #qmm.tile<strategy = mma, block_m = 32, block_n = 64, block_k = 64, warps = 4, stages = 1>}
      : (tensor<20x256xbf16>, tensor<24x64xi32>, tensor<4x6xi32>, tensor<4x64xbf16>, tensor<256xi32>) -> tensor<20x64xbf16>
  return %y : tensor<20x64xbf16>
}
