// The one evaluator: every way a journey advances (trigger, scheduler, run_due, simulate) goes
// through these functions. It walks the compiled graph from a node until a waiting node or an end,
// asking Facts about the user and returning effects for the caller to write in its transaction.
#pragma once
#include "no_postgres.hpp"

#include "facts.hpp"
#include "geo.hpp"
#include "graph.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace journey {

enum class InstanceStatus : uint8_t { Active, Completed, Exited, Failed };
const char *StatusName(InstanceStatus status);	// "active", "completed", "exited", "failed"
// The status as journey.instance stores it (a "char"): "a", "c", "e", "f".
const char *StatusCode(InstanceStatus status);

// Where one branch of an instance waits. Without parallel nodes an instance has one branch.
struct Branch {
	NodeId node = kNoNode;
	std::optional<Timestamp> wake_at;
	bool operator==(const Branch &) const = default;
};

struct InstanceState {
	int64_t id = 0;
	std::string user_id;
	InstanceStatus status = InstanceStatus::Active;
	// The branch that wakes first (journey.instances.node and wake_at); kNoNode once ended.
	NodeId node = kNoNode;			  // the node the branch waits at
	std::optional<Timestamp> wake_at;  // when its wait ends (Wait: its end; WaitFor: its timeout; ...)
	// The other branches of parallel nodes, each waiting, in wake order after node/wake_at. Empty without
	// parallel nodes. The layer stores them as BranchesToJson(graph, state.other_branches).
	std::vector<Branch> other_branches;
	Timestamp entered_at = 0;
	Timestamp last_step_at = 0;		  // time of the latest step (never decreases)
	std::optional<Timestamp> ended_at;
	Json context = Json::object();	  // enroll's context, results of call nodes
	Json event = Json::object();	  // props of the triggering event ({{event.X}})
	std::vector<int32_t> visits;	  // visits per node (index NodeId), sized to the graph by the evaluator
	std::string exit_reason;		  // set when ended
	std::string error;				  // set when failed
	std::string entry_key;			  // the entry.key value of the triggering event (EntryKeyOf); "" unkeyed
	std::string variant;			  // the label of the latest split taken; "" when none
	// journey.user_history: when keep_history, every history line of every step (HistoryEffect below) is also
	// appended here as one line of JSON (AppendHistoryLine): the lines since the instance was loaded, which the
	// layer appends to journey.instance.history. history_stored: how much of it the layer has handed to a write
	// (a state written twice appends each line once).
	bool keep_history = false;
	std::string history;
	mutable size_t history_stored = 0;
	std::optional<Timestamp> history_last_at;	// the time of the last line appended (lines after it omit theirs)
};

// Every waiting branch: {node, wake_at} first, then other_branches.
std::vector<Branch> Branches(const InstanceState &state);
// Stores waiting branches: sorted by wake time (stable), the first into node/wake_at, the rest into
// other_branches. No branch: node = kNoNode, wake_at empty.
void SetBranches(InstanceState &state, std::vector<Branch> branches);
// [{"node": "wait", "wake_at": "2026-11-23T12:00:00Z"}, ...] (wake_at null when none); node ids by name.
Json BranchesToJson(const Graph &graph, const std::vector<Branch> &branches);
// The inverse; throws StepError for a node the graph does not have or a malformed value. null: no branch.
std::vector<Branch> BranchesFromJson(const Graph &graph, const Json &value);
// The events that the instance's wait_for branches await (sorted, unique): what the layer indexes.
std::vector<std::string> WaitingEvents(const Graph &graph, const InstanceState &state);

struct SendEffect {
	NodeId node = kNoNode;
	std::string channel;
	std::string template_name;
	Json payload;			  // {"to": address|null, "template": T, "data": {...}, ["subject", "body"]}
	std::string dedup_key;	  // "<instance id>:<node id>:<visit number>"
	bool suppressed = false;  // the user is not reachable on the channel, or unsubscribed from the topic
	std::string suppress_reason;
	std::string topic;		  // the send's topic ("" when none): the outbox row's topic
	Timestamp at = 0;		  // the step's time: the row's created_at
	Timestamp available_at = 0;	 // when a sender may claim it: `at`, or the end of the user's quiet hours
};

// A change of the user's profile by an update node, for the caller to apply (SPEC §3: a column of the tracked
// profile table, else a key of journey.profiles.attributes). The rest of the walk already saw it.
struct UpdateEffect {
	NodeId node = kNoNode;
	std::string attribute;
	UpdateOp op = UpdateOp::Set;
	Json operand;	// Set: the value (templates rendered); Add: the number, or the duration's interval text
	Json value;		// the attribute's value after the update (null when unset): what the walk saw afterwards
	Timestamp at = 0;
};

// One line of the timeline (journey.simulate, journey.user_history). `what` and its detail (always an object):
//   entered      {"key"?}                         the instance began at the start node
//   waiting      {"until", "event"?}              a wait, wait_until, wait_for (event) or closed window
//   resumed      {"by": "time"|"timeout"|"event", "event"?}  a wait ended (timeout: of a wait_for)
//   visited      {"until"?, "past"?}              a wait_until already reached, or a window that is open
//   branch       if {"result", "next"}; switch {"case": index|"default", "next"}; split {"label", "next"};
//                parallel {"branches": [...]}
//   sent         {"channel", "template", "dedup_key"}
//   suppressed   {"channel", "template", "dedup_key", "reason"}
//   updated      {"attribute", "op", "value"}
//   called       {"function", "into"}
//   branch_ended {"reason"}                       a parallel branch ended while others go on
//   completed    {"reason"}                       the instance ended at an exit node (or a holdout)
//   exited       {"reason"}                       ended from outside (exit_when, goal, journey.exit, ...)
//   failed       {"error"}
// The simulator adds converted {"event"} (goal reached) and not_entered {"reason"}.
struct HistoryEffect {
	Timestamp at = 0;
	NodeId node = kNoNode;
	std::string what;
	Json detail;
};

// Appends a history line and a newline to state.history in the compact form of history.cpp (the time, the
// node by its index in the graph, a code for `what`, the detail as JSON), which journey.user_history reads.
void AppendHistoryLine(InstanceState &state, Timestamp at, NodeId node, const char *what, const Json &detail);
// An instance keeps at most kMaxHistoryBytes of lines: beyond, the oldest whole lines give way, down to three
// quarters of it (not a cut on every step). KeptHistoryFrom says where the kept part of a history starts
// (0: all of it); the layer applies it when it appends to the stored history.
constexpr size_t kMaxHistoryBytes = 32 * 1024;
size_t KeptHistoryFrom(const char *history, size_t length);

struct StepOptions {
	bool record_history = true;	 // false: StepResult::history stays empty (the scheduler's hot path)
};

struct StepResult {
	std::vector<SendEffect> sends;
	std::vector<UpdateEffect> updates;
	std::vector<HistoryEffect> history;
	int64_t node_visits = 0;  // nodes executed during this call
};

// Any one call visits at most this many nodes; more means a bug in validation, and fails the instance.
constexpr int64_t kMaxVisitsPerStep = 10000;
// An instance has at most this many parallel branches at once; more fails the step.
constexpr size_t kMaxBranches = 64;

// Begins `state` (id, user_id, context, event, entry_key already set by the caller) at the graph's start node
// as of `at`: sets entered_at, last_step_at, then walks.
StepResult Start(const Graph &graph, InstanceState &state, Timestamp at, Facts &facts,
				 const StepOptions &options = {});

// Waits fell due: every branch whose wake_at <= the step's time resumes (a Wait, WaitUntil or Window goes on
// at next, a WaitFor takes on_timeout); when none is due yet, the first branch does (the caller judged the
// instance due, e.g. held by a pause). The step runs as of max(as_of, last_step_at).
StepResult ResumeDue(const Graph &graph, InstanceState &state, Timestamp as_of, Facts &facts,
					 const StepOptions &options = {});

// An event arrived: every branch whose wait_for accepts it (see WaitForMatches) takes on_event. Nothing happens
// when no branch accepts it. The step runs as of max(event_at, last_step_at).
StepResult ResumeOnEvent(const Graph &graph, InstanceState &state, const std::string &name, const Json &props,
						 Timestamp event_at, Facts &facts, const StepOptions &options = {});

// Every branch waiting at a WaitFor takes on_event, as of max(event_at, last_step_at): for an event matched
// earlier (held while the journey was paused). Throws StepError when no branch waits at a WaitFor.
StepResult ResumeOnEvent(const Graph &graph, InstanceState &state, Timestamp event_at, Facts &facts,
						 const StepOptions &options = {});

// Ends an active instance and every branch from outside the graph (exit_when, goal, journey.exit, archive,
// migration): status Exited. at is raised to last_step_at when earlier. The history has one "exited" line.
StepResult ExitInstance(InstanceState &state, const std::string &reason, Timestamp at);

// Marks the instance failed with the error kept. The history has one "failed" line.
StepResult FailInstance(InstanceState &state, const std::string &error, Timestamp at);

// Does the condition `where` (kNoCond: always true) hold for an event with these props?
// Used for trigger "where", exit_when "where" and wait_for "where".
bool PropsMatch(const Graph &graph, CondId where, const Json &props, Timestamp at, Facts &facts);

// The entry.key value in an event's props as text (strings bare, numbers and booleans as JSON text).
// An unkeyed journey: "" (one key for the whole user). A keyed journey: nullopt when the props lack the key
// (or hold null, "", an object or an array) — such an event never enters it.
std::optional<std::string> EntryKeyOf(const Graph &graph, const Json &props);

// Does the active instance accept an event named `name` at `event_at` with `props` in one of its branches?
// The branch waits at a WaitFor on that name, event_at is before its deadline (wake_at), the where holds, and
// in a keyed journey the props carry the instance's key.
bool WaitForMatches(const Graph &graph, const InstanceState &state, const std::string &name, const Json &props,
					Timestamp event_at, Facts &facts);

// Does an exit_when rule take the active instance out for this event (name, where, and the key)?
bool ExitWhenMatches(const Graph &graph, const InstanceState &state, const std::string &name, const Json &props,
					 Timestamp event_at, Facts &facts);

// Does the event reach the journey's goal for an instance that entered at `entered_at` (with `entry_key`)?
// The name and the where match, the key matches, and event_at is in [entered_at, entered_at + within].
// Also true after the instance ended (a conversion is counted then too).
bool GoalMatches(const Graph &graph, Timestamp entered_at, const std::string &entry_key, const std::string &name,
				 const Json &props, Timestamp event_at, Facts &facts);
bool GoalMatches(const Graph &graph, const InstanceState &state, const std::string &name, const Json &props,
				 Timestamp event_at, Facts &facts);

// Does a tracked event enter the journey by one of its triggers? Event triggers: the name and the where.
// Geofence triggers: an event named "location" whose props (lat, lon) cross the circle's edge from
// `previous_location` (the user's previous location event; nullopt when none). A keyed journey needs the key in
// the props. Entry rules (reentry, cooldown, max_entries, when, throttle, max_event_age) are the caller's.
// An event too old to enrol anyone (entry.max_event_age before now: a backfill). The events a segment refresh
// records never are: their time is the refresh's as_of, chosen by whoever refreshed.
bool IsBackfill(const Graph &graph, std::string_view event_name, Timestamp at, Timestamp now);
bool EventEnters(const Graph &graph, const std::string &name, const Json &props,
				 const std::optional<GeoPoint> &previous_location, Timestamp at, Facts &facts);

// Does a change of profile attribute `attribute` from `old_value` to `new_value` (nullptr: absent or SQL null)
// enter the journey by an attribute_change trigger? It fires when the values differ (an insert is a change
// from absent) and the trigger's where holds on {"attribute": A, "old": OLD, "new": NEW}. Never for a keyed
// journey. The caller leaves out changes made by this journey's own update nodes (SPEC §10).
bool AttributeChangeEnters(const Graph &graph, const std::string &attribute, const Json *old_value,
						   const Json *new_value, Timestamp at, Facts &facts);

// Evaluates a condition for a user as of `as_of` (entered_at: for "since": "entry"; props: the event in
// hand for Prop conditions, null when none).
bool EvaluateCondition(const Graph &graph, CondId cond, Timestamp as_of, Timestamp entered_at, const Json *props,
					   Facts &facts);

// Is the user reachable on the channel (SPEC §3, §10)?
bool IsReachable(const Contact &contact, const std::string &channel);

// publish(in_flight => 'migrate'): moves an active instance from graph `from` to graph `to`. Every branch goes
// to the same-named node, keeping its deadline; visits follow node names; the split label stays when some split
// node of `to` still has it (else it is cleared). Returns false, leaving `state` unchanged, when a branch's node
// does not exist in `to` or is no longer a waiting node: the caller exits the instance ("migrated_away").
bool MigrateState(const Graph &from, const Graph &to, InstanceState &state);

}	 // namespace journey
