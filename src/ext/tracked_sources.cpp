#include "pg/postgres.hpp"

#include "ext/tracked_sources.hpp"

namespace journey {

namespace {

const Statement kTrackedTables{
	"SELECT t.tbl::regclass::text, quote_ident(t.user_column), format_type(a.atttypid, a.atttypmod), "
	"quote_ident(t.name_column), quote_literal(t.event_name), quote_ident(t.time_column), quote_ident(t.props_column) "
	"FROM journey.tracked_tables t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tbl AND a.attname = t.user_column "
	"ORDER BY t.tbl",
	{},
	{SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text}};

const Statement kProfileSource{
	"SELECT p.tbl::regclass::text, quote_ident(p.user_column), format_type(a.atttypid, a.atttypmod), "
	"quote_ident(p.timezone_column) "
	"FROM journey.profile_source p JOIN pg_catalog.pg_attribute a ON a.attrelid = p.tbl AND a.attname = p.user_column",
	{},
	{SqlType::Text, SqlType::Text, SqlType::Text, SqlType::Text}};

std::unique_ptr<OwnedStatement>
Own(std::string sql, std::vector<SqlType> params, std::vector<SqlType> columns)
{
	auto owned = std::make_unique<OwnedStatement>();
	owned->sql = std::move(sql);
	owned->statement = Statement{owned->sql.c_str(), std::move(params), std::move(columns)};
	return owned;
}

// The user id parameter ($1, text) as a value of a tracked table's user column type. Integer and uuid keys
// go through a check that yields null (no events there) for a user id that cannot be one.
std::string
UserKey(const std::string &type)
{
	if (type == "bigint" || type == "integer" || type == "smallint")
		return "journey._key_int($1)";
	if (type == "uuid")
		return "journey._key_uuid($1)";
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

std::string
TimeOf(const TrackedTable &t)
{
	return t.time_column.empty() ? "NULL::timestamptz" : "t." + t.time_column + "::timestamptz";
}

const char *kBuiltinEvents = "FROM journey.events e WHERE e.user_id = $1 AND e.name = $2 AND e.occurred_at <= $3 "
							 "AND e.occurred_at >= coalesce($4, '-infinity')";

}	 // namespace

void
TrackedSources::Load(SpiSession &spi)
{
	tables_.clear();
	for (auto &r : spi.Run(kTrackedTables, {}))
		tables_.push_back(TrackedTable{r[0].s, r[1].s, r[2].s, r[3].null ? "" : r[3].s, r[4].null ? "" : r[4].s,
									   r[5].null ? "" : r[5].s, r[6].null ? "" : r[6].s});
	profile_source_.reset();
	for (auto &r : spi.Run(kProfileSource, {}))
		profile_source_ = ProfileSource{r[0].s, r[1].s, r[2].s, r[3].null ? "" : r[3].s};

	std::string count = std::string("SELECT 1 ") + kBuiltinEvents;
	std::string props = std::string("SELECT e.props, e.occurred_at AS at ") + kBuiltinEvents;
	for (const TrackedTable &t : tables_) {
		count += " UNION ALL " + TrackedBranch(t, "1");
		props += " UNION ALL " + TrackedBranch(t, PropsOf(t) + ", " + TimeOf(t));
	}
	count_events_ = Own("SELECT count(*) FROM (SELECT 1 FROM (" + count + ") u LIMIT $5) s",
						{SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz, SqlType::Int8},
						{SqlType::Int8});
	event_props_ = Own("SELECT u.props FROM (" + props + ") u(props, at) ORDER BY u.at DESC NULLS LAST",
					   {SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz}, {SqlType::Jsonb});

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
	} else {
		profile_ = Own("SELECT attributes FROM journey.profiles WHERE user_id = $1", {SqlType::Text}, {SqlType::Jsonb});
		timezone_ = Own("SELECT timezone FROM journey.profiles WHERE user_id = $1", {SqlType::Text}, {SqlType::Text});
	}
}

}	 // namespace journey
