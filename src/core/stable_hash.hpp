// A hash that never changes between builds, platforms or releases (std::hash may): splits stay put.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace journey {

// FNV-1a 64 over the parts (each followed by a 0x1f separator), finished with MurmurHash3's fmix64 so that
// every bit depends on every input byte.
uint64_t StableHash(std::initializer_list<std::string_view> parts);

// The bucket 0..9999 (hundredths of a percent) of a user in a split node, from h = StableHash(salt, node id,
// user id): (h % 100) * 100 + (h / 100) % 100, so that a split of whole percents puts a user in the arm that
// h % 100 alone gave before percents had decimals. The salt is the journey name and version ("cart:3"):
// deterministic per user and journey version, independent between split nodes.
int SplitBucket(std::string_view salt, std::string_view node_id, std::string_view user_id);

}	 // namespace journey
