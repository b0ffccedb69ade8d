// Caller: who an authenticated request acts for, as resolved from its bearer secret by
// AuthService.ValidateToken. Carries the caller's private key: never log or persist it.
#pragma once

#include <cstdint>
#include <string>

namespace datamesh::gateway {

struct Caller {
  std::string user_id;
  std::string username;
  std::string role;  // "user" or "admin"
  std::string tier;
  std::string private_key;  // X25519, 32 raw bytes
  std::string public_key;   // X25519, 32 raw bytes
  uint32_t key_version = 0;
  std::string credential_kind;  // "session" or "api_key"

  bool is_admin() const { return role == "admin"; }
};

}  // namespace datamesh::gateway
