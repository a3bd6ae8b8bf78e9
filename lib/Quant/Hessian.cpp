//===- Hessian.cpp - GPTQ's running-average input Hessian -----------------===//
//
// The batch's Gram matrix XᵀX is a syrk in the usual GEMM shape: X's columns
// are packed into panels of 8 (token-major, so a micro-kernel step reads 8
// contiguous floats per token), and a 4×8 register tile accumulates
// a[t][0..3] ⊗ b[t][0..7] over a chunk of tokens. 4×8 floats are 8 SSE
// registers: the compiler keeps the whole tile in registers with the plain
// C++ below (no intrinsics). Only lower-triangle tiles are computed, the
// panels of one row block are reused across every column block, and row
// blocks are handed to threads dynamically (their costs grow with the index).
//
//===----------------------------------------------------------------------===//

#include "gptq/Quant/Hessian.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <thread>

namespace gptq::quant {

namespace {

constexpr int64_t kPanelWidth = 8;    // columns per packed panel (tile width)
constexpr int64_t kTileRows = 4;      // rows of a register tile
constexpr int64_t kBlockColumns = 64; // columns of H per thread work item
constexpr int64_t kTokenChunk = 256;  // tokens per cache-resident pass

/// X (tokens × K, row-major), scaled, packed as ceil(K/8) panels of
/// [tokens][8] with zero padding past K.
std::vector<float> packPanels(const float *x, int64_t tokens, int64_t K,
                              float scale) {
  int64_t numPanels = (K + kPanelWidth - 1) / kPanelWidth;
  std::vector<float> panels(numPanels * tokens * kPanelWidth, 0.0f);
  for (int64_t t = 0; t < tokens; ++t) {
    const float *row = x + t * K;
    for (int64_t k = 0; k < K; ++k)
      panels[((k / kPanelWidth) * tokens + t) * kPanelWidth + k % kPanelWidth] =
          scale * row[k];
  }
  return panels;
}

/// tile[r][c] = Σ_t a[t][r] · b[t][c] over `count` tokens; `a` points into a
/// panel (row stride 8) at the tile's first row, `b` at a panel start.
inline void gramTile(const float *a, const float *b, int64_t count,
                     float tile[kTileRows][kPanelWidth]) {
  float acc[kTileRows][kPanelWidth] = {};
  for (int64_t t = 0; t < count; ++t) {
    const float *aRow = a + t * kPanelWidth;
    const float *bRow = b + t * kPanelWidth;
    for (int64_t r = 0; r < kTileRows; ++r)
      for (int64_t c = 0; c < kPanelWidth; ++c)
        acc[r][c] += aRow[r] * bRow[c];
  }
  for (int64_t r = 0; r < kTileRows; ++r)
    for (int64_t c = 0; c < kPanelWidth; ++c)
      tile[r][c] = acc[r][c];
}

/// H[rows of block][cols <= block end] += Gram over all tokens.
void accumulateRowBlock(const std::vector<float> &panels, int64_t tokens,
                        int64_t K, int64_t rowBegin, int64_t rowEnd,
                        float *hessian) {
  float tile[kTileRows][kPanelWidth];
  for (int64_t t0 = 0; t0 < tokens; t0 += kTokenChunk) {
    int64_t count = std::min(kTokenChunk, tokens - t0);
    for (int64_t i0 = rowBegin; i0 < rowEnd; i0 += kTileRows) {
      const float *a = panels.data() +
                       ((i0 / kPanelWidth) * tokens + t0) * kPanelWidth +
                       i0 % kPanelWidth;
      for (int64_t j0 = 0; j0 <= i0; j0 += kPanelWidth) {
        const float *b =
            panels.data() + ((j0 / kPanelWidth) * tokens + t0) * kPanelWidth;
        gramTile(a, b, count, tile);
        int64_t rows = std::min(kTileRows, K - i0);
        int64_t cols = std::min(kPanelWidth, K - j0);
        for (int64_t r = 0; r < rows; ++r) {
          float *out = hessian + (i0 + r) * K + j0;
          for (int64_t c = 0; c < cols; ++c)
            out[c] += tile[r][c];
        }
      }
    }
  }
}

} // namespace

HessianAccumulator::HessianAccumulator(int64_t K, int numThreads)
    : K_(K), numThreads_(numThreads), hessian_(K * K, 0.0f) {
  assert(K > 0 && "HessianAccumulator needs at least one column");
  if (numThreads_ <= 0)
    numThreads_ = std::max(1u, std::thread::hardware_concurrency());
}

void HessianAccumulator::addBatch(const float *x, int64_t batch,
                                  int64_t tokensPerSequence) {
  if (batch <= 0)
    return;
  // The reference: H *= n / (n + b); n += b; X = sqrt(2 / n) * X (the
  // factors are computed in double, applied in float).
  float decay = static_cast<float>(static_cast<double>(numSamples_) /
                                   static_cast<double>(numSamples_ + batch));
  for (float &value : hessian_)
    value *= decay;
  numSamples_ += batch;
  float scale =
      static_cast<float>(std::sqrt(2.0 / static_cast<double>(numSamples_)));

  int64_t tokens = batch * tokensPerSequence;
  if (tokens <= 0)
    return;
  std::vector<float> panels = packPanels(x, tokens, K_, scale);

  int64_t numBlocks = (K_ + kBlockColumns - 1) / kBlockColumns;
  // Largest blocks (highest rows) first, so the tail of the schedule is
  // made of cheap blocks.
  std::atomic<int64_t> nextBlock{0};
  auto worker = [&] {
    for (int64_t taken = nextBlock++; taken < numBlocks; taken = nextBlock++) {
      int64_t block = numBlocks - 1 - taken;
      int64_t rowBegin = block * kBlockColumns;
      int64_t rowEnd = std::min(rowBegin + kBlockColumns, K_);
      accumulateRowBlock(panels, tokens, K_, rowBegin, rowEnd, hessian_.data());
    }
  };
  // Threads only pay off once a batch is a few million multiply-adds.
  double work = static_cast<double>(K_) * K_ * tokens;
  int threads = work < 4e6 ? 1 : std::min<int64_t>(numThreads_, numBlocks);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back(worker);
  worker();
  for (std::thread &thread : pool)
    thread.join();

  // Mirror the lower triangle.
  for (int64_t i = 0; i < K_; ++i)
    for (int64_t j = i + 1; j < K_; ++j)
      hessian_[i * K_ + j] = hessian_[j * K_ + i];
}

} // namespace gptq::quant
