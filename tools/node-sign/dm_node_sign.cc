// dm-node-sign: makes a storage node's proof of possession for governance's RegisterOperator
// and ClaimNode (proto datamesh.governance.v1.NodeProof).
//   dm-node-sign --data-dir <chunk-store data dir> --challenge <hex> --account <operator account>
// Prints {"nodeId", "publicKey", "signature"} (lowercase hex) on stdout.
//
// The node id is read from <data-dir>/node_id (written by the chunk-store). The node's Ed25519
// key lives beside it in <data-dir>/node_key (the 32-byte seed as 64 hex characters, mode
// 0600), created on first use; keep it with the data: governance binds the node id to the key
// of its first accepted proof, so a node whose key is lost cannot be claimed again.
// The signed message is the challenge's 32 raw bytes followed by the account id's bytes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "shared/config/flags.h"
#include "shared/crypto/encoding.h"
#include "shared/crypto/signature.h"

namespace {

using datamesh::crypto::Ed25519PrivateKey;

absl::StatusOr<std::string> ReadTrimmed(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream content;
  content << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(content.str()));
}

// Creates <data-dir>/node_key exclusively (a concurrent creator wins, and we read its key).
absl::Status CreateKeyFile(const std::string& path) {
  absl::StatusOr<Ed25519PrivateKey> key = Ed25519PrivateKey::Generate();
  if (!key.ok()) return key.status();
  auto seed = key->ToBytes();
  if (!seed.ok()) return seed.status();
  const std::string hex = datamesh::crypto::HexEncode(seed->view()) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return absl::OkStatus();
    return absl::UnavailableError("cannot create " + path);
  }
  const bool written =
      ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return absl::UnavailableError("cannot write " + path);
  }
  return absl::OkStatus();
}

absl::StatusOr<Ed25519PrivateKey> LoadOrCreateKey(const std::string& data_dir) {
  const std::string path = data_dir + "/node_key";
  if (::access(path.c_str(), F_OK) != 0) {
    if (absl::Status s = CreateKeyFile(path); !s.ok()) return s;
  }
  absl::StatusOr<std::string> hex = ReadTrimmed(path);
  if (!hex.ok()) return hex.status();
  absl::StatusOr<std::string> seed = datamesh::crypto::HexDecode(*hex);
  if (!seed.ok() || seed->size() != 32) {
    return absl::FailedPreconditionError(path + " does not hold a 64-hex-character key");
  }
  return Ed25519PrivateKey::FromBytes(*seed);
}

absl::StatusOr<std::string> Proof(const std::string& data_dir, const std::string& challenge,
                                  const std::string& account) {
  absl::StatusOr<std::string> node_id = ReadTrimmed(data_dir + "/node_id");
  if (!node_id.ok()) return node_id.status();
  absl::StatusOr<std::string> raw = datamesh::crypto::HexDecode(challenge);
  if (!raw.ok() || raw->size() != 32) {
    return absl::InvalidArgumentError("--challenge must be 64 hex characters");
  }
  absl::StatusOr<Ed25519PrivateKey> key = LoadOrCreateKey(data_dir);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> signature = key->Sign(*raw + account);
  if (!signature.ok()) return signature.status();
  return "{\"nodeId\":\"" + *node_id + "\",\"publicKey\":\"" +
         datamesh::crypto::HexEncode(key->public_key()) + "\",\"signature\":\"" +
         datamesh::crypto::HexEncode(*signature) + "\"}";
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, challenge, account;
  datamesh::config::FlagSet flags("dm-node-sign");
  flags.AddString("data-dir", &data_dir, "the chunk-store's --data-dir (holds node_id)");
  flags.AddString("challenge", &challenge, "the challenge from GetOperatorChallenge (hex)");
  flags.AddString("account", &account, "the operator's account id the proof is for");
  absl::Status parsed = flags.Parse(argc, argv);
  if (parsed.ok() && flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok() || data_dir.empty() || challenge.empty() || account.empty()) {
    std::cerr << (parsed.ok() ? "--data-dir, --challenge and --account are required"
                              : std::string(parsed.message()))
              << "\n"
              << flags.Usage();
    return 2;
  }
  absl::StatusOr<std::string> proof = Proof(data_dir, absl::AsciiStrToLower(challenge), account);
  if (!proof.ok()) {
    std::cerr << "dm-node-sign: " << proof.status().message() << "\n";
    return 1;
  }
  std::cout << *proof << "\n";
  return 0;
}
