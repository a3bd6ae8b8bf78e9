// The timing switches of runtime/device/qmm/ablate.cuh (qmm-bench passes
// them through QMM_BENCH_NVRTC_OPTIONS) keep compiling: NVRTC builds a split
// pipelined tile and a split wgmma tile with each of them, and with all of
// them at once. Without a switch the tiles issue their mma instructions;
// QMM_ABLATE_C takes every one out (the copies and barriers stay).
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a | FileCheck %s --check-prefix=PLAIN
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a -Xnvrtc=-DQMM_ABLATE_C | FileCheck %s --check-prefix=NOMMA
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a -Xnvrtc=-DQMM_ABLATE_X -Xnvrtc=-DQMM_ABLATE_W -Xnvrtc=-DQMM_ABLATE_S | FileCheck %s --check-prefix=ENTRIES
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a -Xnvrtc=-DQMM_ABLATE_E | FileCheck %s --check-prefix=ENTRIES
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a -Xnvrtc=-DQMM_ABLATE_R | FileCheck %s --check-prefix=ENTRIES
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a -Xnvrtc=-DQMM_ABLATE_X -Xnvrtc=-DQMM_ABLATE_W -Xnvrtc=-DQMM_ABLATE_S -Xnvrtc=-DQMM_ABLATE_C -Xnvrtc=-DQMM_ABLATE_E -Xnvrtc=-DQMM_ABLATE_R | FileCheck %s --check-prefix=NOMMA

// PLAIN-LABEL: .entry qmm_f16_w4g128_asym_k1024_n256_pipe_m16n128k128w4s3c3
// PLAIN: mma.sync.aligned.m16n8k16
// PLAIN-LABEL: .entry qmm_f16_w4g128_asym_k1024_n256_wg_m128n128k64w8s4c2
// PLAIN: wgmma.mma_async

// NOMMA-NOT: {{mma.sync|wgmma.mma_async}}
// NOMMA: .entry qmm_f16_w4g128_asym_k1024_n256_pipe_m16n128k128w4s3c3
// NOMMA-NOT: {{mma.sync|wgmma.mma_async}}
// NOMMA: cp.async
// NOMMA-NOT: {{mma.sync|wgmma.mma_async}}
// NOMMA: .entry qmm_f16_w4g128_asym_k1024_n256_wg_m128n128k64w8s4c2
// NOMMA-NOT: {{mma.sync|wgmma.mma_async}}
// NOMMA: cp.async
// NOMMA-NOT: {{mma.sync|wgmma.mma_async}}

// ENTRIES-LABEL: .entry qmm_f16_w4g128_asym_k1024_n256_pipe_m16n128k128w4s3c3
// ENTRIES-LABEL: .entry qmm_f16_w4g128_asym_k1024_n256_wg_m128n128k64w8s4c2

#w4 = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>

func.func @pipelined_split3(%x: tensor<?x1024xf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4, tile = #qmm.tile<strategy = pipelined, block_m = 16, block_n = 128, block_k = 128, warps = 4, stages = 3, split_k = 3>}
      : (tensor<?x1024xf16>, tensor<128x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

func.func @wgmma_split2(%x: tensor<?x1024xf16>, %qweight: tensor<128x256xi32>, %qzeros: tensor<8x32xi32>, %scales: tensor<8x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4, tile = #qmm.tile<strategy = wgmma, block_m = 128, block_n = 128, block_k = 64, warps = 8, stages = 4, split_k = 2>}
      : (tensor<?x1024xf16>, tensor<128x256xi32>, tensor<8x32xi32>, tensor<8x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
