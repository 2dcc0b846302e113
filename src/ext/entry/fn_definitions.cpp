// SQL functions about definitions: journey._problems, journey._invalidate_cache.
#include "pg/postgres.hpp"

#include "core/compile.hpp"
#include "ext/engine/rule_cache.hpp"
#include "ext/engine/pg_timezones.hpp"
#include "ext/shmem/throttle.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "commands/trigger.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(journey_problems);
PG_FUNCTION_INFO_V1(journey_invalidate_cache);
}

Datum
journey_problems(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		if (PG_ARGISNULL(0))
			throw UserError("22004", "definition must not be null");
		std::string text = JsonbArgText(fcinfo, 0);
		CompileOptions options;
		if (!PG_ARGISNULL(1))
			options.extra_channels = TextArrayArg(fcinfo, 1);
		if (!PG_ARGISNULL(2))
			options.allowed_functions = TextArrayArg(fcinfo, 2);
		if (PG_NARGS() > 3 && !PG_ARGISNULL(3))	// 0.1.0 and 0.2.0's _problems had three arguments
			options.segments = TextArrayArg(fcinfo, 3);
		if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
			options.topics = TextArrayArg(fcinfo, 4);
		options.zones = &PostgresTimeZones();
		options.not_supported = EngineNotSupported();
		CompileResult result = Compile(text, options);
		PgCall([&] { InitMaterializedSRF(fcinfo, 0); });
		for (const Problem &p : result.problems) {
			const char *path = p.path.c_str(), *message = p.message.c_str(), *sqlstate = p.sqlstate.c_str();
			PgCall([&] {
				ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
				Datum values[3] = {CStringGetTextDatum(path), CStringGetTextDatum(message),
								   CStringGetTextDatum(sqlstate)};
				bool nulls[3] = {false, false, false};
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		}
		return (Datum)0;
	});
}

Datum
journey_invalidate_cache(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		if (!CALLED_AS_TRIGGER(fcinfo))
			throw journey::UserError("39P01", "journey._invalidate_cache() must be called as a trigger");
		journey::InvalidateCatalogEverywhere();
		return PointerGetDatum(NULL);
	});
}

extern "C" {
PG_FUNCTION_INFO_V1(journey_throttle_stats);
}

Datum
journey_throttle_stats(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		std::vector<ThrottleStat> stats = ThrottleStats();
		PgCall([&] { InitMaterializedSRF(fcinfo, 0); });
		for (const ThrottleStat &s : stats) {
			const char *name = s.journey.c_str();
			PgCall([&] {
				ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
				Datum values[4] = {CStringGetTextDatum(name), TimestampTzGetDatum(s.window_start),
								   Int64GetDatum(s.entered), Int64GetDatum(s.refused)};
				bool nulls[4] = {false, false, false, false};
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		}
		return (Datum)0;
	});
}
