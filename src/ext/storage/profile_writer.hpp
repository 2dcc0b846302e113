// Applies the update nodes' effects to the user's profile: journey.profiles' attributes, or the columns
// of the application's profile table (journey.track_profiles). Additions are applied atomically in SQL
// (col = col + n), so concurrent steps of one user never lose an update.
#pragma once
#include "pg/postgres.hpp"

#include "core/evaluator.hpp"
#include "ext/engine/rule_cache.hpp"
#include "pg/spi.hpp"

namespace journey {

// `journey` is the journey whose update nodes made the changes: its own attribute_change triggers ignore
// them (SPEC §10).
void ApplyUpdates(SpiSession &spi, const RuleCache &rule_cache, const std::string &journey, const std::string &user_id,
				  const std::vector<UpdateEffect> &updates);

// The journey whose update nodes are being applied right now (for the profile trigger), or null.
const std::string *JourneyUpdatingProfile();

}	 // namespace journey
