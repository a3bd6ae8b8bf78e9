/*===- qmm.h - C API: GPTQ quantized matmul, compiled on demand ----*- C -*-===*
 *
 * One call runs y = x * W (+ bias) for a GPTQ weight W given in its
 * checkpoint layout (AutoGPTQ v1 or GPTQModel v2: qweight, qzeros, scales,
 * g_idx). The first call for a layout, dtype, K, N, M bucket and bias
 * generates a kernel for the present GPU, compiles it with NVRTC and keeps it
 * in a disk cache (so a later process finds it); later calls only launch.
 * Contexts are thread-safe. Pointers are device pointers (cudaMalloc or
 * cuMemAlloc), the stream a cudaStream_t / CUstream (NULL: default stream).
 *
 * Usage:
 *
 *   qmm_context_t *ctx;
 *   if (qmm_create(0, NULL, &ctx) != QMM_OK) {  // NULL: default cache dir
 *     fprintf(stderr, "%s\n", qmm_last_error());
 *     return 1;
 *   }
 *   qmm_matmul_desc_t desc = {0};
 *   desc.bits = 4;
 *   desc.group_size = 128;
 *   desc.act_order = 0;
 *   desc.sym = 1;
 *   desc.format = QMM_FORMAT_GPTQ_V1;
 *   desc.dtype = QMM_DTYPE_F16;
 *   desc.m = tokens;
 *   desc.k = 4096;
 *   desc.n = 11008;
 *   qmm_tensors_t t = {0};
 *   t.x = x; t.qweight = qweight; t.qzeros = qzeros; t.scales = scales;
 *   t.y = y;
 *   qmm_workspace_bytes(&desc, &t.workspace_bytes);  // 0 below 512 rows
 *   if (t.workspace_bytes)
 *     cudaMalloc(&t.workspace, t.workspace_bytes);  // or reuse one
 *   if (qmm_matmul(ctx, &desc, &t, stream) != QMM_OK)
 *     fprintf(stderr, "%s\n", qmm_last_error());
 *   qmm_destroy(ctx);
 *
 * Plain C99; no CUDA header needed.
 *
 *===----------------------------------------------------------------------===*/

#ifndef GPTQ_QMM_H
#define GPTQ_QMM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qmm_status {
  QMM_OK = 0,
  /* A description, pointer or argument is invalid; the message says which. */
  QMM_ERROR_INVALID_ARGUMENT = 1,
  /* No CUDA driver or no device (qmm_create). */
  QMM_ERROR_NO_DEVICE = 2,
  /* Generating or compiling the kernel failed. */
  QMM_ERROR_COMPILE = 3,
  /* Loading or launching the kernel failed (CUDA driver error). */
  QMM_ERROR_LAUNCH = 4,
  /* Anything else (out of host memory, an internal error). */
  QMM_ERROR_INTERNAL = 5
} qmm_status_t;

typedef enum qmm_dtype { QMM_DTYPE_F16 = 0, QMM_DTYPE_BF16 = 1 } qmm_dtype_t;

/* How zero points are stored: v1 (AutoGPTQ) stores zero - 1, v2 as is. */
typedef enum qmm_format {
  QMM_FORMAT_GPTQ_V1 = 0,
  QMM_FORMAT_GPTQ_V2 = 1
} qmm_format_t;

/* Values of qmm_matmul_desc_t.act_order besides 0. */
#define QMM_ACT_ORDER_G_IDX 1
#define QMM_ACT_ORDER_REGROUPED 2

typedef struct qmm_matmul_desc {
  int bits;       /* 2, 3, 4 or 8 */
  int group_size; /* -1 (one group over K) or a multiple of 32 */
  int act_order;  /* 0: groups in order; 1 (QMM_ACT_ORDER_G_IDX): group of
                     channel k is g_idx[k]; 2 (QMM_ACT_ORDER_REGROUPED): a
                     weight prepared by qmm_regroup_act_order, g_idx holding
                     its permutation, tensors.workspace set (the fast path:
                     x gathered once, then the plain kernel) */
  int sym;        /* nonzero: symmetric quantization */
  qmm_format_t format;
  qmm_dtype_t dtype; /* of x, scales, bias and y */
  int64_t m;         /* rows of x and y, >= 1 */
  int64_t k;         /* input features, a multiple of 32 and group_size */
  int64_t n;         /* output features, a multiple of 32 */
  int has_bias;      /* nonzero: y += bias */
} qmm_matmul_desc_t;

/* Device pointers. x [m][k]; qweight [k*bits/32][n] int32; qzeros
 * [groups][n*bits/32] int32; scales [groups][n]; g_idx [k] int32, read only
 * with act_order (may be set otherwise); bias [n], only with has_bias;
 * y [m][n]; workspace: scratch memory the caller owns, of
 * qmm_workspace_bytes(desc) bytes (workspace_bytes says how many it has).
 * From 512 rows (256 with act-order) it lets the matmul dequantize the
 * weight in chunks and run cuBLAS (faster than the generated kernels
 * there, act-order included); with QMM_ACT_ORDER_REGROUPED it is needed
 * below that, to receive x's columns gathered by the permutation (then
 * workspace_bytes 0 means m * k elements). x, qweight, qzeros, scales,
 * workspace 16-byte aligned; g_idx, bias, y 4-byte aligned. */
typedef struct qmm_tensors {
  const void *x;
  const void *qweight;
  const void *qzeros;
  const void *scales;
  const void *g_idx;
  const void *bias;
  void *y;
  void *workspace;
  size_t workspace_bytes;
} qmm_tensors_t;

typedef struct qmm_context qmm_context_t;

/* Creates a context for CUDA device `device`. `cache_dir` is the kernel
 * cache directory; NULL or "" picks $GPTQ_KERNEL_CACHE_DIR, else
 * $XDG_CACHE_HOME/gptq-toolkit/kernels, else ~/.cache/gptq-toolkit/kernels. */
qmm_status_t qmm_create(int device, const char *cache_dir, qmm_context_t **out);

/* Destroys a context (NULL is ignored). Work already enqueued completes. */
void qmm_destroy(qmm_context_t *ctx);

/* Prepares an act-order weight (desc->act_order = 1) for the fast path, once
 * (e.g. at load): writes the weight with its input channels sorted by group
 * to `regrouped_qweight` (the size of qweight) and the permutation to `perm`
 * (k int32), device buffers the caller owns. Later qmm_matmul calls pass
 * them as qweight and g_idx with desc.act_order = QMM_ACT_ORDER_REGROUPED;
 * scales and qzeros stay as they are. Synchronizes `stream` first and
 * returns when done (the work goes through the host). Fails when g_idx
 * does not give every group exactly group_size channels.
 * A caller whose previous kernel can write x with its columns already in
 * the permuted order (x'[m][j] = x[m][perm[j]], as gptq-run's norms, SiLU
 * product and attention do) may skip the gather: the regrouped weight is a
 * plain grouped weight over x', so act_order = 0 with x' and
 * regrouped_qweight runs the plain kernel at the plain layout's speed. */
qmm_status_t qmm_regroup_act_order(qmm_context_t *ctx,
                                   const qmm_matmul_desc_t *desc,
                                   const void *qweight, const void *g_idx,
                                   void *regrouped_qweight, void *perm,
                                   void *stream);

/* The workspace (qmm_tensors_t.workspace) that gives `desc` its fastest
 * path, in bytes (0: none is used). */
qmm_status_t qmm_workspace_bytes(const qmm_matmul_desc_t *desc, size_t *out);

/* Enqueues the matmul on `stream`; returns once it is enqueued. */
qmm_status_t qmm_matmul(qmm_context_t *ctx, const qmm_matmul_desc_t *desc,
                        const qmm_tensors_t *tensors, void *stream);

/* The message of the latest failed qmm_* call on the calling thread ("" if
 * none failed). Valid until the next failing call on this thread. */
const char *qmm_last_error(void);

/* A fixed name for a status, e.g. "QMM_ERROR_COMPILE". */
const char *qmm_status_string(qmm_status_t status);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GPTQ_QMM_H */
