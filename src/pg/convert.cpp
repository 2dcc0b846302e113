#include "pg/convert.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

namespace journey {

// Postgres' JsonbToCString walks the jsonb with a JsonbIterator, without recursion, so a jsonb of any depth
// (jsonb_build_array nests deeper than the text parser's stack check allows) converts; the core's parser
// does not recurse either, and Compile() refuses a definition deeper than kMaxJsonDepth (22023) before
// anything recurses over it.
std::string
JsonbArgText(FunctionCallInfo fcinfo, int arg)
{
	const char *s = PgCall([&] {
		Jsonb *jb = PG_GETARG_JSONB_P(arg);
		return (const char *)JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	});
	return std::string(s);
}

std::string
TextArg(FunctionCallInfo fcinfo, int arg)
{
	struct Raw {
		const char *data;
		int len;
	};
	Raw raw = PgCall([&] {
		text *t = PG_GETARG_TEXT_PP(arg);
		return Raw{VARDATA_ANY(t), (int)VARSIZE_ANY_EXHDR(t)};
	});
	return std::string(raw.data, raw.len);
}

namespace {

struct Elements {
	Datum *values;
	bool *nulls;
	int n;
};

Elements
Deconstruct(Datum array, MemoryContext context, Oid type, int len, bool byval)
{
	return PgCall([&] {
		Elements e{};
		MemoryContext old = MemoryContextSwitchTo(context);
		deconstruct_array(DatumGetArrayTypeP(array), type, len, byval, TYPALIGN_INT, &e.values, &e.nulls, &e.n);
		MemoryContextSwitchTo(old);
		return e;
	});
}

}	 // namespace

std::vector<int32_t>
Int4Elements(Datum array, MemoryContext context)
{
	Elements e = Deconstruct(array, context, INT4OID, 4, true);
	std::vector<int32_t> out;
	out.reserve(e.n);
	for (int k = 0; k < e.n; k++)
		out.push_back(e.nulls[k] ? 0 : DatumGetInt32(e.values[k]));
	return out;
}

std::vector<std::string>
TextElements(Datum array, MemoryContext context, bool skip_nulls)
{
	Elements e = Deconstruct(array, context, TEXTOID, -1, false);
	std::vector<std::string> out;
	for (int k = 0; k < e.n; k++) {
		if (e.nulls[k]) {
			if (!skip_nulls)
				out.emplace_back();
			continue;
		}
		text *t = (text *)DatumGetPointer(e.values[k]);
		out.emplace_back(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	return out;
}

std::vector<std::string>
TextArrayArg(FunctionCallInfo fcinfo, int arg)
{
	Datum array = PgCall([&] { return PG_GETARG_DATUM(arg); });
	return TextElements(array, CurrentMemoryContext, true);
}

int64_t
TimestampArgOrNow(FunctionCallInfo fcinfo, int arg)
{
	int64_t ts = PgCall([&] {
		return (int64_t)(PG_ARGISNULL(arg) ? GetCurrentTransactionStartTimestamp() : PG_GETARG_TIMESTAMPTZ(arg));
	});
	if (TIMESTAMP_NOT_FINITE(ts))
		throw UserError("22008", "timestamp must be finite, not infinity");
	return ts;
}

}	 // namespace journey
