// Durations in milliseconds, the unit of sample timestamps, for the analytics tests.
#pragma once

#include <cstdint>

namespace datamesh::monitoring::analytics::testing {

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kHourMs = 60 * kMinuteMs;
inline constexpr int64_t kDayMs = 24 * kHourMs;

}  // namespace datamesh::monitoring::analytics::testing
