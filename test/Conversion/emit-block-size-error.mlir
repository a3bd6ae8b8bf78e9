// RUN: gptq-opt %s -convert-qmm-to-cuda -verify-diagnostics

module attributes {gpu.container_module} {
  gpu.module @qmm_kernels {
    // expected-error @+1 {{needs known_block_size = [32 * warps, 1, 1] for CUDA emission}}
    gpu.func @no_block_size(%m: index {qmm.param = "m"}) kernel {
      gpu.return
    }
  }
}
