// Late-seen events: see late_events.hpp.
#include "late_events.hpp"

#include <algorithm>
#include <iterator>

namespace journey {

std::vector<std::string>
LateEventNames(const Graph &graph, const InstanceState &state)
{
	std::vector<std::string> names;
	if (state.status != InstanceStatus::Active)
		return names;
	for (const ExitRule &rule : graph.exit_when)
		names.push_back(rule.event);
	if (graph.goal)
		names.push_back(graph.goal->event);
	for (std::string &name : WaitingEvents(graph, state))
		if (!name.empty())
			names.push_back(std::move(name));
	std::sort(names.begin(), names.end());
	names.erase(std::unique(names.begin(), names.end()), names.end());
	return names;
}

void
AppendEffects(StepResult &all, StepResult &&more)
{
	std::move(more.sends.begin(), more.sends.end(), std::back_inserter(all.sends));
	std::move(more.updates.begin(), more.updates.end(), std::back_inserter(all.updates));
	std::move(more.history.begin(), more.history.end(), std::back_inserter(all.history));
	all.node_visits += more.node_visits;
}

StepResult
TakeLateEvents(const Graph &graph, InstanceState &state, Timestamp upto, Facts &facts,
			   std::vector<StoredEvent> *converted, const StepOptions &options, const std::vector<StoredEvent> &skip)
{
	StepResult all;
	if (state.status != InstanceStatus::Active || upto <= state.last_step_at)
		return all;
	std::vector<StoredEvent> late;
	for (const std::string &name : LateEventNames(graph, state)) {
		std::vector<StoredEvent> found = facts.EventsAfter(name, state.last_step_at, upto);
		std::move(found.begin(), found.end(), std::back_inserter(late));
	}
	if (late.empty())
		return all;
	std::stable_sort(late.begin(), late.end(),
					 [](const StoredEvent &a, const StoredEvent &b) { return a.at < b.at; });
	for (const StoredEvent &e : late) {
		if (state.status != InstanceStatus::Active)
			break;
		if (e.at <= state.last_step_at)
			continue;  // a step this replay took (a resume as of a later time) already passed it
		const bool skipped = std::any_of(skip.begin(), skip.end(), [&](const StoredEvent &s) {
			return s.at == e.at && s.name == e.name;
		});
		if (skipped)
			continue;
		// In the trigger's order for one event: exit_when, the goal, then wait_for resumes.
		if (ExitWhenMatches(graph, state, e.name, e.props, e.at, facts))
			AppendEffects(all, ExitInstance(state, "exit_event", e.at));
		if (graph.goal && GoalMatches(graph, state, e.name, e.props, e.at, facts)) {
			if (converted)
				converted->push_back(e);
			if (graph.goal->exit && state.status == InstanceStatus::Active)
				AppendEffects(all, ExitInstance(state, "goal", e.at));
		}
		if (state.status == InstanceStatus::Active && WaitForMatches(graph, state, e.name, e.props, e.at, facts))
			AppendEffects(all, ResumeOnEvent(graph, state, e.name, e.props, e.at, facts, options));
	}
	return all;
}

}	 // namespace journey
