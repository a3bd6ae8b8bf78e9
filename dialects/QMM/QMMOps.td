//===- QMMOps.td - qmm operations ---------------------------*- tablegen -*-===//

#ifndef QMM_OPS
#define QMM_OPS

include "QMMDialect.td"
include "QMMAttrs.td"
include "QMMTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonTypeConstraints.td"

//===----------------------------------------------------------------------===//
// Tensor level: the checkpoint's tensors as they are.
//===----------------------------------------------------------------------===//

def QMM_MatmulOp : QMM_Op<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "dequantize-matmul over a GPTQ checkpoint's tensors";
  let description = [{
    Computes `result = x · W (+ bias)` with `x : M x K`, `result : M x N` and
    `W[k, n] = scales[g, n] * (code[k, n] - zero[g, n])`, where `code` is
    unpacked from `qweight : (K*bits/32) x N` (packed along K), `zero` from
    `qzeros : G x (N*bits/32)` (packed along N; stored minus one in
    `gptq_v1`), and `g = g_idx[k]` with act-order, `k / group_size` without.
    Accumulation is in fp32. With a `reordered` layout the weight's channels
    were regrouped (`qmm-reorder-act-order`): `g = k / group_size`, and
    `g_idx` holds the permutation, channel k multiplying `x[:, g_idx[k]]`.

    `tile` is set by `qmm-select-tile`; `kernel` by `qmm-tile` and names the
    generated `gpu.func`.

    ```mlir
    %y = qmm.matmul %x, %qweight, %qzeros, %scales
           {layout = #qmm.layout<bits = 4, group_size = 128, act_order = false,
                                 sym = true, format = gptq_v1>}
         : (tensor<?x4096xf16>, tensor<512x4096xi32>, tensor<32x512xi32>,
            tensor<32x4096xf16>) -> tensor<?x4096xf16>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[F16, BF16]>:$x,
    RankedTensorOf<[I32]>:$qweight,
    RankedTensorOf<[I32]>:$qzeros,
    RankedTensorOf<[F16, BF16]>:$scales,
    Optional<RankedTensorOf<[I32]>>:$g_idx,
    Optional<RankedTensorOf<[F16, BF16]>>:$bias,
    QMM_LayoutAttr:$layout,
    OptionalAttr<QMM_TileAttr>:$tile,
    OptionalAttr<SymbolRefAttr>:$kernel);
  let results = (outs RankedTensorOf<[F16, BF16]>:$result);
  let assemblyFormat = [{
    $x `,` $qweight `,` $qzeros `,` $scales (`g_idx` `(` $g_idx^ `)`)?
    (`bias` `(` $bias^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QMM_DequantOp : QMM_Op<"dequant", [Pure]> {
  let summary = "dequantize a GPTQ weight to a K x N tensor";
  let description = [{
    `weight[k, n] = scales[g, n] * (code[k, n] - zero[g, n])` with the same
    packing rules as `qmm.matmul`. `qmm-fuse-dequant-matmul` folds a dequant
    feeding a `linalg.matmul` into one `qmm.matmul`.
  }];
  let arguments = (ins
    RankedTensorOf<[I32]>:$qweight,
    RankedTensorOf<[I32]>:$qzeros,
    RankedTensorOf<[F16, BF16]>:$scales,
    Optional<RankedTensorOf<[I32]>>:$g_idx,
    QMM_LayoutAttr:$layout);
  let results = (outs RankedTensorOf<[F16, BF16]>:$weight);
  let assemblyFormat = [{
    $qweight `,` $qzeros `,` $scales (`g_idx` `(` $g_idx^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Load-time preparation of act-order weights (qmm-reorder-act-order). These
// ops are not lowered to kernels: the runtime performs them on the host,
// once, when it loads the weights, and passes their results to the matmul's
// kernel. They state in the IR what the runtime must do.
//===----------------------------------------------------------------------===//

def QMM_ActOrderPermutationOp : QMM_Op<"act_order_permutation", [Pure]> {
  let summary = "the permutation that regroups an act-order weight's channels";
  let description = [{
    `perm` sorts the K input channels by their group `g_idx[k]`, stably:
    `perm[k']` is the original channel placed at position k', so that after
    regrouping channel k' belongs to group `k' / group_size`. Every group
    must hold exactly `group_size` channels (as GPTQ's act-order produces);
    `group_size = -1` means one group spanning K (the identity).

    Not lowered to a kernel: the runtime computes it on the host once, when
    it loads the weights, with `gptq::format::actOrderPermutation`
    (include/gptq/Format/ActOrder.h), which also checks the group sizes.

    ```mlir
    %perm = qmm.act_order_permutation %g_idx {group_size = 128 : i64}
          : tensor<4096xi32> -> tensor<4096xi32>
    ```
  }];
  let arguments = (ins 1DTensorOf<[I32]>:$g_idx, I64Attr:$group_size);
  let results = (outs 1DTensorOf<[I32]>:$perm);
  let assemblyFormat = [{
    $g_idx attr-dict `:` type($g_idx) `->` type($perm)
  }];
  let hasVerifier = 1;
}

def QMM_PermutePackedRowsOp : QMM_Op<"permute_packed_rows", [Pure]> {
  let summary = "permute the input channels of a packed GPTQ weight";
  let description = [{
    `result` is `qweight` (K * bits / 32 x N, codes packed along K) with its
    input channels permuted: channel k' of the result is channel `perm[k']`
    of `qweight`. Codes move between words, so this is not a row gather.

    Not lowered to a kernel: the runtime performs it on the host once, when
    it loads the weights, with `gptq::format::permutePackedRows`
    (include/gptq/Format/ActOrder.h).

    ```mlir
    %qw2 = qmm.permute_packed_rows %qweight, %perm {bits = 4 : i64}
         : (tensor<512x4096xi32>, tensor<4096xi32>) -> tensor<512x4096xi32>
    ```
  }];
  let arguments = (ins 2DTensorOf<[I32]>:$qweight, 1DTensorOf<[I32]>:$perm,
                       I64Attr:$bits);
  let results = (outs 2DTensorOf<[I32]>:$result);
  let assemblyFormat = [{
    $qweight `,` $perm attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Tile level: the body of a generated kernel. Each op becomes one call of a
// building block in runtime/device/qmm/tile_ops.cuh; all threads of the CTA
// execute every op.
//===----------------------------------------------------------------------===//

def QMM_TileAllocSharedOp : QMM_Op<"tile.alloc_smem"> {
  let summary = "a shared-memory tile of the CTA";
  let results = (outs QMM_SharedTileType:$tile);
  let assemblyFormat = "attr-dict `:` qualified(type($tile))";
}

def QMM_TileAllocAccOp : QMM_Op<"tile.alloc_acc"> {
  let summary = "a register accumulator tile of the CTA";
  let results = (outs QMM_AccumulatorType:$acc);
  let assemblyFormat = "attr-dict `:` qualified(type($acc))";
}

def QMM_TileZeroOp : QMM_Op<"tile.zero"> {
  let summary = "set an accumulator tile to zero";
  let arguments = (ins QMM_AccumulatorType:$acc);
  let assemblyFormat = "$acc attr-dict `:` qualified(type($acc))";
}

def QMM_TileLoadActOp : QMM_Op<"tile.load_act"> {
  let summary = "copy an activation block into shared memory";
  let description = [{
    Copies `source[row : row + R, col : col + C]` into `dest` (R x C); rows at
    or past `rows` (the activation's M) are filled with zeros, so a partial
    last row tile computes garbage-free.
  }];
  let arguments = (ins MemRefRankOf<[F16, BF16], [2]>:$source, Index:$row,
                       Index:$col, Index:$rows, QMM_SharedTileType:$dest);
  let assemblyFormat = [{
    $source `[` $row `,` $col `]` `rows` $rows `into` $dest attr-dict `:`
    type($source) `,` qualified(type($dest))
  }];
  let hasVerifier = 1;
}

def QMM_TileLoadDequantOp : QMM_Op<"tile.load_dequant"> {
  let summary = "dequantize a weight block into shared memory, n-major";
  let description = [{
    For input channels `k .. k + C` and output columns `n .. n + R` (`dest` is
    R x C), unpacks codes and zero points, applies the group's scale and
    stores `dest[j, i] = W[k + i, n + j]`: one row per output column, input
    channels contiguous, the operand order `qmm.tile.mma` reads.
  }];
  let arguments = (ins MemRefRankOf<[I32], [2]>:$qweight,
                       MemRefRankOf<[I32], [2]>:$qzeros,
                       MemRefRankOf<[F16, BF16], [2]>:$scales,
                       Optional<MemRefRankOf<[I32], [1]>>:$g_idx,
                       Index:$k, Index:$n, QMM_SharedTileType:$dest,
                       QMM_LayoutAttr:$layout);
  let assemblyFormat = [{
    $qweight `,` $qzeros `,` $scales (`g_idx` `(` $g_idx^ `:` type($g_idx) `)`)?
    `[` $k `,` $n `]` `into` $dest attr-dict `:` type($qweight) `,`
    type($qzeros) `,` type($scales) `,` qualified(type($dest))
  }];
  let hasVerifier = 1;
}

def QMM_TileMmaOp : QMM_Op<"tile.mma"> {
  let summary = "acc += lhs · rhsᵀ on the tensor cores";
  let description = [{
    `lhs` is M x K (activations), `rhs` is N x K (weights, n-major), `acc` is
    M x N fp32. Lowered to mma.sync m16n8k16 with fp32 accumulation.
  }];
  let arguments = (ins QMM_SharedTileType:$lhs, QMM_SharedTileType:$rhs,
                       QMM_AccumulatorType:$acc);
  let assemblyFormat = [{
    $lhs `,` $rhs `,` $acc attr-dict `:` qualified(type($lhs)) `,`
    qualified(type($rhs)) `,` qualified(type($acc))
  }];
  let hasVerifier = 1;
}

def QMM_TileStoreOp : QMM_Op<"tile.store"> {
  let summary = "add the bias, convert and store an accumulator tile";
  let description = [{
    Writes `acc` (+ `bias[col + j]`) to `dest[row + i, col + j]` for rows below
    `rows`, converted to the destination's element type.
  }];
  let arguments = (ins QMM_AccumulatorType:$acc,
                       MemRefRankOf<[F16, BF16], [2]>:$dest, Index:$row,
                       Index:$col, Index:$rows,
                       Optional<MemRefRankOf<[F16, BF16], [1]>>:$bias);
  let assemblyFormat = [{
    $acc `,` $dest `[` $row `,` $col `]` `rows` $rows
    (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict `:`
    qualified(type($acc)) `,` type($dest)
  }];
  let hasVerifier = 1;
}

def QMM_TileStreamMatmulOp
    : QMM_Op<"tile.stream_matmul", [AttrSizedOperandSegments]> {
  let summary = "one CTA's output tile of the stream strategy";
  let description = [{
    Computes `dest[row : row + block_m, col : col + block_n] = source[row :,
    :] · W[:, col :] (+ bias)` for rows below `rows`, with the packed weight
    loaded from global memory straight into registers, several steps ahead,
    and dequantized there (see runtime/device/qmm/stream.cuh); the CTA's
    warps split the input dimension. One op is the whole kernel body: the
    load pipeline and the cross-warp reduction live in the building block.
  }];
  let arguments = (ins MemRefRankOf<[F16, BF16], [2]>:$source,
                       MemRefRankOf<[I32], [2]>:$qweight,
                       MemRefRankOf<[I32], [2]>:$qzeros,
                       MemRefRankOf<[F16, BF16], [2]>:$scales,
                       Optional<MemRefRankOf<[I32], [1]>>:$g_idx,
                       Optional<MemRefRankOf<[F16, BF16], [1]>>:$bias,
                       MemRefRankOf<[F16, BF16], [2]>:$dest,
                       Index:$row, Index:$col, Index:$rows,
                       QMM_LayoutAttr:$layout, QMM_TileAttr:$tile);
  let assemblyFormat = [{
    $source `,` $qweight `,` $qzeros `,` $scales
    (`g_idx` `(` $g_idx^ `:` type($g_idx) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `into` $dest `[` $row `,` $col `]` `rows` $rows attr-dict `:`
    type($source) `,` type($qweight) `,` type($qzeros) `,` type($scales) `,`
    type($dest)
  }];
}

def QMM_TilePipelinedMatmulOp
    : QMM_Op<"tile.pipelined_matmul"> {
  let summary = "one CTA's output tile of the pipelined strategy";
  let description = [{
    Computes `dest[row : row + block_m, col : col + block_n] = source[row :,
    :] · W[:, col :] (+ bias)` for rows below `rows`: each step's x tile,
    packed weight tile and group scales and zeros are copied into one of
    `stages` shared-memory buffers with cp.async, and the weights are
    dequantized in registers into m16n8k16 operands (see
    runtime/device/qmm/pipelined.cuh). One op is the whole kernel body.
    Layouts without act-order only (the kernel reads one group per step).
  }];
  let arguments = (ins MemRefRankOf<[F16, BF16], [2]>:$source,
                       MemRefRankOf<[I32], [2]>:$qweight,
                       MemRefRankOf<[I32], [2]>:$qzeros,
                       MemRefRankOf<[F16, BF16], [2]>:$scales,
                       Optional<MemRefRankOf<[F16, BF16], [1]>>:$bias,
                       MemRefRankOf<[F16, BF16], [2]>:$dest,
                       Index:$row, Index:$col, Index:$rows,
                       QMM_LayoutAttr:$layout, QMM_TileAttr:$tile);
  let assemblyFormat = [{
    $source `,` $qweight `,` $qzeros `,` $scales
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `into` $dest `[` $row `,` $col `]` `rows` $rows attr-dict `:`
    type($source) `,` type($qweight) `,` type($qzeros) `,` type($scales) `,`
    type($dest)
  }];
}

def QMM_TileWgmmaMatmulOp
    : QMM_Op<"tile.wgmma_matmul"> {
  let summary = "one CTA's output tile of the wgmma strategy (sm_90a)";
  let description = [{
    Computes `dest[row : row + block_m, col : col + block_n] = source[row :,
    :] · W[:, col :] (+ bias)` for rows below `rows`, as
    `qmm.tile.pipelined_matmul` does, with warpgroup mma (wgmma): the
    weights, dequantized in registers, are its A operand and the x tile in
    shared memory its B operand (see runtime/device/qmm/wgmma.cuh). One op
    is the whole kernel body. 4-bit layouts without act-order only.
  }];
  let arguments = (ins MemRefRankOf<[F16, BF16], [2]>:$source,
                       MemRefRankOf<[I32], [2]>:$qweight,
                       MemRefRankOf<[I32], [2]>:$qzeros,
                       MemRefRankOf<[F16, BF16], [2]>:$scales,
                       Optional<MemRefRankOf<[F16, BF16], [1]>>:$bias,
                       MemRefRankOf<[F16, BF16], [2]>:$dest,
                       Index:$row, Index:$col, Index:$rows,
                       QMM_LayoutAttr:$layout, QMM_TileAttr:$tile);
  let assemblyFormat = [{
    $source `,` $qweight `,` $qzeros `,` $scales
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `into` $dest `[` $row `,` $col `]` `rows` $rows attr-dict `:`
    type($source) `,` type($qweight) `,` type($qzeros) `,` type($scales) `,`
    type($dest)
  }];
}

def QMM_TileWgmmaTmaMatmulOp
    : QMM_Op<"tile.wgmma_tma_matmul"> {
  let summary = "one CTA's output tile of the wgmma_tma strategy (sm_90a)";
  let description = [{
    Computes what `qmm.tile.wgmma_matmul` computes, reading `source`,
    `qweight`, `scales` and `qzeros` through the TMA tensor maps that
    describe them (`x_map`, `qweight_map`, `scales_map`, `qzeros_map`; the
    runtime encodes them per launch): a producer warp copies each step with
    TMA onto mbarriers and the consumer warpgroups decode and issue the
    wgmmas (see runtime/device/qmm/wgmma_tma.cuh). The memrefs give the
    shapes and element type. One op is the whole kernel body. 4-bit layouts
    without act-order, one group per step of `block_k` channels.
  }];
  let arguments = (ins MemRefRankOf<[F16, BF16], [2]>:$source,
                       MemRefRankOf<[I32], [2]>:$qweight,
                       MemRefRankOf<[I32], [2]>:$qzeros,
                       MemRefRankOf<[F16, BF16], [2]>:$scales,
                       QMM_TensorMapType:$x_map,
                       QMM_TensorMapType:$qweight_map,
                       QMM_TensorMapType:$scales_map,
                       QMM_TensorMapType:$qzeros_map,
                       Optional<MemRefRankOf<[F16, BF16], [1]>>:$bias,
                       MemRefRankOf<[F16, BF16], [2]>:$dest,
                       Index:$row, Index:$col, Index:$rows,
                       QMM_LayoutAttr:$layout, QMM_TileAttr:$tile);
  let assemblyFormat = [{
    $source `,` $qweight `,` $qzeros `,` $scales
    `maps` `(` $x_map `,` $qweight_map `,` $scales_map `,` $qzeros_map `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `into` $dest `[` $row `,` $col `]` `rows` $rows attr-dict `:`
    type($source) `,` type($qweight) `,` type($qzeros) `,` type($scales) `,`
    type($dest)
  }];
}

#endif // QMM_OPS
