// RUN: gptq-opt %s --emit=manifest --arch=sm_90a | FileCheck %s

// wgmma tiles whose stage buffers pass the 48 KB of static shared memory
// take them dynamically: the manifest gives launchers the bytes to pass
// (and opt in to). 128 x 128 tiles, 4 stages of 21504 bytes (x 16384,
// weights 4096, scales 256, zero words 64, rounded up to 1024), plus 1024
// to align the buffers: 87040. 64 x 64 tiles of 4 stages (45056 bytes) stay
// static: 0. (Groups of 32: the TMA tiles, emit-cuda-wgmma-tma.mlir, take
// one group per step, so these shapes keep the wgmma defaults; the buffers
// then hold two scale rows and two rows of zero words, still under 1024
// bytes past the x tile and weights.)

#l = #qmm.layout<bits = 4, group_size = 32, act_order = false, sym = true, format = gptq_v1>

// CHECK: "kernels": [
// CHECK: "dynamic_shared_bytes": 87040,
// CHECK: "name": "qmm_f16_w4g32_k4096_n4096_wg_m128n128k64w8s4c2",
// CHECK: "strategy": "wgmma",
// CHECK: "dynamic_shared_bytes": 0,
// CHECK: "name": "qmm_f16_w4g32_k4096_n4096_wg_m64n64k64w4s4c4",
// CHECK: "strategy": "wgmma",
func.func @m256(%x: tensor<256x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<128x512xi32>, %s: tensor<128x4096xf16>) -> tensor<256x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<256x4096xf16>, tensor<512x4096xi32>, tensor<128x512xi32>, tensor<128x4096xf16>) -> tensor<256x4096xf16>
  return %y : tensor<256x4096xf16>
}
func.func @m64(%x: tensor<64x4096xf16>, %qw: tensor<512x4096xi32>, %qz: tensor<128x512xi32>, %s: tensor<128x4096xf16>) -> tensor<64x4096xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<64x4096xf16>, tensor<512x4096xi32>, tensor<128x512xi32>, tensor<128x4096xf16>) -> tensor<64x4096xf16>
  return %y : tensor<64x4096xf16>
}
