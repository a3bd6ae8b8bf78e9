//===- QMMPasses.td - qmm passes ----------------------------*- tablegen -*-===//

#ifndef QMM_PASSES
#define QMM_PASSES

include "mlir/Pass/PassBase.td"

def QMMFuseDequantMatmul : Pass<"qmm-fuse-dequant-matmul", "::mlir::ModuleOp"> {
  let summary = "Fuse qmm.dequant feeding linalg.matmul into qmm.matmul";
  let description = [{
    `linalg.matmul ins(%x, qmm.dequant(...)) outs(%init)` with a zero-filled
    (or empty) init becomes one `qmm.matmul`, so the dequantized weight is
    never materialized. Dequants with other users stay.
  }];
  let dependentDialects = ["::mlir::qmm::QMMDialect"];
}

def QMMSelectTile : Pass<"qmm-select-tile", "::mlir::ModuleOp"> {
  let summary = "Choose a kernel tile configuration for each qmm.matmul";
  let description = [{
    Attaches `tile = #qmm.tile<...>` to every `qmm.matmul` that has none:
    the autotune cache's entry for the op's layout, activation type, K, N
    and M bucket (M unknown counts as decode) when `autotune-cache` names a
    file that has one for the selected GPU, else the default heuristics for
    the target architecture. Ops that already carry a tile keep it.

    GPU selection: the cache holds entries of several GPUs and drivers; the
    pass uses those whose arch equals `arch` and, when given, whose GPU name
    equals `gpu-name` and whose driver version equals `driver`. gptq-opt
    usually runs where there is no GPU, so by default any GPU of the
    architecture matches; where several do, the first by name is used and
    a warning says so.

    A missing, corrupt or foreign cache file and invalid entries are
    reported as warnings (on the module) and ignored: the pass still
    succeeds with the defaults.
  }];
  let options = [
    Option<"arch", "arch", "std::string", /*default=*/"\"sm_90a\"",
           "Target GPU architecture (sm_80, sm_86, sm_89, sm_90a, ...)">,
    Option<"autotuneCache", "autotune-cache", "std::string",
           /*default=*/"\"\"",
           "Autotune cache (JSON written by gptq-tune) to take tiles from; "
           "empty: defaults only">,
    Option<"gpuName", "gpu-name", "std::string", /*default=*/"\"\"",
           "Use only cache entries measured on this GPU (cuDeviceGetName, "
           "e.g. 'NVIDIA H100 80GB HBM3'); empty: any GPU of `arch`">,
    Option<"driver", "driver", "int", /*default=*/"0",
           "Use only cache entries measured with this CUDA driver version "
           "(cuDriverGetVersion, e.g. 13000); 0: any">
  ];
}

def QMMTile : Pass<"qmm-tile", "::mlir::ModuleOp"> {
  let summary = "Lower tiled qmm.matmul ops into gpu.func kernels of qmm.tile ops";
  let description = [{
    For every `qmm.matmul` with a `tile` attribute and static K and N, builds
    (or reuses) a kernel in `gpu.module @qmm_kernels` whose body loops over
    the input dimension with `qmm.tile.*` ops, and records it in the op's
    `kernel` attribute. Grid: (N / block_n, ceil(M / block_m)).
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def ConvertQMMToCUDA : Pass<"convert-qmm-to-cuda", "::mlir::ModuleOp"> {
  let summary = "Translate qmm kernels into CUDA C++ source";
  let description = [{
    Translates every `gpu.module` holding qmm kernels into CUDA C++ that
    includes runtime/device/qmm/*.cuh and attaches it to the module as the
    string attribute `qmm.cuda_source`. `gptq-opt --emit=cuda` prints it;
    `--emit=ptx` compiles it with NVRTC.
  }];
}

#endif // QMM_PASSES
