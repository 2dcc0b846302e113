#include "pg/postgres.hpp"

#include "ext/storage/cap_locks.hpp"

namespace journey {

namespace {

const Statement kMakeCapLocks{"INSERT INTO journey.frequency_cap_locks (user_id) SELECT unnest($1::text[]) "
							  "ON CONFLICT DO NOTHING",
							  {SqlType::TextArray},
							  {}};

// In the array's order, an index probe per user (a plan kept from when the table was small must not scan it).
#define JOURNEY_CAP_LOCKS(wait)                                                                                      \
	"SELECT l.user_id FROM unnest($1::text[]) WITH ORDINALITY AS u(id, k) "                                        \
	"CROSS JOIN LATERAL (SELECT c.user_id FROM journey.frequency_cap_locks c WHERE c.user_id = u.id "              \
	"FOR NO KEY UPDATE" wait ") l ORDER BY u.k"
const Statement kWaitCapLocks{JOURNEY_CAP_LOCKS(""), {SqlType::TextArray}, {SqlType::Text}};
const Statement kSkipCapLocks{JOURNEY_CAP_LOCKS(" SKIP LOCKED"), {SqlType::TextArray}, {SqlType::Text}};
#undef JOURNEY_CAP_LOCKS

}	 // namespace

std::vector<std::string>
LockCapRows(SpiSession &spi, const std::vector<std::string> &users, bool skip_locked)
{
	std::vector<std::string> locked;
	if (users.empty())
		return locked;
	spi.Exec(kMakeCapLocks, {SqlValue::Texts(users)});
	for (const SqlRow &r : spi.Run(skip_locked ? kSkipCapLocks : kWaitCapLocks, {SqlValue::Texts(users)}))
		locked.push_back(r[0].s);
	return locked;
}

}	 // namespace journey
