// The compiled form of a journey definition: integer node ids, conditions in one flat vector.
// Built once by Compile(); the evaluator never looks at the definition's JSON again.
#pragma once
#include "no_postgres.hpp"

#include "geo.hpp"
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
	Segment,	  // the user is a member of a segment (as of its last refresh)
	All,
	Any,
	Not,
};

// How far back an event condition looks.
enum class EventSince : uint8_t { Ever, Entry, Within };

struct Condition {
	CondKind kind = CondKind::All;
	// Attribute / Prop: name (attribute or property), op, value.
	// Event: name is the event name. Reachable: name is the channel. Segment: name is the segment.
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

enum class NodeKind : uint8_t { Wait, WaitUntil, WaitFor, Window, If, Switch, Split, Parallel, Send, Update, Call, Exit };

struct SendSpec {
	std::string channel;
	std::string template_name;
	Json data = Json::object();	 // values may hold {{...}} templates
	std::optional<std::string> to;  // address override, may hold templates (rendering empty: unreachable)
	std::string topic;				 // "" when none: preferences of journey.set_preference apply to it
	bool ignore_caps = false;		 // a transactional message: frequency caps and quiet hours do not apply
};

// wait_until forms (the time zone is the user's unless `timezone` names one):
//   "2026-12-24T09:00:00Z"                                an instant (an offset or Z is required)
//   {"attribute": A, "offset": DURATION?, "at": "HH:MM"?}  the instant in profile attribute A (ISO text with an
//        offset; without one a wall-clock time in the zone; a date "YYYY-MM-DD" is its midnight; a number is unix
//        seconds) moved by the offset ("-10 days": ten days before, months and days on the wall clock); with
//        "at", that day at HH:MM. A null or missing attribute counts as past; any other value that is not a
//        timestamp fails the instance.
//   {"at": "HH:MM", "day": DAY?, "date": "YYYY-MM-DD"?}   a wall-clock time: with no day the next HH:MM (today
//        if still ahead, else tomorrow); "today" (may be past); "tomorrow"; "mon".."sun" the next such day
//        (today if still ahead); or on "date".
//   {"event": PROP, "offset": DURATION?, "at"?}      the same with a property of the triggering event
//   {"context": KEY, "offset": DURATION?, "at"?}     the same with a key of the instance's context
enum class UntilKind : uint8_t { Instant, Attribute, Clock, EventProp, Context };
enum class UntilDay : uint8_t { Next, Today, Tomorrow, Weekday, Date };

struct WaitUntilSpec {
	UntilKind kind = UntilKind::Instant;
	Timestamp instant = 0;			  // Instant
	std::string attribute;			  // Attribute: the attribute; EventProp: the property; Context: the key
	Interval offset;				  // Attribute, EventProp, Context
	std::optional<int> clock;		  // minutes since midnight: Clock (always), Attribute, EventProp, Context ("at")
	UntilDay day = UntilDay::Next;	  // Clock
	int weekday = 0;				  // Clock, day == Weekday: 0 = sunday
	int year = 0, month = 0, date = 0;	// Clock, day == Date
	std::string timezone;			  // "" = the user's
	bool skip_if_past = false;		  // "if_past": "skip" (to the node's alt, "past_next")
};

// {"from": "HH:MM", "to": "HH:MM", "days": [...], "timezone": "user"|NAME}: from > to wraps midnight (the
// window then belongs to the day it opens).
struct WindowSpec {
	int from = 0;			 // minutes since midnight
	int to = 0;				 // exclusive
	uint8_t days = 0x7f;	 // bit per weekday (bit 0 = sunday)
	std::string timezone;	 // "" = the user's
};

struct SwitchCase {
	CondId when = kNoCond;
	NodeId next = kNoNode;
};

// Split percents have up to two decimals: 33.33 is 3333 basis points; the arms sum to kSplitWhole.
constexpr int kSplitWhole = 10000;

struct SplitArm {
	std::string label;
	int basis_points = 0;  // hundredths of a percent
	NodeId next = kNoNode;	// kNoNode: a holdout (the instance, or its branch, ends with reason "holdout")
};

enum class UpdateOp : uint8_t { Set, Add, Unset };
const char *UpdateOpName(UpdateOp op);	 // "set", "add", "unset"

struct AttributeUpdate {
	std::string attribute;
	UpdateOp op = UpdateOp::Set;
	Json value;						 // Set: the value (its strings may hold templates); Add: the number
	std::optional<Interval> add_duration;	// Add of a duration (to a timestamp attribute)
};

struct CallSpec {
	std::string function;  // as written, optionally schema-qualified
	std::string into;	   // the context key
};

struct Node {
	std::string id;
	NodeKind kind = NodeKind::Exit;
	NodeId next = kNoNode;	 // Wait, WaitUntil, Window, Send, Update, Call: next; If: then; WaitFor: on_event
	NodeId alt = kNoNode;	 // If: else; WaitFor: on_timeout; WaitUntil: past_next; Switch: default
	Interval duration;		 // Wait: the wait; WaitFor: the timeout
	CondId cond = kNoCond;	 // If: the condition; WaitFor: the "where" on the awaited event
	std::string event;		 // WaitFor: awaited event name (for a segment: SegmentEventName(true, segment))
	std::string segment;	 // WaitFor on a segment: its name (resumes at once when the user is a member)
	SendSpec send;			 // Send
	std::string reason;		 // Exit: exit reason (default "completed")
	WaitUntilSpec until;	 // WaitUntil
	WindowSpec window;		 // Window
	std::vector<SwitchCase> cases;			 // Switch
	std::vector<SplitArm> arms;				 // Split
	std::vector<NodeId> branches;			 // Parallel
	std::vector<AttributeUpdate> updates;	 // Update
	CallSpec call;							 // Call
	bool
	IsWaiting() const
	{
		return kind == NodeKind::Wait || kind == NodeKind::WaitUntil || kind == NodeKind::WaitFor ||
			   kind == NodeKind::Window;
	}
	std::vector<NodeId> Successors() const;	 // every target, without duplicates (holdouts left out)
};

// A segment_enter / segment_exit trigger is an Event trigger on the event its refreshes record
// (SegmentEventName) with `segment` set; a schedule trigger enters nobody by itself: the layer's pg_cron job
// enrolls the segment's members at each time.
enum class TriggerKind : uint8_t { Event, Manual, AttributeChange, GeofenceEnter, GeofenceExit, Schedule };

struct Trigger {
	TriggerKind kind = TriggerKind::Event;
	std::string event;		  // Event
	std::string segment;	  // Event from segment_enter / segment_exit, Schedule: the segment
	std::string cron;		  // Schedule: the pg_cron schedule
	std::string attribute;	  // AttributeChange
	CondId where = kNoCond;	  // Event: on the event's props; AttributeChange: on {"attribute", "old", "new"}
	Geofence fence;			  // GeofenceEnter / GeofenceExit
};

enum class Reentry : uint8_t { Never, AfterExit, Always };
const char *ReentryName(Reentry reentry);  // "never", "after_exit", "always", as a definition spells it

// N per period: an entry throttle (entries), a journey's send rate (outbox rows).
struct Rate {
	int64_t max = 0;  // entries or messages ...
	Interval per;	  // ... per period (the layer enforces it)
};
using Throttle = Rate;

struct EntryRules {
	Reentry reentry = Reentry::AfterExit;
	std::optional<Interval> cooldown;		// since the user's last entry
	std::optional<int64_t> max_entries;	// per user, lifetime
	CondId when = kNoCond;					// must hold to enter
	Interval max_event_age{0, 1, 0};		// default 1 day
	std::optional<std::string> key;			// a property of the triggering event: rules per user and key
	std::optional<Throttle> throttle;

	// The rules that read the user's past entries (journey.entries): reentry never, cooldown, max_entries.
	bool ReadsPastEntries() const { return reentry == Reentry::Never || cooldown || max_entries; }
};

struct ExitRule {
	std::string event;
	CondId where = kNoCond;
};

// {"event": NAME, "within": DURATION, "where": COND?, "exit": bool}
struct Goal {
	std::string event;
	Interval within;
	CondId where = kNoCond;
	bool exit = false;
};

struct Graph {
	std::string name;
	std::string description;
	std::vector<Trigger> triggers;
	EntryRules entry;
	std::vector<ExitRule> exit_when;
	std::optional<Goal> goal;
	NodeId start = kNoNode;
	std::vector<Node> nodes;			 // in the definition's key order (sorted by id)
	std::vector<Condition> conditions;	 // referenced by CondId
	std::unordered_map<std::string, NodeId> node_index;
	std::string split_salt;	 // CompileOptions::split_salt, else the name
	std::optional<Rate> send_rate;	// the journey's outbox rows are spaced per / max apart (the layer spaces them)

	NodeId FindNode(const std::string &id) const;	 // kNoNode when absent
	// Every event name the journey reacts to: triggers (and "location" for geofences), exit_when, wait_for
	// nodes, the goal. Sorted, unique.
	std::vector<std::string> EventNames() const;
	// The event names that may enter the journey: event triggers, and "location" when a geofence trigger
	// exists. Sorted, unique.
	std::vector<std::string> EntryEventNames() const;
	// The attributes of attribute_change triggers. Sorted, unique.
	std::vector<std::string> ChangeAttributes() const;
	// The segments whose membership a step may ask (segment conditions, wait_for on a segment), sorted.
	std::vector<std::string> MembershipSegments() const;
	bool HasGeofenceTriggers() const;
	bool HasManualTrigger() const;
	// Does some node call a function (the only construct whose step may raise an error of the database)?
	bool HasCalls() const;
};

using GraphPtr = std::shared_ptr<const Graph>;

}	 // namespace journey
