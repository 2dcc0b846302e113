// SQL functions that move journeys: journey.enroll, journey.run_due.
#include "pg/postgres.hpp"

#include "core/quote.hpp"
#include "ext/engine/engine.hpp"
#include "ext/entry/settings.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(journey_enroll);
PG_FUNCTION_INFO_V1(journey_run_due);
}

namespace journey {
namespace {

void
Notice(const std::string &message)
{
	const char *m = message.c_str();
	PgCall([&] { ereport(NOTICE, (errmsg("%s", m))); });
}

}	 // namespace
}	 // namespace journey

Datum
journey_enroll(PG_FUNCTION_ARGS)
{
	bool is_null = false;
	Datum result = journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
			throw UserError("22004", "journey name and user_id must not be null");
		const std::string name = TextArg(fcinfo, 0);
		const std::string user_id = TextArg(fcinfo, 1);
		Json context = PG_ARGISNULL(2) ? Json::object() : Json::parse(JsonbArgText(fcinfo, 2));
		if (!context.is_object())
			throw UserError("22023", "context must be a json object");
		const Timestamp at = TimestampArgOrNow(fcinfo, 3);

		SpiSession spi;
		Engine engine(spi);
		const JourneyEntry *j = engine.rule_cache().Journey(name);
		if (!j)
			throw UserError("42704", "journey " + Quoted(name) + " does not exist");
		if (j->status != "live") {
			Notice("user " + Quoted(user_id) + " did not enter journey " + Quoted(name) + ": the journey is " + j->status +
				   " (only a live journey takes entries)");
			is_null = true;
			return (Datum)0;
		}
		const VersionEntry &version = engine.rule_cache().Version(spi, j->live_version_id);
		std::string refusal;
		std::string key;
		if (version.graph->entry.key) {
			// A keyed journey takes the key from context.key (SPEC §10).
			auto it = context.find("key");
			if (it == context.end() || it->is_null())
				throw UserError("22023", "journey " + Quoted(name) + " is keyed by " + *version.graph->entry.key +
											 ": give the key as context.key");
			key = it->is_string() ? it->get<std::string>() : it->dump();
		}
		auto id = engine.Enroll(version, user_id, std::move(context), Json::object(), at, &refusal, key);
		engine.ReleaseUnusedEntries();
		if (!id) {
			Notice("user " + Quoted(user_id) + " did not enter journey " + Quoted(name) + ": " + refusal);
			is_null = true;
			return (Datum)0;
		}
		return Int64GetDatum(*id);
	});
	if (is_null)
		PG_RETURN_NULL();
	return result;
}

Datum
journey_run_due(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		const Timestamp as_of = TimestampArgOrNow(fcinfo, 0);
		int64_t max_steps = 0;
		if (!PG_ARGISNULL(1)) {
			max_steps = PG_GETARG_INT32(1);
			if (max_steps < 0)
				throw UserError("22023", "max_steps must not be negative");
			if (max_steps == 0)
				return Int64GetDatum(0);
		}
		SpiSession spi;
		Engine engine(spi);
		return Int64GetDatum(engine.RunDue(as_of, max_steps, g_batch_size));
	});
}
