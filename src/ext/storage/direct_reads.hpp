// The hot reads of a step straight from the indexes of the built-in stores, without SPI: a user's events
// of one name in a time range, a user's contact on a channel, and whether a user is in a segment. One SPI statement costs ~10-19 µs of
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

// The same counts for a batch of steps that cannot write events (the scheduler's and run_due's batches of
// journeys without calls): journey.events and its index stay open, one snapshot (taken at the first count)
// serves every count and each count only rescans. (Opening the relations, taking a snapshot and setting
// up a scan for every count was about half of the counts' time in run_due, issue 4.)
// Close() ends the scan and must run before the (sub)transaction that opened it commits. After an error,
// the object is dropped unclosed: the abort of that (sub)transaction releases what it held.
class EventCounter {
public:
	EventCounter() = default;
	~EventCounter() = default;
	EventCounter(const EventCounter &) = delete;
	EventCounter &operator=(const EventCounter &) = delete;

	// As CountBuiltinEvents; nullopt when journey.events or its index is not there as expected.
	std::optional<int64_t> Count(const std::string &user, const std::string &name, std::optional<Timestamp> from,
								 Timestamp to, int64_t stop_after);
	void Close();

	// Postgres state, opened by the first count (plain pointers: it lives across PgCalls).
	struct Open;

private:
	Open *open_ = nullptr;
	bool unavailable_ = false;
};

// The journey.contacts row of (user, channel); a Contact with exists = false when there is none.
std::optional<Contact> ReadContact(const std::string &user, const std::string &channel);

// Whether (segment, user) is in journey.segment_members (the segment condition's index probe).
std::optional<bool> IsSegmentMember(const std::string &segment, const std::string &user);

}	 // namespace journey
