// Triggers run their work as the extension's owner: the application role that inserts into a tracked
// table needs no rights on schema journey (SPEC §9).
#pragma once
#include "pg/postgres.hpp"

namespace journey {

// The owner of schema journey (the role that created the extension).
Oid ExtensionOwner();

// Runs as `owner` for the scope of this object (the previous user is restored on scope exit; an aborting
// transaction restores it too).
class AsOwner {
public:
	explicit AsOwner(Oid owner);
	~AsOwner();
	AsOwner(const AsOwner &) = delete;
	AsOwner &operator=(const AsOwner &) = delete;

private:
	Oid saved_user_ = InvalidOid;
	int saved_context_ = 0;
};

}	 // namespace journey
