//===- CApiTest.cpp - The C API's errors without a device -----------------===//
//
// CI machines have no libcuda: qmm_create must report QMM_ERROR_NO_DEVICE
// with the loader's reason, never crash. On a machine with a GPU the
// no-device expectations are skipped and the argument checks still run.
//
//===----------------------------------------------------------------------===//

#include "gptq/qmm.h"

#include "gptq/Runtime/CudaDriver.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

extern "C" int qmm_c_header_check(void);

namespace {

TEST(QmmCApi, NullArguments) {
  EXPECT_EQ(qmm_create(0, nullptr, nullptr), QMM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(qmm_last_error()).find("out is NULL"),
            std::string::npos);
  qmm_matmul_desc_t desc = {};
  qmm_tensors_t tensors = {};
  EXPECT_EQ(qmm_matmul(nullptr, &desc, &tensors, nullptr),
            QMM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(qmm_last_error()).find("ctx is NULL"),
            std::string::npos);
  EXPECT_EQ(qmm_regroup_act_order(nullptr, &desc, nullptr, nullptr, nullptr,
                                  nullptr, nullptr),
            QMM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(qmm_last_error()).find("ctx is NULL"),
            std::string::npos);
  qmm_destroy(nullptr); // allowed
}

TEST(QmmCApi, WorkspaceBytes) {
  qmm_matmul_desc_t desc = {};
  size_t bytes = 1;
  EXPECT_EQ(qmm_workspace_bytes(nullptr, &bytes), QMM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(qmm_last_error()).find("desc is NULL"),
            std::string::npos);
  EXPECT_EQ(qmm_workspace_bytes(&desc, nullptr), QMM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(qmm_last_error()).find("out is NULL"),
            std::string::npos);
  EXPECT_EQ(qmm_workspace_bytes(&desc, &bytes), QMM_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(qmm_last_error()).find("bits = 0"), std::string::npos);
  desc.bits = 4;
  desc.group_size = 128;
  desc.k = 4096;
  desc.n = 4096;
  desc.m = 1;
  ASSERT_EQ(qmm_workspace_bytes(&desc, &bytes), QMM_OK);
  EXPECT_EQ(bytes, 0u);
  desc.act_order = QMM_ACT_ORDER_REGROUPED;
  ASSERT_EQ(qmm_workspace_bytes(&desc, &bytes), QMM_OK);
  EXPECT_EQ(bytes, 4096u * 2);
  desc.act_order = 0;
  desc.m = 1024;
  ASSERT_EQ(qmm_workspace_bytes(&desc, &bytes), QMM_OK);
  EXPECT_EQ(bytes, 4096u * 4096 * 2);
}

TEST(QmmCApi, StatusStrings) {
  EXPECT_STREQ(qmm_status_string(QMM_OK), "QMM_OK");
  EXPECT_STREQ(qmm_status_string(QMM_ERROR_NO_DEVICE), "QMM_ERROR_NO_DEVICE");
  EXPECT_STREQ(qmm_status_string(QMM_ERROR_COMPILE), "QMM_ERROR_COMPILE");
}

TEST(QmmCApi, NoDeviceIsReportedWithAMessage) {
  std::string whyNot;
  if (gptq::rt::cudaDeviceAvailable(&whyNot))
    GTEST_SKIP() << "a CUDA device is present; the no-device path is not "
                    "reachable here";
  qmm_context_t *ctx = reinterpret_cast<qmm_context_t *>(0x1);
  EXPECT_EQ(qmm_create(0, nullptr, &ctx), QMM_ERROR_NO_DEVICE);
  EXPECT_EQ(ctx, nullptr);
  const std::string message = qmm_last_error();
  std::printf("qmm_create without a device: %s\n", message.c_str());
  EXPECT_NE(message.find("no CUDA device"), std::string::npos) << message;
  EXPECT_NE(message.find(whyNot), std::string::npos) << message;
  // The C translation unit sees the same result.
  EXPECT_EQ(qmm_c_header_check(), int(QMM_ERROR_NO_DEVICE));
}

TEST(QmmCApi, LastErrorIsPerThread) {
  EXPECT_EQ(qmm_create(0, nullptr, nullptr), QMM_ERROR_INVALID_ARGUMENT);
  std::string other = "unset";
  std::thread([&] { other = qmm_last_error(); }).join();
  EXPECT_EQ(other, "");
}

} // namespace
