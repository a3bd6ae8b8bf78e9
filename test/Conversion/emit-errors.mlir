// RUN: not gptq-opt %s --emit=cuda 2>&1 | FileCheck %s

// A kernel the emitter cannot translate fails with a diagnostic naming the
// op, and gptq-opt exits non-zero without printing a partial source.
module attributes {gpu.container_module} {
  gpu.module @qmm_kernels {
    gpu.func @bad(%x: memref<?x64xf16> {qmm.param = "x"}, %m: index {qmm.param = "m"}) kernel attributes {known_block_size = array<i32: 128, 1, 1>} {
      // CHECK: error: 'gpu.printf' op cannot be emitted as CUDA C++
      gpu.printf "m = %d", %m : index
      gpu.return
    }
  }
}
// CHECK-NOT: extern "C"
