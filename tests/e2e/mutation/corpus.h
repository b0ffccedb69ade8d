// The corpus: valid raw HTTP/1.1 requests to the gateway (file downloads with ranges, listing,
// metadata, uploads with Content-Length, chunked and multipart bodies, auth and API keys, admin
// queries, WebSocket upgrades with one masked frame, probes and the OpenAPI document, and user
// B reaching for A's file), each with the status it must get unchanged. The requests name the
// users, files and keys the test made first on a running stack.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tests/e2e/mutation/request.h"

namespace datamesh::e2e::mutation {

// The content of every file the test uploads.
inline constexpr char kFileContent[] =
    "mutation test content, 0123456789 abcdefghijklmnopqrstuvwxyz\n";

// What the corpus names. Tokens are bearer tokens; ids are as the API gives them.
struct CorpusSubjects {
  std::string a_id, a;   // user A
  std::string a_spare;   // another session of A's (the corpus logs it out)
  std::string b_id, b;   // user B
  std::string admin;     // the admin's token
  std::string a_file;    // A's files: one to read,
  std::string a_file2;   // one to rename,
  std::string a_victim;  // one the corpus deletes
  std::string cursor;    // a cursor into A's listing, percent-encoded
  std::string key_id;    // an API key of A's (the corpus deletes it)
  std::string api_key;   // the secret of another API key of A's
};

struct CorpusRequest {
  std::string name;  // what the request is ("get range")
  Request request;
  int expect = 0;  // its status when sent unchanged
};

// The corpus, in a fixed order (the order is part of the seeded mutation sequence).
std::vector<CorpusRequest> BuildCorpus(const CorpusSubjects& s);

}  // namespace datamesh::e2e::mutation
