// QMM_ABLATE_E (runtime/device/qmm/ablate.cuh) also takes the epilogue out
// of stream tiles: the warps' shared-memory sums of the partial tile (and
// the stores after them) are gone, the weight loads and mmas stay.
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a | FileCheck %s --check-prefix=PLAIN
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a -Xnvrtc=-DQMM_ABLATE_E | FileCheck %s --check-prefix=NOEPILOGUE
// QMM_ABLATE_X and QMM_ABLATE_W stop the x and the weight (with scale)
// loads of stream tiles once every register buffer has been filled: the
// kernels change, still compute and still sum their partial tiles.
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a -o %t.plain.ptx
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a -Xnvrtc=-DQMM_ABLATE_X -o %t.x.ptx
// RUN: gptq-opt %s --emit=ptx --arch=sm_90a -Xnvrtc=-DQMM_ABLATE_W -o %t.w.ptx
// RUN: not cmp -s %t.plain.ptx %t.x.ptx
// RUN: not cmp -s %t.plain.ptx %t.w.ptx
// RUN: not cmp -s %t.x.ptx %t.w.ptx
// RUN: FileCheck %s --check-prefix=PLAIN < %t.x.ptx
// RUN: FileCheck %s --check-prefix=PLAIN < %t.w.ptx

// PLAIN-LABEL: .entry qmm_f16_w4g128_asym_k8192_n256_stream_m8n32k128w8s2
// PLAIN: mma.sync.aligned.m16n8k16
// PLAIN: {{(red|atom)}}.shared.add.f32

// NOEPILOGUE-LABEL: .entry qmm_f16_w4g128_asym_k8192_n256_stream_m8n32k128w8s2
// NOEPILOGUE: mma.sync.aligned.m16n8k16
// NOEPILOGUE-NOT: {{(red|atom)}}.shared.add.f32

#w4 = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = false, format = gptq_v1>

func.func @stream_decode(%x: tensor<?x8192xf16>, %qweight: tensor<1024x256xi32>, %qzeros: tensor<64x32xi32>, %scales: tensor<64x256xf16>) -> tensor<?x256xf16> {
  %y = qmm.matmul %x, %qweight, %qzeros, %scales {layout = #w4, tile = #qmm.tile<strategy = stream, block_m = 8, block_n = 32, block_k = 128, warps = 8, stages = 2>}
      : (tensor<?x8192xf16>, tensor<1024x256xi32>, tensor<64x32xi32>, tensor<64x256xf16>) -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
