#include "pg/postgres.hpp"

#include "ext/storage/tracked_sources.hpp"

namespace journey {

namespace {

// The time zones of many users in journey.profiles (an index probe each).
constexpr const char *kBuiltinZones = "SELECT p.user_id, p.timezone FROM unnest($1::text[]) AS u(id) "
									  "JOIN journey.profiles p ON p.user_id = u.id";


// Tables are named with their schema whatever the search_path (a table of the same name elsewhere on the
// path never stands in for them).
const Statement kTrackedTables{
	"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(t.user_column), "
	"format_type(a.atttypid, a.atttypmod), quote_ident(t.name_column), quote_literal(t.event_name), "
	"quote_ident(t.time_column), quote_ident(t.props_column), c.relowner::int8, "
	"format_type(tc.atttypid, tc.atttypmod) "
	"FROM journey.tracked_tables t JOIN pg_catalog.pg_class c ON c.oid = t.tbl "
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	"JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tbl AND a.attname = t.user_column "
	"LEFT JOIN pg_catalog.pg_attribute tc ON tc.attrelid = t.tbl AND tc.attname = t.time_column "
	"ORDER BY t.tbl",
	{},
	{SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text,
	 SqlType::Int8, SqlType::Text}};

const Statement kProfileSource{
	"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(p.user_column), "
	"format_type(a.atttypid, a.atttypmod), quote_ident(p.timezone_column), c.relowner::int8 "
	"FROM journey.profile_source p JOIN pg_catalog.pg_class c ON c.oid = p.tbl "
	"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	"JOIN pg_catalog.pg_attribute a ON a.attrelid = p.tbl AND a.attname = p.user_column",
	{},
	{SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Int8}};

const Statement kBuiltinCount{
	"SELECT count(*) FROM (SELECT 1 FROM journey.events e WHERE e.user_id = $1 AND e.name = $2 AND e.occurred_at <= $3 "
	"AND e.occurred_at >= coalesce($4, '-infinity') LIMIT $5) s",
	{SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz, SqlType::Int8},
	{SqlType::Int8}};

const Statement kBuiltinProps{
	"SELECT e.props FROM journey.events e WHERE e.user_id = $1 AND e.name = $2 AND e.occurred_at <= $3 "
	"AND e.occurred_at >= coalesce($4, '-infinity')",
	{SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz},
	{SqlType::Jsonb}};

const Statement kBuiltinEventsAfter{
	"SELECT e.occurred_at, e.props FROM journey.events e WHERE e.user_id = $1 AND e.name = $2 "
	"AND e.occurred_at > $3 AND e.occurred_at <= $4 ORDER BY e.occurred_at, e.id",
	{SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz},
	{SqlType::TimestampTz, SqlType::Jsonb}};

std::unique_ptr<OwnedStatement>
Own(std::string sql, std::vector<SqlType> params, std::vector<SqlType> columns)
{
	auto owned = std::make_unique<OwnedStatement>();
	owned->sql = std::move(sql);
	owned->statement = Statement{owned->sql.c_str(), std::move(params), std::move(columns)};
	return owned;
}

// The user id parameter ($1, text) as a value of a tracked table's user column type. Integer and uuid keys
// go through a check that yields null (no events there) for a user id that cannot be one (the planner
// never evaluates a CASE arm whose condition folds to false). The statements run as the table's owner,
// who may not use schema journey: no function of the extension's here.
std::string
UserKey(const std::string &type)
{
	if (type == "bigint" || type == "integer" || type == "smallint")
		return "CASE WHEN $1 ~ '^\\s*[-+]?[0-9]{1,18}\\s*$' THEN $1::bigint END";
	if (type == "uuid")
		return "CASE WHEN $1 ~* "
			   "'^\\s*\\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\\}?\\s*$' "
			   "THEN $1::uuid END";
	if (type == "text" || type.rfind("character varying", 0) == 0)
		return "$1";
	return "$1::" + type;
}

// One branch of the union over event sources: `what` is selected for the user's events named $2 in
// [$4, $3] (no time bounds for a table without a time column).
std::string
TrackedBranch(const TrackedTable &t, const std::string &what)
{
	std::string sql = "SELECT " + what + " FROM " + t.table + " t WHERE t." + t.user_column + " = " + UserKey(t.user_type);
	if (!t.name_column.empty())
		sql += " AND t." + t.name_column + " = $2";
	else
		sql += " AND $2 = " + t.event_name_literal;
	if (!t.time_column.empty())
		sql += " AND t." + t.time_column + " <= $3 AND t." + t.time_column + " >= coalesce($4, '-infinity')";
	return sql;
}

std::string
PropsOf(const TrackedTable &t)
{
	return t.props_column.empty() ? "to_jsonb(t.*)" : "t." + t.props_column + "::jsonb";
}

// A tracked table's events of $2 for $1 with their time in ($3, $4], oldest first: a timestamp (without time
// zone) or a date is read in journey.default_timezone ($5), as the trigger reads it. Null for a table without
// a time column (its events have no time to compare).
std::unique_ptr<OwnedStatement>
EventsAfterOf(const TrackedTable &t)
{
	if (t.time_column.empty())
		return nullptr;
	std::string at = "t." + t.time_column;
	if (t.time_type == "timestamp without time zone")
		at = "(" + at + " AT TIME ZONE $5)";
	else if (t.time_type == "date")
		at = "(" + at + "::timestamp AT TIME ZONE $5)";
	std::string sql = "SELECT " + at + ", " + PropsOf(t) + " FROM " + t.table + " t WHERE t." + t.user_column +
					  " = " + UserKey(t.user_type);
	if (!t.name_column.empty())
		sql += " AND t." + t.name_column + " = $2";
	else
		sql += " AND $2 = " + t.event_name_literal;
	sql += " AND " + at + " > $3 AND " + at + " <= $4 ORDER BY 1";
	return Own(std::move(sql), {SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz, SqlType::Text},
			   {SqlType::TimestampTz, SqlType::Jsonb});
}

}	 // namespace

const Statement &
TrackedSources::CountEvents() const
{
	return kBuiltinCount;
}

const Statement &
TrackedSources::EventProps() const
{
	return kBuiltinProps;
}

const Statement &
TrackedSources::EventsAfter() const
{
	return kBuiltinEventsAfter;
}

void
TrackedSources::Load(SpiSession &spi)
{
	tables_.clear();
	for (auto &r : spi.Run(kTrackedTables, {})) {
		TrackedTable t{r[0].s, r[1].s, r[2].s, r[3].null ? "" : r[3].s, r[4].null ? "" : r[4].s,
					   r[5].null ? "" : r[5].s, r[6].null ? "" : r[6].s, (Oid)r[7].i};
		t.time_type = r[8].null ? "" : r[8].s;
		t.count_events = Own("SELECT count(*) FROM (" + TrackedBranch(t, "1") + " LIMIT $5) s",
							 {SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz, SqlType::Int8},
							 {SqlType::Int8});
		t.event_props = Own(TrackedBranch(t, PropsOf(t)),
							{SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz}, {SqlType::Jsonb});
		t.events_after = EventsAfterOf(t);
		tables_.push_back(std::move(t));
	}
	profile_source_.reset();
	for (auto &r : spi.Run(kProfileSource, {}))
		profile_source_ = ProfileSource{r[0].s, r[1].s, r[2].s, r[3].null ? "" : r[3].s, (Oid)r[4].i};

	if (profile_source_) {
		const ProfileSource &p = *profile_source_;
		profile_ = Own("SELECT to_jsonb(p.*) FROM " + p.table + " p WHERE p." + p.user_column + " = $1::" + p.user_type +
						   " LIMIT 1",
					   {SqlType::Text}, {SqlType::Jsonb});
		timezone_ = p.timezone_column.empty()
						? Own("SELECT timezone FROM journey.profiles WHERE user_id = $1", {SqlType::Text}, {SqlType::Text})
						: Own("SELECT p." + p.timezone_column + "::text FROM " + p.table + " p WHERE p." + p.user_column +
								  " = $1::" + p.user_type + " LIMIT 1",
							  {SqlType::Text}, {SqlType::Text});
		zones_ = p.timezone_column.empty()
					 ? Own(kBuiltinZones, {SqlType::TextArray}, {SqlType::Text, SqlType::Text})
					 : Own("SELECT u.id, z.tz FROM unnest($1::text[]) AS u(id) CROSS JOIN LATERAL (SELECT p." +
							   p.timezone_column + "::text AS tz FROM " + p.table + " p WHERE p." + p.user_column +
							   " = u.id::" + p.user_type + " LIMIT 1) z",
						   {SqlType::TextArray}, {SqlType::Text, SqlType::Text});
	} else {
		profile_ = Own("SELECT attributes FROM journey.profiles WHERE user_id = $1", {SqlType::Text}, {SqlType::Jsonb});
		timezone_ = Own("SELECT timezone FROM journey.profiles WHERE user_id = $1", {SqlType::Text}, {SqlType::Text});
		zones_ = Own(kBuiltinZones, {SqlType::TextArray}, {SqlType::Text, SqlType::Text});
	}
}

}	 // namespace journey
