// A Lua script run by RedisPool::Eval.
//
// Redis caches scripts by the SHA-1 of their source; Script computes that digest once, so Eval
// can send the short EVALSHA and fall back to EVAL only when the server does not have the
// script yet (first use, or after a restart or SCRIPT FLUSH). Immutable after construction:
// safe to share between threads; typically a static const next to the code that runs it.
#pragma once

#include <string>

namespace datamesh::redis {

class Script {
 public:
  explicit Script(std::string source);

  const std::string& source() const { return source_; }
  // Lowercase hex SHA-1 of source(), as Redis names the script.
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

}  // namespace datamesh::redis
