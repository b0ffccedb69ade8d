#include "tools/cli/e2e_format.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "shared/testing/status_matchers.h"

namespace datamesh::cli {
namespace {

constexpr uint32_t kChunk = 64;  // small chunks: many of them for little data

std::string Bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

const std::string& Key() {
  static const std::string key = Bytes(kE2eKeySize, 1);
  return key;
}

std::string Encrypt(const std::string& plain, const std::string& key = Key()) {
  absl::StatusOr<E2eEncryptor> enc = E2eEncryptor::Create(key, kChunk);
  EXPECT_OK(enc);
  std::string out = enc->header();
  size_t offset = 0;
  do {
    const size_t n = std::min<size_t>(kChunk, plain.size() - offset);
    EXPECT_OK(enc->SealChunk(std::string_view(plain).substr(offset, n), offset + n == plain.size(),
                             &out));
    offset += n;
  } while (offset < plain.size());
  return out;
}

// Decrypts `sealed` fed in pieces of `piece` bytes.
absl::StatusOr<std::string> Decrypt(const std::string& sealed, size_t piece,
                                    const std::string& key = Key()) {
  absl::StatusOr<E2eDecryptor> dec = E2eDecryptor::Create(key);
  if (!dec.ok()) return dec.status();
  std::string out;
  for (size_t i = 0; i < sealed.size(); i += piece) {
    if (absl::Status s = dec->Update(std::string_view(sealed).substr(i, piece), &out); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = dec->Finish(&out); !s.ok()) return s;
  return out;
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// The vectors the web UI's encryptor produced (services/gateway/web/src/crypto/e2e.js, checked
// there byte for byte): the CLI must read what the browser writes.
TEST(E2eFormat, DecryptsTheSharedVectors) {
  std::ifstream in(DM_E2E_VECTORS);
  ASSERT_TRUE(in) << DM_E2E_VECTORS;
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json v = nlohmann::json::parse(text.str());
  const std::string key = FromHex(v["key"]);
  ASSERT_GE(v["cases"].size(), 4u);
  for (const auto& c : v["cases"]) {
    const std::string sealed = FromHex(c["sealed"]);
    for (size_t piece : {size_t{1}, size_t{7}, sealed.size()}) {
      absl::StatusOr<std::string> plain = Decrypt(sealed, piece, key);
      ASSERT_OK(plain) << c["plaintext"] << " in pieces of " << piece;
      EXPECT_EQ(*plain, FromHex(c["plaintext"])) << " in pieces of " << piece;
    }
    EXPECT_EQ(sealed.size(), E2eCiphertextSize(FromHex(c["plaintext"]).size(), v["chunkSize"]));
  }
}

TEST(E2eFormat, RoundTripsEverySizeAndPieceSize) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{kChunk - 1}, size_t{kChunk}, size_t{kChunk + 1},
                      size_t{3 * kChunk + 5}, size_t{4 * kChunk}}) {
    const std::string plain = Bytes(size, size);
    const std::string sealed = Encrypt(plain);
    EXPECT_EQ(sealed.size(), E2eCiphertextSize(size, kChunk)) << size;
    EXPECT_TRUE(LooksLikeE2e(sealed));
    for (size_t piece : {size_t{1}, size_t{7}, size_t{kChunk + 16}, sealed.size()}) {
      absl::StatusOr<std::string> back = Decrypt(sealed, piece);
      ASSERT_OK(back) << size << "/" << piece;
      EXPECT_TRUE(*back == plain) << size << "/" << piece;
    }
  }
}

TEST(E2eFormat, SameFileEncryptsDifferentlyEachTime) {
  const std::string plain = Bytes(100, 2);
  EXPECT_NE(Encrypt(plain), Encrypt(plain));
}

TEST(E2eFormat, AnyFlippedByteFailsAsDataLoss) {
  const std::string sealed = Encrypt(Bytes(2 * kChunk + 10, 3));
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_THAT(Decrypt(bad, 13), testing::StatusIs(absl::StatusCode::kDataLoss)) << i;
  }
}

TEST(E2eFormat, TruncationIsDetected) {
  const std::string sealed = Encrypt(Bytes(3 * kChunk, 4));
  const size_t sealed_chunk = kChunk + 16;
  // At a chunk boundary (a whole chunk dropped), inside a chunk, inside the header, empty.
  for (size_t keep :
       {kE2eHeaderSize + 2 * sealed_chunk, kE2eHeaderSize + sealed_chunk, sealed.size() - 1,
        kE2eHeaderSize + 5, kE2eHeaderSize, size_t{10}, size_t{0}}) {
    EXPECT_THAT(Decrypt(sealed.substr(0, keep), 9), testing::StatusIs(absl::StatusCode::kDataLoss))
        << keep;
  }
}

TEST(E2eFormat, AppendedDataIsDetected) {
  const std::string sealed = Encrypt(Bytes(kChunk / 2, 5));
  EXPECT_THAT(Decrypt(sealed + std::string(kChunk + 16, 'x'), 11),
              testing::StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Decrypt(sealed + "x", 11), testing::StatusIs(absl::StatusCode::kDataLoss));
}

TEST(E2eFormat, ReorderedChunksAreDetected) {
  const std::string sealed = Encrypt(Bytes(3 * kChunk, 6));
  const size_t c = kChunk + 16;
  const std::string header = sealed.substr(0, kE2eHeaderSize);
  const std::string c0 = sealed.substr(kE2eHeaderSize, c),
                    c1 = sealed.substr(kE2eHeaderSize + c, c),
                    c2 = sealed.substr(kE2eHeaderSize + 2 * c);
  ASSERT_OK(Decrypt(header + c0 + c1 + c2, 17));
  EXPECT_THAT(Decrypt(header + c1 + c0 + c2, 17), testing::StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Decrypt(header + c0 + c2 + c1, 17), testing::StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Decrypt(header + c0 + c0 + c2, 17), testing::StatusIs(absl::StatusCode::kDataLoss));
}

TEST(E2eFormat, ChunksOfAnotherFileAreRejected) {
  const std::string plain = Bytes(2 * kChunk, 7);
  const std::string a = Encrypt(plain), b = Encrypt(plain);
  // b's header (other nonce prefix) with a's chunks.
  EXPECT_THAT(Decrypt(b.substr(0, kE2eHeaderSize) + a.substr(kE2eHeaderSize), 19),
              testing::StatusIs(absl::StatusCode::kDataLoss));
}

TEST(E2eFormat, WrongKeyIsReportedAsSuch) {
  const std::string sealed = Encrypt(Bytes(100, 8));
  absl::StatusOr<std::string> result = Decrypt(sealed, 100, Bytes(kE2eKeySize, 99));
  EXPECT_THAT(result, testing::StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_NE(result.status().message().find("different e2e key"), std::string::npos);
}

TEST(E2eFormat, RejectsBadArguments) {
  EXPECT_THAT(E2eEncryptor::Create("short", kChunk),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(E2eEncryptor::Create(Key(), 0),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(E2eDecryptor::Create("short"), testing::StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<E2eEncryptor> enc = E2eEncryptor::Create(Key(), kChunk);
  ASSERT_OK(enc);
  std::string out;
  EXPECT_THAT(enc->SealChunk("too short, not final", false, &out),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(enc->SealChunk("last", true, &out));
  EXPECT_THAT(enc->SealChunk("", true, &out),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(LooksLikeE2e("plain text file"));
}

}  // namespace
}  // namespace datamesh::cli
