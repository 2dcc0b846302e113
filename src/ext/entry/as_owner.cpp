#include "pg/postgres.hpp"

#include "ext/entry/as_owner.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/rel.h"
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

PinnedSearchPath::PinnedSearchPath(const char *path)
{
	nest_level_ = PgCall([&] {
		int level = NewGUCNestLevel();
		if (!namespace_search_path || strcmp(namespace_search_path, path) != 0) {
			if (set_config_option("search_path", path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
								  0, false) <= 0)
				elog(ERROR, "pg_journey: could not pin search_path");
		}
		return level;
	});
}

PinnedSearchPath::~PinnedSearchPath()
{
	// As a function's SET clause ends, but rolling back what was changed inside: the caller's values come
	// back (an aborting (sub)transaction would restore them too, but this scope always closes first: errors
	// reach Postgres only after it).
	AtEOXact_GUC(false, nest_level_);
}

AsRole::AsRole(Oid role, Trust trust)
{
	GetUserIdAndSecContext(&saved_user_, &saved_context_);
	int context = saved_context_ | SECURITY_LOCAL_USERID_CHANGE;
	if (trust == Trust::Restricted)
		context |= SECURITY_RESTRICTED_OPERATION;
	nest_level_ = NewGUCNestLevel();
	SetUserIdAndSecContext(role, context);
}

AsRole::~AsRole()
{
	AtEOXact_GUC(false, nest_level_);
	SetUserIdAndSecContext(saved_user_, saved_context_);
}

Oid
TableOwner(Relation rel)
{
	return PgCall([&] {
		Oid relid = RelationGetRelid(rel);
		Oid owner = rel->rd_rel->relowner;
		if (rel->rd_rel->relispartition) {
			List *ancestors = get_partition_ancestors(relid);
			if (ancestors != NIL) {
				HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(llast_oid(ancestors)));
				if (HeapTupleIsValid(tup)) {
					owner = ((Form_pg_class)GETSTRUCT(tup))->relowner;
					ReleaseSysCache(tup);
				}
			}
		}
		return owner;
	});
}

AsOwner::AsOwner() : role_(ExtensionOwner(), AsRole::Trust::Trusted) {}

}	 // namespace journey
