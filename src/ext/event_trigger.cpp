// The row trigger of tracked event tables. For an event no journey cares about it costs one hash
// lookup in the rule cache (no SPI); otherwise it runs the engine as the extension's owner.
#include "pg/postgres.hpp"

#include "ext/as_owner.hpp"
#include "ext/catalog.hpp"
#include "ext/engine.hpp"
#include "pg/guard.hpp"

#include <unordered_map>

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(journey_event_trigger);
}

namespace journey {
namespace {

// Where the trigger's arguments say the event's parts are (attribute numbers, 0 = absent).
struct Mapping {
	int user_att = 0;
	int name_att = 0;
	std::string constant_name;
	int time_att = 0;
	Oid time_type = InvalidOid;	 // timestamptz, timestamp (read in the session's time zone) or date
	int props_att = 0;			 // 0: the whole row is the props
};

std::unordered_map<Oid, Mapping> g_mappings;  // by trigger oid

// The event as read from the row, in Postgres memory (valid for this call).
struct RawEvent {
	const char *user;
	const char *name;
	bool has_time;
	TimestampTz time;
	const char *props;
};

struct TriggerCall {
	Oid tgoid;
	Oid relid;
	HeapTuple tuple;
	TupleDesc desc;
	int nargs;
	char **args;
};

TriggerCall
CheckTriggerCall(FunctionCallInfo fcinfo)
{
	return PgCall([&] {
		if (!fcinfo->context || ((const ::Node *)fcinfo->context)->type != T_TriggerData)
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("journey._event_trigger() must be called as a trigger")));
		TriggerData *td = (TriggerData *)fcinfo->context;
		if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
			!TRIGGER_FIRED_BY_INSERT(td->tg_event))
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("journey._event_trigger() must be an AFTER INSERT FOR EACH ROW trigger")));
		if (td->tg_trigger->tgnargs != 5)
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("journey._event_trigger() takes 5 arguments")));
		return TriggerCall{td->tg_trigger->tgoid, RelationGetRelid(td->tg_relation), td->tg_trigtuple,
						   td->tg_relation->rd_att, td->tg_trigger->tgnargs, td->tg_trigger->tgargs};
	});
}

int
ColumnNumber(const TriggerCall &call, const char *column)
{
	if (!column[0])
		return 0;
	int att = PgCall([&] { return SPI_fnumber(call.desc, column); });
	if (att <= 0)
		throw UserError("42703", std::string("tracked table has no column \"") + column + "\"");
	return att;
}

const Mapping &
MappingFor(const TriggerCall &call)
{
	auto it = g_mappings.find(call.tgoid);
	if (it != g_mappings.end())
		return it->second;
	Mapping m;
	m.user_att = ColumnNumber(call, call.args[0]);
	m.name_att = ColumnNumber(call, call.args[1]);
	m.constant_name = call.args[2];
	m.time_att = ColumnNumber(call, call.args[3]);
	if (m.time_att)
		m.time_type = PgCall([&] { return TupleDescAttr(call.desc, m.time_att - 1)->atttypid; });
	m.props_att = ColumnNumber(call, call.args[4]);
	return g_mappings.emplace(call.tgoid, std::move(m)).first->second;
}

const char *
ReadName(const TriggerCall &call, const Mapping &m)
{
	if (!m.name_att)
		return m.constant_name.c_str();
	return PgCall([&] { return (const char *)SPI_getvalue(call.tuple, call.desc, m.name_att); });
}

RawEvent
ReadEvent(const TriggerCall &call, const Mapping &m)
{
	return PgCall([&] {
		RawEvent e{};
		e.user = SPI_getvalue(call.tuple, call.desc, m.user_att);
		if (m.time_att) {
			bool isnull = false;
			Datum d = SPI_getbinval(call.tuple, call.desc, m.time_att, &isnull);
			e.has_time = !isnull;
			if (!isnull) {
				if (m.time_type == TIMESTAMPOID)
					d = DirectFunctionCall1(timestamp_timestamptz, d);
				else if (m.time_type == DATEOID)
					d = DirectFunctionCall1(date_timestamptz, d);
				e.time = DatumGetTimestampTz(d);
			}
		}
		if (m.props_att) {
			bool isnull = false;
			Datum d = SPI_getbinval(call.tuple, call.desc, m.props_att, &isnull);
			if (!isnull) {
				Jsonb *jb = DatumGetJsonbP(d);
				e.props = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
			}
		} else {
			// No props column: the whole row is the event's props.
			Datum row = heap_copy_tuple_as_datum(call.tuple, call.desc);
			e.props = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(row_to_json, row)));
		}
		return e;
	});
}

void
HandleEvent(FunctionCallInfo fcinfo)
{
	TriggerCall call = CheckTriggerCall(fcinfo);
	const Mapping &m = MappingFor(call);
	const char *name = ReadName(call, m);
	if (!name)
		return;	 // an event without a name concerns no journey
	const Catalog *cached = Catalog::IfValid();
	if (cached && !cached->Rules(name))
		return;	 // the hot path for events no journey cares about

	AsOwner as_owner(ExtensionOwner());
	SpiSession spi;
	Engine engine(spi);
	if (!engine.catalog().Rules(name))
		return;
	RawEvent raw = ReadEvent(call, m);
	if (!raw.user)
		return;	 // an event without a user enters no one
	const Timestamp at =
		raw.has_time ? raw.time : PgCall([] { return (Timestamp)GetCurrentTransactionStartTimestamp(); });
	Json props = raw.props ? Json::parse(raw.props) : Json::object();
	engine.OnEvent(raw.user, name, props, at);
}

}	 // namespace
}	 // namespace journey

Datum
journey_event_trigger(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		journey::HandleEvent(fcinfo);
		return PointerGetDatum(NULL);
	});
}
