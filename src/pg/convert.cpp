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

std::vector<std::string>
TextArrayArg(FunctionCallInfo fcinfo, int arg)
{
	struct Elems {
		Datum *values;
		bool *nulls;
		int n;
	};
	Elems e = PgCall([&] {
		Elems x{};
		ArrayType *a = PG_GETARG_ARRAYTYPE_P(arg);
		deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &x.values, &x.nulls, &x.n);
		return x;
	});
	std::vector<std::string> out;
	for (int k = 0; k < e.n; k++) {
		if (e.nulls[k])
			continue;
		text *t = (text *)DatumGetPointer(e.values[k]);
		out.emplace_back(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	return out;
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
