#include "pg/postgres.hpp"

#include "ext/storage/direct_reads.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "datatype/timestamp.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

#include <utility>

#include <cstring>

namespace journey {

namespace {

// An index scan of a built-in store (plain pointers: it owns no C++ objects and may live across PgCalls).
struct IndexedRead {
	Relation heap = nullptr;
	Relation index = nullptr;
	Snapshot snapshot = nullptr;
	TupleTableSlot *slot = nullptr;
	IndexScanDesc scan = nullptr;
};

// Opens journey.<table> and its btree <index> with at least `key_columns` key columns; false when they are
// not there as expected.
bool
OpenIndexed(IndexedRead &r, const char *table, const char *index_name, int key_columns)
{
	Oid nsp = get_namespace_oid("journey", true);
	if (!OidIsValid(nsp))
		return false;
	Oid heap_oid = get_relname_relid(table, nsp);
	Oid index_oid = get_relname_relid(index_name, nsp);
	if (!OidIsValid(heap_oid) || !OidIsValid(index_oid))
		return false;
	r.index = index_open(index_oid, AccessShareLock);
	if (r.index->rd_index->indrelid != heap_oid || r.index->rd_index->indnkeyatts < key_columns ||
		r.index->rd_rel->relam != BTREE_AM_OID) {
		index_close(r.index, AccessShareLock);
		return false;
	}
	r.heap = table_open(heap_oid, AccessShareLock);
	return true;
}

void
TextKey(ScanKey key, const IndexedRead &r, AttrNumber column, text *value)
{
	ScanKeyEntryInitialize(key, 0, column, BTEqualStrategyNumber, InvalidOid, r.index->rd_indcollation[column - 1],
						   F_TEXTEQ, PointerGetDatum(value));
}

void
TextKey(ScanKey key, const IndexedRead &r, AttrNumber column, const char *chars, int len)
{
	TextKey(key, r, column, cstring_to_text_with_len(chars, len));
}

// Sets the scan up (for `nkeys` keys, given by index_rescan) with what an SQL statement at this point of the
// transaction would see: the commands of this transaction so far included (as SPI does: a command counter
// increment, a fresh snapshot, registered until EndScan).
void
BeginScan(IndexedRead &r, int nkeys)
{
	CommandCounterIncrement();
	r.snapshot = RegisterSnapshot(GetTransactionSnapshot());
	r.slot = table_slot_create(r.heap, NULL);
	r.scan = index_beginscan(r.heap, r.index, r.snapshot, nkeys, 0);
}

void
EndScan(IndexedRead &r)
{
	index_endscan(r.scan);
	ExecDropSingleTupleTableSlot(r.slot);
	UnregisterSnapshot(r.snapshot);
	table_close(r.heap, NoLock);  // locks are kept to the end of the transaction, as the executor's are
	index_close(r.index, NoLock);
}

}	 // namespace

std::optional<int64_t>
CountBuiltinEvents(const std::string &user, const std::string &name, std::optional<Timestamp> from, Timestamp to,
				   int64_t stop_after)
{
	EventCounter counter;  // for one count (after an error, the transaction's abort releases it)
	std::optional<int64_t> n = counter.Count(user, name, from, to, stop_after);
	counter.Close();
	return n;
}

struct EventCounter::Open {
	IndexedRead read;
	ScanKeyData keys[4];
};

std::optional<int64_t>
EventCounter::Count(const std::string &user, const std::string &name, std::optional<Timestamp> from, Timestamp to,
					int64_t stop_after)
{
	if (unavailable_)
		return std::nullopt;
	if (!open_) {
		open_ = PgCall([]() -> Open * {
			IndexedRead r;
			if (!OpenIndexed(r, "events", "events_user_name_time", 3))
				return nullptr;
			Open *o = (Open *)palloc0(sizeof(Open));
			o->read = r;
			BeginScan(o->read, 4);	// once: the counts after it see the transaction as it was here
			return o;
		});
		if (!open_) {
			unavailable_ = true;
			return std::nullopt;
		}
	}
	Open *o = open_;
	// Always four keys (a scan's number of keys is fixed at its start): no lower bound is -infinity.
	const Timestamp from_at = from.value_or(DT_NOBEGIN);
	return PgCall([&]() -> int64_t {
		IndexedRead &r = o->read;
		text *user_key = cstring_to_text_with_len(user.data(), (int)user.size());
		text *name_key = cstring_to_text_with_len(name.data(), (int)name.size());
		TextKey(&o->keys[0], r, 1, user_key);
		TextKey(&o->keys[1], r, 2, name_key);
		ScanKeyEntryInitialize(&o->keys[2], 0, 3, BTGreaterEqualStrategyNumber, InvalidOid, InvalidOid,
							   F_TIMESTAMPTZ_GE, TimestampTzGetDatum(from_at));
		ScanKeyEntryInitialize(&o->keys[3], 0, 3, BTLessEqualStrategyNumber, InvalidOid, InvalidOid,
							   F_TIMESTAMPTZ_LE, TimestampTzGetDatum(to));
		index_rescan(r.scan, o->keys, 4, NULL, 0);
		int64_t n = 0;
		while (n < stop_after && index_getnext_slot(r.scan, ForwardScanDirection, r.slot))
			n++;
		ExecClearTuple(r.slot);
		pfree(user_key);
		pfree(name_key);
		return n;
	});
}

void
EventCounter::Close()
{
	Open *o = std::exchange(open_, nullptr);
	if (!o)
		return;
	PgCall([o] {
		EndScan(o->read);
		pfree(o);
	});
}

std::optional<Contact>
ReadContact(const std::string &user, const std::string &channel)
{
	struct Raw {
		int found;	// -1: no index, 0: no row, 1: a row
		bool address_null, opted_in, bounced;
		char *address;	// palloc'd in the caller's context
		int address_len;
	};
	MemoryContext caller = CurrentMemoryContext;
	const Raw raw = PgCall([&]() -> Raw {
		Raw out{-1, true, false, false, nullptr, 0};
		IndexedRead r;
		if (!OpenIndexed(r, "contacts", "contacts_pkey", 2))
			return out;
		TupleDesc desc = RelationGetDescr(r.heap);
		// The columns by name: address, opted_in, bounced (as 20_stores.sql creates them).
		AttrNumber address = InvalidAttrNumber, opted_in = InvalidAttrNumber, bounced = InvalidAttrNumber;
		for (int k = 0; k < desc->natts; k++) {
			const char *col = NameStr(TupleDescAttr(desc, k)->attname);
			if (strcmp(col, "address") == 0)
				address = k + 1;
			else if (strcmp(col, "opted_in") == 0)
				opted_in = k + 1;
			else if (strcmp(col, "bounced") == 0)
				bounced = k + 1;
		}
		if (!address || !opted_in || !bounced) {
			table_close(r.heap, AccessShareLock);
			index_close(r.index, AccessShareLock);
			return out;
		}
		ScanKeyData keys[2];
		TextKey(&keys[0], r, 1, user.data(), (int)user.size());
		TextKey(&keys[1], r, 2, channel.data(), (int)channel.size());
		BeginScan(r, 2);
		index_rescan(r.scan, keys, 2, NULL, 0);
		out.found = 0;
		if (index_getnext_slot(r.scan, ForwardScanDirection, r.slot)) {
			bool isnull;
			out.found = 1;
			Datum a = slot_getattr(r.slot, address, &out.address_null);
			if (!out.address_null) {
				text *t = DatumGetTextPP(a);
				out.address_len = (int)VARSIZE_ANY_EXHDR(t);
				out.address = (char *)MemoryContextAlloc(caller, out.address_len + 1);
				memcpy(out.address, VARDATA_ANY(t), out.address_len);
			}
			Datum o = slot_getattr(r.slot, opted_in, &isnull);
			out.opted_in = !isnull && DatumGetBool(o);
			Datum b = slot_getattr(r.slot, bounced, &isnull);
			out.bounced = !isnull && DatumGetBool(b);
		}
		EndScan(r);
		return out;
	});
	if (raw.found < 0)
		return std::nullopt;
	Contact c;
	if (raw.found == 0)
		return c;
	c.exists = true;
	if (!raw.address_null) {
		c.address = std::string(raw.address, raw.address_len);
		PgCall([&] { pfree(raw.address); });
	}
	c.opted_in = raw.opted_in;
	c.bounced = raw.bounced;
	return c;
}

std::optional<bool>
IsSegmentMember(const std::string &segment, const std::string &user)
{
	const int found = PgCall([&]() -> int {
		IndexedRead r;
		if (!OpenIndexed(r, "segment_members", "segment_members_pkey", 2))
			return -1;
		ScanKeyData keys[2];
		TextKey(&keys[0], r, 1, segment.data(), (int)segment.size());
		TextKey(&keys[1], r, 2, user.data(), (int)user.size());
		BeginScan(r, 2);
		index_rescan(r.scan, keys, 2, NULL, 0);
		const int member = index_getnext_slot(r.scan, ForwardScanDirection, r.slot) ? 1 : 0;
		EndScan(r);
		return member;
	});
	if (found < 0)
		return std::nullopt;
	return found == 1;
}

}	 // namespace journey
