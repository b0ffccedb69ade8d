// PostgreSQL array literals, so a batch of rows travels as a few array parameters of one
// statement (`unnest($1::bigint[], $2::text[])`) instead of one statement per row. libpqxx 6.4
// has no array parameters of its own. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace datamesh::monitoring::store {

// {1,-2,3}
std::string BigintArray(const std::vector<int64_t>& values);

// {"a","b \"quoted\"","c\\d"}: every element quoted, '"' and '\' escaped. Elements must not
// contain NUL (PostgreSQL text cannot hold it).
std::string TextArray(const std::vector<std::string>& values);

// Lowercase hex of `bytes`, for `decode(x, 'hex')` into bytea.
std::string Hex(std::string_view bytes);

}  // namespace datamesh::monitoring::store
