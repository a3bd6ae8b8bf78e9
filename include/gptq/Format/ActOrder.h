//===- ActOrder.h - Reordering act-order weights by group -------*- C++ -*-===//
//
// An act-order (desc_act) checkpoint quantized its input channels in order of
// decreasing Hessian diagonal, so the channels of one quantization group are
// scattered over K and `g_idx[k]` names each channel's group. Kernels would
// have to look scales and zeros up per channel. Reordering the channels once,
// at load time, so that channel k' belongs to group k' / group_size turns the
// weight into a plain grouped one; the matmul then reads x column perm[k']
// for channel k' (y = x W = x[:, perm] W[perm, :]). This is what
// qmm-reorder-act-order asks the runtime to do (its qmm.act_order_permutation
// and qmm.permute_packed_rows ops).
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_ACTORDER_H
#define GPTQ_FORMAT_ACTORDER_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <vector>

namespace gptq::format {

/// The permutation that sorts channels by group, stably: perm[k'] is the
/// original channel placed at k'. Fails, naming the group, unless every
/// group holds exactly `groupSize` channels (the last one K % groupSize when
/// that is not zero), which GPTQ's act-order always produces; -1 means one
/// group spanning K.
Expected<std::vector<int32_t>>
actOrderPermutation(const std::vector<int32_t> &gIdx, int64_t groupSize);

/// qweight [K*bits/32][N] with its input channels permuted: channel k' of
/// the result is channel perm[k'] of `qweight` (codes move between words).
Expected<std::vector<int32_t>>
permutePackedRows(const std::vector<int32_t> &qweight, int64_t K, int64_t N,
                  int bits, const std::vector<int32_t> &perm);

} // namespace gptq::format

#endif // GPTQ_FORMAT_ACTORDER_H
