// What the evaluator asks of the world about one user. The Postgres layer answers from tables;
// unit tests answer from memory (test/unit/fake_facts.hpp).
#pragma once
#include "no_postgres.hpp"

#include "json.hpp"
#include "time.hpp"
#include "timezone.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace journey {

struct Contact {
	bool exists = false;				 // a journey.contacts row exists for (user, channel)
	std::optional<std::string> address;	 // null or empty when unknown
	bool opted_in = false;
	bool bounced = false;
};

struct StoredTemplate {
	std::string subject;
	std::string body;
};

// A send's topic as the user stands with it (SPEC §6): a critical topic ignores preferences (and caps and
// quiet hours); otherwise an unsubscription on the send's channel, or on every channel, suppresses the send.
struct TopicStanding {
	bool critical = false;
	bool subscribed = true;
};

// journey.set_frequency_cap (SPEC §6): at most max_messages non-suppressed rows for the user and channel with
// created_at in (at - per, at] (per in the user's time zone, as every duration).
struct FrequencyCap {
	int64_t max_messages = 0;
	Interval per;
};

// journey.set_quiet_hours (SPEC §6): a send whose time of day in the user's zone is in [starts, ends) — a
// window that wraps midnight when starts > ends — waits until ends (defer) or is suppressed (drop).
struct QuietHours {
	int64_t starts = 0;	 // microseconds since midnight
	int64_t ends = 0;
	bool drop = false;
};

using PropsFilter = std::function<bool(const Json &props)>;

// Raised for a failure of one instance's step (the caller marks that instance failed).
class StepError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// One stored event of the user: what a trigger saw, or would have seen.
struct StoredEvent {
	std::string name;
	Json props = Json::object();
	Timestamp at = 0;
};

class Facts {
public:
	virtual ~Facts() = default;
	// How many of the user's events named `name` have occurred_at in [from, to] (no lower bound when
	// from is empty) and props accepted by `filter` (all when null). May stop counting at stop_after.
	virtual int64_t CountEvents(const std::string &name, std::optional<Timestamp> from, Timestamp to,
								const PropsFilter *filter, int64_t stop_after) = 0;
	// The user's profile attribute; nullopt when absent or SQL null.
	virtual std::optional<Json> Attribute(const std::string &name) = 0;
	virtual Contact ContactFor(const std::string &channel) = 0;
	// A stored template of journey.templates, when one exists for (template, channel).
	virtual std::optional<StoredTemplate> Template(const std::string &name, const std::string &channel) = 0;
	// The user's time zone (the layer: the profile's timezone column, else journey.profiles.timezone, else
	// journey.default_timezone). An empty or unknown name counts as "UTC". Default: "UTC".
	virtual std::string TimeZone();
	// The time zones that wait_until and window nodes compute with. Default: DefaultTimeZones() (only UTC).
	virtual const TimeZones &Zones();
	// Calls the allowed SQL function `function`(user_id text, context jsonb) returns jsonb (a call node) and
	// returns its result (null for SQL null). Whatever it throws fails the step. Default: throws StepError.
	virtual Json Call(const std::string &function, const std::string &user_id, const Json &context);
	// The user's events named `name` with occurred_at in (after, upto], oldest first: the stored events a step
	// looks at for those committed while the instance's last step was still open (TakeLateEvents). Events of
	// an application table without a time column have no time and are not among them. Default: none (a
	// simulation sees every event in its order).
	virtual std::vector<StoredEvent> EventsAfter(const std::string &name, Timestamp after, Timestamp upto);
	// Whether the user is a member of the segment, as of its last refresh (the layer: the stored membership,
	// by an index probe; never the segment's query). Default: throws StepError (no segments are known).
	virtual bool InSegment(const std::string &segment);
	// The user's standing with a topic on a channel (journey.topics, journey.preferences). Default: subscribed,
	// not critical.
	virtual TopicStanding Topic(const std::string &topic, const std::string &channel);
	// The channel's frequency cap and quiet hours (none by default).
	virtual std::optional<FrequencyCap> FrequencyCapFor(const std::string &channel);
	virtual std::optional<QuietHours> QuietHoursFor(const std::string &channel);
	// How many of the user's outbox rows on the channel that are not suppressed have created_at in
	// (after, upto], every journey's, written or about to be (not counting the current walk's own sends, which
	// the evaluator adds). The layer serializes the counts of one user and channel until its transaction ends,
	// so that two transactions cannot both pass a cap, and counts rows created after `upto` up to the real
	// clock as well (a concurrent transaction that began after this one stamps its rows later). Default: 0.
	virtual int64_t CountSends(const std::string &channel, Timestamp after, Timestamp upto);

	// The sends of the current step (every walk of it) that were not suppressed, noted as they are built: a
	// frequency cap counts them before CountSends, which sees only rows written or about to be. A Facts lives
	// for one step (the layer makes one per step; a simulation keeps one for all its steps).
	virtual void NoteSend(const std::string &channel, Timestamp at);
	virtual int64_t StepSends(const std::string &channel, Timestamp after, Timestamp upto);
	void ForgetStepSends() { step_sends_.clear(); }

private:
	std::vector<std::pair<std::string, Timestamp>> step_sends_;
};

// ts ± interval as Postgres computes it in the user's time zone (SPEC §2): days, weeks and months are
// calendar units that keep the local time across a DST change; hours, minutes and seconds are exact. The
// user's zone is asked for only when the interval has calendar parts.
Timestamp AddUserInterval(Timestamp ts, const Interval &interval, Facts &facts);
Timestamp SubtractUserInterval(Timestamp ts, const Interval &interval, Facts &facts);

}	 // namespace journey
