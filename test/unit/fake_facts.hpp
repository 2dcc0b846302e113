// An in-memory Facts for unit tests and benchmarks: one user's events, attributes, contacts, the
// stored templates, a time zone and callable functions. Records CountEvents and Call calls so tests can check
// what was asked.
#pragma once

#include "core/facts.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace journey::testing {

struct FakeEvent {
	std::string name;
	Timestamp at = 0;
	Json props = Json::object();
};

struct CallRecord {
	std::string function;
	std::string user_id;
	Json context;
};

struct CountCall {
	std::string name;
	std::optional<Timestamp> from;
	Timestamp to = 0;
	bool filtered = false;
	int64_t stop_after = 0;
};

class FakeFacts : public Facts {
public:
	std::vector<FakeEvent> events;
	std::map<std::string, Json> attributes;
	std::map<std::string, Contact> contacts;
	std::map<std::pair<std::string, std::string>, StoredTemplate> templates;  // (template, channel)
	std::vector<CountCall> count_calls;
	int attribute_reads = 0;
	std::string time_zone = "UTC";
	const TimeZones *zones = nullptr;  // nullptr: DefaultTimeZones()
	std::map<std::string, std::function<Json(const std::string &user_id, const Json &context)>> functions;
	std::vector<CallRecord> calls;
	std::vector<std::string> segments;	// the segments the user is a member of
	int segment_reads = 0;
	std::map<std::string, TopicStanding> topics;		// by topic (any channel)
	std::map<std::string, FrequencyCap> caps;			// by channel
	std::map<std::string, QuietHours> quiet_hours;		// by channel
	std::vector<std::pair<std::string, Timestamp>> outbox;	// the user's non-suppressed rows: (channel, created_at)
	int count_sends_calls = 0;

	void
	AddEvent(std::string name, Timestamp at, Json props = Json::object())
	{
		events.push_back({std::move(name), at, std::move(props)});
	}

	void
	SetContact(const std::string &channel, std::optional<std::string> address, bool opted_in = true,
			   bool bounced = false)
	{
		contacts[channel] = Contact{true, std::move(address), opted_in, bounced};
	}

	int64_t
	CountEvents(const std::string &name, std::optional<Timestamp> from, Timestamp to, const PropsFilter *filter,
				int64_t stop_after) override
	{
		count_calls.push_back({name, from, to, filter != nullptr, stop_after});
		int64_t count = 0;
		for (const FakeEvent &event : events) {
			if (event.name != name || event.at > to || (from && event.at < *from))
				continue;
			if (filter != nullptr && !(*filter)(event.props))
				continue;
			if (++count >= stop_after)
				break;
		}
		return count;
	}

	std::vector<StoredEvent>
	EventsAfter(const std::string &name, Timestamp after, Timestamp upto) override
	{
		std::vector<StoredEvent> found;
		for (const FakeEvent &event : events)
			if (event.name == name && event.at > after && event.at <= upto)
				found.push_back({event.name, event.props, event.at});
		std::stable_sort(found.begin(), found.end(),
						 [](const StoredEvent &a, const StoredEvent &b) { return a.at < b.at; });
		return found;
	}

	bool
	InSegment(const std::string &segment) override
	{
		++segment_reads;
		return std::find(segments.begin(), segments.end(), segment) != segments.end();
	}

	TopicStanding
	Topic(const std::string &topic, const std::string &) override
	{
		const auto it = topics.find(topic);
		return it == topics.end() ? TopicStanding{} : it->second;
	}

	std::optional<FrequencyCap>
	FrequencyCapFor(const std::string &channel) override
	{
		const auto it = caps.find(channel);
		return it == caps.end() ? std::nullopt : std::optional<FrequencyCap>(it->second);
	}

	std::optional<QuietHours>
	QuietHoursFor(const std::string &channel) override
	{
		const auto it = quiet_hours.find(channel);
		return it == quiet_hours.end() ? std::nullopt : std::optional<QuietHours>(it->second);
	}

	int64_t
	CountSends(const std::string &channel, Timestamp after, Timestamp upto) override
	{
		++count_sends_calls;
		return std::count_if(outbox.begin(), outbox.end(),
							 [&](const auto &row) { return row.first == channel && row.second > after && row.second <= upto; });
	}

	std::optional<Json>
	Attribute(const std::string &name) override
	{
		++attribute_reads;
		const auto it = attributes.find(name);
		if (it == attributes.end() || it->second.is_null())
			return std::nullopt;
		return it->second;
	}

	Contact
	ContactFor(const std::string &channel) override
	{
		const auto it = contacts.find(channel);
		return it == contacts.end() ? Contact{} : it->second;
	}

	std::optional<StoredTemplate>
	Template(const std::string &name, const std::string &channel) override
	{
		const auto it = templates.find({name, channel});
		if (it == templates.end())
			return std::nullopt;
		return it->second;
	}

	std::string
	TimeZone() override
	{
		return time_zone;
	}

	const TimeZones &
	Zones() override
	{
		return zones != nullptr ? *zones : DefaultTimeZones();
	}

	Json
	Call(const std::string &function, const std::string &user_id, const Json &context) override
	{
		calls.push_back({function, user_id, context});
		const auto it = functions.find(function);
		if (it == functions.end())
			throw StepError("function \"" + function + "\" does not exist");
		return it->second(user_id, context);
	}
};

}	 // namespace journey::testing
