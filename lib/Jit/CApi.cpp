//===- CApi.cpp - include/gptq/qmm.h on top of QmmJit ---------------------===//
//
// A translation layer only: C structs to MatmulDesc / MatmulTensors, the
// ErrorKind of a failure to a qmm_status_t, the message to a thread-local
// string. No exception crosses the C boundary. The success path touches no
// thread-local storage, so a warm qmm_matmul allocates nothing either.
//
//===----------------------------------------------------------------------===//

#include "gptq/qmm.h"

#include "gptq/Jit/QmmJit.h"

#include <fmt/format.h>

#include <exception>
#include <new>
#include <string>

using gptq::Expected;
using gptq::Status;
using gptq::jit::ErrorKind;

struct qmm_context {
  std::unique_ptr<gptq::jit::QmmJit> jit;
};

namespace {

std::string &lastError() {
  thread_local std::string message;
  return message;
}

qmm_status_t fail(qmm_status_t status, const std::string &message) {
  lastError() = message;
  return status;
}

qmm_status_t statusFor(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::None:
    return QMM_OK;
  case ErrorKind::InvalidArgument:
    return QMM_ERROR_INVALID_ARGUMENT;
  case ErrorKind::NoDevice:
    return QMM_ERROR_NO_DEVICE;
  case ErrorKind::Compile:
    return QMM_ERROR_COMPILE;
  case ErrorKind::Launch:
    return QMM_ERROR_LAUNCH;
  case ErrorKind::Internal:
    return QMM_ERROR_INTERNAL;
  }
  return QMM_ERROR_INTERNAL;
}

/// A failed Status with no kind set is an internal error, never QMM_OK.
qmm_status_t failWith(ErrorKind kind, const Status &status) {
  qmm_status_t code = statusFor(kind);
  return fail(code == QMM_OK ? QMM_ERROR_INTERNAL : code, status.message());
}

qmm_status_t internalError(const char *what) {
  try {
    return fail(QMM_ERROR_INTERNAL,
                std::string("qmm: internal error: ") + what);
  } catch (...) {
    return QMM_ERROR_INTERNAL; // out of memory even for the message
  }
}

/// QMM_OK, or the failure's code with its message kept.
qmm_status_t finish(ErrorKind kind, const Status &status) {
  return status.ok() ? QMM_OK : failWith(kind, status);
}

/// Runs an entry point's body so that no exception crosses the C boundary.
template <typename Body> qmm_status_t guarded(Body &&body) {
  try {
    return body();
  } catch (const std::exception &error) {
    return internalError(error.what());
  } catch (...) {
    return internalError("unknown exception");
  }
}

CUdeviceptr devicePointer(const void *p) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p));
}

/// The C++ description of `desc`; act_order 2 is the regrouped layout.
Expected<gptq::jit::MatmulDesc> toMatmulDesc(const qmm_matmul_desc_t &desc) {
  if (desc.act_order < 0 || desc.act_order > QMM_ACT_ORDER_REGROUPED)
    return Status::error(fmt::format(
        "qmm.matmul: act_order = {} must be 0, 1 (g_idx) or 2 (regrouped)",
        desc.act_order));
  gptq::jit::MatmulDesc d;
  d.layout.bits = desc.bits;
  d.layout.groupSize = desc.group_size;
  d.layout.actOrder = desc.act_order != 0;
  d.layout.regrouped = desc.act_order == QMM_ACT_ORDER_REGROUPED;
  d.layout.sym = desc.sym != 0;
  d.layout.format = static_cast<gptq::format::CheckpointFormat>(desc.format);
  d.dtype = static_cast<gptq::jit::DType>(desc.dtype);
  d.M = desc.m;
  d.K = desc.k;
  d.N = desc.n;
  d.hasBias = desc.has_bias != 0;
  return d;
}

} // namespace

extern "C" {

qmm_status_t qmm_create(int device, const char *cache_dir,
                        qmm_context_t **out) {
  return guarded([&] {
    if (!out)
      return fail(QMM_ERROR_INVALID_ARGUMENT, "qmm_create: out is NULL");
    *out = nullptr;
    gptq::jit::QmmJitOptions options;
    options.device = device;
    if (cache_dir)
      options.kernelCacheDir = cache_dir;
    ErrorKind kind = ErrorKind::None;
    auto jit = gptq::jit::QmmJit::create(options, &kind);
    if (!jit)
      return failWith(kind, jit.status());
    *out = new qmm_context{jit.take()};
    return QMM_OK;
  });
}

void qmm_destroy(qmm_context_t *ctx) {
  try {
    delete ctx;
  } catch (...) {
    // A destructor that throws has nothing left to report to.
  }
}

qmm_status_t qmm_regroup_act_order(qmm_context_t *ctx,
                                   const qmm_matmul_desc_t *desc,
                                   const void *qweight, const void *g_idx,
                                   void *regrouped_qweight, void *perm,
                                   void *stream) {
  return guarded([&] {
    if (!ctx || !desc)
      return fail(QMM_ERROR_INVALID_ARGUMENT,
                  std::string("qmm_regroup_act_order: ") +
                      (!ctx ? "ctx" : "desc") + " is NULL");
    auto d = toMatmulDesc(*desc);
    if (!d)
      return fail(QMM_ERROR_INVALID_ARGUMENT, d.message());
    gptq::jit::MatmulTensors t;
    t.qweight = devicePointer(qweight);
    t.gIdx = devicePointer(g_idx);
    ErrorKind kind = ErrorKind::None;
    Status status = ctx->jit->regroupActOrder(
        *d, t, devicePointer(regrouped_qweight), devicePointer(perm),
        static_cast<CUstream>(stream), &kind);
    return finish(kind, status);
  });
}

qmm_status_t qmm_workspace_bytes(const qmm_matmul_desc_t *desc, size_t *out) {
  return guarded([&] {
    if (!desc || !out)
      return fail(QMM_ERROR_INVALID_ARGUMENT,
                  std::string("qmm_workspace_bytes: ") +
                      (!desc ? "desc" : "out") + " is NULL");
    auto d = toMatmulDesc(*desc);
    if (!d)
      return fail(QMM_ERROR_INVALID_ARGUMENT, d.message());
    Status valid = gptq::jit::QmmJit::validate(*d);
    if (!valid.ok())
      return fail(QMM_ERROR_INVALID_ARGUMENT, valid.message());
    *out = gptq::jit::QmmJit::workspaceBytes(*d);
    return QMM_OK;
  });
}

qmm_status_t qmm_matmul(qmm_context_t *ctx, const qmm_matmul_desc_t *desc,
                        const qmm_tensors_t *tensors, void *stream) {
  return guarded([&] {
    if (!ctx || !desc || !tensors)
      return fail(QMM_ERROR_INVALID_ARGUMENT, std::string("qmm_matmul: ") +
                                                  (!ctx    ? "ctx"
                                                   : !desc ? "desc"
                                                           : "tensors") +
                                                  " is NULL");
    auto d = toMatmulDesc(*desc);
    if (!d)
      return fail(QMM_ERROR_INVALID_ARGUMENT, d.message());
    gptq::jit::MatmulTensors t;
    t.x = devicePointer(tensors->x);
    t.qweight = devicePointer(tensors->qweight);
    t.qzeros = devicePointer(tensors->qzeros);
    t.scales = devicePointer(tensors->scales);
    t.gIdx = devicePointer(tensors->g_idx);
    t.bias = devicePointer(tensors->bias);
    t.y = devicePointer(tensors->y);
    t.workspace = devicePointer(tensors->workspace);
    t.workspaceBytes = tensors->workspace_bytes;
    ErrorKind kind = ErrorKind::None;
    Status status =
        ctx->jit->matmul(*d, t, static_cast<CUstream>(stream), &kind);
    return finish(kind, status);
  });
}

const char *qmm_last_error(void) { return lastError().c_str(); }

const char *qmm_status_string(qmm_status_t status) {
  switch (status) {
  case QMM_OK:
    return "QMM_OK";
  case QMM_ERROR_INVALID_ARGUMENT:
    return "QMM_ERROR_INVALID_ARGUMENT";
  case QMM_ERROR_NO_DEVICE:
    return "QMM_ERROR_NO_DEVICE";
  case QMM_ERROR_COMPILE:
    return "QMM_ERROR_COMPILE";
  case QMM_ERROR_LAUNCH:
    return "QMM_ERROR_LAUNCH";
  case QMM_ERROR_INTERNAL:
    return "QMM_ERROR_INTERNAL";
  }
  return "QMM_ERROR_UNKNOWN";
}

} // extern "C"
