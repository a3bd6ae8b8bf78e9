//===- InverseCholesky.cpp - Upper Cholesky factor of H⁻¹ -----------------===//

#include "InverseCholesky.h"

#include <algorithm>
#include <cmath>

namespace gptq::quant::detail {

/// A pivot at or below this fraction of its diagonal entry means the matrix
/// is numerically singular (a legitimately damped Hessian stays above
/// dampPercent / K, about 1e-7 for K = 1e5).
static constexpr double kMinRelativePivot = 1e-10;

/// Rows processed together, so that each row they all read is loaded once.
static constexpr int64_t kTileRows = 4;

/// Σ a[k]·b[k], k < count; four partial sums so the loop is not one long
/// dependency chain.
static double dot(const double *a, const double *b, int64_t count) {
  double sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
  int64_t k = 0;
  for (; k + 4 <= count; k += 4) {
    sum0 += a[k] * b[k];
    sum1 += a[k + 1] * b[k + 1];
    sum2 += a[k + 2] * b[k + 2];
    sum3 += a[k + 3] * b[k + 3];
  }
  for (; k < count; ++k)
    sum0 += a[k] * b[k];
  return (sum0 + sum1) + (sum2 + sum3);
}

/// sums[r] = Σ_{k<count} rows[r][k]·shared[k] for the kTileRows rows: the
/// shared row is read once for all of them, and the per-lane partial sums
/// let the compiler vectorize without reassociating.
static void dotTile(const double *const rows[kTileRows], const double *shared,
                    int64_t count, double sums[kTileRows]) {
  constexpr int64_t kLanes = 4;
  double partial[kTileRows][kLanes] = {};
  int64_t k = 0;
  for (; k + kLanes <= count; k += kLanes)
    for (int64_t r = 0; r < kTileRows; ++r)
      for (int64_t lane = 0; lane < kLanes; ++lane)
        partial[r][lane] += rows[r][k + lane] * shared[k + lane];
  for (int64_t r = 0; r < kTileRows; ++r) {
    double sum =
        (partial[r][0] + partial[r][1]) + (partial[r][2] + partial[r][3]);
    for (int64_t tail = k; tail < count; ++tail)
      sum += rows[r][tail] * shared[tail];
    sums[r] = sum;
  }
}

bool choleskyLower(std::vector<double> &matrix, int64_t n) {
  // Rows are computed kTileRows at a time (rows past n point at a scratch
  // row), so each earlier row is streamed once per tile, not once per row.
  std::vector<double> scratch(n, 0.0);
  for (int64_t i0 = 0; i0 < n; i0 += kTileRows) {
    int64_t tileRows = std::min(kTileRows, n - i0);
    double *rows[kTileRows];
    for (int64_t r = 0; r < kTileRows; ++r)
      rows[r] = r < tileRows ? matrix.data() + (i0 + r) * n : scratch.data();
    double sums[kTileRows];
    for (int64_t j = 0; j < i0; ++j) {
      const double *pivotRow = matrix.data() + j * n;
      dotTile(rows, pivotRow, j, sums);
      for (int64_t r = 0; r < tileRows; ++r)
        rows[r][j] = (rows[r][j] - sums[r]) / pivotRow[j];
    }
    // The tile's own lower triangle, row by row.
    for (int64_t r = 0; r < tileRows; ++r) {
      int64_t i = i0 + r;
      double *row = rows[r];
      for (int64_t j = i0; j < i; ++j) {
        const double *pivotRow = matrix.data() + j * n;
        row[j] = (row[j] - dot(row, pivotRow, j)) / pivotRow[j];
      }
      double diagonal = row[i];
      double pivot = diagonal - dot(row, row, i);
      if (!(pivot > kMinRelativePivot * diagonal) || !std::isfinite(pivot))
        return false;
      row[i] = std::sqrt(pivot);
      std::fill(row + i + 1, row + n, 0.0);
    }
  }
  return true;
}

/// Lower-triangular inverse of lower-triangular `lower`, row by row:
/// row i of L⁻¹ = (eᵢ − Σ_{k<i} L[i][k] · row k of L⁻¹) / L[i][i], for
/// kTileRows target rows at a time so each finished row is read once per
/// tile.
static std::vector<double> invertLower(const std::vector<double> &lower,
                                       int64_t n) {
  std::vector<double> inverse(n * n, 0.0);
  for (int64_t i0 = 0; i0 < n; i0 += kTileRows) {
    int64_t tileRows = std::min(kTileRows, n - i0);
    for (int64_t k = 0; k < i0; ++k) {
      const double *previous = inverse.data() + k * n;
      for (int64_t r = 0; r < tileRows; ++r) {
        double factor = lower[(i0 + r) * n + k];
        double *row = inverse.data() + (i0 + r) * n;
        for (int64_t j = 0; j <= k; ++j)
          row[j] += factor * previous[j];
      }
    }
    for (int64_t r = 0; r < tileRows; ++r) {
      int64_t i = i0 + r;
      const double *lowerRow = lower.data() + i * n;
      double *row = inverse.data() + i * n;
      for (int64_t k = i0; k < i; ++k) {
        const double *previous = inverse.data() + k * n;
        for (int64_t j = 0; j <= k; ++j)
          row[j] += lowerRow[k] * previous[j];
      }
      double reciprocal = 1.0 / lowerRow[i];
      for (int64_t j = 0; j < i; ++j)
        row[j] = -row[j] * reciprocal;
      row[i] = reciprocal;
    }
  }
  return inverse;
}

/// The lower triangle of L⁻ᵀ L⁻¹ = Σ_k (row k of L⁻¹)ᵀ (row k of L⁻¹), with
/// kTileRows source rows applied per pass over a target row. Row k is zero
/// past column k, so target rows past the tile's last k are untouched.
static std::vector<double> gramOfRows(const std::vector<double> &lowerInverse,
                                      int64_t n) {
  std::vector<double> gram(n * n, 0.0);
  std::vector<double> zeroRow(n, 0.0);
  for (int64_t k0 = 0; k0 < n; k0 += kTileRows) {
    int64_t tileRows = std::min(kTileRows, n - k0);
    const double *sources[kTileRows];
    for (int64_t r = 0; r < kTileRows; ++r)
      sources[r] =
          r < tileRows ? lowerInverse.data() + (k0 + r) * n : zeroRow.data();
    for (int64_t a = 0; a < k0 + tileRows; ++a) {
      double weights[kTileRows];
      for (int64_t r = 0; r < kTileRows; ++r)
        weights[r] = sources[r][a];
      double *target = gram.data() + a * n;
      for (int64_t b = 0; b <= a; ++b)
        target[b] += (weights[0] * sources[0][b] + weights[1] * sources[1][b]) +
                     (weights[2] * sources[2][b] + weights[3] * sources[3][b]);
    }
  }
  return gram;
}

bool upperCholeskyOfInverse(const std::vector<double> &hessian, int64_t n,
                            double damp, std::vector<double> &upper) {
  std::vector<double> factor = hessian;
  for (int64_t i = 0; i < n; ++i)
    factor[i * n + i] += damp;
  if (!choleskyLower(factor, n))
    return false;

  // H⁻¹ = L⁻ᵀ L⁻¹ (lower triangle; the factorization reads only that).
  std::vector<double> inverse = gramOfRows(invertLower(factor, n), n);
  if (!choleskyLower(inverse, n))
    return false;

  // H⁻¹ = L' L'ᵀ with L' lower, so U = L'ᵀ.
  upper.assign(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j)
      upper[j * n + i] = inverse[i * n + j];
  for (double value : upper)
    if (!std::isfinite(value))
      return false;
  return true;
}

} // namespace gptq::quant::detail
