//===- StatusTest.cpp - Status / Expected ----------------------------------===//

#include "gptq/Support/Status.h"

#include <gtest/gtest.h>

using namespace gptq;

static Expected<int> parsePositive(int value) {
  if (value <= 0)
    return Status::error("value must be positive, got " +
                         std::to_string(value));
  return value;
}

static Status addContext(int value) {
  Expected<int> parsed = parsePositive(value);
  if (!parsed)
    return parsed.status().withContext("config.json");
  return Status::success();
}

TEST(Status, CarriesValueOrMessage) {
  Expected<int> good = parsePositive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  Expected<int> bad = parsePositive(-2);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "value must be positive, got -2");
  EXPECT_TRUE(addContext(1).ok());
  EXPECT_EQ(addContext(0).message(),
            "config.json: value must be positive, got 0");
}
