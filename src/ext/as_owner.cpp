#include "pg/postgres.hpp"

#include "ext/as_owner.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "utils/syscache.h"
}

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

AsOwner::AsOwner(Oid owner)
{
	GetUserIdAndSecContext(&saved_user_, &saved_context_);
	SetUserIdAndSecContext(owner, saved_context_ | SECURITY_LOCAL_USERID_CHANGE);
}

AsOwner::~AsOwner()
{
	SetUserIdAndSecContext(saved_user_, saved_context_);
}

}	 // namespace journey
