// CRC-32C (Castagnoli), the checksum that seals every chunk so that a flipped or lost byte is
// reported instead of decoded into wrong samples. Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace datamesh::monitoring::chunks {

uint32_t Crc32c(std::string_view data);

}  // namespace datamesh::monitoring::chunks
