//===- Status.h - Errors carried as values ----------------------*- C++ -*-===//
//
// The non-MLIR libraries (runtime, Format, Quant, Model) must not depend on
// LLVM, so they report failures with these small value types instead of
// llvm::Error. A tool prints `status.message()` on one line and exits non-zero.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_SUPPORT_STATUS_H
#define GPTQ_SUPPORT_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace gptq {

/// Success, or a failure with a human-readable one-line message.
class [[nodiscard]] Status {
public:
  static Status success() { return Status(); }
  static Status error(std::string message) {
    Status status;
    status.message_ = std::move(message);
    status.failed_ = true;
    return status;
  }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return message_; }

  /// Returns a copy whose message is "`context`: `message`".
  Status withContext(const std::string &context) const {
    return ok() ? *this : error(context + ": " + message_);
  }

private:
  bool failed_ = false;
  std::string message_;
};

/// A value of type T, or the Status explaining why there is none.
template <typename T> class [[nodiscard]] Expected {
public:
  Expected(T value) : value_(std::move(value)) {}
  Expected(Status status) : status_(std::move(status)) {
    assert(!status_.ok() && "Expected built from a successful Status");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status &status() const { return status_; }
  const std::string &message() const { return status_.message(); }

  T &operator*() {
    assert(ok());
    return *value_;
  }
  const T &operator*() const {
    assert(ok());
    return *value_;
  }
  T *operator->() { return &**this; }
  const T *operator->() const { return &**this; }
  T take() {
    assert(ok());
    return std::move(*value_);
  }

private:
  std::optional<T> value_;
  Status status_;
};

} // namespace gptq

/// Propagates a failed Status (or the status of a failed Expected) from the
/// enclosing function.
#define GPTQ_RETURN_IF_ERROR(expr)                                             \
  do {                                                                         \
    ::gptq::Status gptqStatusTmp_ = (expr);                                    \
    if (!gptqStatusTmp_.ok())                                                  \
      return gptqStatusTmp_;                                                   \
  } while (false)

#endif // GPTQ_SUPPORT_STATUS_H
