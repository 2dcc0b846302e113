#include "pg/postgres.hpp"

#include "ext/direct_writes.hpp"

#include "pg/guard.hpp"

#include <algorithm>

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_type_d.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace journey {

namespace {

// Everything below runs inside PgCall: Postgres calls only, rows read through plain pointers, no C++
// object owned.

constexpr int kMaxColumns = 64;  // a wider table (columns added by hand) takes the statements

// A column the direct path writes: its name and the type it writes (the table's must be that type).
struct ColumnSpec {
	const char *name;
	Oid type;
};

// A table of schema journey opened for direct writes, with the executor state its writes need.
struct Writer {
	Relation rel = nullptr;
	EState *estate = nullptr;
	ResultRelInfo *rri = nullptr;
	TupleTableSlot *slot = nullptr;
	AttrNumber att[kMaxColumns];  // the written columns' attribute numbers, in the order of their specs
};

// Opens journey.`table` (RowExclusiveLock) when the direct path applies to it: a plain heap table, not a
// partition, with no triggers (foreign keys included), rules, row security or stored generated columns,
// which the current user may write (`command`), and whose columns of `specs` have those types. False
// (nothing held) when it does not. A publication that cannot replicate the command raises the statement's
// error. The executor state lives in the (sub)transaction's memory: an error frees it with the rest.
bool
OpenWriter(const char *table, CmdType command, const ColumnSpec *specs, int ncolumns, Writer *w)
{
	const Oid nsp = get_namespace_oid("journey", true);
	const Oid relid = OidIsValid(nsp) ? get_relname_relid(table, nsp) : InvalidOid;
	if (!OidIsValid(relid))
		return false;
	Relation rel = table_open(relid, RowExclusiveLock);
	const TupleDesc desc = RelationGetDescr(rel);
	const AclMode mode = command == CMD_UPDATE ? ACL_UPDATE : ACL_INSERT;
	bool usable = rel->rd_rel->relkind == RELKIND_RELATION && rel->rd_rel->relam == HEAP_TABLE_AM_OID &&
				  !rel->rd_rel->relispartition && rel->trigdesc == NULL && rel->rd_rules == NULL &&
				  !rel->rd_rel->relrowsecurity && desc->natts <= kMaxColumns &&
				  !(desc->constr && desc->constr->has_generated_stored) &&
				  pg_class_aclcheck(relid, GetUserId(), mode) == ACLCHECK_OK;
	for (int c = 0; usable && c < ncolumns; c++) {
		w->att[c] = InvalidAttrNumber;
		for (int k = 0; k < desc->natts; k++) {
			const Form_pg_attribute a = TupleDescAttr(desc, k);
			if (!a->attisdropped && strcmp(NameStr(a->attname), specs[c].name) == 0 &&
				a->atttypid == specs[c].type && a->atttypmod == -1 && a->attgenerated == '\0')
				w->att[c] = a->attnum;
		}
		usable = w->att[c] != InvalidAttrNumber;
	}
	if (!usable) {
		table_close(rel, RowExclusiveLock);
		return false;
	}
	CheckCmdReplicaIdentity(rel, command);
	w->rel = rel;
	MemoryContext caller = MemoryContextSwitchTo(CurTransactionContext);
	w->estate = CreateExecutorState();
	MemoryContextSwitchTo(w->estate->es_query_cxt);
	w->estate->es_snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : InvalidSnapshot;
	w->estate->es_output_cid = GetCurrentCommandId(true);
	w->rri = (ResultRelInfo *)palloc(sizeof(ResultRelInfo));	// InitResultRelInfo zeroes it
	InitResultRelInfo(w->rri, rel, 0, NULL, 0);
	ExecOpenIndices(w->rri, false);
	w->slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
	MemoryContextSwitchTo(caller);
	return true;
}

void
CloseWriter(Writer *w)
{
	ExecDropSingleTupleTableSlot(w->slot);
	ExecCloseIndices(w->rri);
	FreeExecutorState(w->estate);
	table_close(w->rel, NoLock);  // kept to the end of the transaction, as a statement's
	CommandCounterIncrement();	  // what a statement leaves: later reads see the rows
}

// Stores a tuple (the table access method copies it into the slot's memory), with the table's oid for
// constraints.
void
StoreTuple(Writer *w, TupleTableSlot *slot, HeapTuple tuple)
{
	tuple->t_tableOid = RelationGetRelid(w->rel);
	ExecStoreHeapTuple(tuple, slot, false);
}

// Checks the row's constraints, as the executor does before writing it.
void
CheckConstraints(Writer *w, TupleTableSlot *slot)
{
	if (RelationGetDescr(w->rel)->constr)
		ExecConstraints(w->rri, slot, w->estate);
}

// Adds the index entries of the row just written (unique ones checked, as a statement's).
void
InsertIndexEntries(Writer *w, TupleTableSlot *slot, bool update)
{
	if (w->rri->ri_NumIndices == 0)
		return;
	ExecInsertIndexTuples(w->rri, slot, w->estate, update, false, NULL, NIL);
}

Datum
TextOrNull(const std::string &s, bool empty_is_null, bool *isnull)
{
	*isnull = empty_is_null && s.empty();
	return *isnull ? (Datum)0 : PointerGetDatum(cstring_to_text_with_len(s.data(), (int)s.size()));
}

Datum
JsonbOrNull(const std::string &s, bool *isnull)
{
	*isnull = s.empty();
	return *isnull ? (Datum)0 : DirectFunctionCall1(jsonb_in, CStringGetDatum(s.c_str()));
}

Datum
TimestampOrNull(const std::optional<int64_t> &t, bool *isnull)
{
	*isnull = !t.has_value();
	return *isnull ? (Datum)0 : Int64GetDatum(*t);
}

// --- journey.instance: a step's columns, in place of the version read ---

enum InstanceColumn : int {
	kId,
	kUserId,
	kStatus,  // the first a step sets
	kNode,
	kWakeAt,
	kWaitingEvent,
	kLastStepAt,
	kEndedAt,
	kExitReason,
	kVisits,
	kError,
	kEventHeldAt,
	kContext,
	kVariant,
	kBranches,
	kHeldEvents,
	kInstanceColumns
};
const ColumnSpec kInstanceColumnSpecs[kInstanceColumns] = {
	{"id", INT8OID},				  {"user_id", TEXTOID},		{"status", CHAROID},
	{"node", TEXTOID},				  {"wake_at", TIMESTAMPTZOID}, {"waiting_event", TEXTOID},
	{"last_step_at", TIMESTAMPTZOID}, {"ended_at", TIMESTAMPTZOID}, {"exit_reason", TEXTOID},
	{"visits", TEXTOID},			  {"error", TEXTOID},			{"event_held_at", TIMESTAMPTZOID},
	{"context", JSONBOID},			  {"variant", TEXTOID},		{"branches", JSONBOID},
	{"held_events", JSONBOID}};

// Tells the indexes whether an update leaves their keys as they were (the hint the executor gives nbtree
// for its bottom-up deletion): an index of no column a step sets (the primary key, the one-active index)
// is unchanged; the queue's (wake_at) is not. An index of expressions counts as changed.
void
SetUnchangedHints(Writer *w)
{
	for (int i = 0; i < w->rri->ri_NumIndices; i++) {
		IndexInfo *info = w->rri->ri_IndexRelationInfo[i];
		bool changed = info->ii_Expressions != NIL;
		for (int k = 0; !changed && k < info->ii_NumIndexAttrs; k++)
			for (int c = kStatus; c < kInstanceColumns; c++)
				changed = changed || info->ii_IndexAttrNumbers[k] == w->att[c];
		info->ii_CheckedUnchanged = true;
		info->ii_IndexUnchanged = !changed;
	}
}

// Sets the step's columns of one row in values/nulls (indexed by attribute number - 1).
void
SetStepColumns(const InstanceUpdate &u, const AttrNumber *att, Datum *values, bool *nulls)
{
	auto at = [&](InstanceColumn c) { return att[c] - 1; };
	values[at(kStatus)] = CharGetDatum(u.status.empty() ? 'f' : u.status[0]);
	nulls[at(kStatus)] = false;
	values[at(kNode)] = TextOrNull(u.node, true, &nulls[at(kNode)]);
	values[at(kWakeAt)] = TimestampOrNull(u.wake_at, &nulls[at(kWakeAt)]);
	values[at(kWaitingEvent)] = TextOrNull(u.waiting_event, true, &nulls[at(kWaitingEvent)]);
	values[at(kLastStepAt)] = Int64GetDatum(u.last_step_at);
	nulls[at(kLastStepAt)] = false;
	values[at(kEndedAt)] = TimestampOrNull(u.ended_at, &nulls[at(kEndedAt)]);
	values[at(kExitReason)] = TextOrNull(u.exit_reason, true, &nulls[at(kExitReason)]);
	values[at(kVisits)] = TextOrNull(u.visits, false, &nulls[at(kVisits)]);
	values[at(kError)] = TextOrNull(u.error, true, &nulls[at(kError)]);
	values[at(kEventHeldAt)] = (Datum)0;
	nulls[at(kEventHeldAt)] = true;
	values[at(kContext)] = DirectFunctionCall1(jsonb_in, CStringGetDatum(u.context.c_str()));
	nulls[at(kContext)] = false;
	values[at(kVariant)] = TextOrNull(u.variant, true, &nulls[at(kVariant)]);
	values[at(kBranches)] = JsonbOrNull(u.branches, &nulls[at(kBranches)]);
	values[at(kHeldEvents)] = (Datum)0;
	nulls[at(kHeldEvents)] = true;
}

// Whether a deformed row (in the per-row memory) is the instance (user_id, id) of the update.
bool
SameInstance(const Writer *w, const Datum *values, const bool *nulls, const InstanceUpdate &u)
{
	const int id = w->att[kId] - 1, user = w->att[kUserId] - 1;
	if (nulls[id] || nulls[user] || DatumGetInt64(values[id]) != u.id)
		return false;
	text *t = DatumGetTextPP(values[user]);	// detoasted (into the per-row memory) only if stored apart
	return VARSIZE_ANY_EXHDR(t) == u.user_id.size() &&
		   memcmp(VARDATA_ANY(t), u.user_id.data(), u.user_id.size()) == 0;
}

// One row: false when its version is no longer the latest or not this instance (nothing written then).
bool
UpdateOne(Writer *w, const InstanceUpdate &u)
{
	const TupleDesc desc = RelationGetDescr(w->rel);
	Datum values[kMaxColumns];
	bool nulls[kMaxColumns];
	HeapTupleData old;
	ItemPointerSet(&old.t_self, (BlockNumber)(u.tid >> 16), (OffsetNumber)(u.tid & 0xFFFF));
	Buffer buffer = InvalidBuffer;
	// SnapshotSelf: committed versions and this transaction's own, but not one it has updated since (the
	// row is locked: no other transaction can have).
	if (!heap_fetch(w->rel, SnapshotSelf, &old, &buffer, false))
		return false;
	MemoryContext caller = MemoryContextSwitchTo(GetPerTupleMemoryContext(w->estate));
	heap_deform_tuple(&old, desc, values, nulls);
	if (!SameInstance(w, values, nulls, u)) {
		MemoryContextSwitchTo(caller);
		ReleaseBuffer(buffer);
		ResetPerTupleExprContext(w->estate);
		return false;
	}
	for (int k = 0; k < desc->natts; k++)
		if (TupleDescAttr(desc, k)->attisdropped)
			nulls[k] = true;  // as the executor's update projection: a dropped column's old data is not kept
	SetStepColumns(u, w->att, values, nulls);
	HeapTuple tuple = heap_form_tuple(desc, values, nulls);	// copies the unchanged columns off the page
	ReleaseBuffer(buffer);

	MemoryContextSwitchTo(caller);
	StoreTuple(w, w->slot, tuple);
	CheckConstraints(w, w->slot);
	TM_FailureData failure;
	LockTupleMode lock_mode;
	bool update_indexes = false;
	const TM_Result result =
		table_tuple_update(w->rel, &old.t_self, w->slot, w->estate->es_output_cid, w->estate->es_snapshot,
						   InvalidSnapshot, true, &failure, &lock_mode, &update_indexes);
	if (result == TM_Ok && update_indexes)
		InsertIndexEntries(w, w->slot, true);
	ExecClearTuple(w->slot);
	ResetPerTupleExprContext(w->estate);
	return result == TM_Ok;
}

void
UpdateAll(const InstanceUpdate *rows, size_t n, char *written)
{
	Writer w;
	if (!OpenWriter("instance", CMD_UPDATE, kInstanceColumnSpecs, kInstanceColumns, &w))
		return;
	SetUnchangedHints(&w);
	for (size_t k = 0; k < n; k++)
		written[k] = rows[k].tid != 0 && UpdateOne(&w, rows[k]);
	CloseWriter(&w);
}

// --- journey.outbox: new rows, the columns not given by their defaults ---

enum OutboxColumn : int {
	kJourney,
	kVersion,
	kOutboxNode,
	kInstanceId,
	kOutboxUserId,
	kChannel,
	kTemplate,
	kPayload,
	kDedupKey,
	kCreatedAt,
	kAvailableAt,
	kOutboxStatus,
	kLastError,
	kOutboxColumns
};
const ColumnSpec kOutboxColumnSpecs[kOutboxColumns] = {
	{"journey", TEXTOID},	  {"version", INT4OID},	 {"node", TEXTOID},				{"instance_id", INT8OID},
	{"user_id", TEXTOID},	  {"channel", TEXTOID},	 {"template", TEXTOID},			{"payload", JSONBOID},
	{"dedup_key", TEXTOID}, {"created_at", TIMESTAMPTZOID}, {"available_at", TIMESTAMPTZOID}, {"status", TEXTOID},
	{"last_error", TEXTOID}};

// Forms one outbox row (the defaults evaluated, then the row's columns) in `memory`.
HeapTuple
FormOutboxRow(Writer *w, ExprState *const *defaults, const OutboxRow &o, MemoryContext memory)
{
	const TupleDesc desc = RelationGetDescr(w->rel);
	ExprContext *econtext = GetPerTupleExprContext(w->estate);
	Datum values[kMaxColumns];
	bool nulls[kMaxColumns];
	for (int a = 0; a < desc->natts; a++) {
		nulls[a] = true;
		values[a] = defaults[a] ? ExecEvalExprSwitchContext(defaults[a], econtext, &nulls[a]) : (Datum)0;
	}
	const AttrNumber *att = w->att;
	auto at = [&](OutboxColumn c) { return att[c] - 1; };
	MemoryContext caller = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	values[at(kJourney)] = TextOrNull(o.journey, false, &nulls[at(kJourney)]);
	values[at(kVersion)] = Int32GetDatum(o.version);
	nulls[at(kVersion)] = false;
	values[at(kOutboxNode)] = TextOrNull(o.node, false, &nulls[at(kOutboxNode)]);
	values[at(kInstanceId)] = Int64GetDatum(o.instance_id);
	nulls[at(kInstanceId)] = false;
	values[at(kOutboxUserId)] = TextOrNull(o.user_id, false, &nulls[at(kOutboxUserId)]);
	values[at(kChannel)] = TextOrNull(o.channel, false, &nulls[at(kChannel)]);
	values[at(kTemplate)] = TextOrNull(o.template_name, true, &nulls[at(kTemplate)]);
	values[at(kPayload)] = DirectFunctionCall1(jsonb_in, CStringGetDatum(o.payload.c_str()));
	nulls[at(kPayload)] = false;
	values[at(kDedupKey)] = TextOrNull(o.dedup_key, false, &nulls[at(kDedupKey)]);
	values[at(kCreatedAt)] = Int64GetDatum(o.at);
	nulls[at(kCreatedAt)] = false;
	values[at(kAvailableAt)] = Int64GetDatum(o.at);
	nulls[at(kAvailableAt)] = false;
	values[at(kOutboxStatus)] = TextOrNull(o.status, false, &nulls[at(kOutboxStatus)]);
	values[at(kLastError)] = TextOrNull(o.last_error, true, &nulls[at(kLastError)]);
	MemoryContextSwitchTo(memory);
	HeapTuple tuple = heap_form_tuple(desc, values, nulls);
	MemoryContextSwitchTo(caller);
	return tuple;
}

void
InsertAll(const OutboxRow *rows, size_t n, bool *done)
{
	Writer w;
	if (!OpenWriter("outbox", CMD_INSERT, kOutboxColumnSpecs, kOutboxColumns, &w))
		return;
	const TupleDesc desc = RelationGetDescr(w.rel);
	// Rows go in by table_multi_insert, kChunk at a time (one WAL record and one buffer lock per page,
	// as COPY), then each row's index entries.
	constexpr int kChunk = 256;
	const int nslots = (int)std::min<size_t>(kChunk, n);
	TupleTableSlot *slots[kChunk];
	ExprState *defaults[kMaxColumns] = {};	// the columns not given (the id's identity sequence, attempts)
	MemoryContext caller = MemoryContextSwitchTo(w.estate->es_query_cxt);
	for (int k = 0; k < nslots; k++)
		slots[k] = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
	bool given[kMaxColumns] = {};
	for (int c = 0; c < kOutboxColumns; c++)
		given[w.att[c] - 1] = true;
	for (int k = 0; k < desc->natts; k++) {
		if (given[k] || TupleDescAttr(desc, k)->attisdropped)
			continue;
		Expr *expr = (Expr *)build_column_default(w.rel, k + 1);
		if (expr)
			defaults[k] = ExecInitExpr(expression_planner(expr), NULL);
	}
	// The chunk's tuples, and what table_multi_insert leaves in the current context (its tuple array,
	// toasted copies), freed after each chunk.
	MemoryContext insert_memory =
		AllocSetContextCreate(w.estate->es_query_cxt, "journey outbox rows", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(caller);
	for (size_t first = 0; first < n; first += kChunk) {
		const int count = (int)std::min<size_t>(kChunk, n - first);
		for (int k = 0; k < count; k++) {
			StoreTuple(&w, slots[k], FormOutboxRow(&w, defaults, rows[first + k], insert_memory));
			CheckConstraints(&w, slots[k]);
			ResetPerTupleExprContext(w.estate);
		}
		MemoryContextSwitchTo(insert_memory);
		table_multi_insert(w.rel, slots, count, w.estate->es_output_cid, 0, NULL);
		MemoryContextSwitchTo(caller);
		for (int k = 0; k < count; k++) {
			InsertIndexEntries(&w, slots[k], false);
			ExecClearTuple(slots[k]);
			ResetPerTupleExprContext(w.estate);
		}
		MemoryContextReset(insert_memory);
	}
	for (int k = 0; k < nslots; k++)
		ExecDropSingleTupleTableSlot(slots[k]);
	CloseWriter(&w);
	*done = true;
}

}	 // namespace

std::vector<char>
WriteInstancesInPlace(const std::vector<InstanceUpdate> &rows)
{
	std::vector<char> written(rows.size(), 0);
	bool any = false;
	for (const InstanceUpdate &u : rows)
		any = any || u.tid != 0;
	if (!any)
		return written;
	const InstanceUpdate *data = rows.data();
	char *out = written.data();
	const size_t n = rows.size();
	PgCall([&] { UpdateAll(data, n, out); });
	return written;
}

bool
InsertOutboxRows(const std::vector<OutboxRow> &rows)
{
	if (rows.empty())
		return true;
	bool done = false;
	const OutboxRow *data = rows.data();
	const size_t n = rows.size();
	PgCall([&] { InsertAll(data, n, &done); });
	return done;
}

}	 // namespace journey
