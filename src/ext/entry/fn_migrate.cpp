// journey._migrate(name, version): publish's in_flight = 'migrate'. Every active instance of another
// version moves to the same-named nodes of the new version (deadlines, visits and split labels kept);
// an instance whose node the new version no longer has exits with reason migrated_away.
#include "pg/postgres.hpp"

#include "ext/engine/rule_cache.hpp"
#include "ext/storage/instance_store.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/xact.h"

PG_FUNCTION_INFO_V1(journey_migrate);
}

namespace journey {
namespace {

const Statement kVersionId{"SELECT id FROM journey.versions WHERE journey = $1 AND version = $2",
						   {SqlType::Text, SqlType::Int4},
						   {SqlType::Int4}};

const Statement kToMigrate{"SELECT " JOURNEY_INSTANCE_COLUMNS " FROM journey.instance i "
						   "WHERE i.journey_id = $1 AND i.status = 'a' AND i.version_id <> $2 ORDER BY i.id FOR UPDATE",
						   {SqlType::Int4, SqlType::Int4},
						   kInstanceColumnTypes};

const Statement kSetVersion{"UPDATE journey.instance SET version_id = $3 WHERE user_id = $1 AND id = $2",
							{SqlType::Text, SqlType::Int8, SqlType::Int4},
							{}};

int64_t
Migrate(const std::string &name, int32_t version)
{
	SpiSession spi;
	const std::shared_ptr<RuleCache> snapshot = RuleCache::Get(spi);
	RuleCache &rule_cache = *snapshot;
	auto ids = spi.Run(kVersionId, {SqlValue::Text(name), SqlValue::Int(version)});
	if (ids.empty())
		throw UserError("42704", "journey \"" + name + "\" has no version " + std::to_string(version));
	const VersionEntry &to = rule_cache.Version(spi, (int32_t)ids[0][0].i);
	const Timestamp now = PgCall([] { return (Timestamp)GetCurrentTransactionStartTimestamp(); });
	int64_t migrated = 0;
	for (const SqlRow &row : spi.Run(kToMigrate, {SqlValue::Int(to.journey_id), SqlValue::Int(to.id)})) {
		const VersionEntry &from = rule_cache.Version(spi, (int32_t)row[2].i);
		LoadedInstance li = ReadInstance(row, *from.graph);
		if (MigrateState(*from.graph, *to.graph, li.state)) {
			spi.Exec(kSetVersion, {SqlValue::Text(li.state.user_id), SqlValue::Int(li.state.id), SqlValue::Int(to.id)});
			UpdateInstance(spi, *to.graph, li.state);
			migrated++;
		} else {
			ExitInstance(li.state, "migrated_away", std::max(now, li.state.last_step_at));
			UpdateInstance(spi, *from.graph, li.state);
		}
	}
	return migrated;
}

}	 // namespace
}	 // namespace journey

Datum
journey_migrate(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
			throw UserError("22004", "journey name and version must not be null");
		return Int64GetDatum(Migrate(TextArg(fcinfo, 0), PG_GETARG_INT32(1)));
	});
}
