//===- GpuTestSupport.h - Helpers shared by the GPU model tests -*- C++ -*-===//
//
// Device buffers filled from the host and the relative error the tests
// compare against their bounds, once for every test of GpuForwardTests.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TEST_GPU_MODEL_GPUTESTSUPPORT_H
#define GPTQ_TEST_GPU_MODEL_GPUTESTSUPPORT_H

#include "gptq/Runtime/Module.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>

namespace gptq::test {

/// A device buffer of `bytes`, filled from `data` (left as allocated when
/// null); failures are test failures.
inline rt::DeviceBuffer uploadToDevice(const void *data, size_t bytes) {
  auto buffer = rt::DeviceBuffer::create(bytes);
  EXPECT_TRUE(buffer.ok()) << buffer.message();
  if (data)
    EXPECT_TRUE(buffer->copyFromHost(data, bytes).ok());
  return buffer.take();
}

/// ||a - b|| / ||b|| over `count` values, in double.
inline double relativeError(const float *a, const float *b, size_t count) {
  double error = 0.0, norm = 0.0;
  for (size_t i = 0; i < count; ++i) {
    error += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    norm += double(b[i]) * b[i];
  }
  return std::sqrt(error / norm);
}

} // namespace gptq::test

#endif // GPTQ_TEST_GPU_MODEL_GPUTESTSUPPORT_H
