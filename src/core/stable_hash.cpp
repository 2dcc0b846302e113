// FNV-1a with a final mix: the split hash.
#include "stable_hash.hpp"

namespace journey {

uint64_t
StableHash(std::initializer_list<std::string_view> parts)
{
	uint64_t hash = 0xcbf29ce484222325ULL;
	const auto add = [&hash](unsigned char byte) {
		hash ^= byte;
		hash *= 0x100000001b3ULL;
	};
	for (std::string_view part : parts) {
		for (const char c : part)
			add(static_cast<unsigned char>(c));
		add(0x1f);
	}
	hash ^= hash >> 33;
	hash *= 0xff51afd7ed558ccdULL;
	hash ^= hash >> 33;
	hash *= 0xc4ceb9fe1a85ec53ULL;
	hash ^= hash >> 33;
	return hash;
}

int
SplitBucket(std::string_view salt, std::string_view node_id, std::string_view user_id)
{
	// The hundreds are the percent bucket splits of whole percents always used (a user keeps the arm a
	// whole-percent split gave them); the units split each percent for percents with decimals.
	const uint64_t hash = StableHash({salt, node_id, user_id});
	return static_cast<int>(hash % 100 * 100 + hash / 100 % 100);
}

}	 // namespace journey
