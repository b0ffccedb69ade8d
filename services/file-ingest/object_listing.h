// The pure part of S3 listing (ListObjects): how a key rolls up into a common prefix, and the
// byte-order successor the store seeks to in order to jump past every name with a prefix.
//
// Names are compared as PostgreSQL's COLLATE "C" compares valid UTF-8: bytewise, which is
// code point order. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace datamesh::file_ingest {

// The smallest valid UTF-8 string greater than every string starting with `prefix` (its last
// code point incremented, skipping the surrogate range; a last U+10FFFF is dropped and the one
// before incremented). nullopt when there is none (empty, or nothing but U+10FFFF). `prefix`
// must be valid UTF-8.
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

// The common prefix `key` rolls up into: `prefix` plus what follows it up to and including the
// first `delimiter` after it. nullopt when the delimiter is empty, `key` does not start with
// `prefix`, or no delimiter follows the prefix (the key is listed as itself).
std::optional<std::string> CommonPrefixOf(std::string_view key, std::string_view prefix,
                                          std::string_view delimiter);

}  // namespace datamesh::file_ingest
