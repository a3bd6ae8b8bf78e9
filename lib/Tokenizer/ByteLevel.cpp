//===- ByteLevel.cpp - GPT-2's byte-to-unicode map ------------------------===//

#include "ByteLevel.h"

#include "gptq/Tokenizer/Unicode.h"

#include <array>
#include <unordered_map>

namespace gptq::tokenizer {

namespace {

bool standsForItself(int byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

struct ByteMap {
  std::array<std::string, 256> encoded;
  std::unordered_map<char32_t, char> decoded;

  ByteMap() {
    char32_t shifted = 0x100;
    for (int byte = 0; byte < 256; ++byte) {
      const char32_t c = standsForItself(byte) ? char32_t(byte) : shifted++;
      appendUtf8(encoded[byte], c);
      decoded[c] = char(byte);
    }
  }
};

const ByteMap &byteMap() {
  static const ByteMap map;
  return map;
}

} // namespace

std::string bytesToUnicode(const std::string &bytes) {
  const ByteMap &map = byteMap();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char byte : bytes)
    out += map.encoded[static_cast<unsigned char>(byte)];
  return out;
}

std::string byteLevelTokenBytes(const std::string &token) {
  const ByteMap &map = byteMap();
  std::string out;
  out.reserve(token.size());
  for (size_t pos = 0; pos < token.size();) {
    auto it = map.decoded.find(nextCodePoint(token, pos));
    if (it == map.decoded.end())
      return token;
    out += it->second;
  }
  return out;
}

} // namespace gptq::tokenizer
