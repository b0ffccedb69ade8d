#include "shared/crypto/hash.h"

#include <gtest/gtest.h>

#include <string>

#include "shared/crypto/encoding.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

std::string HexSha256(std::string_view data) { return Sha256Hex(data).value(); }

// FIPS 180-2 Appendix B.
TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(HexSha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexSha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexSha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, DigestIsThirtyTwoRawBytes) {
  absl::StatusOr<Sha256Digest> digest = Sha256("abc");
  ASSERT_OK(digest);
  EXPECT_EQ(AsStringView(*digest).size(), kSha256Size);
  EXPECT_EQ(HexEncode(AsStringView(*digest)), HexSha256("abc"));
}

TEST(Sha256Hasher, HashesOneMillionAsInUnevenPieces) {
  absl::StatusOr<Sha256Hasher> hasher = Sha256Hasher::Create();
  ASSERT_OK(hasher);
  const std::string piece(997, 'a');
  size_t fed = 0;
  while (fed + piece.size() <= 1'000'000) {
    hasher->Update(piece);
    fed += piece.size();
  }
  hasher->Update(std::string(1'000'000 - fed, 'a'));
  absl::StatusOr<Sha256Digest> digest = hasher->Finish();
  ASSERT_OK(digest);
  // FIPS 180-2 Appendix B.3.
  EXPECT_EQ(HexEncode(*digest), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Hasher, FinishResetsForTheNextMessage) {
  absl::StatusOr<Sha256Hasher> hasher = Sha256Hasher::Create();
  ASSERT_OK(hasher);
  hasher->Update("ab");
  hasher->Update("c");
  absl::StatusOr<Sha256Digest> first = hasher->Finish();
  ASSERT_OK(first);
  EXPECT_EQ(HexEncode(*first), HexSha256("abc"));

  absl::StatusOr<Sha256Digest> empty = hasher->Finish();
  ASSERT_OK(empty);
  EXPECT_EQ(HexEncode(*empty), HexSha256(""));

  hasher->Update("abc");
  absl::StatusOr<Sha256Digest> again = hasher->Finish();
  ASSERT_OK(again);
  EXPECT_EQ(*again, *first);
}

TEST(Sha256Hasher, AgreesWithOneShotForEverySplitPoint) {
  std::string message;
  for (int i = 0; i < 200; ++i) message.push_back(static_cast<char>(i * 7));
  const Sha256Digest expected = Sha256(message).value();
  absl::StatusOr<Sha256Hasher> hasher = Sha256Hasher::Create();
  ASSERT_OK(hasher);
  for (size_t split = 0; split <= message.size(); ++split) {
    hasher->Update(std::string_view(message).substr(0, split));
    hasher->Update(std::string_view(message).substr(split));
    EXPECT_EQ(hasher->Finish().value(), expected) << "split at " << split;
  }
}

TEST(Sha256Hasher, MovedHasherKeepsItsState) {
  absl::StatusOr<Sha256Hasher> hasher = Sha256Hasher::Create();
  ASSERT_OK(hasher);
  hasher->Update("a");
  Sha256Hasher moved = *std::move(hasher);
  moved.Update("bc");
  EXPECT_EQ(HexEncode(moved.Finish().value()), HexSha256("abc"));
}

}  // namespace
}  // namespace datamesh::crypto
