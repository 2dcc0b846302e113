// journey.simulate(definition, user_id, events, until): a dry run of a definition for one user over a list
// of events, through the one evaluator. It reads the user's profile and contacts, may call allowed
// functions, and writes nothing: everything runs in a subtransaction that is rolled back.
#include "pg/postgres.hpp"

#include "core/compile.hpp"
#include "core/simulate.hpp"
#include "ext/engine/rule_cache.hpp"
#include "ext/engine/pg_facts.hpp"
#include "ext/engine/pg_timezones.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"
#include "pg/subxact.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(journey_simulate);
}

namespace journey {
namespace {

std::string
JourneyName(const std::string &definition)
{
	Json d = Json::parse(definition);
	return d.is_object() && d.contains("name") && d["name"].is_string() ? d["name"].get<std::string>() : "";
}

struct Row {
	Timestamp at;
	std::string node;
	std::string what;
	std::string detail;
};

std::vector<Row>
RunSimulation(const std::string &definition, const std::string &user_id, const std::string &events_text,
			  Timestamp until)
{
	std::vector<Row> rows;
	SubTransaction sub;
	{
		SpiSession spi;
		const std::shared_ptr<RuleCache> snapshot = RuleCache::Get(spi);
	RuleCache &rule_cache = *snapshot;
		CompileOptions options;
		options.extra_channels = rule_cache.ExtraChannels();
		options.zones = &PostgresTimeZones();
		options.not_supported = EngineNotSupported();
		options.check_environment = false;	// the functions are checked when called
		CompileResult compiled = Compile(definition, options);
		if (!compiled.ok()) {
			const Problem &p = compiled.problems.front();
			const char *sqlstate = p.sqlstate == kSqlstateNotSupported ? kSqlstateNotSupported
								   : p.sqlstate == kSqlstateNotAllowed ? kSqlstateNotAllowed
																	   : kSqlstateInvalidParameter;
			throw UserError(sqlstate, FormatProblem(JourneyName(definition), p));
		}
		SimulationInput input;
		input.user_id = user_id;
		try {
			input.events = ParseSimulationEvents(Json::parse(events_text));
		} catch (const std::invalid_argument &e) {
			throw UserError("22023", std::string("events: ") + e.what());
		}
		input.until = until;
		PgFacts facts(spi, rule_cache, user_id);
		facts.DoNotLock();
		const Graph &g = *compiled.graph;
		for (const HistoryEffect &h : Simulate(g, input, facts))
			rows.push_back(Row{h.at, h.node == kNoNode ? std::string() : g.nodes[h.node].id, h.what,
							   h.detail.is_null() ? std::string() : h.detail.dump()});
	}
	sub.Rollback();	 // a dry run writes nothing
	return rows;
}

}	 // namespace
}	 // namespace journey

Datum
journey_simulate(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		for (int k = 0; k < 4; k++)
			if (PG_ARGISNULL(k))
				throw UserError("22004", "journey.simulate takes no null argument");
		const std::string definition = JsonbArgText(fcinfo, 0);
		const std::string user_id = TextArg(fcinfo, 1);
		const std::string events = JsonbArgText(fcinfo, 2);
		const Timestamp until = TimestampArgOrNow(fcinfo, 3);
		std::vector<Row> rows = RunSimulation(definition, user_id, events, until);
		PgCall([&] { InitMaterializedSRF(fcinfo, 0); });
		for (const Row &r : rows) {
			const char *node = r.node.c_str(), *what = r.what.c_str(), *detail = r.detail.c_str();
			const bool node_null = r.node.empty(), detail_null = r.detail.empty();
			const Timestamp at = r.at;
			PgCall([&] {
				ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
				Datum values[4] = {TimestampTzGetDatum(at), node_null ? (Datum)0 : CStringGetTextDatum(node),
								   CStringGetTextDatum(what),
								   detail_null ? (Datum)0 : DirectFunctionCall1(jsonb_in, CStringGetDatum(detail))};
				bool nulls[4] = {false, node_null, false, detail_null};
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			});
		}
		return (Datum)0;
	});
}
