// Stream tiles of column warps compile with NVRTC on both shipped
// architectures, up to the widest: 16 warps of 64 columns. A regrouped
// act-order layout's x staging (stream.cuh) then shrinks to what the 48 KB
// of static shared memory leave beside the 32 KB partial tile, so the
// kernel still fits (49152 bytes), instead of failing in NVRTC.
// RUN: gptq-opt %s --emit=ptx --arch=sm_80,sm_90a --summary -o %t.ptx 2>&1 | FileCheck %s

// CHECK-DAG: sm_80  qmm_f16_w4g128_reord_asym_k1024_n2048_stream_m8n1024k128w16s2  registers {{[0-9]+}}  smem 49152 B
// CHECK-DAG: sm_90a  qmm_f16_w4g128_reord_asym_k1024_n2048_stream_m8n1024k128w16s2  registers {{[0-9]+}}  smem 49152 B
// CHECK-DAG: sm_80  qmm_f16_w4g128_asym_k1024_n2048_stream_m8n256k128w8s2  registers {{[0-9]+}}  smem 8192 B  spill stores 0 B  spill loads 0 B
// CHECK-DAG: sm_90a  qmm_f16_w4g128_asym_k1024_n2048_stream_m8n256k128w8s2  registers {{[0-9]+}}  smem 8192 B  spill stores 0 B  spill loads 0 B

func.func @widest_regrouped(%x: tensor<?x1024xf16>, %qweight: tensor<128x2048xi32>, %qzeros: tensor<8x256xi32>, %scales: tensor<8x2048xf16>, %perm: tensor<1024xi32>) -> tensor<?x2048xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales g_idx(%perm) {layout = #qmm.layout<bits = 4, group_size = 128, act_order = true, sym = false, format = gptq_v1, reordered = true>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 1024, block_k = 128, warps = 16, stages = 2>}
      : (tensor<?x1024xf16>, tensor<128x2048xi32>, tensor<8x256xi32>, tensor<8x2048xf16>, tensor<1024xi32>) -> tensor<?x2048xf16>
  return %y : tensor<?x2048xf16>
}

func.func @eight_column_warps(%x: tensor<?x1024xf16>, %qweight: tensor<128x2048xi32>, %qzeros: tensor<8x256xi32>, %scales: tensor<8x2048xf16>) -> tensor<?x2048xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 256, block_k = 128, warps = 8, stages = 2>}
      : (tensor<?x1024xf16>, tensor<128x2048xi32>, tensor<8x256xi32>, tensor<8x2048xf16>) -> tensor<?x2048xf16>
  return %y : tensor<?x2048xf16>
}
