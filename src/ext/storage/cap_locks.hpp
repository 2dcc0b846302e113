// The rows of journey.frequency_cap_locks that serialize frequency caps: a transaction counting a user's rows for
// a cap first locks the user's row (FOR NO KEY UPDATE, until it ends), so that another that counted and may have
// written one has committed, and its next statement (a new snapshot in READ COMMITTED) sees that row.
#pragma once
#include "pg/postgres.hpp"

#include "pg/spi.hpp"

#include <string>
#include <vector>

namespace journey {

// Locks the users' rows (made when missing) in the vector's order: sort it, so that two transactions never wait
// for each other in a cycle. With skip_locked, the rows another transaction holds are left; returns the users
// locked. Row locks take no room in the lock table, however many users one transaction locks.
std::vector<std::string> LockCapRows(SpiSession &spi, const std::vector<std::string> &users, bool skip_locked);

}	 // namespace journey
