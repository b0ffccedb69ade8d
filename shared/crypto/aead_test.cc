#include "shared/crypto/aead.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "shared/crypto/encoding.h"
#include "shared/crypto/random.h"
#include "shared/crypto/test_hex.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::crypto {
namespace {

using ::datamesh::testing::StatusIs;

std::span<uint8_t> AsSpan(std::string& s) {
  return std::span(reinterpret_cast<uint8_t*>(s.data()), s.size());
}

struct GcmCase {
  std::string key, nonce, aad, plaintext, ciphertext, tag;
};

// McGrew & Viega, "The Galois/Counter Mode of Operation", Appendix B, test cases 13-16 (the
// AES-256 cases).
std::vector<GcmCase> GcmSpecCases() {
  const std::string zero_key(32, '\0');
  const std::string key = Unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const std::string nonce = Unhex("cafebabefacedbaddecaf888");
  const std::string plaintext = Unhex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
  const std::string ciphertext = Unhex(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad");
  return {
      {zero_key, std::string(12, '\0'), "", "", "", Unhex("530f8afbc74536b9a963b4f1c4cb738b")},
      {zero_key, std::string(12, '\0'), "", std::string(16, '\0'),
       Unhex("cea7403d4d606b6e074ec5d3baf39d18"), Unhex("d0d1c8a799996bf0265b98b5d48ab919")},
      {key, nonce, "", plaintext, ciphertext, Unhex("b094dac5d93471bdec1a502270e3cc6c")},
      {key, nonce, Unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2"), plaintext.substr(0, 60),
       ciphertext.substr(0, 60), Unhex("76fc6ece0f4e1768cddf8853bb2d551b")},
  };
}

TEST(AesGcm, MatchesGcmSpecVectors) {
  for (const GcmCase& c : GcmSpecCases()) {
    absl::StatusOr<AesGcm> gcm = AesGcm::Create(c.key);
    ASSERT_OK(gcm);
    absl::StatusOr<std::string> sealed = gcm->Seal(c.nonce, c.aad, c.plaintext);
    ASSERT_OK(sealed);
    EXPECT_EQ(HexEncode(*sealed), HexEncode(c.ciphertext + c.tag));
    absl::StatusOr<std::string> opened = gcm->Open(c.nonce, c.aad, *sealed);
    ASSERT_OK(opened);
    EXPECT_EQ(*opened, c.plaintext);
  }
}

TEST(AesGcm, RejectsEverySingleBitFlip) {
  const GcmCase c = GcmSpecCases()[3];  // has ciphertext, tag and AAD
  AesGcm gcm = AesGcm::Create(c.key).value();
  const std::string sealed = c.ciphertext + c.tag;
  const auto kDataLoss = absl::StatusCode::kDataLoss;
  for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    std::string tampered = sealed;
    tampered[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_THAT(gcm.Open(c.nonce, c.aad, tampered), StatusIs(kDataLoss)) << "sealed bit " << bit;
  }
  for (size_t bit = 0; bit < c.nonce.size() * 8; ++bit) {
    std::string nonce = c.nonce;
    nonce[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_THAT(gcm.Open(nonce, c.aad, sealed), StatusIs(kDataLoss)) << "nonce bit " << bit;
  }
  for (size_t bit = 0; bit < c.aad.size() * 8; ++bit) {
    std::string aad = c.aad;
    aad[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_THAT(gcm.Open(c.nonce, aad, sealed), StatusIs(kDataLoss)) << "aad bit " << bit;
  }
  // The untouched message still opens: the failures above left the context usable.
  EXPECT_EQ(gcm.Open(c.nonce, c.aad, sealed).value(), c.plaintext);
}

TEST(AesGcm, RejectsWrongKeyTruncationAndMissingAad) {
  const GcmCase c = GcmSpecCases()[3];
  const std::string sealed = c.ciphertext + c.tag;
  std::string other_key = c.key;
  other_key[0] ^= 1;
  EXPECT_THAT(AesGcm::Create(other_key).value().Open(c.nonce, c.aad, sealed),
              StatusIs(absl::StatusCode::kDataLoss));
  AesGcm gcm = AesGcm::Create(c.key).value();
  EXPECT_THAT(gcm.Open(c.nonce, "", sealed), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(gcm.Open(c.nonce, c.aad, sealed.substr(1)), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(gcm.Open(c.nonce, c.aad, sealed.substr(0, sealed.size() - 1)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(gcm.Open(c.nonce, c.aad, c.tag.substr(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AesGcm, RoundTripsRandomSizesIncludingEmpty) {
  AesGcm gcm = AesGcm::Create(RandomBytes(kAesGcmKeySize).value()).value();
  std::mt19937 rng(20240607);
  std::vector<size_t> sizes = {0, 1, 15, 16, 17, 4096};
  for (int i = 0; i < 20; ++i) sizes.push_back(rng() % 100'000);
  for (size_t size : sizes) {
    const std::string plaintext = RandomBytes(size).value();
    const std::string nonce = RandomBytes(kAesGcmNonceSize).value();
    const std::string aad = RandomBytes(rng() % 64).value();
    absl::StatusOr<std::string> sealed = gcm.Seal(nonce, aad, plaintext);
    ASSERT_OK(sealed);
    EXPECT_EQ(sealed->size(), AesGcm::SealedSize(size));
    EXPECT_EQ(gcm.Open(nonce, aad, *sealed).value(), plaintext) << "size " << size;
  }
}

TEST(AesGcm, SealsAndOpensInPlace) {
  AesGcm gcm = AesGcm::Create(std::string(32, 'k')).value();
  const std::string nonce(12, 'n');
  const std::string plaintext = "segment bytes on the data path";
  std::string buffer = plaintext;
  buffer.resize(AesGcm::SealedSize(plaintext.size()));
  ASSERT_OK(gcm.SealInto(nonce, "aad", std::string_view(buffer.data(), plaintext.size()),
                         AsSpan(buffer)));
  EXPECT_EQ(buffer, gcm.Seal(nonce, "aad", plaintext).value());
  ASSERT_OK(gcm.OpenInto(nonce, "aad", buffer, AsSpan(buffer)));
  EXPECT_EQ(buffer.substr(0, plaintext.size()), plaintext);
}

TEST(AesGcm, ValidatesArguments) {
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(AesGcm::Create(std::string(16, 'k')), StatusIs(kInvalid));
  EXPECT_THAT(AesGcm::Create(""), StatusIs(kInvalid));
  AesGcm gcm = AesGcm::Create(std::string(32, 'k')).value();
  EXPECT_THAT(gcm.Seal(std::string(11, 'n'), "", "x"), StatusIs(kInvalid));
  EXPECT_THAT(gcm.Seal(std::string(16, 'n'), "", "x"), StatusIs(kInvalid));
  std::string small(16, '\0');  // one byte short for a 1-byte message
  EXPECT_THAT(gcm.SealInto(std::string(12, 'n'), "", "x", AsSpan(small)), StatusIs(kInvalid));
  // Output that starts inside the input would overwrite plaintext before it is read.
  std::string buffer(64, 'p');
  EXPECT_THAT(gcm.SealInto(std::string(12, 'n'), "", std::string_view(buffer.data(), 32),
                           AsSpan(buffer).subspan(1)),
              StatusIs(kInvalid));
}

TEST(AesGcm, OpenIntoWipesOutputWhenNotAuthentic) {
  AesGcm gcm = AesGcm::Create(std::string(32, 'k')).value();
  const std::string nonce(12, 'n');
  std::string sealed = gcm.Seal(nonce, "", "attack at dawn").value();
  sealed.back() ^= 1;  // corrupt the tag: decryption itself still runs
  std::string out(14, 'z');
  EXPECT_THAT(gcm.OpenInto(nonce, "", sealed, AsSpan(out)), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(out, std::string(14, '\0'));
}

TEST(AesGcm, InterleavesSealAndOpenOnOneContext) {
  AesGcm gcm = AesGcm::Create(std::string(32, 'k')).value();
  std::string previous;
  for (int i = 0; i < 10; ++i) {
    const std::string nonce = RandomBytes(kAesGcmNonceSize).value();
    const std::string message = "message " + std::to_string(i);
    std::string sealed = gcm.Seal(nonce, "", message).value();
    EXPECT_NE(sealed, previous);
    EXPECT_EQ(gcm.Open(nonce, "", sealed).value(), message);
    previous = std::move(sealed);
  }
}

TEST(AesGcm, RekeyedContextMatchesSpecVectorsAndForgetsTheOldKey) {
  // One context walks every spec key in turn, as a worker thread does across contents.
  AesGcm gcm = AesGcm::Create(std::string(32, 'x')).value();
  const std::string nonce(12, 'n');
  const std::string under_x = gcm.Seal(nonce, "", "payload").value();
  for (const GcmCase& c : GcmSpecCases()) {
    ASSERT_OK(gcm.Rekey(c.key));
    EXPECT_EQ(HexEncode(gcm.Seal(c.nonce, c.aad, c.plaintext).value()),
              HexEncode(c.ciphertext + c.tag));
  }
  EXPECT_THAT(gcm.Open(nonce, "", under_x), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(gcm.Rekey("short"), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(gcm.Rekey(std::string(32, 'x')));
  EXPECT_EQ(gcm.Open(nonce, "", under_x).value(), "payload");
}

}  // namespace
}  // namespace datamesh::crypto
