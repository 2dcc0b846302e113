// Send nodes: reachability of the user and the outbox effect.
#include "evaluation.hpp"

#include "compile.hpp"
#include "render.hpp"

namespace journey {

bool
IsReachable(const Contact &contact, const std::string &channel)
{
	return detail::UnreachableReason(contact, channel, false).empty();
}

namespace detail {

std::string
UnreachableReason(const Contact &contact, const std::string &channel, bool address_override)
{
	if (contact.exists && !contact.opted_in)
		return "opted out";
	if (contact.exists && contact.bounced)
		return "bounced";
	if (IsAddresslessChannel(channel) || address_override)
		return "";
	if (!contact.exists)
		return "no contact";
	if (!contact.address || contact.address->empty())
		return "no address";
	return "";
}

namespace {

SendEffect
Suppressed(SendEffect effect, std::string reason)
{
	effect.suppressed = true;
	effect.suppress_reason = std::move(reason);
	return effect;
}

}	 // namespace

std::optional<Timestamp>
QuietHoursEnd(const QuietHours &quiet, Timestamp at, Facts &facts)
{
	if (quiet.starts == quiet.ends)
		return std::nullopt;
	const TimeZones &zones = facts.Zones();
	const std::string zone = ZoneFor("", facts);
	const LocalTime local = zones.ToLocal(at, zone);
	const int64_t time_of_day =
		((local.hour * 60 + local.minute) * 60 + local.second) * kMicrosPerSecond + local.micros;
	const bool inside = quiet.starts < quiet.ends ? time_of_day >= quiet.starts && time_of_day < quiet.ends
												  : time_of_day >= quiet.starts || time_of_day < quiet.ends;
	if (!inside)
		return std::nullopt;
	// The next time the user's wall clock shows `ends` (today's, else tomorrow's): FromLocal moves a time in a
	// DST gap forward, and takes the earlier of an ambiguous one.
	for (int ahead = 0; ahead <= 2; ++ahead) {
		LocalTime end = AddLocalDays(local, ahead);
		int64_t rest = quiet.ends;
		end.hour = (int)(rest / (3600 * kMicrosPerSecond));
		rest %= 3600 * kMicrosPerSecond;
		end.minute = (int)(rest / (60 * kMicrosPerSecond));
		rest %= 60 * kMicrosPerSecond;
		end.second = (int)(rest / kMicrosPerSecond);
		end.micros = rest % kMicrosPerSecond;
		const Timestamp instant = zones.FromLocal(end, zone);
		if (instant > at)
			return instant;
		// An ambiguous `ends` (the hour the clocks go back) read early may be behind `at`, itself in the repeated
		// hour: its later reading, when the wall clock shows `ends` again, is the end.
		for (const int64_t shift : {30 * kMicrosPerMinute, kMicrosPerHour, 2 * kMicrosPerHour}) {
			const LocalTime again = zones.ToLocal(instant + shift, zone);
			if (instant + shift > at && again.year == end.year && again.month == end.month && again.day == end.day &&
				again.hour == end.hour && again.minute == end.minute && again.second == end.second &&
				again.micros == end.micros)
				return instant + shift;
		}
	}
	return std::nullopt;  // unreachable: a day later always ends after `at`
}

SendEffect
BuildSend(const Graph &graph, NodeId node, const InstanceState &state, int32_t visit, Timestamp at, Facts &facts)
{
	const SendSpec &spec = graph.nodes[node].send;
	const RenderScope scope{&graph.name, &state.event, &state.context, &facts};
	const Contact contact = facts.ContactFor(spec.channel);

	Json to = nullptr;
	if (contact.address && !contact.address->empty())
		to = *contact.address;
	bool address_override = false;
	bool to_empty = false;	// a "to" that renders empty: the user is unreachable for this send (SPEC §6)
	if (spec.to) {
		std::string address = RenderString(*spec.to, scope);
		to_empty = address.empty();
		to = to_empty ? Json() : Json(std::move(address));
		address_override = !to_empty;
	}

	SendEffect effect;
	effect.node = node;
	effect.channel = spec.channel;
	effect.template_name = spec.template_name;
	effect.at = at;
	effect.dedup_key = std::to_string(state.id) + ":" + graph.nodes[node].id + ":" + std::to_string(visit);
	effect.payload = Json::object();
	effect.payload["to"] = std::move(to);
	effect.payload["template"] = spec.template_name;
	effect.payload["data"] = RenderJson(spec.data, scope);
	if (const std::optional<StoredTemplate> stored = facts.Template(spec.template_name, spec.channel)) {
		effect.payload["subject"] = RenderString(stored->subject, scope);
		effect.payload["body"] = RenderString(stored->body, scope);
	}
	effect.topic = spec.topic;
	effect.available_at = at;
	const std::string reason = to_empty ? "\"to\" rendered empty" : UnreachableReason(contact, spec.channel, address_override);
	if (!reason.empty())
		return Suppressed(std::move(effect), "not reachable on channel " + spec.channel + ": " + reason);
	bool critical = false;
	if (!spec.topic.empty()) {
		const TopicStanding standing = facts.Topic(spec.topic, spec.channel);
		critical = standing.critical;
		if (!critical && !standing.subscribed)
			return Suppressed(std::move(effect),
							  "unsubscribed from topic " + spec.topic + " on channel " + spec.channel);
	}
	if (critical || spec.ignore_caps) {	// a critical topic, a transactional message: no caps, no quiet hours
		facts.NoteSend(spec.channel, at);
		return effect;
	}
	if (const std::optional<FrequencyCap> cap = facts.FrequencyCapFor(spec.channel)) {
		const Timestamp after = SubtractUserInterval(at, cap->per, facts);
		// The step's own sends first (every walk of it: late events, held events, the due step), not written yet.
		int64_t sent = facts.StepSends(spec.channel, after, at);
		if (sent < cap->max_messages)
			sent += facts.CountSends(spec.channel, after, at);
		if (sent >= cap->max_messages)
			return Suppressed(std::move(effect), "frequency cap of " + std::to_string(cap->max_messages) + " per " +
													 FormatInterval(cap->per) + " on channel " + spec.channel +
													 " reached");
	}
	if (const std::optional<QuietHours> quiet = facts.QuietHoursFor(spec.channel)) {
		if (const std::optional<Timestamp> end = QuietHoursEnd(*quiet, at, facts)) {
			if (quiet->drop)
				return Suppressed(std::move(effect), "quiet hours on channel " + spec.channel);
			effect.available_at = *end;
		}
	}
	facts.NoteSend(spec.channel, at);
	return effect;
}

}	 // namespace detail

}	 // namespace journey
