/*===- CApiHeaderCheck.c - include/gptq/qmm.h compiles as C ---------------===*
 *
 * Compiled by the C compiler with -std=c99 -pedantic-errors: the header must
 * stay plain C. The function is called from CApiTest.cpp so that the object
 * is linked, and exercises the calls a C program makes without a device.
 *
 *===----------------------------------------------------------------------===*/

#include "gptq/qmm.h"

#include <stddef.h>

int qmm_c_header_check(void) {
  qmm_context_t *ctx = NULL;
  qmm_matmul_desc_t desc = {0};
  qmm_tensors_t tensors = {0};
  qmm_status_t status;
  desc.bits = 4;
  desc.group_size = 128;
  desc.format = QMM_FORMAT_GPTQ_V1;
  desc.dtype = QMM_DTYPE_F16;
  desc.m = 1;
  desc.k = 4096;
  desc.n = 4096;
  status = qmm_workspace_bytes(&desc, &tensors.workspace_bytes);
  if (status != QMM_OK || tensors.workspace_bytes != 0)
    return -1; /* one row needs no workspace */
  status = qmm_create(0, NULL, &ctx);
  if (status != QMM_OK)
    return (int)status;
  status = qmm_matmul(ctx, &desc, &tensors, NULL);
  qmm_destroy(ctx);
  return (int)status;
}
