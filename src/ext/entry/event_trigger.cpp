// The trigger of tracked event tables: a statement trigger reading the statement's new rows from its
// transition table (a row trigger on partitioned tables, whose partitions may be written directly). For
// an event no journey cares about it costs one hash lookup in the rule cache (no SPI); otherwise it runs
// the engine as the extension's owner, and the entries of one statement are written together
// (src/ext/entry_batch.hpp).
#include "pg/postgres.hpp"

#include "ext/entry/as_owner.hpp"
#include "ext/engine/rule_cache.hpp"
#include "ext/engine/engine.hpp"
#include "ext/engine/retain_memory.hpp"
#include "ext/entry/settings.hpp"
#include "core/quote.hpp"
#include "pg/error_kind.hpp"
#include "pg/guard.hpp"
#include "pg/subxact.hpp"

#include <cstring>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>
#include <unordered_map>

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(journey_event_trigger);
}

namespace journey {
namespace {

// Where the trigger's arguments say the event's parts are (attribute numbers, 0 = absent).
struct Mapping {
	int user_att = 0;
	int name_att = 0;
	Oid name_type = InvalidOid;	 // text, varchar or name
	std::string constant_name;
	int time_att = 0;
	Oid time_type = InvalidOid;	 // timestamptz, timestamp (read in the session's time zone) or date
	int props_att = 0;			 // 0: the whole row is the props
	Oid props_type = InvalidOid; // jsonb or json
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
	Oid owner;					 // the table's owner
	HeapTuple tuple;			 // the row (a row trigger; for a statement trigger, the row being read)
	Tuplestorestate *new_rows;	 // the statement's rows (a statement trigger), else null
	TupleDesc desc;
	int nargs;
	char **args;
};

TriggerCall
CheckTriggerCall(FunctionCallInfo fcinfo)
{
	TriggerCall call = PgCall([&] {
		if (!fcinfo->context || ((const ::Node *)fcinfo->context)->type != T_TriggerData)
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("journey._event_trigger() must be called as a trigger")));
		TriggerData *td = (TriggerData *)fcinfo->context;
		const bool row = TRIGGER_FIRED_FOR_ROW(td->tg_event);
		if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event) ||
			(!row && !td->tg_newtable))
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("journey._event_trigger() must be an AFTER INSERT trigger, FOR EACH ROW or FOR "
								   "EACH STATEMENT with REFERENCING NEW TABLE")));
		if (td->tg_trigger->tgnargs != 5)
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("journey._event_trigger() takes 5 arguments")));
		return TriggerCall{td->tg_trigger->tgoid,
						   RelationGetRelid(td->tg_relation),
						   InvalidOid,
						   row ? td->tg_trigtuple : nullptr,
						   row ? nullptr : td->tg_newtable,
						   td->tg_relation->rd_att,
						   td->tg_trigger->tgnargs,
						   td->tg_trigger->tgargs};
	});
	call.owner = TableOwner(((TriggerData *)fcinfo->context)->tg_relation);
	return call;
}

int
ColumnNumber(const TriggerCall &call, const char *column)
{
	if (!column[0])
		return 0;
	int att = PgCall([&] { return SPI_fnumber(call.desc, column); });
	if (att <= 0)
		throw UserError("42703", std::string("tracked table has no column ") + Quoted(column));
	return att;
}

// The type of a column of the table now (InvalidOid when dropped).
Oid
ColumnType(const TriggerCall &call, int att)
{
	return PgCall([&] {
		Form_pg_attribute a = TupleDescAttr(call.desc, att - 1);
		return a->attisdropped ? InvalidOid : a->atttypid;
	});
}

// A tracked column whose type changed since journey.track_events checked it (ALTER COLUMN ... TYPE) is
// refused here, before any value is read as the type it no longer has.
void
CheckColumnType(const TriggerCall &call, const char *role, const char *column, Oid type, std::initializer_list<Oid> allowed)
{
	for (Oid ok : allowed)
		if (type == ok)
			return;
	const Oid relid = call.relid;
	const char *table = PgCall([relid]() -> const char * { return get_rel_name(relid); });
	throw UserError("42804",
					std::string("the ") + role + " column " + Quoted(column) + " of tracked table " +
						Quoted(table ? table : "?") + " is no longer of a type pg_journey reads",
					{}, "journey.track_events checks the columns again; or change the column back");
}

bool
SameTypes(const TriggerCall &call, const Mapping &m)
{
	return (!m.name_att || ColumnType(call, m.name_att) == m.name_type) &&
		   (!m.time_att || ColumnType(call, m.time_att) == m.time_type) &&
		   (!m.props_att || ColumnType(call, m.props_att) == m.props_type);
}

const Mapping &
MappingFor(const TriggerCall &call)
{
	auto it = g_mappings.find(call.tgoid);
	if (it != g_mappings.end()) {
		if (SameTypes(call, it->second))
			return it->second;
		g_mappings.erase(it);
	}
	Mapping m;
	m.user_att = ColumnNumber(call, call.args[0]);
	m.name_att = ColumnNumber(call, call.args[1]);
	if (m.name_att) {
		m.name_type = ColumnType(call, m.name_att);
		CheckColumnType(call, "event name", call.args[1], m.name_type, {TEXTOID, VARCHAROID, NAMEOID});
	}
	m.constant_name = call.args[2];
	m.time_att = ColumnNumber(call, call.args[3]);
	if (m.time_att) {
		m.time_type = ColumnType(call, m.time_att);
		CheckColumnType(call, "time", call.args[3], m.time_type, {TIMESTAMPTZOID, TIMESTAMPOID, DATEOID});
	}
	m.props_att = ColumnNumber(call, call.args[4]);
	if (m.props_att) {
		m.props_type = ColumnType(call, m.props_att);
		CheckColumnType(call, "props", call.args[4], m.props_type, {JSONBOID, JSONOID});
	}
	return g_mappings.emplace(call.tgoid, std::move(m)).first->second;
}

// ReadName and ReadEvent allocate in `context` (the statement trigger's row context), else in the current one.
const char *
ReadName(const TriggerCall &call, const Mapping &m, MemoryContext context)
{
	if (!m.name_att)
		return m.constant_name.c_str();
	return PgCall([&] {
		MemoryContext old = context ? MemoryContextSwitchTo(context) : CurrentMemoryContext;
		const char *name = SPI_getvalue(call.tuple, call.desc, m.name_att);
		MemoryContextSwitchTo(old);
		return name;
	});
}

// The event's time (false when the table has no time column or it is null); Postgres calls only.
bool
ReadTime(const TriggerCall &call, const Mapping &m, TimestampTz *time)
{
	if (!m.time_att)
		return false;
	bool isnull = false;
	Datum d = SPI_getbinval(call.tuple, call.desc, m.time_att, &isnull);
	if (isnull)
		return false;
	// A timestamp (without time zone) or a date is read in journey.default_timezone (SPEC §2), not in the
	// inserting session's TimeZone: the same row is the same instant whoever inserts it.
	if (m.time_type == DATEOID)
		d = DirectFunctionCall1(date_timestamp, d);
	if (m.time_type == TIMESTAMPOID || m.time_type == DATEOID)
		d = DirectFunctionCall2(timestamp_zone, CStringGetTextDatum(DefaultTimeZone()), d);
	*time = DatumGetTimestampTz(d);
	return true;
}

RawEvent
ReadEvent(const TriggerCall &call, const Mapping &m, MemoryContext context)
{
	// The whole row as JSON may call casts that the table's owner defined: as that owner, restricted.
	std::optional<AsTableOwner> as_table_owner;
	if (!m.props_att)
		as_table_owner.emplace(call.owner);
	return PgCall([&] {
		MemoryContext old = context ? MemoryContextSwitchTo(context) : CurrentMemoryContext;
		RawEvent e{};
		e.user = SPI_getvalue(call.tuple, call.desc, m.user_att);
		e.has_time = ReadTime(call, m, &e.time);
		if (m.props_att) {
			bool isnull = false;
			Datum d = SPI_getbinval(call.tuple, call.desc, m.props_att, &isnull);
			if (!isnull && m.props_type == JSONOID) {
				e.props = text_to_cstring(DatumGetTextPP(d));	// json is its text
			} else if (!isnull) {
				Jsonb *jb = DatumGetJsonbP(d);
				e.props = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
			}
		} else {
			// No props column: the whole row is the event's props.
			Datum row = heap_copy_tuple_as_datum(call.tuple, call.desc);
			e.props = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(row_to_json, row)));
		}
		MemoryContextSwitchTo(old);
		return e;
	});
}

// The engine, set up on the first row some journey cares about (none for a statement of page views).
// The statement's engine work runs in one subtransaction (opened with the engine: events no journey cares
// about pay nothing), so that a failing step never aborts the application's INSERT (SPEC §9): when a step
// fails, everything the statement's steps did is rolled back and the statement runs again with every step
// in a subtransaction of its own (isolated), where only the failing instance is marked failed.
struct LazyEngine {
	explicit LazyEngine(bool isolated) : isolated(isolated) {}
	const bool isolated;
	// Declared first: destroyed last, after the owner's scope closed (its GUC level is popped before the
	// subtransaction ends) and the SPI session finished.
	std::optional<SubTransaction> sub;
	std::optional<AsOwner> as_owner;
	std::optional<SpiSession> spi;
	std::optional<Engine> engine;

	Engine &Get()
	{
		if (!engine) {
			if (!isolated)
				sub.emplace();
			as_owner.emplace();
			spi.emplace();
			engine.emplace(*spi);
			engine->IsolateSteps(isolated);
		}
		return *engine;
	}

	// The work is done: the engine, the SPI session and the owner's scope close, then the subtransaction
	// commits.
	void Finish()
	{
		engine.reset();
		spi.reset();
		as_owner.reset();
		if (sub)
			sub->Commit();
	}
};

// Runs the engine on one row, unless no journey cares about its event.
void
HandleRow(const TriggerCall &call, const Mapping &m, LazyEngine &lazy, EntryBatch *batch, MemoryContext row_context)
{
	const char *name = ReadName(call, m, row_context);
	if (!name)
		return;	 // an event without a name concerns no journey
	if (!lazy.engine) {
		const RuleCache *cached = RuleCache::IfValid();
		if (cached && !cached->Rules(name))
			return;	 // the hot path for events no journey cares about
	}
	Engine &engine = lazy.Get();
	engine.CollectEntries(lazy.isolated ? nullptr : batch);
	if (!engine.rule_cache().Rules(name))
		return;
	RawEvent raw = ReadEvent(call, m, row_context);
	if (!raw.user)
		return;	 // an event without a user enters no one
	const Timestamp at =
		raw.has_time ? raw.time : PgCall([] { return (Timestamp)GetCurrentTransactionStartTimestamp(); });
	Json props = raw.props ? Json::parse(raw.props) : Json::object();
	engine.OnEvent(raw.user, name, props, at);
}

// A read pointer of our own on a statement's transition table, a slot, and a memory context for the
// values of one row (reset before the next).
struct TransitionReader {
	Tuplestorestate *rows;
	int pointer;
	TupleTableSlot *slot;
	MemoryContext row_context;
};

TransitionReader
OpenTransition(const TriggerCall &call)
{
	return PgCall([&] {
		TransitionReader r;
		r.rows = call.new_rows;
		r.pointer = tuplestore_alloc_read_pointer(r.rows, EXEC_FLAG_REWIND);
		tuplestore_select_read_pointer(r.rows, r.pointer);
		tuplestore_rescan(r.rows);
		r.slot = MakeSingleTupleTableSlot(call.desc, &TTSOpsMinimalTuple);
		r.row_context = AllocSetContextCreate(CurrentMemoryContext, "pg_journey event row", ALLOCSET_DEFAULT_SIZES);
		return r;
	});
}

// The next row whose event some journey may care about (every row while the rule cache is not loaded),
// as a heap tuple in the row context; null at the end. The other rows' names are compared in place: a
// statement of events no journey cares about costs a hash lookup per row and no copy.
HeapTuple
NextRow(const TransitionReader &r, const Mapping &m, const RuleCache *rule_cache)
{
	struct Raw {
		int state;	// 0: end, 1: a row to look at, 2: a row whose name is null
		const char *name;
		int len;
	};
	for (;;) {
		const Raw raw = PgCall([&]() -> Raw {
			MemoryContextReset(r.row_context);
			tuplestore_select_read_pointer(r.rows, r.pointer);
			if (!tuplestore_gettupleslot(r.rows, true, false, r.slot))
				return Raw{0, nullptr, 0};
			if (!m.name_att || !rule_cache)
				return Raw{1, nullptr, 0};
			bool isnull = false;
			Datum d = slot_getattr(r.slot, m.name_att, &isnull);
			if (isnull)
				return Raw{2, nullptr, 0};
			if (m.name_type == NAMEOID) {
				const char *name = NameStr(*DatumGetName(d));
				return Raw{1, name, (int)strlen(name)};
			}
			MemoryContext old = MemoryContextSwitchTo(r.row_context);
			text *t = DatumGetTextPP(d);  // detoasted into the row context when it must be
			MemoryContextSwitchTo(old);
			return Raw{1, VARDATA_ANY(t), (int)VARSIZE_ANY_EXHDR(t)};
		});
		if (raw.state == 0)
			return nullptr;
		if (raw.state == 2 || (raw.name && !rule_cache->Rules(std::string_view(raw.name, raw.len))))
			continue;  // no name, or a name no journey cares about
		return PgCall([&] {
			MemoryContext old = MemoryContextSwitchTo(r.row_context);
			HeapTuple tuple = ExecCopySlotHeapTuple(r.slot);
			MemoryContextSwitchTo(old);
			return tuple;
		});
	}
}

// The rule cache to filter rows with: the engine's once set up, else the cached one when valid.
const RuleCache *
FilterRuleCache(LazyEngine &lazy)
{
	return lazy.engine ? &lazy.engine->rule_cache() : RuleCache::IfValid();
}

void
CloseTransition(const TransitionReader &r)
{
	PgCall([&] {
		ExecDropSingleTupleTableSlot(r.slot);
		MemoryContextDelete(r.row_context);
	});
}

// Rewinds the reader to the first row.
void
Rewind(const TransitionReader &r)
{
	PgCall([&] {
		tuplestore_select_read_pointer(r.rows, r.pointer);
		tuplestore_rescan(r.rows);
	});
}

// The user's id of the row, in the row context (null when null).
const char *
ReadUser(const TriggerCall &call, const Mapping &m, MemoryContext context)
{
	return PgCall([&] {
		MemoryContext old = MemoryContextSwitchTo(context);
		const char *user = SPI_getvalue(call.tuple, call.desc, m.user_att);
		MemoryContextSwitchTo(old);
		return user;
	});
}

// A first pass when some channel has a frequency cap: the users of the rows some journey cares about, sorted.
// Their cap lock rows are then locked in that order: a statement locking them one send at a time, in its rows'
// order, would deadlock with another taking the same users in the opposite order.
std::vector<std::string>
CapUsers(TriggerCall call, const Mapping &m, const TransitionReader &reader, LazyEngine &lazy)
{
	std::vector<std::string> users;
	while (HeapTuple tuple = NextRow(reader, m, FilterRuleCache(lazy))) {
		call.tuple = tuple;
		const char *name = ReadName(call, m, reader.row_context);
		if (!name)
			continue;
		if (!lazy.engine) {
			const RuleCache *cached = RuleCache::IfValid();
			if (cached && !cached->Rules(name))
				continue;
		}
		Engine &engine = lazy.Get();
		if (engine.rule_cache().CappedChannels().empty())
			return {};	// no cap: nothing to lock
		if (!engine.rule_cache().Rules(name))
			continue;
		if (const char *user = ReadUser(call, m, reader.row_context))
			users.emplace_back(user);
	}
	std::sort(users.begin(), users.end());
	users.erase(std::unique(users.begin(), users.end()), users.end());
	return users;
}

// A first pass over the statement's rows: the (user, journey) pairs whose entry rules read past entries
// (journey.entries) and that the rows may enter, for journeys without an entry key. Their entries rows are
// then locked by one statement rather than one upsert per entry.
std::vector<Engine::EntriesKey>
CountedEntries(TriggerCall call, const Mapping &m, const TransitionReader &reader, LazyEngine &lazy)
{
	std::vector<Engine::EntriesKey> pairs;
	const Timestamp now = PgCall([] { return (Timestamp)GetCurrentTransactionStartTimestamp(); });
	while (HeapTuple tuple = NextRow(reader, m, FilterRuleCache(lazy))) {
		call.tuple = tuple;
		const char *name = ReadName(call, m, reader.row_context);
		if (!name)
			continue;
		if (!lazy.engine) {
			const RuleCache *cached = RuleCache::IfValid();
			if (cached && !cached->Rules(name))
				continue;
		}
		Engine &engine = lazy.Get();
		const EventRules *rules = engine.rule_cache().Rules(name);
		if (!rules || (rules->counted_versions.empty() && rules->keyed_counted_versions.empty()))
			continue;
		const char *user = ReadUser(call, m, reader.row_context);
		if (!user)
			continue;
		const TimestampTz at = PgCall([&] {
			TimestampTz t = 0;
			if (!ReadTime(call, m, &t))
				t = GetCurrentTransactionStartTimestamp();
			return t;
		});
		for (int32_t vid : rules->counted_versions) {
			const VersionEntry &v = engine.rule_cache().Version(*lazy.spi, vid);
			if (IsBackfill(*v.graph, name, at, now))
				continue;  // a backfill enters no one (Engine::OnEvent): no row to lock
			pairs.emplace_back(user, v.journey, std::string());
		}
		if (rules->keyed_counted_versions.empty())
			continue;
		// Keyed journeys: the row is (user, journey, the event's key); an event without the key enters none.
		const RawEvent raw = ReadEvent(call, m, reader.row_context);
		const Json props = raw.props ? Json::parse(raw.props) : Json::object();
		for (int32_t vid : rules->keyed_counted_versions) {
			const VersionEntry &v = engine.rule_cache().Version(*lazy.spi, vid);
			if (IsBackfill(*v.graph, name, at, now))
				continue;
			if (std::optional<std::string> key = EntryKeyOf(*v.graph, props))
				pairs.emplace_back(user, v.journey, std::move(*key));
		}
	}
	return pairs;
}

// Closes the statement's transition reader when the statement's work ends, failed or not.
struct ReaderCloser {
	std::optional<TransitionReader> reader;
	~ReaderCloser()
	{
		if (!reader)
			return;
		try {
			CloseTransition(*reader);
		} catch (...) {
			// Its slot and memory go with the trigger's memory context.
		}
	}
};

// The statement's (or the row's) work; isolated: every step in a subtransaction of its own.
void
HandleStatement(TriggerCall call, const Mapping &m, bool isolated)
{
	ReaderCloser closer;  // destroyed after `lazy`: the reader's slot is dropped under the statement's resource owner
	LazyEngine lazy(isolated);
	if (call.tuple) {
		HandleRow(call, m, lazy, nullptr, nullptr);
		if (lazy.engine)
			lazy.engine->ReleaseUnusedEntries();
		lazy.Finish();
		return;
	}
	if (!m.name_att) {
		const RuleCache *cached = RuleCache::IfValid();
		if (cached && !cached->Rules(m.constant_name))
			return;	 // a table of one event name that no journey cares about: its rows are not even read
	}
	EntryBatch batch;
	closer.reader = OpenTransition(call);
	const TransitionReader &reader = *closer.reader;
	const RuleCache *rule_cache = FilterRuleCache(lazy);
	if (!rule_cache || rule_cache->AnyCountedEntries()) {	 // else no first pass: no entry reads past entries
		auto counted = CountedEntries(call, m, reader, lazy);
		if (!counted.empty())
			lazy.engine->PrelockEntries(std::move(counted));
		Rewind(reader);
	}
	if (!rule_cache || !rule_cache->CappedChannels().empty()) {
		std::vector<std::string> users = CapUsers(call, m, reader, lazy);
		if (users.size() > 1)
			lazy.engine->LockCapUsers(std::move(users));
		Rewind(reader);
	}
	while (HeapTuple tuple = NextRow(reader, m, FilterRuleCache(lazy))) {
		call.tuple = tuple;
		HandleRow(call, m, lazy, &batch, reader.row_context);
	}
	if (lazy.engine) {
		lazy.engine->FlushEntries();
		lazy.engine->ReleaseUnusedEntries();
	}
	lazy.Finish();
}

void
HandleEvent(FunctionCallInfo fcinfo)
{
	const TriggerCall call = CheckTriggerCall(fcinfo);
	const Mapping &m = MappingFor(call);
	// A step failed: its statement's work was rolled back (with the subtransaction); again, step by step.
	RetryIsolatedOnStepError([&](bool isolated) { HandleStatement(call, m, isolated); });
}

}	 // namespace
}	 // namespace journey

Datum
journey_event_trigger(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		if (journey::g_retain_memory_in_triggers)
			journey::RetainFreedMemory();  // a statement's batch of entries, like the scheduler's (opt-in)
		journey::HandleEvent(fcinfo);
		return PointerGetDatum(NULL);
	});
}
