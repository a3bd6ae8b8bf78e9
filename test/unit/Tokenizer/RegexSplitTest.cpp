//===- RegexSplitTest.cpp - The hand-written regex splits -----------------===//
//
// The expected pieces come from the reference library (ReferenceSplits.inc,
// made by data/make_fixtures.py).
//
//===----------------------------------------------------------------------===//

#include "gptq/Tokenizer/RegexSplit.h"
#include "gptq/Tokenizer/Unicode.h"

#include <gtest/gtest.h>

using namespace gptq::tokenizer;

namespace {

struct ReferenceSplit {
  SplitPattern pattern;
  const char *text;
  std::vector<std::string> pieces;
};

const ReferenceSplit kReferenceSplits[] = {
#include "ReferenceSplits.inc"
};

TEST(RegexSplit, MatchesTheReferenceLibrary) {
  for (const ReferenceSplit &reference : kReferenceSplits)
    EXPECT_EQ(splitWithPattern(reference.text, reference.pattern),
              reference.pieces)
        << "pattern " << splitPatternRegex(reference.pattern) << "\ntext '"
        << reference.text << "'";
}

TEST(RegexSplit, RecognizesOnlyTheKnownPatterns) {
  for (SplitPattern pattern :
       {SplitPattern::Gpt2, SplitPattern::Llama3, SplitPattern::Qwen2})
    EXPECT_EQ(recognizeSplitPattern(splitPatternRegex(pattern)), pattern);
  EXPECT_FALSE(recognizeSplitPattern("\\s+"));
}

TEST(RegexSplit, PiecesCoverInvalidUtf8) {
  // Bytes that are not UTF-8 still end up in some piece, none dropped.
  const std::string text = "ab\xff\xfe cd\xe4\xb8";
  std::string joined;
  for (const std::string &piece : splitWithPattern(text, SplitPattern::Gpt2))
    joined += piece;
  EXPECT_EQ(joined, text);
}

TEST(Unicode, Classes) {
  EXPECT_TRUE(isLetter(U'a'));
  EXPECT_TRUE(isLetter(U'é'));
  EXPECT_TRUE(isLetter(U'日'));
  EXPECT_FALSE(isLetter(U'’'));
  EXPECT_FALSE(isLetter(U'😀'));
  EXPECT_TRUE(isNumber(U'7'));
  EXPECT_TRUE(isNumber(U'½'));
  EXPECT_TRUE(isNumber(U'٣'));
  EXPECT_FALSE(isNumber(U'x'));
  EXPECT_TRUE(isWhitespace(U'\u00a0'));
  EXPECT_TRUE(isWhitespace(U'\u3000'));
  EXPECT_FALSE(isWhitespace(U'\u200b')); // zero-width space is not \s
  EXPECT_FALSE(isNfcStable(U'\u0301'));
  EXPECT_TRUE(isNfcStable(U'é'));
}

TEST(Unicode, LossyUtf8) {
  EXPECT_EQ(toValidUtf8("ok \xc3\xa9"), "ok \xc3\xa9");
  // A truncated sequence is one U+FFFD; a stray byte is one too.
  EXPECT_EQ(toValidUtf8("a\xe4\xb8z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(toValidUtf8("\xff\xfe"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  // Surrogates and overlong forms are invalid.
  EXPECT_EQ(toValidUtf8("\xed\xa0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(toValidUtf8("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

} // namespace
