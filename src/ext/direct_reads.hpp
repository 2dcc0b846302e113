// The hot reads of a step straight from the indexes of the built-in stores, without SPI: a user's events
// of one name in a time range, and a user's contact on a channel. One SPI statement costs ~10-19 µs of
// executor set-up around an index probe of three buffers; these cost 1-2 µs (issue 4). Each returns
// nullopt when the table or its index is not there as expected, and the caller falls back to SQL.
#pragma once
#include "pg/postgres.hpp"

#include "core/facts.hpp"
#include "core/time.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace journey {

// Events of `user` named `name` in journey.events with occurred_at in [from, to] (from absent: no lower
// bound), counted up to `stop_after` (> 0), as an SQL statement at this point of the transaction would see
// them.
std::optional<int64_t> CountBuiltinEvents(const std::string &user, const std::string &name,
										  std::optional<Timestamp> from, Timestamp to, int64_t stop_after);

// The journey.contacts row of (user, channel); a Contact with exists = false when there is none.
std::optional<Contact> ReadContact(const std::string &user, const std::string &channel);

}	 // namespace journey
