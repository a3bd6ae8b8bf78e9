// RUN: gptq-opt %s --emit=manifest --arch=sm_80,sm_90a | FileCheck %s

#l = #qmm.layout<bits = 8, group_size = -1, act_order = false, sym = true, format = gptq_v2>

// One kernel entry per architecture, with what a launcher needs.
// CHECK: "kernels": [
// CHECK: "act_order": false,
// CHECK-NEXT: "arch": "sm_80",
// CHECK-NEXT: "bits": 8,
// CHECK-NEXT: "block_k": 64,
// CHECK-NEXT: "block_m": 16,
// CHECK-NEXT: "block_n": 32,
// CHECK-NEXT: "dynamic_shared_bytes": 0,
// CHECK-NEXT: "early_start": true,
// CHECK-NEXT: "early_start_after_kernel": true,
// CHECK-NEXT: "element_type": "f16",
// CHECK-NEXT: "format": "gptq_v2",
// CHECK-NEXT: "grid": "[out_features / block_n, ceil(m / block_m), split_k]",
// CHECK-NEXT: "group_size": -1,
// CHECK-NEXT: "in_features": 256,
// CHECK-NEXT: "module": "qmm_kernels",
// CHECK-NEXT: "name": "qmm_f16_w8gall_v2_k256_n64_stream_m16n32k64w8s2",
// CHECK-NEXT: "out_features": 64,
// CHECK-NEXT: "params": [
// CHECK-NEXT: "x",
// CHECK-NEXT: "qweight",
// CHECK-NEXT: "qzeros",
// CHECK-NEXT: "scales",
// CHECK-NEXT: "y",
// CHECK-NEXT: "m"
// CHECK-NEXT: ],
// CHECK-NEXT: "reordered": false,
// CHECK-NEXT: "split_k": 1,
// CHECK-NEXT: "stages": 2,
// CHECK-NEXT: "strategy": "stream",
// CHECK-NEXT: "sym": true,
// CHECK-NEXT: "threads": 256,
// CHECK-NEXT: "warps": 8
// CHECK: "arch": "sm_90a",
// Both functions share the kernel; the matmul list says so.
// CHECK: "matmuls": [
// CHECK: "function": "first",
// CHECK-NEXT: "kernel": "qmm_f16_w8gall_v2_k256_n64_stream_m16n32k64w8s2",
// CHECK-NEXT: "rows": -1
// CHECK: "function": "second",
// CHECK-NEXT: "kernel": "qmm_f16_w8gall_v2_k256_n64_stream_m16n32k64w8s2",
// CHECK-NEXT: "rows": 3
func.func @first(%x: tensor<?x256xf16>, %qw: tensor<64x64xi32>, %qz: tensor<1x16xi32>, %s: tensor<1x64xf16>) -> tensor<?x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<?x256xf16>, tensor<64x64xi32>, tensor<1x16xi32>, tensor<1x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}
func.func @second(%x: tensor<3x256xf16>, %qw: tensor<64x64xi32>, %qz: tensor<1x16xi32>, %s: tensor<1x64xf16>) -> tensor<3x64xf16> {
  %y = qmm.matmul %x, %qw, %qz, %s {layout = #l} : (tensor<3x256xf16>, tensor<64x64xi32>, tensor<1x16xi32>, tensor<1x64xf16>) -> tensor<3x64xf16>
  return %y : tensor<3x64xf16>
}
