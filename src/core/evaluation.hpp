// Internal to src/core: pieces of the evaluator shared by its .cpp files.
#pragma once
#include "no_postgres.hpp"

#include "evaluator.hpp"

#include <string>
#include <utility>
#include <vector>

namespace journey::detail {

// Compares a value (null when absent) with a condition's operand (SPEC §5 ops): numbers numerically,
// strings lexicographically; values of different types are never equal nor ordered.
bool Compare(CompareOp op, const Json *actual, const Json &operand);
// Compares an event count with an event condition's count.
bool CompareCount(CompareOp op, int64_t actual, int64_t expected);

// Why the user cannot be sent to on the channel ("" when reachable). An address override (send.to)
// stands in for a missing contact address.
std::string UnreachableReason(const Contact &contact, const std::string &channel, bool address_override);

// The effect of a send node visited for the `visit`th time at `at` (noted in `facts` when not suppressed: the
// step's later sends count it against a frequency cap).
SendEffect BuildSend(const Graph &graph, NodeId node, const InstanceState &state, int32_t visit, Timestamp at,
					 Facts &facts);

// The end of the quiet hours that `at` is inside of (in the user's time zone), or nullopt when it is outside.
std::optional<Timestamp> QuietHoursEnd(const QuietHours &quiet, Timestamp at, Facts &facts);

// A Facts that sees attribute changes on top of another Facts: the update nodes of a walk (and of a whole
// simulation). Everything else is asked of the base.
class OverlayFacts : public Facts {
public:
	explicit OverlayFacts(Facts &base) : base_(base) {}

	// Records the attribute's new value (nullopt: unset).
	void Set(const std::string &name, std::optional<Json> value);

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
	int64_t CountSends(const std::string &channel, Timestamp after, Timestamp upto) override;
	void NoteSend(const std::string &channel, Timestamp at) override;
	int64_t StepSends(const std::string &channel, Timestamp after, Timestamp upto) override;

private:
	Facts &base_;
	std::vector<std::pair<std::string, std::optional<Json>>> changes_;
};

// The zone a node computes in: its own (`zone` non-empty), else the user's; an empty or unknown name is UTC.
std::string ZoneFor(const std::string &zone, Facts &facts);

// When a wait_until node's wait ends, as of `now`; nullopt when its value is null or missing (past). Throws
// StepError for a value (attribute, event property, context key) that is not a timestamp.
std::optional<Timestamp> UntilTime(const WaitUntilSpec &until, Timestamp now, Facts &facts, const InstanceState &state);

// nullopt when `now` is inside the window, else the next opening (after now).
std::optional<Timestamp> WindowOpening(const WindowSpec &window, Timestamp now, Facts &facts);

// Computes one attribute update as of `now` (rendering "set" templates with `scope_state`), applies it to the
// overlay and returns the effect. Throws StepError when "add" meets a value it cannot add to.
UpdateEffect ApplyUpdate(const Graph &graph, NodeId node, const AttributeUpdate &update,
						 const InstanceState &scope_state, Timestamp now, OverlayFacts &facts);

// Does the event carry the instance's key (always true for an unkeyed journey)?
bool KeyMatches(const Graph &graph, const std::string &entry_key, const Json &props);

// Does one branch accept the event (its node is a WaitFor on `name`, before its deadline, where holds)?
bool BranchAccepts(const Graph &graph, const InstanceState &state, const Branch &branch, const std::string &name,
				   const Json &props, Timestamp event_at, Facts &facts);

// A history detail {key: value, ...}, built without nlohmann's initializer lists (cheaper on the hot path).
inline void
AddFields(Json &)
{
}

template <typename Value, typename... Rest>
void
AddFields(Json &object, const char *key, Value &&value, Rest &&...rest)
{
	object[key] = std::forward<Value>(value);
	AddFields(object, std::forward<Rest>(rest)...);
}

template <typename... Fields>
Json
Detail(Fields &&...fields)
{
	Json object(Json::value_t::object);
	AddFields(object, std::forward<Fields>(fields)...);
	return object;
}

// Walks branches of one instance as of one instant. Branches that stay waiting are Kept; branches that move
// are Begun at a node; Run walks each begun branch (and those that parallel nodes start) until it waits or
// ends, then stores the waiting branches in the state (or completes the instance when the last branch ends).
class Walker {
public:
	Walker(const Graph &graph, InstanceState &state, OverlayFacts &facts, const StepOptions &options,
		   StepResult &result, Timestamp now);

	void
	Keep(const Branch &branch)
	{
		waiting_.push_back(branch);
	}

	void
	Begin(NodeId node)
	{
		pending_.push_back(node);
	}

	void Run();

	// Adds a history line; `detail` (a callable returning Json) runs only when history is recorded.
	template <typename Detail>
	void
	Record(NodeId node, const char *what, Detail detail)
	{
		if (options_.record_history) {
			result_.history.push_back({now_, node, what, detail()});
			if (state_.keep_history)
				AppendHistoryLine(state_, now_, node, what, result_.history.back().detail);
		} else if (state_.keep_history) {
			AppendHistoryLine(state_, now_, node, what, detail());
		}
	}

private:
	void WalkBranch(NodeId node);
	void Wait(NodeId node, Timestamp until, const std::string *event);
	void EndBranch(NodeId node, const std::string &reason);
	NodeId Split(NodeId node);
	void Parallel(NodeId node);
	std::string NodeName(NodeId node) const;

	const Graph &graph_;
	InstanceState &state_;
	OverlayFacts &facts_;
	const StepOptions &options_;
	StepResult &result_;
	const Timestamp now_;
	std::vector<Branch> waiting_;
	std::vector<NodeId> pending_;	 // branches to walk, from pending_[next_pending_] on
	size_t next_pending_ = 0;
};

}	 // namespace journey::detail
