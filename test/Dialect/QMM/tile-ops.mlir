// RUN: gptq-opt %s | gptq-opt | FileCheck %s

// The tile level as qmm-tile produces it, parsed and printed back.
#layout = #qmm.layout<bits = 4, group_size = 128, act_order = false, sym = true, format = gptq_v1>
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // CHECK-LABEL: gpu.func @kernel
    gpu.func @kernel(%x: memref<?x256xf16>, %qw: memref<32x64xi32>, %qz: memref<2x8xi32>, %s: memref<2x64xf16>,
                     %b: memref<64xf16>, %y: memref<?x64xf16>, %m: index) kernel {
      %c0 = arith.constant 0 : index
      %c64 = arith.constant 64 : index
      %c256 = arith.constant 256 : index
      // CHECK: qmm.tile.alloc_smem : !qmm.smem<16x64xf16>
      %xs = qmm.tile.alloc_smem : !qmm.smem<16x64xf16>
      %ws = qmm.tile.alloc_smem : !qmm.smem<64x64xf16>
      // CHECK: qmm.tile.alloc_acc : !qmm.acc<16x64xf32>
      %acc = qmm.tile.alloc_acc : !qmm.acc<16x64xf32>
      // CHECK: qmm.tile.zero %{{.*}} : !qmm.acc<16x64xf32>
      qmm.tile.zero %acc : !qmm.acc<16x64xf32>
      scf.for %k = %c0 to %c256 step %c64 {
        // CHECK: qmm.tile.load_act %{{.*}}[%{{.*}}, %{{.*}}] rows %{{.*}} into %{{.*}} : memref<?x256xf16>, !qmm.smem<16x64xf16>
        qmm.tile.load_act %x[%c0, %k] rows %m into %xs : memref<?x256xf16>, !qmm.smem<16x64xf16>
        // CHECK: qmm.tile.load_dequant {{.*}} into %{{.*}} {layout = #qmm.layout<{{.*}}>} : memref<32x64xi32>, memref<2x8xi32>, memref<2x64xf16>, !qmm.smem<64x64xf16>
        qmm.tile.load_dequant %qw, %qz, %s [%k, %c0] into %ws {layout = #layout} : memref<32x64xi32>, memref<2x8xi32>, memref<2x64xf16>, !qmm.smem<64x64xf16>
        gpu.barrier
        // CHECK: qmm.tile.mma %{{.*}}, %{{.*}}, %{{.*}} : !qmm.smem<16x64xf16>, !qmm.smem<64x64xf16>, !qmm.acc<16x64xf32>
        qmm.tile.mma %xs, %ws, %acc : !qmm.smem<16x64xf16>, !qmm.smem<64x64xf16>, !qmm.acc<16x64xf32>
        gpu.barrier
      }
      // CHECK: qmm.tile.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] rows %{{.*}} bias(%{{.*}} : memref<64xf16>) : !qmm.acc<16x64xf32>, memref<?x64xf16>
      qmm.tile.store %acc, %y[%c0, %c0] rows %m bias(%b : memref<64xf16>) : !qmm.acc<16x64xf32>, memref<?x64xf16>
      gpu.return
    }
  }
}
