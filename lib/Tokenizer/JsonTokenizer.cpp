//===- JsonTokenizer.cpp - Hugging Face tokenizer.json --------------------===//
//
// A tokenizer.json describes a pipeline; we implement the parts that the
// supported decoder-only models use and refuse the rest by name:
//
//   added_tokens  matched in the raw text first (leftmost, longest), as
//                 whole tokens; `normalized` ones are matched in the
//                 normalized text; lstrip/rstrip/single_word are honoured
//                 (their white space is ASCII white space)
//   normalizer    Sequence, Prepend, Replace (plain string), NFC (only for
//                 text it would leave unchanged: NFC itself is not
//                 implemented, and text it would change is refused)
//   pre_tokenizer Sequence, ByteLevel, Split (GPT-2/Llama-3/Qwen2 regexes,
//                 Isolated), Metaspace
//   model         BPE (BpeModel)
//   decoder       Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip,
//                 Metaspace
//   post_processor only read for the BOS it puts in front (TemplateProcessing)
//
//===----------------------------------------------------------------------===//

#include "Bpe.h"
#include "ByteLevel.h"
#include "TokenizerFiles.h"
#include "gptq/Tokenizer/RegexSplit.h"
#include "gptq/Tokenizer/Tokenizer.h"
#include "gptq/Tokenizer/Unicode.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cctype>
#include <unordered_map>

namespace gptq::tokenizer {

using nlohmann::json;

namespace {

enum class PrependScheme { Always, First, Never };

struct NormalizerStep {
  enum Kind { Prepend, Replace, Nfc } kind;
  std::string from, to; ///< Prepend: `to` only
};

struct PreTokenizerStep {
  enum Kind { ByteLevel, Split, Metaspace } kind;
  bool addPrefixSpace = false, useRegex = true; // ByteLevel
  SplitPattern pattern = SplitPattern::Gpt2;    // Split
  std::string replacement;                      // Metaspace
  PrependScheme scheme = PrependScheme::Always; // Metaspace
  bool split = true;                            // Metaspace
};

struct DecoderStep {
  enum Kind { ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace } kind;
  std::string from, to;       ///< Replace; Strip/Metaspace: `from` only
  size_t start = 0, stop = 0; ///< Strip
  PrependScheme scheme = PrependScheme::Always; ///< Metaspace
};

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool singleWord = false, lstrip = false, rstrip = false, normalized = false;
};

/// Text to tokenize, or an added token already found.
struct Segment {
  std::string text;
  int32_t token = -1;
  bool atStart = false; ///< begins at offset 0 of the input (Metaspace first)
};

struct Word {
  std::string text;
  bool atStart;
};

bool startsWith(const std::string &s, const std::string &prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string replaceAll(const std::string &s, const std::string &from,
                       const std::string &to) {
  if (from.empty())
    return s;
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string::npos;
       pos = hit + from.size())
    out.append(s, pos, hit - pos).append(to);
  return out.append(s, pos, std::string::npos);
}

bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

bool isWordCharacter(char32_t c) {
  return c == '_' || isLetter(c) || isNumber(c);
}

/// Reads a string-valued key; `what` names it in messages.
Status readString(const json &object, const char *key, std::string &out,
                  const std::string &what) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string())
    return Status::error(fmt::format("{}: missing string key '{}'", what, key));
  out = it->get<std::string>();
  return Status::success();
}

Status readBool(const json &object, const char *key, bool &out,
                const std::string &what) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return Status::success();
  if (!it->is_boolean())
    return Status::error(fmt::format("{}: '{}' must be a boolean, got {}", what,
                                     key, it->dump()));
  out = it->get<bool>();
  return Status::success();
}

Expected<std::string> componentType(const json &component,
                                    const std::string &what) {
  if (!component.is_object())
    return Status::error(fmt::format("{}: not an object", what));
  auto type = component.find("type");
  if (type == component.end() || !type->is_string())
    return Status::error(fmt::format("{}: missing key 'type'", what));
  return type->get<std::string>();
}

/// The plain string of a Replace/Split pattern ({"String": s}); a regex
/// pattern is refused here.
Expected<std::string> stringPattern(const json &component,
                                    const std::string &what) {
  auto pattern = component.find("pattern");
  if (pattern == component.end() || !pattern->is_object())
    return Status::error(fmt::format("{}: missing key 'pattern'", what));
  auto string = pattern->find("String");
  if (string == pattern->end() || !string->is_string())
    return Status::error(fmt::format(
        "{}: pattern {} is not supported (only {{\"String\": ...}})", what,
        pattern->dump()));
  return string->get<std::string>();
}

Expected<PrependScheme> readPrependScheme(const json &component,
                                          const std::string &what) {
  auto scheme = component.find("prepend_scheme");
  if (scheme != component.end() && scheme->is_string()) {
    const std::string name = scheme->get<std::string>();
    if (name == "always")
      return PrependScheme::Always;
    if (name == "first")
      return PrependScheme::First;
    if (name == "never")
      return PrependScheme::Never;
    return Status::error(
        fmt::format("{}: prepend_scheme '{}' is not supported", what, name));
  }
  // Files written before prepend_scheme existed say add_prefix_space.
  bool addPrefixSpace = true;
  GPTQ_RETURN_IF_ERROR(
      readBool(component, "add_prefix_space", addPrefixSpace, what));
  return addPrefixSpace ? PrependScheme::Always : PrependScheme::Never;
}

class JsonTokenizer final : public Tokenizer {
public:
  static Expected<std::unique_ptr<JsonTokenizer>>
  parse(const std::string &text, const std::string &source);

  Expected<std::vector<int32_t>> encode(const std::string &text) const override;
  Expected<std::string> decode(const std::vector<int32_t> &ids) const override;
  int64_t vocabSize() const override { return vocabSize_; }
  std::string describe() const override { return description_; }
  std::optional<int32_t> tokenId(const std::string &token) const override {
    for (const AddedToken &added : added_)
      if (added.content == token)
        return added.id;
    return model_.tokenId(token);
  }

private:
  JsonTokenizer(BpeModel model) : model_(std::move(model)) {}

  Status parseAddedTokens(const json &root);
  Status parseNormalizer(const json &component, const std::string &what);
  Status parsePreTokenizer(const json &component, const std::string &what);
  Status parseDecoder(const json &component, const std::string &what);
  Status parsePostProcessor(const json &component, const std::string &what);

  void splitOnAddedTokens(const std::string &text, bool normalizedPass,
                          bool atStart, std::vector<Segment> &out) const;
  Expected<std::string> normalize(const std::string &text) const;
  std::vector<Word> preTokenize(const std::string &text, bool atStart) const;
  std::vector<std::string> applyDecoder(const std::vector<DecoderStep> &steps,
                                        std::vector<std::string> tokens) const;

  std::string source_, description_;
  BpeModel model_;
  std::vector<AddedToken> added_;
  std::array<std::vector<size_t>, 256> addedByFirstByte_;
  std::unordered_map<int32_t, size_t> addedById_;
  std::vector<NormalizerStep> normalizer_;
  std::vector<PreTokenizerStep> preTokenizer_;
  std::vector<DecoderStep> decoder_;
  int64_t vocabSize_ = 0;
};

Status JsonTokenizer::parseAddedTokens(const json &root) {
  auto added = root.find("added_tokens");
  if (added == root.end() || added->is_null())
    return Status::success();
  if (!added->is_array())
    return Status::error(source_ + ": added_tokens is not an array");
  for (size_t i = 0; i < added->size(); ++i) {
    const json &entry = (*added)[i];
    const std::string what = fmt::format("{}: added_tokens[{}]", source_, i);
    if (!entry.is_object())
      return Status::error(what + ": not an object");
    AddedToken token;
    auto id = entry.find("id");
    if (id == entry.end() || !id->is_number_integer() ||
        id->get<int64_t>() < 0 || id->get<int64_t>() > INT32_MAX)
      return Status::error(what + ": missing or invalid 'id'");
    token.id = id->get<int32_t>();
    GPTQ_RETURN_IF_ERROR(readString(entry, "content", token.content, what));
    if (token.content.empty())
      return Status::error(what + ": empty 'content'");
    GPTQ_RETURN_IF_ERROR(
        readBool(entry, "single_word", token.singleWord, what));
    GPTQ_RETURN_IF_ERROR(readBool(entry, "lstrip", token.lstrip, what));
    GPTQ_RETURN_IF_ERROR(readBool(entry, "rstrip", token.rstrip, what));
    GPTQ_RETURN_IF_ERROR(readBool(entry, "normalized", token.normalized, what));
    addedByFirstByte_[static_cast<unsigned char>(token.content[0])].push_back(
        added_.size());
    addedById_[token.id] = added_.size();
    added_.push_back(std::move(token));
  }
  return Status::success();
}

/// A "Sequence" component: every entry of its `key` list through `parse`,
/// named "<what>.<key>[i]" in messages.
template <typename Parse>
static Status parseSequence(const json &component, const char *key,
                            const std::string &what, Parse parse) {
  auto list = component.find(key);
  if (list == component.end() || !list->is_array())
    return Status::error(what + ": missing key '" + key + "'");
  for (size_t i = 0; i < list->size(); ++i)
    GPTQ_RETURN_IF_ERROR(
        parse((*list)[i], fmt::format("{}.{}[{}]", what, key, i)));
  return Status::success();
}

Status JsonTokenizer::parseNormalizer(const json &component,
                                      const std::string &what) {
  if (component.is_null())
    return Status::success();
  Expected<std::string> type = componentType(component, what);
  if (!type)
    return type.status();
  if (*type == "Sequence")
    return parseSequence(component, "normalizers", what,
                         [&](const json &entry, const std::string &where) {
                           return parseNormalizer(entry, where);
                         });
  if (*type == "Prepend") {
    NormalizerStep step{NormalizerStep::Prepend, "", ""};
    GPTQ_RETURN_IF_ERROR(readString(component, "prepend", step.to, what));
    normalizer_.push_back(step);
    return Status::success();
  }
  if (*type == "Replace") {
    Expected<std::string> from = stringPattern(component, what + " Replace");
    if (!from)
      return from.status();
    NormalizerStep step{NormalizerStep::Replace, *from, ""};
    GPTQ_RETURN_IF_ERROR(readString(component, "content", step.to, what));
    normalizer_.push_back(step);
    return Status::success();
  }
  if (*type == "NFC") {
    normalizer_.push_back({NormalizerStep::Nfc, "", ""});
    return Status::success();
  }
  return Status::error(
      fmt::format("{}: normalizer type '{}' is not supported (Sequence, "
                  "Prepend, Replace and NFC are)",
                  what, *type));
}

Status JsonTokenizer::parsePreTokenizer(const json &component,
                                        const std::string &what) {
  if (component.is_null())
    return Status::success();
  Expected<std::string> type = componentType(component, what);
  if (!type)
    return type.status();
  PreTokenizerStep step;
  if (*type == "Sequence")
    return parseSequence(component, "pretokenizers", what,
                         [&](const json &entry, const std::string &where) {
                           return parsePreTokenizer(entry, where);
                         });
  if (*type == "ByteLevel") {
    step.kind = PreTokenizerStep::ByteLevel;
    step.addPrefixSpace = true; // the library's defaults
    step.useRegex = true;
    GPTQ_RETURN_IF_ERROR(
        readBool(component, "add_prefix_space", step.addPrefixSpace, what));
    GPTQ_RETURN_IF_ERROR(readBool(component, "use_regex", step.useRegex, what));
  } else if (*type == "Split") {
    step.kind = PreTokenizerStep::Split;
    auto pattern = component.find("pattern");
    auto regex = pattern == component.end() || !pattern->is_object()
                     ? json()
                     : pattern->value("Regex", json());
    if (!regex.is_string())
      return Status::error(fmt::format(
          "{}: Split pattern {} is not supported (only the GPT-2, Llama-3 and "
          "Qwen2 regexes are)",
          what, pattern == component.end() ? "null" : pattern->dump()));
    std::optional<SplitPattern> known =
        recognizeSplitPattern(regex.get<std::string>());
    if (!known)
      return Status::error(fmt::format(
          "{}: Split regex '{}' is not supported (only the GPT-2, Llama-3 and "
          "Qwen2 regexes are)",
          what, regex.get<std::string>()));
    step.pattern = *known;
    std::string behavior;
    GPTQ_RETURN_IF_ERROR(readString(component, "behavior", behavior, what));
    bool invert = false;
    GPTQ_RETURN_IF_ERROR(readBool(component, "invert", invert, what));
    if (behavior != "Isolated" || invert)
      return Status::error(fmt::format(
          "{}: Split behavior '{}'{} is not supported (only Isolated)", what,
          behavior, invert ? " inverted" : ""));
  } else if (*type == "Metaspace") {
    step.kind = PreTokenizerStep::Metaspace;
    GPTQ_RETURN_IF_ERROR(
        readString(component, "replacement", step.replacement, what));
    Expected<PrependScheme> scheme = readPrependScheme(component, what);
    if (!scheme)
      return scheme.status();
    step.scheme = *scheme;
    GPTQ_RETURN_IF_ERROR(readBool(component, "split", step.split, what));
  } else {
    return Status::error(
        fmt::format("{}: pre_tokenizer type '{}' is not supported (Sequence, "
                    "ByteLevel, Split and Metaspace are)",
                    what, *type));
  }
  preTokenizer_.push_back(step);
  return Status::success();
}

Status JsonTokenizer::parseDecoder(const json &component,
                                   const std::string &what) {
  if (component.is_null())
    return Status::success();
  Expected<std::string> type = componentType(component, what);
  if (!type)
    return type.status();
  DecoderStep step{DecoderStep::Fuse, "", ""};
  if (*type == "Sequence")
    return parseSequence(component, "decoders", what,
                         [&](const json &entry, const std::string &where) {
                           return parseDecoder(entry, where);
                         });
  if (*type == "ByteLevel") {
    step.kind = DecoderStep::ByteLevel;
  } else if (*type == "Replace") {
    step.kind = DecoderStep::Replace;
    Expected<std::string> from = stringPattern(component, what + " Replace");
    if (!from)
      return from.status();
    step.from = *from;
    GPTQ_RETURN_IF_ERROR(readString(component, "content", step.to, what));
  } else if (*type == "ByteFallback") {
    step.kind = DecoderStep::ByteFallback;
  } else if (*type == "Fuse") {
    step.kind = DecoderStep::Fuse;
  } else if (*type == "Strip") {
    step.kind = DecoderStep::Strip;
    GPTQ_RETURN_IF_ERROR(readString(component, "content", step.from, what));
    for (auto [key, out] :
         {std::pair<const char *, size_t *>{"start", &step.start},
          {"stop", &step.stop}}) {
      auto it = component.find(key);
      if (it == component.end() || !it->is_number_unsigned())
        return Status::error(
            fmt::format("{}: missing or invalid '{}'", what, key));
      *out = it->get<size_t>();
    }
  } else if (*type == "Metaspace") {
    step.kind = DecoderStep::Metaspace;
    GPTQ_RETURN_IF_ERROR(readString(component, "replacement", step.from, what));
    Expected<PrependScheme> scheme = readPrependScheme(component, what);
    if (!scheme)
      return scheme.status();
    step.scheme = *scheme;
  } else {
    return Status::error(
        fmt::format("{}: decoder type '{}' is not supported (Sequence, "
                    "ByteLevel, Replace, ByteFallback, Fuse, Strip and "
                    "Metaspace are)",
                    what, *type));
  }
  decoder_.push_back(step);
  return Status::success();
}

Status JsonTokenizer::parsePostProcessor(const json &component,
                                         const std::string &what) {
  if (!component.is_object())
    return Status::success();
  const std::string type = component.value("type", "");
  if (type == "Sequence") {
    auto list = component.find("processors");
    if (list != component.end() && list->is_array())
      for (size_t i = 0; i < list->size(); ++i)
        GPTQ_RETURN_IF_ERROR(parsePostProcessor(
            (*list)[i], fmt::format("{}.processors[{}]", what, i)));
    return Status::success();
  }
  if (type != "TemplateProcessing")
    return Status::success(); // adds nothing in front, or not to decoders
  // "single": [{"SpecialToken": {"id": "<s>", ...}}, {"Sequence": ...}]
  auto single = component.find("single");
  if (single == component.end() || !single->is_array() || single->empty())
    return Status::success();
  const json &first = (*single)[0];
  if (!first.is_object() || !first.contains("SpecialToken"))
    return Status::success();
  const std::string name = first["SpecialToken"].value("id", "");
  auto table = component.find("special_tokens");
  const json *ids = nullptr;
  if (table != component.end() && table->is_object() && table->contains(name))
    if (auto it = (*table)[name].find("ids"); it != (*table)[name].end())
      ids = &*it;
  if (!ids || !ids->is_array() || ids->size() != 1 ||
      !(*ids)[0].is_number_integer())
    return Status::error(
        fmt::format("{}: the template's first token '{}' has no single id in "
                    "special_tokens",
                    what, name));
  SpecialTokens roles = specials();
  roles.bos = (*ids)[0].get<int32_t>();
  roles.addBos = true;
  setSpecials(roles);
  return Status::success();
}

Expected<std::unique_ptr<JsonTokenizer>>
JsonTokenizer::parse(const std::string &text, const std::string &source) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception &error) {
    return Status::error(
        fmt::format("{}: not valid JSON ({})", source, error.what()));
  }
  if (!root.is_object())
    return Status::error(source + ": not a JSON object");
  auto model = root.find("model");
  if (model == root.end() || !model->is_object())
    return Status::error(source + ": missing key 'model'");
  Expected<std::string> type = componentType(*model, source + ": model");
  if (!type)
    return type.status();
  if (*type != "BPE")
    return Status::error(fmt::format(
        "{}: model type '{}' is not supported (only BPE is)", source, *type));
  Expected<BpeModel> bpe = BpeModel::parse(*model, source);
  if (!bpe)
    return bpe.status();

  std::unique_ptr<JsonTokenizer> tokenizer(new JsonTokenizer(bpe.take()));
  tokenizer->source_ = source;
  GPTQ_RETURN_IF_ERROR(tokenizer->parseAddedTokens(root));
  GPTQ_RETURN_IF_ERROR(tokenizer->parseNormalizer(
      root.value("normalizer", json()), source + ": normalizer"));
  GPTQ_RETURN_IF_ERROR(tokenizer->parsePreTokenizer(
      root.value("pre_tokenizer", json()), source + ": pre_tokenizer"));
  GPTQ_RETURN_IF_ERROR(tokenizer->parseDecoder(root.value("decoder", json()),
                                               source + ": decoder"));
  GPTQ_RETURN_IF_ERROR(tokenizer->parsePostProcessor(
      root.value("post_processor", json()), source + ": post_processor"));

  tokenizer->vocabSize_ = tokenizer->model_.size();
  for (const AddedToken &token : tokenizer->added_)
    tokenizer->vocabSize_ =
        std::max<int64_t>(tokenizer->vocabSize_, int64_t(token.id) + 1);
  bool byteLevel = false;
  for (const PreTokenizerStep &step : tokenizer->preTokenizer_)
    byteLevel = byteLevel || step.kind == PreTokenizerStep::ByteLevel;
  tokenizer->description_ = fmt::format(
      "tokenizer.json ({} BPE, {} tokens)",
      byteLevel ? "byte-level" : "sentencepiece-style", tokenizer->vocabSize_);
  return tokenizer;
}

void JsonTokenizer::splitOnAddedTokens(const std::string &text,
                                       bool normalizedPass, bool atStart,
                                       std::vector<Segment> &out) const {
  size_t last = 0; // start of the text not yet emitted
  auto emitText = [&](size_t end) {
    if (end > last)
      out.push_back({text.substr(last, end - last), -1, atStart && last == 0});
  };
  for (size_t i = 0; i < text.size();) {
    const AddedToken *best = nullptr;
    for (size_t index :
         addedByFirstByte_[static_cast<unsigned char>(text[i])]) {
      const AddedToken &token = added_[index];
      if (token.normalized != normalizedPass ||
          text.compare(i, token.content.size(), token.content) != 0 ||
          (best && best->content.size() >= token.content.size()))
        continue;
      if (token.singleWord) {
        size_t before = i;
        while (before > 0 && (text[before - 1] & 0xC0) == 0x80)
          --before;
        if (before > 0) {
          size_t pos = before - 1;
          if (isWordCharacter(nextCodePoint(text, pos)))
            continue;
        }
        size_t after = i + token.content.size();
        if (after < text.size() && isWordCharacter(nextCodePoint(text, after)))
          continue;
      }
      best = &token;
    }
    if (!best) {
      ++i;
      continue;
    }
    size_t start = i, end = i + best->content.size();
    if (best->lstrip)
      while (start > last && isAsciiSpace(text[start - 1]))
        --start;
    if (best->rstrip)
      while (end < text.size() && isAsciiSpace(text[end]))
        ++end;
    emitText(start);
    out.push_back({"", best->id, false});
    last = i = end;
  }
  emitText(text.size());
}

Expected<std::string> JsonTokenizer::normalize(const std::string &text) const {
  std::string s = text;
  for (const NormalizerStep &step : normalizer_) {
    switch (step.kind) {
    case NormalizerStep::Prepend:
      if (!s.empty())
        s = step.to + s;
      break;
    case NormalizerStep::Replace:
      s = replaceAll(s, step.from, step.to);
      break;
    case NormalizerStep::Nfc:
      for (size_t pos = 0; pos < s.size();) {
        const char32_t c = nextCodePoint(s, pos);
        if (!isNfcStable(c))
          return Status::error(fmt::format(
              "{}: normalizer NFC: the text holds U+{:04X}, which NFC may "
              "change; NFC itself is not implemented, so only text that it "
              "leaves unchanged can be tokenized",
              source_, uint32_t(c)));
      }
      break;
    }
  }
  return s;
}

std::vector<Word> JsonTokenizer::preTokenize(const std::string &text,
                                             bool atStart) const {
  std::vector<Word> words{{text, atStart}};
  for (const PreTokenizerStep &step : preTokenizer_) {
    std::vector<Word> next;
    for (Word &word : words) {
      std::vector<std::string> pieces;
      switch (step.kind) {
      case PreTokenizerStep::ByteLevel: {
        std::string s = word.text;
        if (step.addPrefixSpace && !startsWith(s, " "))
          s = " " + s;
        if (step.useRegex)
          pieces = splitWithPattern(s, SplitPattern::Gpt2);
        else
          pieces = {s};
        for (std::string &piece : pieces)
          piece = bytesToUnicode(piece);
        break;
      }
      case PreTokenizerStep::Split:
        pieces = splitWithPattern(word.text, step.pattern);
        break;
      case PreTokenizerStep::Metaspace: {
        std::string s = replaceAll(word.text, " ", step.replacement);
        const bool prepend =
            step.scheme == PrependScheme::Always ||
            (step.scheme == PrependScheme::First && word.atStart);
        if (prepend && !startsWith(s, step.replacement))
          s = step.replacement + s;
        if (!step.split) {
          pieces = {s};
          break;
        }
        // Each replacement character starts a new piece.
        size_t start = 0;
        for (size_t hit = s.find(step.replacement, 1); hit != std::string::npos;
             hit = s.find(step.replacement, hit + 1)) {
          pieces.push_back(s.substr(start, hit - start));
          start = hit;
        }
        pieces.push_back(s.substr(start));
        break;
      }
      }
      for (size_t i = 0; i < pieces.size(); ++i)
        if (!pieces[i].empty())
          next.push_back({std::move(pieces[i]), word.atStart && i == 0});
    }
    words = std::move(next);
  }
  return words;
}

Expected<std::vector<int32_t>>
JsonTokenizer::encode(const std::string &text) const {
  std::vector<Segment> raw, segments;
  splitOnAddedTokens(text, /*normalizedPass=*/false, /*atStart=*/true, raw);
  for (Segment &segment : raw) {
    if (segment.token >= 0) {
      segments.push_back(std::move(segment));
      continue;
    }
    Expected<std::string> normalized = normalize(segment.text);
    if (!normalized)
      return normalized.status();
    splitOnAddedTokens(*normalized, /*normalizedPass=*/true, segment.atStart,
                       segments);
  }
  std::vector<int32_t> ids;
  for (const Segment &segment : segments) {
    if (segment.token >= 0) {
      ids.push_back(segment.token);
      continue;
    }
    for (const Word &word : preTokenize(segment.text, segment.atStart))
      GPTQ_RETURN_IF_ERROR(model_.encodeWord(word.text, ids));
  }
  return ids;
}

std::vector<std::string>
JsonTokenizer::applyDecoder(const std::vector<DecoderStep> &steps,
                            std::vector<std::string> tokens) const {
  for (const DecoderStep &step : steps) {
    switch (step.kind) {
    case DecoderStep::ByteLevel: {
      std::string bytes;
      for (const std::string &token : tokens)
        bytes += byteLevelTokenBytes(token);
      tokens = {toValidUtf8(bytes)};
      break;
    }
    case DecoderStep::Replace:
      for (std::string &token : tokens)
        token = replaceAll(token, step.from, step.to);
      break;
    case DecoderStep::ByteFallback: {
      // Runs of <0xNN> tokens become their bytes when those are valid
      // UTF-8, else one U+FFFD per token, as the reference decoder does.
      std::vector<std::string> out;
      std::string bytes;
      size_t count = 0;
      auto flush = [&] {
        if (count == 0)
          return;
        if (toValidUtf8(bytes) == bytes)
          out.push_back(bytes);
        else
          for (size_t i = 0; i < count; ++i)
            out.push_back("\xEF\xBF\xBD");
        bytes.clear();
        count = 0;
      };
      for (std::string &token : tokens) {
        unsigned value = 0;
        if (token.size() == 6 && startsWith(token, "<0x") && token[5] == '>' &&
            std::isxdigit(static_cast<unsigned char>(token[3])) &&
            std::isxdigit(static_cast<unsigned char>(token[4]))) {
          value = std::stoul(token.substr(3, 2), nullptr, 16);
          bytes += char(value);
          ++count;
          continue;
        }
        flush();
        out.push_back(std::move(token));
      }
      flush();
      tokens = std::move(out);
      break;
    }
    case DecoderStep::Fuse: {
      std::string all;
      for (const std::string &token : tokens)
        all += token;
      tokens = {all};
      break;
    }
    case DecoderStep::Strip:
      // Up to `start` copies of the content removed in front of each token,
      // up to `stop` at its end.
      for (std::string &token : tokens) {
        const std::string &content = step.from;
        if (content.empty())
          continue;
        size_t begin = 0, end = token.size();
        for (size_t k = 0; k < step.start && end - begin >= content.size() &&
                           token.compare(begin, content.size(), content) == 0;
             ++k)
          begin += content.size();
        for (size_t k = 0;
             k < step.stop && end - begin >= content.size() &&
             token.compare(end - content.size(), content.size(), content) == 0;
             ++k)
          end -= content.size();
        token = token.substr(begin, end - begin);
      }
      break;
    case DecoderStep::Metaspace:
      // The reference drops every replacement character of the first
      // token (not only a leading one) unless nothing was prepended.
      for (size_t i = 0; i < tokens.size(); ++i)
        tokens[i] = replaceAll(
            tokens[i], step.from,
            i == 0 && step.scheme != PrependScheme::Never ? "" : " ");
      break;
    }
  }
  return tokens;
}

Expected<std::string>
JsonTokenizer::decode(const std::vector<int32_t> &ids) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    const std::string *text = nullptr;
    auto added = addedById_.find(id);
    if (added != addedById_.end())
      text = &added_[added->second].content;
    else
      text = model_.tokenText(id);
    if (!text)
      return Status::error(
          fmt::format("{}: token id {} is not in the vocabulary", source_, id));
    tokens.push_back(*text);
  }
  std::string out;
  for (const std::string &piece : applyDecoder(decoder_, std::move(tokens)))
    out += piece;
  return out;
}

} // namespace

Expected<std::unique_ptr<Tokenizer>>
parseTokenizerJson(const std::string &text, const std::string &source) {
  Expected<std::unique_ptr<JsonTokenizer>> parsed =
      JsonTokenizer::parse(text, source);
  if (!parsed)
    return parsed.status();
  return std::unique_ptr<Tokenizer>(parsed.take());
}

Expected<std::unique_ptr<Tokenizer>>
loadTokenizerJson(const std::string &path) {
  Expected<std::string> text = readFile(path);
  if (!text)
    return text.status();
  return parseTokenizerJson(*text, path);
}

} // namespace gptq::tokenizer
