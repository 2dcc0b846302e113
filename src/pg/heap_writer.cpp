#include "pg/postgres.hpp"

#include "pg/heap_writer.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace journey {

bool
OpenHeapWriter(const char *schema, const char *table, CmdType command, const ColumnSpec *specs, int ncolumns,
			   HeapWriter *w)
{
	const Oid nsp = get_namespace_oid(schema, true);
	const Oid relid = OidIsValid(nsp) ? get_relname_relid(table, nsp) : InvalidOid;
	if (!OidIsValid(relid))
		return false;
	Relation rel = table_open(relid, RowExclusiveLock);
	const TupleDesc desc = RelationGetDescr(rel);
	const AclMode mode = command == CMD_UPDATE ? ACL_UPDATE : ACL_INSERT;
	bool usable = rel->rd_rel->relkind == RELKIND_RELATION && rel->rd_rel->relam == HEAP_TABLE_AM_OID &&
				  !rel->rd_rel->relispartition && rel->trigdesc == NULL && rel->rd_rules == NULL &&
				  !rel->rd_rel->relrowsecurity && desc->natts <= kMaxWriterColumns &&
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
CloseHeapWriter(HeapWriter *w)
{
	ExecDropSingleTupleTableSlot(w->slot);
	ExecCloseIndices(w->rri);
	FreeExecutorState(w->estate);
	table_close(w->rel, NoLock);  // kept to the end of the transaction, as a statement's
	CommandCounterIncrement();	  // what a statement leaves: later reads see the rows
}

void
StoreTuple(HeapWriter *w, TupleTableSlot *slot, HeapTuple tuple)
{
	tuple->t_tableOid = RelationGetRelid(w->rel);
	ExecStoreHeapTuple(tuple, slot, false);
}

void
CheckConstraints(HeapWriter *w, TupleTableSlot *slot)
{
	if (RelationGetDescr(w->rel)->constr)
		ExecConstraints(w->rri, slot, w->estate);
}

void
InsertIndexEntries(HeapWriter *w, TupleTableSlot *slot, bool update)
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

}	 // namespace journey
