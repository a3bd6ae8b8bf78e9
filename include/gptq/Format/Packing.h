//===- Packing.h - AutoGPTQ bit packing -------------------------*- C++ -*-===//
//
// GPTQ checkpoints store integer codes and zero points as little-endian bit
// streams in int32 words (FORMAT.md §4): qweight is packed down each column
// (along K), qzeros along each row (along N). Every reader and writer of the
// project (the checkpoint writer, the CPU reference, the GPU kernel tests)
// goes through these functions so that there is exactly one definition of the
// layout, including the 3-bit case where values straddle word boundaries.
//
// The two checkpoint flavours differ only in the zero points: AutoGPTQ's
// "v1" stores zero - 1, GPTQModel's "gptq_v2" stores the zero as it is.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_FORMAT_PACKING_H
#define GPTQ_FORMAT_PACKING_H

#include "gptq/Support/Status.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace gptq::format {

enum class CheckpointFormat { GptqV1, GptqV2 };

/// "gptq_v1" or "gptq_v2".
const char *checkpointFormatName(CheckpointFormat format);

/// Accepts "gptq_v1", "gptq_v2", and "gptq" (what quantize_config.json's
/// `checkpoint_format` says for v1).
Expected<CheckpointFormat> parseCheckpointFormat(std::string_view name);

/// Succeeds for the bit widths the format and the kernels support: 2, 3, 4, 8.
Status checkPackBits(int bits);

/// Packs codes laid out [K][N] (input channel k, output column n), each in
/// 0..2^bits-1, into qweight [K*bits/32][N].
Expected<std::vector<int32_t>> packWeights(const std::vector<int32_t> &codes,
                                           int64_t K, int64_t N, int bits);

/// Inverse of packWeights: qweight [K*bits/32][N] -> codes [K][N].
Expected<std::vector<int32_t>>
unpackWeights(const std::vector<int32_t> &qweight, int64_t K, int64_t N,
              int bits);

/// Packs true zero points [groups][N] into qzeros [groups][N*bits/32].
/// v1 stores zero - 1, so it holds zero points 1..2^bits and a zero point of
/// 0 is an error (AutoGPTQ would silently corrupt the word instead); v2
/// stores zero points 0..2^bits-1 as they are.
Expected<std::vector<int32_t>> packZeros(const std::vector<int32_t> &zeros,
                                         int64_t groups, int64_t N, int bits,
                                         CheckpointFormat format);

/// Returns the true zero points [groups][N]. For v1 that is stored + 1
/// without masking, as the reference kernels compute it: a stored all-ones
/// value therefore reads as 2^bits, a zero point no quantizer produces but
/// which is what the checkpoint means (see findCorruptV1Zeros).
Expected<std::vector<int32_t>> unpackZeros(const std::vector<int32_t> &qzeros,
                                           int64_t groups, int64_t N, int bits,
                                           CheckpointFormat format);

/// A zero point of a v1 checkpoint that cannot be trusted.
struct ZeroLocation {
  int64_t group = 0;
  int64_t column = 0;
  bool operator==(const ZeroLocation &other) const {
    return group == other.group && column == other.column;
  }
};

/// Finds v1 zero points spoilt by AutoGPTQ's writer. When it packs a zero
/// point of 0 it ORs the 32-bit pattern of -1 into the word, which sets the
/// bad value and every later value of that word to all ones. An all-ones
/// stored value means zero point 2^bits, which GPTQ's quantizer never
/// produces (its zero points lie in 0..2^bits-1), so such values are
/// reported; for 3 bits, a value straddling into the next word whose low
/// bits lie in such an all-ones tail is reported too (its high bit was not
/// touched, so it need not read as all ones). Returns locations sorted by
/// group, then column; an error only for malformed arguments.
Expected<std::vector<ZeroLocation>>
findCorruptV1Zeros(const std::vector<int32_t> &qzeros, int64_t groups,
                   int64_t N, int bits);

} // namespace gptq::format

#endif // GPTQ_FORMAT_PACKING_H
