// Who the extension's work runs as, and with which search_path (README "Security model").
//  - Its own work (triggers, the scheduler, run_due) runs as the extension's owner: the application role
//    that inserts into a tracked table needs no rights on schema journey (SPEC §9).
//  - Whatever the caller's search_path, that work resolves names with pg_catalog, pg_temp only: a schema
//    of the caller's first on its path (shadowing =, now(), a table) changes nothing.
//  - Reading or writing an application's table runs as that table's owner in a security-restricted
//    operation (as VACUUM and REFRESH MATERIALIZED VIEW do): code the table's owner attached to it (triggers,
//    casts, policies) never runs with more rights than its owner has.
#pragma once
#include "pg/postgres.hpp"

extern "C" {
#include "utils/relcache.h"
}

namespace journey {

// The search_path of every statement the extension runs.
inline constexpr const char *kSafeSearchPath = "pg_catalog, pg_temp";

// The owner of schema journey (the role that created the extension).
Oid ExtensionOwner();

// search_path is kSafeSearchPath for the scope of this object, in a GUC nest level of its own (as a
// function's SET clause makes): whatever code inside changes, search_path or any other setting, even with
// a session-level SET, is rolled back when the scope ends.
// With a path: that search_path instead (a segment's query runs with its definer's path).
class PinnedSearchPath {
public:
	PinnedSearchPath() : PinnedSearchPath(kSafeSearchPath) {}
	explicit PinnedSearchPath(const char *path);
	~PinnedSearchPath();
	PinnedSearchPath(const PinnedSearchPath &) = delete;
	PinnedSearchPath &operator=(const PinnedSearchPath &) = delete;

private:
	int nest_level_ = 0;
};

// Runs as `role` for the scope of this object (the previous user and security context are restored on
// scope exit; an aborting transaction restores them too). Restricted: a security-restricted operation.
// Settings changed inside (a table owner's trigger or cast, a called function: set_config('search_path',
// ...)) are rolled back at scope exit, in a GUC nest level of its own, as index builds and VACUUM do: they
// never reach the statements the extension runs next.
class AsRole {
public:
	enum class Trust { Trusted, Restricted };
	AsRole(Oid role, Trust trust);
	~AsRole();
	AsRole(const AsRole &) = delete;
	AsRole &operator=(const AsRole &) = delete;

private:
	Oid saved_user_ = InvalidOid;
	int saved_context_ = 0;
	int nest_level_ = 0;
};

// The extension's owner with the search_path pinned: how triggers and the scheduler run.
class AsOwner {
public:
	AsOwner();
	AsOwner(const AsOwner &) = delete;
	AsOwner &operator=(const AsOwner &) = delete;

private:
	AsRole role_;
	PinnedSearchPath path_;
};

// The owner that reads and writes an application table's rows: its own, or for a partition the owner of
// the partitioned table at its root (the table that was tracked), never a partition's owner of its own.
Oid TableOwner(Relation rel);

// The owner of an application table, in a security-restricted operation: how its rows are read and written.
class AsTableOwner {
public:
	explicit AsTableOwner(Oid table_owner) : role_(table_owner, AsRole::Trust::Restricted) {}

private:
	AsRole role_;
};

}	 // namespace journey
