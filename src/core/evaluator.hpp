// The one evaluator: every way a journey advances (trigger, scheduler, run_due, simulate) goes
// through these functions. It walks the compiled graph from a node until a waiting node or an end,
// asking Facts about the user and returning effects for the caller to write in its transaction.
#pragma once
#include "no_postgres.hpp"

#include "facts.hpp"
#include "graph.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace journey {

enum class InstanceStatus : uint8_t { Active, Completed, Exited, Failed };
const char *StatusName(InstanceStatus status);	// "active", "completed", "exited", "failed"

struct InstanceState {
	int64_t id = 0;
	std::string user_id;
	InstanceStatus status = InstanceStatus::Active;
	NodeId node = kNoNode;			  // the node the instance waits at; kNoNode once ended
	std::optional<Timestamp> wake_at;  // when the wait ends (Wait: its end; WaitFor: its timeout)
	Timestamp entered_at = 0;
	Timestamp last_step_at = 0;		  // time of the latest step (never decreases)
	std::optional<Timestamp> ended_at;
	Json context = Json::object();	  // enroll's context, results of call nodes
	Json event = Json::object();	  // props of the triggering event ({{event.X}})
	std::vector<int32_t> visits;	  // visits per node (index NodeId), sized to the graph by the evaluator
	std::string exit_reason;		  // set when ended
	std::string error;				  // set when failed
};

struct SendEffect {
	NodeId node = kNoNode;
	std::string channel;
	std::string template_name;
	Json payload;			  // {"to": address|null, "template": T, "data": {...}, ["subject", "body"]}
	std::string dedup_key;	  // "<instance id>:<node id>:<visit number>"
	bool suppressed = false;  // the user is not reachable on the channel
	std::string suppress_reason;
	Timestamp at = 0;		  // the step's time: the row's created_at and available_at
};

struct StepResult {
	std::vector<SendEffect> sends;
	int64_t node_visits = 0;  // nodes executed during this call
};

// Raised for a failure of one instance's step (the caller marks that instance failed).
class StepError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Any one call visits at most this many nodes; more means a bug in validation, and fails the instance.
constexpr int64_t kMaxVisitsPerStep = 10000;

// Begins `state` (id, user_id, context, event already set by the caller) at the graph's start node as
// of `at`: sets entered_at, last_step_at, then walks.
StepResult Start(const Graph &graph, InstanceState &state, Timestamp at, Facts &facts);

// The instance's wait fell due: a Wait continues at next, a WaitFor takes on_timeout. The step runs as
// of `as_of` (waits started now end relative to it).
StepResult ResumeDue(const Graph &graph, InstanceState &state, Timestamp as_of, Facts &facts);

// The instance waits at a WaitFor and a matching event (see WaitForMatches) arrived: take on_event.
// The step runs as of max(event_at, state.last_step_at).
StepResult ResumeOnEvent(const Graph &graph, InstanceState &state, Timestamp event_at, Facts &facts);

// Ends an active instance from outside the graph (exit_when, journey.exit, archive): status Exited.
// at is raised to last_step_at when earlier.
void ExitInstance(InstanceState &state, const std::string &reason, Timestamp at);

// Marks the instance failed with the error kept.
void FailInstance(InstanceState &state, const std::string &error, Timestamp at);

// Does the condition `where` (kNoCond: always true) hold for an event with these props?
// Used for trigger "where", exit_when "where" and wait_for "where".
bool PropsMatch(const Graph &graph, CondId where, const Json &props, Timestamp at, Facts &facts);

// Does the instance (waiting at a WaitFor) accept an event named `name` at `event_at` with `props`?
// The name must match, the where must hold and event_at must be before the wait's deadline (wake_at).
bool WaitForMatches(const Graph &graph, const InstanceState &state, const std::string &name, const Json &props,
					Timestamp event_at, Facts &facts);

// Evaluates a condition for a user as of `as_of` (entered_at: for "since": "entry"; props: the event in
// hand for Prop conditions, null when none).
bool EvaluateCondition(const Graph &graph, CondId cond, Timestamp as_of, Timestamp entered_at, const Json *props,
					   Facts &facts);

// Is the user reachable on the channel (SPEC §3, §10)?
bool IsReachable(const Contact &contact, const std::string &channel);

}	 // namespace journey
