// Evaluation of conditions against Facts.
#include "evaluation.hpp"

#include <algorithm>
#include <limits>

namespace journey {

namespace {

struct Evaluation {
	const Graph &graph;
	Timestamp as_of;
	Timestamp entered_at;
	const Json *props;	// the event in hand, null when none
	Facts &facts;

	bool
	Holds(CondId id) const
	{
		if (id == kNoCond)
			return true;
		const Condition &cond = graph.conditions.at(id);
		switch (cond.kind) {
		case CondKind::Attribute: {
			const std::optional<Json> value = facts.Attribute(cond.name);
			return detail::Compare(cond.op, value ? &*value : nullptr, cond.value);
		}
		case CondKind::Prop: {
			if (props == nullptr || !props->is_object())
				return false;
			const auto it = props->find(cond.name);
			return detail::Compare(cond.op, it == props->end() ? nullptr : &*it, cond.value);
		}
		case CondKind::Event:
			return EventHolds(cond);
		case CondKind::Reachable:
			return IsReachable(facts.ContactFor(cond.name), cond.name);
		case CondKind::Segment:
			return facts.InSegment(cond.name);
		case CondKind::All:
			return std::all_of(cond.children.begin(), cond.children.end(), [this](CondId c) { return Holds(c); });
		case CondKind::Any:
			return std::any_of(cond.children.begin(), cond.children.end(), [this](CondId c) { return Holds(c); });
		case CondKind::Not:
			return !Holds(cond.children.at(0));
		}
		return false;
	}

	bool
	EventHolds(const Condition &cond) const
	{
		std::optional<Timestamp> from;
		if (cond.since == EventSince::Entry)
			from = entered_at;
		else if (cond.since == EventSince::Within)
			from = SubtractUserInterval(as_of, cond.within, facts);
		PropsFilter filter;
		if (cond.where != kNoCond)
			filter = [this, &cond](const Json &event_props) {
				return Evaluation{graph, as_of, entered_at, &event_props, facts}.Holds(cond.where);
			};
		// Knowing whether the count is below, at or above N needs at most N + 1 events.
		const int64_t stop_after = cond.count < std::numeric_limits<int64_t>::max() ? cond.count + 1 : cond.count;
		const int64_t count =
			facts.CountEvents(cond.name, from, as_of, cond.where != kNoCond ? &filter : nullptr, stop_after);
		return detail::CompareCount(cond.count_op, count, cond.count);
	}
};

}	 // namespace

bool
EvaluateCondition(const Graph &graph, CondId cond, Timestamp as_of, Timestamp entered_at, const Json *props,
				  Facts &facts)
{
	return Evaluation{graph, as_of, entered_at, props, facts}.Holds(cond);
}

bool
PropsMatch(const Graph &graph, CondId where, const Json &props, Timestamp at, Facts &facts)
{
	return Evaluation{graph, at, at, &props, facts}.Holds(where);
}

}	 // namespace journey
