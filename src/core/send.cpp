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
	const std::string reason = to_empty ? "\"to\" rendered empty" : UnreachableReason(contact, spec.channel, address_override);
	if (!reason.empty()) {
		effect.suppressed = true;
		effect.suppress_reason = "not reachable on channel " + spec.channel + ": " + reason;
	} else if (!spec.topic.empty()) {
		const TopicStanding standing = facts.Topic(spec.topic, spec.channel);
		if (!standing.critical && !standing.subscribed) {
			effect.suppressed = true;
			effect.suppress_reason = "unsubscribed from topic " + spec.topic + " on channel " + spec.channel;
		}
	}
	return effect;
}

}	 // namespace detail

}	 // namespace journey
