//===- Bpe.cpp - The BPE model of tokenizer.json --------------------------===//

#include "Bpe.h"

#include "gptq/Tokenizer/Unicode.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <queue>

namespace gptq::tokenizer {

using nlohmann::json;

namespace {

/// The two halves of a merges entry: "a b" (older files) or ["a", "b"].
Expected<std::pair<std::string, std::string>>
mergePair(const json &entry, size_t index, const std::string &source) {
  if (entry.is_string()) {
    const std::string line = entry.get<std::string>();
    const size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string::npos)
      return Status::error(fmt::format(
          "{}: model.merges[{}]: '{}' is not two tokens separated by one "
          "space",
          source, index, line));
    return std::make_pair(line.substr(0, space), line.substr(space + 1));
  }
  if (entry.is_array() && entry.size() == 2 && entry[0].is_string() &&
      entry[1].is_string())
    return std::make_pair(entry[0].get<std::string>(),
                          entry[1].get<std::string>());
  return Status::error(
      fmt::format("{}: model.merges[{}]: {} is neither \"a b\" nor [\"a\", "
                  "\"b\"]",
                  source, index, entry.dump()));
}

} // namespace

Expected<BpeModel> BpeModel::parse(const json &model,
                                   const std::string &source) {
  BpeModel bpe;
  bpe.source_ = source;
  auto vocab = model.find("vocab");
  if (vocab == model.end() || !vocab->is_object())
    return Status::error(source + ": missing key model.vocab (an object)");
  auto merges = model.find("merges");
  if (merges == model.end() || !merges->is_array())
    return Status::error(source + ": missing key model.merges (an array)");

  for (auto it = vocab->begin(); it != vocab->end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 ||
        it.value().get<int64_t>() > INT32_MAX)
      return Status::error(
          fmt::format("{}: model.vocab['{}']: {} is not a token id", source,
                      it.key(), it.value().dump()));
    const int32_t id = it.value().get<int32_t>();
    bpe.vocab_[it.key()] = id;
    if (size_t(id) >= bpe.idToToken_.size())
      bpe.idToToken_.resize(size_t(id) + 1);
    bpe.idToToken_[size_t(id)] = it.key();
  }

  for (size_t i = 0; i < merges->size(); ++i) {
    Expected<std::pair<std::string, std::string>> pair =
        mergePair((*merges)[i], i, source);
    if (!pair)
      return pair.status();
    const auto &[left, right] = *pair;
    for (const std::string *token : {&left, &right})
      if (!bpe.vocab_.count(*token))
        return Status::error(
            fmt::format("{}: model.merges[{}]: '{}' is not in the vocabulary",
                        source, i, *token));
    auto merged = bpe.vocab_.find(left + right);
    if (merged == bpe.vocab_.end())
      return Status::error(fmt::format(
          "{}: model.merges[{}]: the merged token '{}' is not in the "
          "vocabulary",
          source, i, left + right));
    // A repeated pair keeps its first (best) rank.
    bpe.merges_.emplace(pairKey(bpe.vocab_[left], bpe.vocab_[right]),
                        Merge{int32_t(i), merged->second});
  }

  auto flag = [&](const char *key, bool &out) -> Status {
    auto it = model.find(key);
    if (it == model.end() || it->is_null())
      return Status::success();
    if (!it->is_boolean())
      return Status::error(fmt::format("{}: model.{} must be a boolean, got {}",
                                       source, key, it->dump()));
    out = it->get<bool>();
    return Status::success();
  };
  GPTQ_RETURN_IF_ERROR(flag("fuse_unk", bpe.fuseUnk_));
  GPTQ_RETURN_IF_ERROR(flag("byte_fallback", bpe.byteFallback_));
  GPTQ_RETURN_IF_ERROR(flag("ignore_merges", bpe.ignoreMerges_));

  auto unk = model.find("unk_token");
  if (unk != model.end() && !unk->is_null()) {
    if (!unk->is_string() || !bpe.vocab_.count(unk->get<std::string>()))
      return Status::error(
          fmt::format("{}: model.unk_token {} is not in the vocabulary", source,
                      unk->dump()));
    bpe.unk_ = bpe.vocab_[unk->get<std::string>()];
  }
  // Options that change how words are spelled, which no supported model
  // uses: refuse them rather than tokenize differently.
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    auto it = model.find(key);
    if (it != model.end() && !it->is_null() &&
        !(it->is_string() && it->get<std::string>().empty()))
      return Status::error(fmt::format("{}: model.{} {} is not supported",
                                       source, key, it->dump()));
  }
  auto dropout = model.find("dropout");
  if (dropout != model.end() && !dropout->is_null() &&
      !(dropout->is_number() && dropout->get<double>() == 0.0))
    return Status::error(fmt::format(
        "{}: model.dropout {} is not supported (tokenization would be random)",
        source, dropout->dump()));

  for (int b = 0; b < 256; ++b) {
    auto it = bpe.vocab_.find(fmt::format("<0x{:02X}>", b));
    bpe.byteTokens_[b] = it == bpe.vocab_.end() ? -1 : it->second;
  }
  return bpe;
}

std::optional<int32_t> BpeModel::tokenId(const std::string &token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end())
    return std::nullopt;
  return it->second;
}

const std::string *BpeModel::tokenText(int32_t id) const {
  if (id < 0 || size_t(id) >= idToToken_.size())
    return nullptr;
  const std::string &token = idToToken_[size_t(id)];
  // An id the vocabulary skips has no text (no token is the empty string).
  if (token.empty() && !vocab_.count(token))
    return nullptr;
  return &token;
}

Status BpeModel::initialSymbols(const std::string &word,
                                std::vector<int32_t> &symbols) const {
  bool lastWasUnk = false;
  for (size_t pos = 0; pos < word.size();) {
    const size_t start = pos;
    const char32_t c = nextCodePoint(word, pos);
    auto it = vocab_.find(word.substr(start, pos - start));
    if (it != vocab_.end()) {
      symbols.push_back(it->second);
      lastWasUnk = false;
      continue;
    }
    if (byteFallback_) {
      bool all = true;
      for (size_t b = start; b < pos; ++b)
        all = all && byteTokens_[static_cast<unsigned char>(word[b])] >= 0;
      if (all) {
        for (size_t b = start; b < pos; ++b)
          symbols.push_back(byteTokens_[static_cast<unsigned char>(word[b])]);
        lastWasUnk = false;
        continue;
      }
    }
    if (!unk_)
      return Status::error(fmt::format(
          "{}: character U+{:04X} has no token, and the model has neither "
          "byte_fallback tokens nor an unk_token",
          source_, uint32_t(c)));
    if (!(fuseUnk_ && lastWasUnk))
      symbols.push_back(*unk_);
    lastWasUnk = true;
  }
  return Status::success();
}

Status BpeModel::encodeWord(const std::string &word,
                            std::vector<int32_t> &out) const {
  if (word.empty())
    return Status::success();
  if (ignoreMerges_) {
    auto it = vocab_.find(word);
    if (it != vocab_.end()) {
      out.push_back(it->second);
      return Status::success();
    }
  }
  std::vector<int32_t> ids;
  GPTQ_RETURN_IF_ERROR(initialSymbols(word, ids));

  // Symbols as a doubly linked list over `ids`; a merged-away symbol is
  // marked dead. Queue entries are validated when popped, since merges
  // around them may have changed their pair since they were pushed.
  const int n = int(ids.size());
  std::vector<int> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    int32_t rank;
    int pos;
    int32_t merged;
    bool operator>(const Candidate &other) const {
      return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>,
                      std::greater<Candidate>>
      queue;
  auto push = [&](int left) {
    if (left < 0 || next[left] < 0)
      return;
    auto it = merges_.find(pairKey(ids[left], ids[next[left]]));
    if (it != merges_.end())
      queue.push({it->second.rank, left, it->second.merged});
  };
  for (int i = 0; i + 1 < n; ++i)
    push(i);
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    const int left = top.pos;
    if (!alive[left] || next[left] < 0)
      continue;
    const int right = next[left];
    auto it = merges_.find(pairKey(ids[left], ids[right]));
    if (it == merges_.end() || it->second.merged != top.merged)
      continue;
    ids[left] = top.merged;
    alive[right] = false;
    next[left] = next[right];
    if (next[right] >= 0)
      prev[next[right]] = left;
    push(prev[left]);
    push(left);
  }
  for (int i = 0; i >= 0 && i < n; i = next[i])
    out.push_back(ids[i]);
  return Status::success();
}

} // namespace gptq::tokenizer
