#include "pg/postgres.hpp"

#include "ext/as_owner.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/syscache.h"
}

#include <cstring>

namespace journey {

Oid
ExtensionOwner()
{
	return PgCall([] {
		Oid ns = get_namespace_oid("journey", false);
		HeapTuple tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(ns));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for namespace %u", ns);
		Oid owner = ((Form_pg_namespace)GETSTRUCT(tup))->nspowner;
		ReleaseSysCache(tup);
		return owner;
	});
}

PinnedSearchPath::PinnedSearchPath()
{
	if (namespace_search_path && strcmp(namespace_search_path, kSafeSearchPath) == 0)
		return;
	nest_level_ = PgCall([] {
		int level = NewGUCNestLevel();
		(void)set_config_option("search_path", kSafeSearchPath, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
								false);
		return level;
	});
}

PinnedSearchPath::~PinnedSearchPath()
{
	// As a function's SET clause ends: the caller's value comes back (an aborting (sub)transaction would
	// restore it too, but this scope always closes first: errors reach Postgres only after it).
	if (nest_level_)
		AtEOXact_GUC(true, nest_level_);
}

AsRole::AsRole(Oid role, Trust trust)
{
	GetUserIdAndSecContext(&saved_user_, &saved_context_);
	int context = saved_context_ | SECURITY_LOCAL_USERID_CHANGE;
	if (trust == Trust::Restricted)
		context |= SECURITY_RESTRICTED_OPERATION;
	SetUserIdAndSecContext(role, context);
}

AsRole::~AsRole()
{
	SetUserIdAndSecContext(saved_user_, saved_context_);
}

AsOwner::AsOwner() : role_(ExtensionOwner(), AsRole::Trust::Trusted) {}

}	 // namespace journey
