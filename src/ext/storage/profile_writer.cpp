#include "pg/postgres.hpp"

#include "core/quote.hpp"
#include "ext/storage/profile_writer.hpp"

#include "ext/entry/as_owner.hpp"
#include "pg/guard.hpp"

#include <map>
#include <memory>

namespace journey {

namespace {

const Statement kSetBuiltin{"INSERT INTO journey.profiles AS p (user_id, attributes) "
							"VALUES ($1, jsonb_build_object($2, $3::jsonb)) ON CONFLICT (user_id) DO UPDATE "
							"SET attributes = p.attributes || jsonb_build_object($2, $3::jsonb)",
							{SqlType::Text, SqlType::Text, SqlType::Jsonb},
							{}};

const Statement kAddBuiltin{
	"INSERT INTO journey.profiles AS p (user_id, attributes) "
	"VALUES ($1, jsonb_build_object($2, ($3::jsonb #>> '{}')::numeric)) ON CONFLICT (user_id) DO UPDATE "
	"SET attributes = p.attributes || jsonb_build_object($2, "
	"coalesce(CASE WHEN jsonb_typeof(p.attributes -> $2) = 'number' THEN (p.attributes ->> $2)::numeric END, 0) "
	"+ ($3::jsonb #>> '{}')::numeric)",
	{SqlType::Text, SqlType::Text, SqlType::Jsonb},
	{}};

const Statement kUnsetBuiltin{"UPDATE journey.profiles SET attributes = attributes - $2 WHERE user_id = $1",
							  {SqlType::Text, SqlType::Text},
							  {}};

const Statement kColumnType{"SELECT format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
							"WHERE a.attrelid = $1::regclass AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
							{SqlType::Text, SqlType::Text},
							{SqlType::Text}};

const Statement kQuoteIdent{"SELECT quote_ident($1)", {SqlType::Text}, {SqlType::Text}};

enum class Kind { Set, AddNumber, AddDuration, Unset };

// Statements updating one column of the application's profile table, built once per backend and table.
std::map<std::string, std::unique_ptr<OwnedStatement>> g_statements;

const Statement &
ColumnUpdate(SpiSession &spi, const ProfileSource &p, const std::string &attribute, Kind kind)
{
	const std::string key = p.table + "\x1f" + p.user_column + "\x1f" + p.user_type + "\x1f" + attribute + "\x1f" +
							std::to_string((int)kind);
	auto it = g_statements.find(key);
	if (it != g_statements.end())
		return it->second->statement;
	auto type = spi.Run(kColumnType, {SqlValue::Text(p.table), SqlValue::Text(attribute)});
	if (type.empty())
		throw UserError("42703", "column " + Quoted(attribute) + " of profile table " + p.table + " does not exist",
						{}, "update nodes write columns of the table given to journey.track_profiles");
	const std::string column = spi.Run(kQuoteIdent, {SqlValue::Text(attribute)})[0][0].s;
	const std::string col_type = type[0][0].s;
	std::string value;
	switch (kind) {
	case Kind::Set:
		value = col_type == "jsonb" ? "$2::jsonb" : "($2::jsonb #>> '{}')::" + col_type;
		break;
	case Kind::AddNumber:
		value = "coalesce(t." + column + ", 0) + ($2::jsonb #>> '{}')::numeric";
		break;
	case Kind::AddDuration:
		value = "t." + column + " + ($2::jsonb #>> '{}')::interval";
		break;
	case Kind::Unset:
		value = "NULL";
		break;
	}
	auto owned = std::make_unique<OwnedStatement>();
	owned->sql = "UPDATE " + p.table + " t SET " + column + " = " + value + " WHERE t." + p.user_column + " = $1::" +
				 p.user_type;
	owned->statement = Statement{owned->sql.c_str(), {SqlType::Text, SqlType::Jsonb}, {}};
	return g_statements.emplace(key, std::move(owned)).first->second->statement;
}

}	 // namespace

namespace {

const std::string *g_updating = nullptr;

// Marks the journey whose changes the profile trigger sees, for the scope of this object.
class UpdatingJourney {
public:
	explicit UpdatingJourney(const std::string &journey) : saved_(g_updating) { g_updating = &journey; }
	~UpdatingJourney() { g_updating = saved_; }

private:
	const std::string *saved_;
};

}	 // namespace

const std::string *
JourneyUpdatingProfile()
{
	return g_updating;
}

void
ApplyUpdates(SpiSession &spi, const RuleCache &rule_cache, const std::string &journey, const std::string &user_id,
			 const std::vector<UpdateEffect> &updates)
{
	UpdatingJourney updating(journey);
	const auto &profiles = rule_cache.Sources().Profiles();
	for (const UpdateEffect &u : updates) {
		const bool add_number = u.op == UpdateOp::Add && u.operand.is_number();
		if (profiles) {
			Kind kind = u.op == UpdateOp::Unset ? Kind::Unset
						: u.op == UpdateOp::Set ? Kind::Set
						: add_number			 ? Kind::AddNumber
												 : Kind::AddDuration;
			const Statement &update = ColumnUpdate(spi, *profiles, u.attribute, kind);
			// As the table's owner: its triggers and the casts of its columns run with no more rights than hers.
			AsTableOwner as_table_owner(profiles->owner);
			spi.Exec(update, {SqlValue::Text(user_id), SqlValue::Jsonb(u.operand.is_null() ? "null" : u.operand.dump())});
			continue;
		}
		switch (u.op) {
		case UpdateOp::Unset:
			spi.Exec(kUnsetBuiltin, {SqlValue::Text(user_id), SqlValue::Text(u.attribute)});
			break;
		case UpdateOp::Set:
			spi.Exec(kSetBuiltin, {SqlValue::Text(user_id), SqlValue::Text(u.attribute), SqlValue::Jsonb(u.operand.dump())});
			break;
		case UpdateOp::Add:
			if (add_number)
				spi.Exec(kAddBuiltin,
						 {SqlValue::Text(user_id), SqlValue::Text(u.attribute), SqlValue::Jsonb(u.operand.dump())});
			else  // a duration added to a timestamp kept as text: the value the evaluator computed
				spi.Exec(kSetBuiltin,
						 {SqlValue::Text(user_id), SqlValue::Text(u.attribute), SqlValue::Jsonb(u.value.dump())});
			break;
		}
	}
}

}	 // namespace journey
