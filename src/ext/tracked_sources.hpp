// Where events and profiles live besides the built-in stores: the application tables registered with
// journey.track_events and journey.track_profiles, and the statements that read them. Loaded with the
// catalog; the statements are built once per load.
#pragma once
#include "pg/postgres.hpp"

#include "pg/spi.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace journey {

// Names are already quoted for SQL (quote_ident, regclass text); the user type is format_type's.
struct TrackedTable {
	std::string table, user_column, user_type, name_column, event_name_literal, time_column, props_column;
};

struct ProfileSource {
	std::string table, user_column, user_type, timezone_column;
};

// A statement whose text is built at run time; it owns its text and never moves.
struct OwnedStatement {
	std::string sql;
	Statement statement;
};

class TrackedSources {
public:
	void Load(SpiSession &spi);

	// ($1 user, $2 name, $3 to, $4 from or null, $5 at most) → count: journey.events and every tracked table.
	const Statement &CountEvents() const { return count_events_->statement; }
	// ($1 user, $2 name, $3 to, $4 from or null) → props (jsonb), newest first, across the same tables.
	const Statement &EventProps() const { return event_props_->statement; }
	// ($1 user) → the profile as a jsonb object: the row of the profile table, or journey.profiles' attributes.
	const Statement &Profile() const { return profile_->statement; }
	// ($1 user) → the user's time zone (text), or no row.
	const Statement &TimeZone() const { return timezone_->statement; }
	const std::vector<TrackedTable> &Tables() const { return tables_; }
	const std::optional<ProfileSource> &Profiles() const { return profile_source_; }

private:
	std::vector<TrackedTable> tables_;
	std::optional<ProfileSource> profile_source_;
	std::unique_ptr<OwnedStatement> count_events_, event_props_, profile_, timezone_;
};

}	 // namespace journey
