// Public functions whose work needs the extension owner's rights and whose checks need the caller's
// identity (journey.allow_function, journey.track_events, ...): LANGUAGE c, SECURITY INVOKER, they call
// journey._NAME(caller oid, the same arguments) as the extension's owner with the search_path pinned.
// The internal function, which no other role may execute, checks what the caller may do. (A SECURITY
// DEFINER function cannot tell who called it; this one can, and passes it on.)
#include "pg/postgres.hpp"

#include "ext/entry/as_owner.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(journey_with_caller);
}

namespace journey {
namespace {

constexpr int kMaxArgs = 8;

// journey._NAME(oid, the arguments of journey.NAME), for the function being called (cached in fn_extra).
Oid
InternalFunction(FunctionCallInfo fcinfo)
{
	return PgCall([&] {
		FmgrInfo *flinfo = fcinfo->flinfo;
		if (flinfo->fn_extra)
			return *(Oid *)flinfo->fn_extra;
		HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(flinfo->fn_oid));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for function %u", flinfo->fn_oid);
		Form_pg_proc proc = (Form_pg_proc)GETSTRUCT(tup);
		if (proc->pronargs + 1 > kMaxArgs)
			elog(ERROR, "journey_with_caller: too many arguments");
		Oid types[kMaxArgs];
		types[0] = OIDOID;
		for (int i = 0; i < proc->pronargs; i++)
			types[i + 1] = proc->proargtypes.values[i];
		List *name = list_make2(makeString(pstrdup("journey")), makeString(psprintf("_%s", NameStr(proc->proname))));
		const int nargs = proc->pronargs + 1;
		ReleaseSysCache(tup);
		Oid target = LookupFuncName(name, nargs, types, false);
		Oid *cached = (Oid *)MemoryContextAlloc(flinfo->fn_mcxt, sizeof(Oid));
		*cached = target;
		flinfo->fn_extra = cached;
		return target;
	});
}

struct Result {
	Datum value;
	bool isnull;
};

Result
CallAsOwner(FunctionCallInfo fcinfo, Oid target, Oid caller)
{
	AsOwner as_owner;
	return PgCall([&] {
		LOCAL_FCINFO(call, kMaxArgs);
		FmgrInfo flinfo;
		fmgr_info(target, &flinfo);
		InitFunctionCallInfoData(*call, &flinfo, fcinfo->nargs + 1, fcinfo->fncollation, NULL, NULL);
		call->args[0].value = ObjectIdGetDatum(caller);
		call->args[0].isnull = false;
		for (int i = 0; i < fcinfo->nargs; i++)
			call->args[i + 1] = fcinfo->args[i];
		Datum value = FunctionCallInvoke(call);
		return Result{value, call->isnull};
	});
}

}	 // namespace
}	 // namespace journey

Datum
journey_with_caller(PG_FUNCTION_ARGS)
{
	bool isnull = false;
	Datum result = journey::InvokeCpp([&]() -> Datum {
		const Oid caller = GetUserId();
		const Oid target = journey::InternalFunction(fcinfo);
		journey::Result r = journey::CallAsOwner(fcinfo, target, caller);
		isnull = r.isnull;
		return r.value;
	});
	if (isnull)
		PG_RETURN_NULL();
	return result;
}
