//===- InverseCholesky.h - Upper Cholesky factor of H⁻¹ ---------*- C++ -*-===//
//
// Internal to GPTQQuant. GPTQ needs U, the upper Cholesky factor of the
// damped Hessian's inverse (H⁻¹ = UᵀU): row i of U, divided by U[i][i], is
// how the rounding error of column i is spread over the later columns. It is
// computed as the reference does (Cholesky of H, inverse from the factor,
// Cholesky again), dense and row-oriented so the inner loops are contiguous.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_LIB_QUANT_INVERSECHOLESKY_H
#define GPTQ_LIB_QUANT_INVERSECHOLESKY_H

#include <cstdint>
#include <vector>

namespace gptq::quant::detail {

/// In place: the lower triangle of `matrix` (n × n, row-major, symmetric)
/// becomes L with L Lᵀ = matrix; the strict upper triangle is zeroed.
/// Returns false (leaving `matrix` unspecified) at the first pivot that is
/// not finite or not above 1e-10 times its diagonal entry: such a matrix is
/// singular to working precision, and GPTQ would spread rounding errors
/// multiplied by ~1e5 or more.
bool choleskyLower(std::vector<double> &matrix, int64_t n);

/// Upper U with UᵀU = (`hessian` + damp·I)⁻¹, where `hessian` is n × n,
/// symmetric, row-major. Returns false if either factorization fails.
bool upperCholeskyOfInverse(const std::vector<double> &hessian, int64_t n,
                            double damp, std::vector<double> &upper);

} // namespace gptq::quant::detail

#endif // GPTQ_LIB_QUANT_INVERSECHOLESKY_H
