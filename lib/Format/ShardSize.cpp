//===- ShardSize.cpp - Parse --max-shard-size values ----------------------===//
//
// The spelling follows transformers' convert_file_size_to_int, so a size
// that works with save_pretrained works here: decimal units are powers of
// 1000, the "i" units powers of 1024. Unlike transformers, a lower-case
// trailing "b" is not taken to mean bits: every unit counts bytes, and
// anything we cannot read exactly is refused rather than guessed.
//
//===----------------------------------------------------------------------===//

#include "gptq/Format/ShardedCheckpoint.h"

#include <cctype>
#include <limits>

#include <fmt/format.h>

namespace gptq::format {

Expected<uint64_t> parseShardSize(std::string_view text) {
  auto invalid = [&](const char *why) {
    return Status::error(
        fmt::format("--max-shard-size '{}': {} (expected bytes or a size "
                    "such as 500MB, 2GB or 4GiB)",
                    text, why));
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit((unsigned char)text[digits]))
    ++digits;
  if (digits == 0)
    return invalid("does not start with a number");
  uint64_t number = 0;
  for (size_t i = 0; i < digits; ++i) {
    const uint64_t digit = uint64_t(text[i] - '0');
    if (number > (std::numeric_limits<uint64_t>::max() - digit) / 10)
      return invalid("too large");
    number = number * 10 + digit;
  }
  std::string unit;
  for (char c : text.substr(digits))
    unit += char(std::toupper((unsigned char)c));
  static const std::pair<const char *, uint64_t> kUnits[] = {
      {"", 1},
      {"B", 1},
      {"KB", 1000ull},
      {"MB", 1000ull * 1000},
      {"GB", 1000ull * 1000 * 1000},
      {"TB", 1000ull * 1000 * 1000 * 1000},
      {"KIB", 1ull << 10},
      {"MIB", 1ull << 20},
      {"GIB", 1ull << 30},
      {"TIB", 1ull << 40}};
  for (const auto &[name, scale] : kUnits) {
    if (unit != name)
      continue;
    if (number == 0)
      return invalid("must be positive");
    if (number > std::numeric_limits<uint64_t>::max() / scale)
      return invalid("too large");
    return number * scale;
  }
  return invalid("unknown unit");
}

} // namespace gptq::format
