//===- JsonKeys.h - Typed, checked reads of JSON object keys ----*- C++ -*-===//
//
// config.json and quantize_config.json are read key by key; a key of the
// wrong JSON type must be an error naming the file and the key, never an
// exception or a silent conversion. Header-only: include it only from
// sources that link nlohmann_json.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_SUPPORT_JSONKEYS_H
#define GPTQ_SUPPORT_JSONKEYS_H

#include "gptq/Support/Status.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>
#include <type_traits>

namespace gptq {

/// Reads key `key` of `object` as T into `out` when present and non-null
/// (otherwise `out` keeps its value); `required` makes absence an error.
/// `source` names the file (and object) in messages.
template <typename T>
Status readKey(const nlohmann::json &object, const char *key, T &out,
               const std::string &source, bool required = false) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required)
      return Status::error(fmt::format("{}: missing key '{}'", source, key));
    return Status::success();
  }
  bool typeOk;
  if constexpr (std::is_same_v<T, bool>)
    typeOk = it->is_boolean();
  else if constexpr (std::is_integral_v<T>)
    typeOk = it->is_number_integer();
  else if constexpr (std::is_floating_point_v<T>)
    typeOk = it->is_number();
  else
    typeOk = it->is_string();
  if (!typeOk)
    return Status::error(fmt::format("{}: key '{}' has the wrong type ({})",
                                     source, key, it->dump()));
  out = it->get<T>();
  return Status::success();
}

} // namespace gptq

#endif // GPTQ_SUPPORT_JSONKEYS_H
