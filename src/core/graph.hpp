// The compiled form of a journey definition: integer node ids, conditions in one flat vector.
// Built once by Compile(); the evaluator never looks at the definition's JSON again.
#pragma once
#include "no_postgres.hpp"

#include "json.hpp"
#include "time.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace journey {

using NodeId = int32_t;
using CondId = int32_t;
constexpr NodeId kNoNode = -1;
constexpr CondId kNoCond = -1;

// Comparison operators of attribute/prop conditions and of event counts.
enum class CompareOp : uint8_t { Eq, Ne, Gt, Ge, Lt, Le, In, NotIn, Contains, Exists, NotExists, Between };

enum class CondKind : uint8_t {
	Attribute,	  // profile attribute compares
	Prop,		  // property of the event in hand (only inside "where")
	Event,		  // the user has such events
	Reachable,	  // the user is reachable on a channel
	All,
	Any,
	Not,
};

// How far back an event condition looks.
enum class EventSince : uint8_t { Ever, Entry, Within };

struct Condition {
	CondKind kind = CondKind::All;
	// Attribute / Prop: name (attribute or property), op, value.
	// Event: name is the event name. Reachable: name is the channel.
	std::string name;
	CompareOp op = CompareOp::Eq;
	Json value;
	// Event only.
	EventSince since = EventSince::Ever;
	Interval within;			   // when since == Within
	CondId where = kNoCond;		   // condition on the event's props (Prop conditions and combinators)
	CompareOp count_op = CompareOp::Ge;
	int64_t count = 1;
	// All / Any: children; Not: children[0].
	std::vector<CondId> children;
};

enum class NodeKind : uint8_t { Wait, WaitFor, If, Send, Exit };

struct SendSpec {
	std::string channel;
	std::string template_name;
	Json data = Json::object();	 // values may hold {{...}} templates
	std::optional<std::string> to;  // address override, may hold templates
};

struct Node {
	std::string id;
	NodeKind kind = NodeKind::Exit;
	NodeId next = kNoNode;	 // Wait, Send: next; If: then; WaitFor: on_event
	NodeId alt = kNoNode;	 // If: else; WaitFor: on_timeout
	Interval duration;		 // Wait: the wait; WaitFor: the timeout
	CondId cond = kNoCond;	 // If: the condition; WaitFor: the "where" on the awaited event
	std::string event;		 // WaitFor: awaited event name
	SendSpec send;			 // Send
	std::string reason;		 // Exit: exit reason (default "completed")
	bool IsWaiting() const { return kind == NodeKind::Wait || kind == NodeKind::WaitFor; }
};

enum class TriggerKind : uint8_t { Event, Manual };

struct Trigger {
	TriggerKind kind = TriggerKind::Event;
	std::string event;		  // Event
	CondId where = kNoCond;	  // Event: condition on the event's props
};

enum class Reentry : uint8_t { Never, AfterExit, Always };

struct EntryRules {
	Reentry reentry = Reentry::AfterExit;
	std::optional<Interval> cooldown;		// since the user's last entry
	std::optional<int64_t> max_entries;	// per user, lifetime
	CondId when = kNoCond;					// must hold to enter
	Interval max_event_age{0, 1, 0};		// default 1 day
};

struct ExitRule {
	std::string event;
	CondId where = kNoCond;
};

struct Graph {
	std::string name;
	std::string description;
	std::vector<Trigger> triggers;
	EntryRules entry;
	std::vector<ExitRule> exit_when;
	NodeId start = kNoNode;
	std::vector<Node> nodes;			 // in the definition's key order (sorted by id)
	std::vector<Condition> conditions;	 // referenced by CondId
	std::unordered_map<std::string, NodeId> node_index;

	NodeId FindNode(const std::string &id) const;	 // kNoNode when absent
	// Every event name the journey reacts to: triggers, exit_when, wait_for nodes.
	std::vector<std::string> EventNames() const;
};

using GraphPtr = std::shared_ptr<const Graph>;

}	 // namespace journey
