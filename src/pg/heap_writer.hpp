// Writes into a table without a statement, the way the executor's INSERT and UPDATE write (column
// defaults, constraints, the heap, every index entry, unique checks): the generic part of the storage's
// direct writers (ext/storage/instance_in_place.cpp, ext/storage/outbox.cpp). Everything here is Postgres
// calls only: call it inside PgCall, with rows read through plain pointers and no C++ object owned.
#pragma once
#include "pg/postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>

extern "C" {
#include "access/attnum.h"
#include "nodes/execnodes.h"
#include "utils/relcache.h"
}

namespace journey {

constexpr int kMaxWriterColumns = 64;  // a wider table (columns added by hand) takes the statements

// A column a direct writer writes: its name and the type it writes (the table's must be that type).
struct ColumnSpec {
	const char *name;
	Oid type;
};

// A table opened for direct writes, with the executor state its writes need.
struct HeapWriter {
	Relation rel = nullptr;
	EState *estate = nullptr;
	ResultRelInfo *rri = nullptr;
	TupleTableSlot *slot = nullptr;
	AttrNumber att[kMaxWriterColumns];	// the written columns' attribute numbers, in the order of their specs
};

// Opens schema.`table` (RowExclusiveLock) when the direct path applies to it: a plain heap table, not a
// partition, with no triggers (foreign keys included), rules, row security or stored generated columns,
// which the current user may write (`command`), and whose columns of `specs` have those types. False
// (nothing held) when it does not. A publication that cannot replicate the command raises the statement's
// error. The executor state lives in the (sub)transaction's memory: an error frees it with the rest.
bool OpenHeapWriter(const char *schema, const char *table, CmdType command, const ColumnSpec *specs, int ncolumns,
					HeapWriter *w);
// Closes it as a statement ends: the relation kept locked to the end of the transaction, and a command
// counter increment (later reads see the rows).
void CloseHeapWriter(HeapWriter *w);

// Stores a tuple (the table access method copies it into the slot's memory), with the table's oid for
// constraints.
void StoreTuple(HeapWriter *w, TupleTableSlot *slot, HeapTuple tuple);
// Checks the row's constraints, as the executor does before writing it.
void CheckConstraints(HeapWriter *w, TupleTableSlot *slot);
// Adds the index entries of the row just written (unique ones checked, as a statement's).
void InsertIndexEntries(HeapWriter *w, TupleTableSlot *slot, bool update);

// Column values of a row ('' as null when empty_is_null; a jsonb from its text, '' as null).
Datum TextOrNull(const std::string &s, bool empty_is_null, bool *isnull);
Datum JsonbOrNull(const std::string &s, bool *isnull);
Datum TimestampOrNull(const std::optional<int64_t> &t, bool *isnull);

}	 // namespace journey
