// The simulator: one user's events and the clock, replayed through the evaluator.
#include "simulate.hpp"

#include "quote.hpp"
#include "evaluation.hpp"
#include "iso_time.hpp"

#include <algorithm>
#include <stdexcept>

namespace journey {

namespace {

constexpr int kMaxSimulatedSteps = 100000;

// The simulated world: the listed events only, profile updates kept in memory, the rest from the caller.
class SimulatedFacts : public detail::OverlayFacts {
public:
	SimulatedFacts(Facts &base, const std::vector<SimEvent> &events) : OverlayFacts(base), events_(events) {}

	int64_t
	CountEvents(const std::string &name, std::optional<Timestamp> from, Timestamp to, const PropsFilter *filter,
				int64_t stop_after) override
	{
		int64_t count = 0;
		for (const SimEvent &event : events_) {
			if (event.name != name || event.at > to || (from && event.at < *from))
				continue;
			if (filter != nullptr && !(*filter)(event.props))
				continue;
			if (++count >= stop_after && stop_after > 0)
				break;
		}
		return count;
	}

private:
	const std::vector<SimEvent> &events_;
};

class Simulation {
public:
	Simulation(const Graph &graph, const SimulationInput &input, Facts &facts)
		: graph_(graph), input_(input), events_(input.events), facts_(facts, events_)
	{
		std::stable_sort(events_.begin(), events_.end(),
						 [](const SimEvent &a, const SimEvent &b) { return a.at < b.at; });
		enter_at_ = input.enter_at;
		const bool event_entry = std::any_of(graph.triggers.begin(), graph.triggers.end(), [](const Trigger &t) {
			return t.kind == TriggerKind::Event || t.kind == TriggerKind::GeofenceEnter ||
				   t.kind == TriggerKind::GeofenceExit;
		});
		if (!enter_at_ && !event_entry && !events_.empty())
			enter_at_ = events_.front().at;
	}

	std::vector<HistoryEffect>
	Run()
	{
		for (const SimEvent &event : events_) {
			if (event.at > input_.until)
				break;
			if (!entered_ && enter_at_ && *enter_at_ <= event.at)
				Enter(*enter_at_, Json::object(), ManualKey());
			WakesUntil(event.at);
			OnEvent(event);
		}
		if (!entered_ && enter_at_ && *enter_at_ <= input_.until)
			Enter(*enter_at_, Json::object(), ManualKey());
		WakesUntil(input_.until);
		return std::move(history_);
	}

private:
	bool
	Active() const
	{
		return entered_ && state_.status == InstanceStatus::Active;
	}

	std::string
	ManualKey() const
	{
		if (!graph_.entry.key || !input_.context.is_object() || !input_.context.contains("key"))
			return "";
		return EntryKeyOf(graph_, Json{{*graph_.entry.key, input_.context["key"]}}).value_or("");
	}

	template <typename Step>
	void
	Do(Step step)
	{
		StepResult result;
		try {
			result = step();
		} catch (const StepError &error) {
			result = FailInstance(state_, error.what(), state_.last_step_at);
		}
		for (UpdateEffect &update : result.updates)
			facts_.Set(update.attribute, update.value.is_null() ? std::nullopt : std::optional<Json>(update.value));
		for (HistoryEffect &line : result.history)
			history_.push_back(std::move(line));
	}

	void
	Enter(Timestamp at, const Json &props, const std::string &key)
	{
		entered_ = true;
		state_.id = input_.instance_id;
		state_.user_id = input_.user_id;
		state_.context = input_.context.is_object() ? input_.context : Json::object();
		state_.event = props;
		state_.entry_key = key;
		Do([&] { return Start(graph_, state_, at, facts_); });
	}

	void
	WakesUntil(Timestamp t)
	{
		for (int steps = 0; Active(); ++steps) {
			std::optional<Timestamp> due;
			for (const Branch &branch : Branches(state_))
				if (branch.wake_at && (!due || *branch.wake_at < *due))
					due = branch.wake_at;
			if (!due || *due > t)
				return;
			if (steps >= kMaxSimulatedSteps) {
				Do([&]() -> StepResult { throw StepError("the simulation took too many steps"); });
				return;
			}
			Do([&] { return ResumeDue(graph_, state_, *due, facts_); });
		}
	}

	void
	OnEvent(const SimEvent &event)
	{
		const bool was_entered = entered_;
		if (Active() && ExitWhenMatches(graph_, state_, event.name, event.props, event.at, facts_))
			Do([&] { return ExitInstance(state_, "exit_event", event.at); });
		if (entered_ && !converted_ && GoalMatches(graph_, state_, event.name, event.props, event.at, facts_)) {
			converted_ = true;
			history_.push_back({event.at, state_.node, "converted", Json{{"event", event.name}}});
			if (graph_.goal->exit && Active())
				Do([&] { return ExitInstance(state_, "goal", event.at); });
		}
		if (Active() && WaitForMatches(graph_, state_, event.name, event.props, event.at, facts_))
			Do([&] { return ResumeOnEvent(graph_, state_, event.name, event.props, event.at, facts_); });
		if (!was_entered && !enter_at_ && EventEnters(graph_, event.name, event.props, last_location_, event.at, facts_)) {
			if (EvaluateCondition(graph_, graph_.entry.when, event.at, event.at, &event.props, facts_))
				Enter(event.at, event.props, EntryKeyOf(graph_, event.props).value_or(""));
			else
				history_.push_back({event.at, kNoNode, "not_entered",
									Json{{"reason", "the entry condition (entry.when) does not hold"}, {"event", event.name}}});
		}
		if (event.name == "location")
			if (const std::optional<GeoPoint> location = LocationOf(event.props))
				last_location_ = location;
	}

	const Graph &graph_;
	const SimulationInput &input_;
	std::vector<SimEvent> events_;
	SimulatedFacts facts_;
	std::optional<Timestamp> enter_at_;
	InstanceState state_;
	bool entered_ = false;
	bool converted_ = false;
	std::optional<GeoPoint> last_location_;
	std::vector<HistoryEffect> history_;
};

}	 // namespace

std::vector<SimEvent>
ParseSimulationEvents(const Json &events)
{
	if (events.is_null())
		return {};
	if (!events.is_array())
		throw std::invalid_argument("events: expected an array of {\"name\": N, \"at\": TIMESTAMP, \"props\": {..}}");
	std::vector<SimEvent> out;
	for (size_t i = 0; i < events.size(); ++i) {
		const Json &item = events[i];
		const std::string where = "events[" + std::to_string(i) + "]";
		if (!item.is_object())
			throw std::invalid_argument(where + ": expected an object");
		for (const auto &[key, value] : item.items())
			if (key != "name" && key != "at" && key != "props")
				throw std::invalid_argument(where + "." + std::string(CutForMessage(key)) + ": unknown key " + Quoted(key));
		SimEvent event;
		const auto name = item.find("name");
		if (name == item.end() || !name->is_string() || name->get_ref<const std::string &>().empty())
			throw std::invalid_argument(where + ".name: expected a non-empty string");
		event.name = name->get<std::string>();
		const auto at = item.find("at");
		const std::optional<IsoTime> time =
			at != item.end() && at->is_string() ? ParseIsoTime(at->get<std::string>()) : std::nullopt;
		if (!time || !time->offset_micros)
			throw std::invalid_argument(where + ".at: expected an ISO timestamp with an offset, such as "
												"\"2026-11-23T10:00:00Z\"");
		event.at = IsoTimeInstant(*time, DefaultTimeZones(), "UTC");
		const auto props = item.find("props");
		if (props != item.end() && !props->is_null()) {
			if (!props->is_object())
				throw std::invalid_argument(where + ".props: expected an object");
			event.props = *props;
		}
		out.push_back(std::move(event));
	}
	return out;
}

std::vector<HistoryEffect>
Simulate(const Graph &graph, const SimulationInput &input, Facts &facts)
{
	return Simulation(graph, input, facts).Run();
}

}	 // namespace journey
