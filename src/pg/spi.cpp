#include "pg/spi.hpp"

#include "pg/convert.hpp"
#include "pg/guard.hpp"

#include <unordered_map>

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace journey {

SqlValue
SqlValue::Text(std::string v)
{
	SqlValue r;
	r.null = false;
	r.s = std::move(v);
	return r;
}
SqlValue
SqlValue::Jsonb(std::string json_text)
{
	return Text(std::move(json_text));
}
SqlValue
SqlValue::Int(int64_t v)
{
	SqlValue r;
	r.null = false;
	r.i = v;
	return r;
}
SqlValue
SqlValue::Bool(bool v)
{
	return Int(v ? 1 : 0);
}
SqlValue
SqlValue::Timestamp(int64_t v)
{
	return Int(v);
}
SqlValue
SqlValue::Texts(std::vector<std::string> v)
{
	SqlValue r;
	r.null = false;
	r.texts = std::move(v);
	return r;
}
SqlValue
SqlValue::Ints(std::vector<int32_t> v)
{
	SqlValue r;
	r.null = false;
	r.ints = std::move(v);
	return r;
}
SqlValue
SqlValue::Int64s(std::vector<std::optional<int64_t>> v)
{
	SqlValue r;
	r.null = false;
	r.int64s = std::move(v);
	return r;
}
SqlValue
SqlValue::OptionalTimestamp(const std::optional<int64_t> &v)
{
	return v ? Timestamp(*v) : Null();
}
SqlValue
SqlValue::OptionalText(const std::optional<std::string> &v)
{
	return v ? Text(*v) : Null();
}

namespace {

Oid
TypeOid(SqlType t)
{
	switch (t) {
	case SqlType::Text:
		return TEXTOID;
	case SqlType::Jsonb:
		return JSONBOID;
	case SqlType::Int4:
		return INT4OID;
	case SqlType::Int8:
		return INT8OID;
	case SqlType::Bool:
		return BOOLOID;
	case SqlType::TimestampTz:
		return TIMESTAMPTZOID;
	case SqlType::Tid:
		return TIDOID;
	case SqlType::TextArray:
		return TEXTARRAYOID;
	case SqlType::Int4Array:
		return INT4ARRAYOID;
	case SqlType::Int8Array:
		return INT8ARRAYOID;
	case SqlType::TimestampTzArray:
		return TIMESTAMPTZARRAYOID;
	}
	return InvalidOid;
}

// Prepared plans, kept for the backend's life, by statement address. The text is kept too: a statement
// built at run time (over the tracked tables) may be freed and another allocated at the same address.
struct KeptPlan {
	std::string sql;
	SPIPlanPtr plan;
};

std::unordered_map<const Statement *, KeptPlan> &
Plans()
{
	static std::unordered_map<const Statement *, KeptPlan> plans;
	return plans;
}

// Builds a Datum in the current memory context. Postgres calls only: runs inside PgCall.
Datum
ToDatum(SqlType t, const SqlValue &v)
{
	switch (t) {
	case SqlType::Text:
		return PointerGetDatum(cstring_to_text_with_len(v.s.data(), (int)v.s.size()));
	case SqlType::Jsonb:
		return DirectFunctionCall1(jsonb_in, CStringGetDatum(v.s.c_str()));
	case SqlType::Int4:
		return Int32GetDatum((int32)v.i);
	case SqlType::Int8:
		return Int64GetDatum(v.i);
	case SqlType::Bool:
		return BoolGetDatum(v.i != 0);
	case SqlType::TimestampTz:
		return TimestampTzGetDatum(v.i);
	case SqlType::Tid: {
		ItemPointer tid = (ItemPointer)palloc(sizeof(ItemPointerData));
		ItemPointerSet(tid, (BlockNumber)(v.i >> 16), (OffsetNumber)(v.i & 0xFFFF));
		return PointerGetDatum(tid);
	}
	case SqlType::TextArray: {
		int n = (int)v.texts.size();
		Datum *elems = (Datum *)palloc(sizeof(Datum) * (n > 0 ? n : 1));
		for (int k = 0; k < n; k++)
			elems[k] = PointerGetDatum(cstring_to_text_with_len(v.texts[k].data(), (int)v.texts[k].size()));
		return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
	}
	case SqlType::Int4Array: {
		int n = (int)v.ints.size();
		Datum *elems = (Datum *)palloc(sizeof(Datum) * (n > 0 ? n : 1));
		for (int k = 0; k < n; k++)
			elems[k] = Int32GetDatum(v.ints[k]);
		return PointerGetDatum(construct_array(elems, n, INT4OID, 4, true, TYPALIGN_INT));
	}
	case SqlType::Int8Array:
	case SqlType::TimestampTzArray: {
		int n = (int)v.int64s.size();
		const Oid element = t == SqlType::Int8Array ? INT8OID : TIMESTAMPTZOID;
		if (n == 0)
			return PointerGetDatum(construct_empty_array(element));
		Datum *elems = (Datum *)palloc(sizeof(Datum) * n);
		bool *nulls = (bool *)palloc(sizeof(bool) * n);
		for (int k = 0; k < n; k++) {
			nulls[k] = !v.int64s[k].has_value();
			elems[k] = nulls[k] ? (Datum)0 : Int64GetDatum(*v.int64s[k]);
		}
		int dims[1] = {n};
		int lbs[1] = {1};
		return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, element, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	}
	return (Datum)0;
}

}	 // namespace

SpiSession::SpiSession()
{
	scratch_ = PgCall([] {
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "pg_journey: SPI_connect failed");
		return AllocSetContextCreate(CurrentMemoryContext, "pg_journey spi scratch", ALLOCSET_DEFAULT_SIZES);
	});
}

SpiSession::~SpiSession()
{
	try {
		PgCall([] { SPI_finish(); });
	} catch (...) {
		// The transaction is aborting; its end of transaction cleans SPI up.
	}
}

namespace {

SPIPlanPtr
PlanFor(const Statement &st)
{
	auto &plans = Plans();
	auto it = plans.find(&st);
	if (it != plans.end()) {
		if (it->second.sql == st.sql)
			return it->second.plan;
		SPIPlanPtr stale = it->second.plan;
		plans.erase(it);
		PgCall([&] { SPI_freeplan(stale); });
	}
	const int nargs = (int)st.params.size();
	Oid types[32];
	if (nargs > 32)
		throw std::logic_error("too many statement parameters");
	for (int k = 0; k < nargs; k++)
		types[k] = TypeOid(st.params[k]);
	const char *sql = st.sql;
	const int options = st.generic_plan ? CURSOR_OPT_GENERIC_PLAN : 0;
	SPIPlanPtr plan = PgCall([&] {
		SPIPlanPtr p = SPI_prepare_cursor(sql, nargs, types, options);
		if (!p)
			elog(ERROR, "pg_journey: SPI_prepare failed (%s): %s", SPI_result_code_string(SPI_result), sql);
		SPI_keepplan(p);
		return p;
	});
	plans.emplace(&st, KeptPlan{st.sql, plan});
	return plan;
}

struct RawResult {
	uint64 processed;
	SPITupleTable *table;
};

// A statement's parameters as SPI takes them, built in the scratch context (Postgres calls only: run it
// inside PgCall).
struct BoundArgs {
	Datum values[32];
	char nulls[32];
};

void
BindArgs(MemoryContext scratch, const Statement &st, const std::vector<SqlValue> &args, BoundArgs &bound)
{
	MemoryContext old = MemoryContextSwitchTo(scratch);
	for (size_t k = 0; k < args.size(); k++) {
		bound.nulls[k] = args[k].null ? 'n' : ' ';
		bound.values[k] = args[k].null ? (Datum)0 : ToDatum(st.params[k], args[k]);
	}
	MemoryContextSwitchTo(old);
}

void
CheckArgs(const Statement &st, const std::vector<SqlValue> &args)
{
	if (args.size() != st.params.size())
		throw std::logic_error("wrong number of statement arguments");
}

RawResult
Execute(MemoryContext scratch, SPIPlanPtr plan, const Statement &st, const std::vector<SqlValue> &args, long limit)
{
	CheckArgs(st, args);
	return PgCall([&] {
		BoundArgs bound;
		BindArgs(scratch, st, args, bound);
		int rc = SPI_execute_plan(plan, bound.values, bound.nulls, false, limit);
		if (rc < 0)
			elog(ERROR, "pg_journey: statement failed (%s): %s", SPI_result_code_string(rc), st.sql);
		return RawResult{SPI_processed, SPI_tuptable};
	});
}

// One column of a result row as Postgres left it: read inside PgCall, copied into C++ after.
struct RawColumn {
	bool isnull;
	Datum d;
	const char *text;  // Text and Jsonb: the bytes (in the tuple or the scratch context)
	int len;
};

// Reads one result row's columns (one deform of the tuple, one PgCall for the row); the text of Jsonb
// columns is printed into the scratch context.
void
ReadRawRow(MemoryContext scratch, SPITupleTable *table, uint64 row, const std::vector<SqlType> &types,
		   RawColumn *out)
{
	const int ncols = (int)types.size();
	const SqlType *type = types.data();
	PgCall([&] {
		TupleDesc desc = table->tupdesc;
		if (desc->natts < ncols)
			elog(ERROR, "pg_journey: a statement returned %d columns, %d expected", desc->natts, ncols);
		Datum values[64];
		bool nulls[64];
		if (desc->natts > 64)
			elog(ERROR, "pg_journey: a statement returned %d columns, at most 64 are read", desc->natts);
		heap_deform_tuple(table->vals[row], desc, values, nulls);
		MemoryContext old = MemoryContextSwitchTo(scratch);
		for (int c = 0; c < ncols; c++) {
			RawColumn &r = out[c];
			r.isnull = nulls[c];
			r.d = values[c];
			r.text = nullptr;
			r.len = 0;
			if (r.isnull)
				continue;
			if (type[c] == SqlType::Text) {
				text *t = DatumGetTextPP(r.d);
				r.text = VARDATA_ANY(t);
				r.len = (int)VARSIZE_ANY_EXHDR(t);
			} else if (type[c] == SqlType::Jsonb) {
				Jsonb *jb = DatumGetJsonbP(r.d);
				r.text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
				r.len = (int)strlen(r.text);
			}
		}
		MemoryContextSwitchTo(old);
	});
}

SqlValue
FromRaw(MemoryContext scratch, const RawColumn &raw, SqlType type)
{
	SqlValue v;
	if (raw.isnull)
		return v;
	v.null = false;
	switch (type) {
	case SqlType::Text:
	case SqlType::Jsonb:
		v.s.assign(raw.text, raw.len);
		break;
	case SqlType::Int4:
		v.i = DatumGetInt32(raw.d);
		break;
	case SqlType::Int8:
	case SqlType::TimestampTz:
		v.i = DatumGetInt64(raw.d);
		break;
	case SqlType::Bool:
		v.i = DatumGetBool(raw.d) ? 1 : 0;
		break;
	case SqlType::Tid: {
		const ItemPointer tid = (ItemPointer)DatumGetPointer(raw.d);
		v.i = ((int64_t)ItemPointerGetBlockNumberNoCheck(tid) << 16) | ItemPointerGetOffsetNumberNoCheck(tid);
		break;
	}
	case SqlType::Int4Array:
		v.ints = Int4Elements(raw.d, scratch);
		break;
	case SqlType::TextArray:
		v.texts = TextElements(raw.d, scratch, false);
		break;
	case SqlType::Int8Array:
	case SqlType::TimestampTzArray:
		throw std::logic_error("int8[] and timestamptz[] are parameter types only");
	}
	return v;
}

}	 // namespace

// Copies the rows of an SPI result into C++ rows, then frees the result and resets the scratch context.
std::vector<SqlRow>
SpiSession::ReadRows(const Statement &statement, SPITupleTable *table, uint64 processed)
{
	std::vector<SqlRow> rows;
	if (table && !statement.columns.empty()) {
		const std::vector<SqlType> &types = statement.columns;
		std::vector<RawColumn> raw(types.size());
		rows.reserve(processed);
		for (uint64 r = 0; r < processed; r++) {
			ReadRawRow(scratch_, table, r, types, raw.data());
			SqlRow row;
			row.reserve(types.size());
			for (size_t c = 0; c < types.size(); c++)
				row.push_back(FromRaw(scratch_, raw[c], types[c]));
			rows.push_back(std::move(row));
		}
	}
	MemoryContext scratch = scratch_;
	PgCall([&] {
		if (table)
			SPI_freetuptable(table);
		MemoryContextReset(scratch);
	});
	return rows;
}

std::vector<SqlRow>
SpiSession::Run(const Statement &statement, const std::vector<SqlValue> &args, long limit)
{
	SPIPlanPtr plan = PlanFor(statement);
	RawResult res = Execute(scratch_, plan, statement, args, limit);
	return ReadRows(statement, res.table, res.processed);
}

SpiSession::Cursor::Cursor(SpiSession &spi, const Statement &statement, const std::vector<SqlValue> &args)
	: spi_(spi), statement_(statement)
{
	CheckArgs(statement, args);
	SPIPlanPtr plan = PlanFor(statement);
	MemoryContext scratch = spi.scratch_;
	portal_ = PgCall([&] {
		BoundArgs bound;
		BindArgs(scratch, statement, args, bound);
		Portal p = SPI_cursor_open(NULL, plan, bound.values, bound.nulls, false);
		MemoryContextReset(scratch);
		return p;
	});
}

SpiSession::Cursor::~Cursor()
{
	try {
		Portal portal = portal_;
		PgCall([&] { SPI_cursor_close(portal); });
	} catch (...) {
		// The transaction is aborting; its end drops the portal.
	}
}

std::vector<SqlRow>
SpiSession::Cursor::Fetch(long count)
{
	Portal portal = portal_;
	struct Fetched {
		SPITupleTable *table;
		uint64 processed;
	};
	const Fetched f = PgCall([&] {
		SPI_cursor_fetch(portal, true, count);
		return Fetched{SPI_tuptable, SPI_processed};
	});
	return spi_.ReadRows(statement_, f.table, f.processed);
}

uint64_t
SpiSession::Exec(const Statement &statement, const std::vector<SqlValue> &args)
{
	SPIPlanPtr plan = PlanFor(statement);
	RawResult res = Execute(scratch_, plan, statement, args, 0);
	MemoryContext scratch = scratch_;
	SPITupleTable *table = res.table;
	PgCall([&] {
		if (table)
			SPI_freetuptable(table);
		MemoryContextReset(scratch);
	});
	return res.processed;
}

}	 // namespace journey
