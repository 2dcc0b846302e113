// Facts about one user, answered from the stores (built-in and the application's tracked tables)
// through SPI.
#pragma once
#include "pg/postgres.hpp"

#include "core/facts.hpp"
#include "ext/engine/rule_cache.hpp"
#include "ext/storage/direct_reads.hpp"
#include "pg/spi.hpp"

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace journey {

// The sends a transaction has made and not written yet (a scheduler batch's collected outbox rows, a
// statement's pending entries): a frequency cap counts them with the table's rows.
class PendingSends {
public:
	virtual int64_t CountPendingSends(const std::string &user_id, const std::string &channel, Timestamp after,
									  Timestamp upto) = 0;

protected:
	~PendingSends() = default;
};

class PgFacts : public Facts {
public:
	PgFacts(SpiSession &spi, const RuleCache &rule_cache, std::string user_id)
		: spi_(spi), rule_cache_(rule_cache), user_id_(std::move(user_id))
	{
	}

	int64_t CountEvents(const std::string &name, std::optional<Timestamp> from, Timestamp to,
						const PropsFilter *filter, int64_t stop_after) override;
	std::optional<Json> Attribute(const std::string &name) override;
	Contact ContactFor(const std::string &channel) override;
	std::optional<StoredTemplate> Template(const std::string &name, const std::string &channel) override;
	std::string TimeZone() override;
	const TimeZones &Zones() override;
	Json Call(const std::string &function, const std::string &user_id, const Json &context) override;
	std::vector<StoredEvent> EventsAfter(const std::string &name, Timestamp after, Timestamp upto) override;
	bool InSegment(const std::string &segment) override;
	TopicStanding Topic(const std::string &topic, const std::string &channel) override;
	std::optional<FrequencyCap> FrequencyCapFor(const std::string &channel) override;
	std::optional<QuietHours> QuietHoursFor(const std::string &channel) override;
	// From the batch's rows read at its start (ShareBatchSends) when it holds the user, else the user's row of
	// journey.frequency_cap_locks locked first (LockCapUser), then one count.
	int64_t CountSends(const std::string &channel, Timestamp after, Timestamp upto) override;
	// The outbox rows of a batch's users on capped channels, read by one statement at its start, after their rows of
	// journey.frequency_cap_locks were locked in one sorted order (Engine::BatchSendsOf).
	struct BatchSends {
		std::unordered_set<std::string> users;	// the batch's users whose rows were read (and locked)
		std::unordered_set<std::string> skipped;  // those whose lock another transaction holds: not stepped
		std::unordered_map<std::string, std::vector<Timestamp>> created;  // user + '\x1f' + channel → created_at
	};
	void ShareBatchSends(const BatchSends *sends) { batch_sends_ = sends; }
	// The time zones of a batch's users, read by one statement at its start when delivery rules need them
	// (user → zone; a user of `users` without an entry has none).
	struct BatchZones {
		std::unordered_set<std::string> users;
		std::unordered_map<std::string, std::string> zones;
	};
	void ShareZones(const BatchZones *zones) { batch_zones_ = zones; }
	void SharePendingSends(PendingSends *pending) { pending_sends_ = pending; }
	// A simulation counts what is stored, and locks nothing.
	void DoNotLock() { lock_caps_ = false; }

	// The contacts of a batch's users, read by one statement before its steps (user → channel → contact);
	// a user of the batch without a row for a channel has no contact there.
	using BatchContacts = std::unordered_map<std::string, std::unordered_map<std::string, Contact>>;
	void ShareContacts(const BatchContacts *contacts) { batch_contacts_ = contacts; }

	// The memberships a batch's steps may ask, read by one statement before its steps: for the segments
	// `segments` (those the batch's journeys test) and every user of the batch, the pairs that are members.
	struct BatchMemberships {
		std::vector<std::string> segments;				 // sorted
		std::unordered_set<std::string> users;			 // the batch's users
		std::unordered_set<std::string> members;		 // segment + '\x1f' + user
	};
	void ShareMemberships(const BatchMemberships *memberships) { batch_memberships_ = memberships; }

	// Stored templates read once per batch of steps (by name, and channel and locale), kept by the caller.
	using TemplateCache = std::map<std::pair<std::string, std::string>, std::optional<StoredTemplate>>;
	void ShareTemplates(TemplateCache *cache) { templates_ = cache; }

	// A batch's open scan of journey.events, for a step that writes no events (no calls).
	void ShareEventCounter(EventCounter *counter) { event_counter_ = counter; }

private:
	SpiSession &spi_;
	const RuleCache &rule_cache_;
	std::string user_id_;
	std::optional<Json> profile_;		 // read once per step
	std::optional<std::string> zone_;	 // likewise
	std::unordered_map<std::string, Contact> contacts_;  // likewise, by channel
	TemplateCache *templates_ = nullptr;
	const BatchContacts *batch_contacts_ = nullptr;
	const BatchMemberships *batch_memberships_ = nullptr;
	EventCounter *event_counter_ = nullptr;
	PendingSends *pending_sends_ = nullptr;
	const BatchSends *batch_sends_ = nullptr;
	const BatchZones *batch_zones_ = nullptr;
	bool lock_caps_ = true;
};

}	 // namespace journey
