#include "pg/postgres.hpp"

#include "ext/storage/instance_in_place.hpp"

#include "core/evaluator.hpp"
#include "ext/storage/instance_columns.hpp"
#include "pg/guard.hpp"
#include "pg/heap_writer.hpp"

#include <array>
#include <string_view>

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

// --- journey.instance: a step's columns, in place of the version read ---

// The direct writer's columns: the key, the step columns (kStepColumns, in its order), then the two a step
// clears.
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
	kContext,
	kVariant,
	kBranches,
	kHistory,
	kEventHeldAt,
	kHeldEvents,
	kInstanceColumns
};
constexpr bool
IsStepColumn(InstanceColumn c, std::string_view name)
{
	return StepColumnIndex(name) == (size_t)(c - kStatus);
}
static_assert(kEventHeldAt - kStatus == (int)kStepColumnCount && IsStepColumn(kStatus, "status") &&
				  IsStepColumn(kNode, "node") && IsStepColumn(kWakeAt, "wake_at") &&
				  IsStepColumn(kWaitingEvent, "waiting_event") && IsStepColumn(kLastStepAt, "last_step_at") &&
				  IsStepColumn(kEndedAt, "ended_at") && IsStepColumn(kExitReason, "exit_reason") &&
				  IsStepColumn(kVisits, "visits") && IsStepColumn(kError, "error") &&
				  IsStepColumn(kContext, "context") && IsStepColumn(kVariant, "variant") &&
				  IsStepColumn(kBranches, "branches") && IsStepColumn(kHistory, "history"),
			  "the direct writer's step columns are kStepColumns, in its order");
constexpr std::array<ColumnSpec, kInstanceColumns> kInstanceColumnSpecs = [] {
	std::array<ColumnSpec, kInstanceColumns> specs{};
	specs[kId] = {"id", INT8OID};
	specs[kUserId] = {"user_id", TEXTOID};
	for (size_t k = 0; k < kStepColumnCount; k++)
		specs[kStatus + k] = {kStepColumns[k].name, kStepColumns[k].type};
	specs[kEventHeldAt] = {"event_held_at", TIMESTAMPTZOID};
	specs[kHeldEvents] = {"held_events", JSONBOID};
	return specs;
}();

// Tells the indexes whether an update leaves their keys as they were (the hint the executor gives nbtree
// for its bottom-up deletion): an index of no column a step sets (the primary key, the one-active index)
// is unchanged; the queue's (wake_at) is not. An index of expressions counts as changed.
void
SetUnchangedHints(HeapWriter *w)
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

// Appends a step's history lines to the row's (the value deformed from it, in the per-row memory), keeping at
// most kMaxHistoryBytes (journey._append_history does the same in SQL).
void
AppendHistory(const std::string &lines, Datum *value, bool *isnull)
{
	if (lines.empty())
		return;
	const char *old = nullptr;
	size_t old_length = 0;
	if (!*isnull) {
		text *t = DatumGetTextPP(*value);
		old = VARDATA_ANY(t);
		old_length = VARSIZE_ANY_EXHDR(t);
	}
	const size_t length = old_length + lines.size();
	char *joined = (char *)palloc(length);
	if (old_length)
		memcpy(joined, old, old_length);
	memcpy(joined + old_length, lines.data(), lines.size());
	const size_t from = KeptHistoryFrom(joined, length);
	*value = PointerGetDatum(cstring_to_text_with_len(joined + from, (int)(length - from)));
	*isnull = false;
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
	AppendHistory(u.history, &values[at(kHistory)], &nulls[at(kHistory)]);
	values[at(kHeldEvents)] = (Datum)0;
	nulls[at(kHeldEvents)] = true;
}

// Whether a deformed row (in the per-row memory) is the instance (user_id, id) of the update.
bool
SameInstance(const HeapWriter *w, const Datum *values, const bool *nulls, const InstanceUpdate &u)
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
UpdateOne(HeapWriter *w, const InstanceUpdate &u)
{
	const TupleDesc desc = RelationGetDescr(w->rel);
	Datum values[kMaxWriterColumns];
	bool nulls[kMaxWriterColumns];
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
	HeapWriter w;
	if (!OpenHeapWriter("journey", "instance", CMD_UPDATE, kInstanceColumnSpecs.data(), kInstanceColumns, &w))
		return;
	SetUnchangedHints(&w);
	for (size_t k = 0; k < n; k++)
		written[k] = rows[k].tid != 0 && UpdateOne(&w, rows[k]);
	CloseHeapWriter(&w);
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

}	 // namespace journey
