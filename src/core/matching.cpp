// Which rules an event matches: entry triggers, wait_for branches, exit_when, the goal; keyed journeys.
#include "compile.hpp"
#include "evaluation.hpp"

namespace journey {

namespace {

bool
IsNode(const Graph &graph, NodeId node)
{
	return node >= 0 && node < static_cast<NodeId>(graph.nodes.size());
}

}	 // namespace

std::optional<std::string>
EntryKeyOf(const Graph &graph, const Json &props)
{
	if (!graph.entry.key)
		return std::string();
	if (!props.is_object())
		return std::nullopt;
	const auto it = props.find(*graph.entry.key);
	if (it == props.end())
		return std::nullopt;
	if (it->is_string()) {
		if (it->get_ref<const std::string &>().empty())
			return std::nullopt;
		return it->get<std::string>();
	}
	if (it->is_number() || it->is_boolean())
		return it->dump();
	return std::nullopt;
}

namespace detail {

bool
KeyMatches(const Graph &graph, const std::string &entry_key, const Json &props)
{
	if (!graph.entry.key)
		return true;
	const std::optional<std::string> key = EntryKeyOf(graph, props);
	return key && *key == entry_key;
}

bool
BranchAccepts(const Graph &graph, const InstanceState &state, const Branch &branch, const std::string &name,
			  const Json &props, Timestamp event_at, Facts &facts)
{
	if (!IsNode(graph, branch.node))
		return false;
	const Node &node = graph.nodes[branch.node];
	if (node.kind != NodeKind::WaitFor || node.event != name)
		return false;
	if (branch.wake_at && event_at >= *branch.wake_at)
		return false;
	return EvaluateCondition(graph, node.cond, event_at, state.entered_at, &props, facts);
}

}	 // namespace detail

bool
WaitForMatches(const Graph &graph, const InstanceState &state, const std::string &name, const Json &props,
			   Timestamp event_at, Facts &facts)
{
	if (state.status != InstanceStatus::Active || !detail::KeyMatches(graph, state.entry_key, props))
		return false;
	if (detail::BranchAccepts(graph, state, {state.node, state.wake_at}, name, props, event_at, facts))
		return true;
	for (const Branch &branch : state.other_branches)
		if (detail::BranchAccepts(graph, state, branch, name, props, event_at, facts))
			return true;
	return false;
}

bool
ExitWhenMatches(const Graph &graph, const InstanceState &state, const std::string &name, const Json &props,
				Timestamp event_at, Facts &facts)
{
	if (state.status != InstanceStatus::Active || !detail::KeyMatches(graph, state.entry_key, props))
		return false;
	for (const ExitRule &rule : graph.exit_when)
		if (rule.event == name && EvaluateCondition(graph, rule.where, event_at, state.entered_at, &props, facts))
			return true;
	return false;
}

bool
GoalMatches(const Graph &graph, Timestamp entered_at, const std::string &entry_key, const std::string &name,
			const Json &props, Timestamp event_at, Facts &facts)
{
	if (!graph.goal || graph.goal->event != name || !detail::KeyMatches(graph, entry_key, props))
		return false;
	if (event_at < entered_at || event_at > AddUserInterval(entered_at, graph.goal->within, facts))
		return false;
	return EvaluateCondition(graph, graph.goal->where, event_at, entered_at, &props, facts);
}

bool
GoalMatches(const Graph &graph, const InstanceState &state, const std::string &name, const Json &props,
			Timestamp event_at, Facts &facts)
{
	return GoalMatches(graph, state.entered_at, state.entry_key, name, props, event_at, facts);
}

bool
IsBackfill(const Graph &graph, std::string_view event_name, Timestamp at, Timestamp now)
{
	return at < SubtractInterval(now, graph.entry.max_event_age) && !IsSegmentEventName(event_name);
}

bool
EventEnters(const Graph &graph, const std::string &name, const Json &props,
			const std::optional<GeoPoint> &previous_location, Timestamp at, Facts &facts)
{
	if (!EntryKeyOf(graph, props))
		return false;
	for (const Trigger &trigger : graph.triggers) {
		switch (trigger.kind) {
		case TriggerKind::Event:
			if (trigger.event == name && PropsMatch(graph, trigger.where, props, at, facts))
				return true;
			break;
		case TriggerKind::GeofenceEnter:
		case TriggerKind::GeofenceExit: {
			if (name != "location")
				break;
			const std::optional<GeoPoint> location = LocationOf(props);
			if (!location)
				break;
			const GeofenceCrossing wanted =
				trigger.kind == TriggerKind::GeofenceEnter ? GeofenceCrossing::Enter : GeofenceCrossing::Exit;
			if (Crossing(trigger.fence, previous_location, *location) == wanted)
				return true;
			break;
		}
		case TriggerKind::Manual:
		case TriggerKind::AttributeChange:
		case TriggerKind::Schedule:
			break;
		}
	}
	return false;
}

bool
AttributeChangeEnters(const Graph &graph, const std::string &attribute, const Json *old_value, const Json *new_value,
					  Timestamp at, Facts &facts)
{
	if (graph.entry.key)
		return false;
	const Json old_json = old_value != nullptr ? *old_value : Json();
	const Json new_json = new_value != nullptr ? *new_value : Json();
	if (old_json == new_json)
		return false;
	const Json props = {{"attribute", attribute}, {"old", old_json}, {"new", new_json}};
	for (const Trigger &trigger : graph.triggers)
		if (trigger.kind == TriggerKind::AttributeChange && trigger.attribute == attribute &&
			PropsMatch(graph, trigger.where, props, at, facts))
			return true;
	return false;
}

}	 // namespace journey
