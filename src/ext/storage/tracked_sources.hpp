// Where events and profiles live besides the built-in stores: the application tables registered with
// journey.track_events and journey.track_profiles, and the statements that read them. Loaded with the
// rule cache; the statements are built once per load.
#pragma once
#include "pg/postgres.hpp"

#include "pg/spi.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace journey {

// A statement whose text is built at run time; it owns its text and never moves.
struct OwnedStatement {
	std::string sql;
	Statement statement;
};

// Names are already quoted for SQL (quote_ident, the table schema-qualified); the user type is format_type's.
// Statements on an application table run as its owner (AsTableOwner).
struct TrackedTable {
	std::string table, user_column, user_type, name_column, event_name_literal, time_column, props_column;
	Oid owner = InvalidOid;
	std::string time_type;	// format_type of the time column ("" without one)
	// ($1 user, $2 name, $3 to, $4 from or null, $5 at most) → count; the same without $5 → props (jsonb).
	std::shared_ptr<const OwnedStatement> count_events, event_props;
	// ($1 user, $2 name, $3 after, $4 upto, $5 journey.default_timezone) → (time, props) with the time in
	// (after, upto], oldest first; null for a table without a time column.
	std::shared_ptr<const OwnedStatement> events_after;
};

struct ProfileSource {
	std::string table, user_column, user_type, timezone_column;
	Oid owner = InvalidOid;
};

class TrackedSources {
public:
	void Load(SpiSession &spi);

	// ($1 user, $2 name, $3 to, $4 from or null, $5 at most) → count in journey.events; each tracked table has
	// its own (TrackedTable::count_events), run as the table's owner.
	const Statement &CountEvents() const;
	// ($1 user, $2 name, $3 to, $4 from or null) → props (jsonb) in journey.events; likewise per table.
	const Statement &EventProps() const;
	// ($1 user, $2 name, $3 after, $4 upto) → (occurred_at, props) in journey.events with occurred_at in
	// (after, upto], oldest first; likewise per table (TrackedTable::events_after).
	const Statement &EventsAfter() const;
	// ($1 user) → the profile as a jsonb object: the row of the profile table, or journey.profiles' attributes.
	// Run as ProfileOwner() when it is valid.
	const Statement &Profile() const { return profile_->statement; }
	// ($1 user) → the user's time zone (text), or no row. Run as TimeZoneOwner() when it is valid.
	const Statement &TimeZone() const { return timezone_->statement; }
	// ($1 users) → (user, time zone) for those with a row; run as TimeZoneOwner() like TimeZone().
	const Statement &UserZones() const { return zones_->statement; }
	Oid ProfileOwner() const { return profile_source_ ? profile_source_->owner : InvalidOid; }
	Oid TimeZoneOwner() const
	{
		return profile_source_ && !profile_source_->timezone_column.empty() ? profile_source_->owner : InvalidOid;
	}
	const std::vector<TrackedTable> &Tables() const { return tables_; }
	const std::optional<ProfileSource> &Profiles() const { return profile_source_; }

private:
	std::vector<TrackedTable> tables_;
	std::optional<ProfileSource> profile_source_;
	std::unique_ptr<OwnedStatement> profile_, timezone_, zones_;
};

}	 // namespace journey
