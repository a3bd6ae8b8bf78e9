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

def QMMReorderActOrder : Pass<"qmm-reorder-act-order", "::mlir::ModuleOp"> {
  let summary = "Regroup act-order weights so kernels read contiguous groups";
  let description = [{
    Every `qmm.matmul` whose layout has `act_order` (and not `reordered`)
    and a `g_idx` operand becomes

    ```mlir
    %perm = qmm.act_order_permutation %g_idx {group_size = G}
    %qw2 = qmm.permute_packed_rows %qweight, %perm {bits = B}
    %y = qmm.matmul %x, %qw2, %qzeros, %scales g_idx(%perm) ...
           {layout = #qmm.layout<..., act_order = true, reordered = true>}
    ```

    with bias, tile and every other attribute kept. The kernel then treats
    the weight as a plain grouped one (scales and zeros once per step) and
    reads x column `perm[k]` for channel k. The two preparation ops are not
    lowered to kernels: the runtime runs them on the host, once, when it
    loads the weights (gptq::format::actOrderPermutation and
    permutePackedRows), so this pass is only for runtimes that do; it is
    off in `qmm-lower-to-cuda` unless `reorder-act-order=true`.

    `group_size = -1`: one group spans K, so every `g_idx[k]` is 0 and the
    channel order does not matter; the matmul drops `g_idx` and becomes a
    plain (act_order = false) one, which needs no preparation at all.

    Matmuls that already carry an `mma` tile are left as they are, with a
    remark: the mma strategy has no reordered variant (it cannot gather x).
    Without a tile, `qmm-select-tile` gives reordered matmuls stream tiles
    only. Matmuls already lowered to a kernel are left alone too.
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
    the target architecture. Ops that already carry a tile keep it (an error
    if the architecture cannot run it: split_k > 1 needs sm_90).

    GPU selection: the cache holds entries of several GPUs and drivers; the
    pass uses those whose arch equals `arch` and, when given, whose GPU name
    equals `gpu-name` and whose driver version equals `driver`. gptq-opt
    usually runs where there is no GPU, so by default any GPU of the
    architecture matches; where several do, the first by name is used and
    a warning says so.

    A missing, corrupt or foreign cache file and invalid entries are
    reported as warnings (on the module) and ignored: the pass still
    succeeds with the defaults.

    Reordered layouts (`qmm-reorder-act-order`) always get the default
    stream tile of their M bucket, at most the 64-row one: only the stream
    strategy can gather x by the permutation, and the cache holds no
    entries measured on reordered kernels.
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
           "(cuDriverGetVersion, e.g. 13000); 0: any">,
    Option<"sms", "sms", "int64_t",
           /*default=*/"::gptq::autotune::kReferenceSms",
           "SMs of the target GPU, for the default tiles' grid rules "
           "(default: the H100 SXM's 132, which they were measured on)">
  ];
}

def QMMTile : Pass<"qmm-tile", "::mlir::ModuleOp"> {
  let summary = "Lower tiled qmm.matmul ops into gpu.func kernels of qmm.tile ops";
  let description = [{
    For every `qmm.matmul` with a `tile` attribute and static K and N, builds
    (or reuses) a kernel in `gpu.module @qmm_kernels` whose body loops over
    the input dimension with `qmm.tile.*` ops, and records it in the op's
    `kernel` attribute. Grid: (N / block_n, ceil(M / block_m)).

    A reordered layout with an `mma` tile is an error naming the op: only
    the stream strategy gathers x by the permutation.
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
