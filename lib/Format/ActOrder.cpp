//===- ActOrder.cpp - Reordering act-order weights by group ---------------===//

#include "gptq/Format/ActOrder.h"

#include "gptq/Format/Packing.h"

#include <fmt/format.h>

namespace gptq::format {

Expected<std::vector<int32_t>>
actOrderPermutation(const std::vector<int32_t> &gIdx, int64_t groupSize) {
  const int64_t K = int64_t(gIdx.size());
  if (K == 0)
    return Status::error("actOrderPermutation: g_idx is empty");
  const int64_t size = groupSize == -1 ? K : groupSize;
  if (size <= 0)
    return Status::error(
        fmt::format("actOrderPermutation: group size {} must be -1 or positive",
                    groupSize));
  const int64_t groups = (K + size - 1) / size;
  // Counting sort: stable, and it checks the group sizes on the way.
  std::vector<int64_t> count(groups, 0);
  for (int64_t k = 0; k < K; ++k) {
    const int32_t group = gIdx[k];
    if (group < 0 || group >= groups)
      return Status::error(fmt::format(
          "actOrderPermutation: g_idx[{}] = {} is outside 0..{} ({} groups "
          "of {} channels over K = {})",
          k, group, groups - 1, groups, size, K));
    ++count[group];
  }
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t expected = g + 1 < groups ? size : K - size * (groups - 1);
    if (count[g] != expected)
      return Status::error(fmt::format(
          "actOrderPermutation: group {} holds {} channels, not {}: the "
          "channels cannot be regrouped into contiguous groups",
          g, count[g], expected));
  }
  std::vector<int32_t> perm(K);
  std::vector<int64_t> next(groups);
  for (int64_t g = 0; g < groups; ++g)
    next[g] = g * size;
  for (int64_t k = 0; k < K; ++k)
    perm[next[gIdx[k]]++] = int32_t(k);
  return perm;
}

Expected<std::vector<int32_t>>
permutePackedRows(const std::vector<int32_t> &qweight, int64_t K, int64_t N,
                  int bits, const std::vector<int32_t> &perm) {
  if (int64_t(perm.size()) != K)
    return Status::error(
        fmt::format("permutePackedRows: the permutation has {} entries for "
                    "K = {} channels",
                    perm.size(), K));
  std::vector<bool> seen(K, false);
  for (int64_t k = 0; k < K; ++k) {
    const int32_t from = perm[k];
    if (from < 0 || from >= K || seen[from])
      return Status::error(fmt::format(
          "permutePackedRows: perm[{}] = {} is not part of a permutation of "
          "0..{}",
          k, from, K - 1));
    seen[from] = true;
  }
  auto codes = unpackWeights(qweight, K, N, bits);
  if (!codes)
    return codes.status();
  std::vector<int32_t> moved(K * N);
  for (int64_t k = 0; k < K; ++k)
    std::copy_n(codes->begin() + int64_t(perm[k]) * N, N,
                moved.begin() + k * N);
  return packWeights(moved, K, N, bits);
}

} // namespace gptq::format
