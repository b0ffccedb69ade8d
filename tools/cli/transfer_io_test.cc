#include "tools/cli/transfer_io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "shared/testing/status_matchers.h"
#include "tools/cli/config_store.h"

namespace datamesh::cli {
namespace {

namespace fs = std::filesystem;
using ::datamesh::testing::StatusIs;

std::string TestBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TransferIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dm-cli-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& data) {
    std::ofstream(dir_ / name, std::ios::binary) << data;
    return dir_ / name;
  }

  // Reads `source` through in pieces of `piece` bytes.
  static absl::StatusOr<std::string> Drain(UploadSource& source, size_t piece) {
    std::string out, buffer(piece, '\0');
    while (true) {
      absl::StatusOr<size_t> n = source.Read(buffer.data(), piece);
      if (!n.ok()) return n.status();
      if (*n == 0) return out;
      out.append(buffer.data(), *n);
    }
  }

  // Pushes `data` through a ContentSink into an output file; returns the sink's final status.
  absl::Status Receive(const std::string& data, const std::string& key, const fs::path& out,
                       bool raw = false, bool* decrypted = nullptr) {
    absl::StatusOr<std::unique_ptr<OutputFileSink>> file = OutputFileSink::Create(out.string());
    if (!file.ok()) return file.status();
    ContentSink sink(
        file->get(), [key] { return absl::StatusOr<std::string>(key); }, raw);
    for (size_t i = 0; i < data.size(); i += 1000) {
      if (absl::Status s = sink.Write(std::string_view(data).substr(i, 1000)); !s.ok()) return s;
    }
    if (absl::Status s = sink.Finish(); !s.ok()) return s;
    if (decrypted != nullptr) *decrypted = sink.decrypted();
    return (*file)->Commit();
  }

  fs::path dir_;
};

TEST_F(TransferIoTest, E2eUploadThenDownloadRoundTripsThroughFiles) {
  const std::string key = TestBytes(kE2eKeySize, 1);
  const std::string plain = TestBytes((3 << 20) + 123, 2);  // 4 chunks of the default size
  absl::StatusOr<std::unique_ptr<FileSource>> file = FileSource::Open(Write("in", plain).string());
  ASSERT_OK(file);
  absl::StatusOr<E2eEncryptor> enc = E2eEncryptor::Create(key, kE2eDefaultChunkSize);
  ASSERT_OK(enc);
  E2eSource source(std::move(*file), std::move(*enc));
  EXPECT_EQ(source.size(), E2eCiphertextSize(plain.size(), kE2eDefaultChunkSize));
  absl::StatusOr<std::string> sealed = Drain(source, 16384);
  ASSERT_OK(sealed);
  EXPECT_EQ(sealed->size(), source.size());
  EXPECT_EQ(sealed->find(plain.substr(0, 64)), std::string::npos);  // no plaintext leaks

  bool decrypted = false;
  ASSERT_OK(Receive(*sealed, key, dir_ / "out", false, &decrypted));
  EXPECT_TRUE(decrypted);
  EXPECT_TRUE(ReadAll(dir_ / "out") == plain);
}

TEST_F(TransferIoTest, PlainContentPassesThroughAndRawKeepsCiphertext) {
  bool decrypted = true;
  ASSERT_OK(Receive("hello", "", dir_ / "plain", false, &decrypted));
  EXPECT_FALSE(decrypted);
  EXPECT_EQ(ReadAll(dir_ / "plain"), "hello");
  ASSERT_OK(Receive("", "", dir_ / "empty"));
  EXPECT_EQ(ReadAll(dir_ / "empty"), "");

  const std::string key = TestBytes(kE2eKeySize, 3);
  absl::StatusOr<E2eEncryptor> enc = E2eEncryptor::Create(key, 64);
  ASSERT_OK(enc);
  std::string sealed = enc->header();
  ASSERT_OK(enc->SealChunk("secret", true, &sealed));
  ASSERT_OK(Receive(sealed, key, dir_ / "raw", /*raw=*/true));
  EXPECT_EQ(ReadAll(dir_ / "raw"), sealed);
}

TEST_F(TransferIoTest, WrongKeyOrTamperingLeavesNoOutputFile) {
  const std::string key = TestBytes(kE2eKeySize, 4);
  absl::StatusOr<E2eEncryptor> enc = E2eEncryptor::Create(key, 4096);
  ASSERT_OK(enc);
  std::string sealed = enc->header();
  const std::string plain = TestBytes(10000, 5);
  ASSERT_OK(enc->SealChunk(plain.substr(0, 4096), false, &sealed));
  ASSERT_OK(enc->SealChunk(plain.substr(4096, 4096), false, &sealed));
  ASSERT_OK(enc->SealChunk(plain.substr(8192), true, &sealed));

  EXPECT_THAT(Receive(sealed, TestBytes(kE2eKeySize, 6), dir_ / "wrong"),
              StatusIs(absl::StatusCode::kDataLoss));
  std::string tampered = sealed;
  tampered[sealed.size() - 100] ^= 1;  // the final chunk: earlier chunks were written already
  EXPECT_THAT(Receive(tampered, key, dir_ / "tampered"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Receive(sealed.substr(0, sealed.size() - 1), key, dir_ / "cut"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Receive(sealed, "", dir_ / "nokey"), StatusIs(absl::StatusCode::kDataLoss));
  // Nothing at all is left in the folder: no output and no temporary files.
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(TransferIoTest, FileSourceNoticesAFileThatChangesSize) {
  const fs::path p = Write("grow", "abc");
  absl::StatusOr<std::unique_ptr<FileSource>> source = FileSource::Open(p.string());
  ASSERT_OK(source);
  std::ofstream(p, std::ios::binary | std::ios::app) << "more";
  EXPECT_THAT(Drain(**source, 100), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(FileSource::Open((dir_ / "missing").string()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(FileSource::Open(dir_.string()), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(TransferIoTest, ConfigStoreKeepsSecretsPrivate) {
  ConfigStore store((dir_ / "cfg").string());
  absl::StatusOr<std::optional<Credentials>> none = store.LoadCredentials();
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_OK(store.SaveCredentials({"http://x", "tok", "u"}));
  absl::StatusOr<std::optional<Credentials>> saved = store.LoadCredentials();
  ASSERT_OK(saved);
  EXPECT_EQ((*saved)->token, "tok");
  EXPECT_EQ(fs::status(dir_ / "cfg").permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(fs::status(dir_ / "cfg" / "credentials").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_OK(store.DeleteCredentials());
  EXPECT_FALSE(fs::exists(dir_ / "cfg" / "credentials"));

  EXPECT_THAT(store.LoadE2eKey("", false), StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<std::string> key = store.LoadE2eKey("", true);
  ASSERT_OK(key);
  EXPECT_EQ(key->size(), kE2eKeySize);
  EXPECT_EQ(*store.LoadE2eKey("", true), *key);  // created once, then reused
  EXPECT_EQ(fs::status(dir_ / "cfg" / "e2e.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_THAT(store.LoadE2eKey(Write("bad.key", "short").string(), false),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace datamesh::cli
