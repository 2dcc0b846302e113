// Parsing, validation and compilation of a journey definition.
#pragma once
#include "no_postgres.hpp"

#include "graph.hpp"
#include "timezone.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace journey {

constexpr const char *kSqlstateInvalidParameter = "22023";	 // invalid definition
constexpr const char *kSqlstateNotSupported = "0A000";		 // a construct of the contract not built yet
constexpr const char *kSqlstateNotAllowed = "42501";		 // a call of a function that was not allowed

// The limits of a definition (README, "Definitions and validation"). Deeper input is refused with SQLSTATE
// 22023 at the path where the limit is crossed, before anything recurses over it.
// Arrays and objects nested in the whole document (the document itself is level 1).
constexpr int kMaxJsonDepth = 100;
// Conditions nested in conditions (all, any, not, an event's where), and arrays and objects nested in a
// send's data: the evaluator and the renderer recurse over them.
constexpr int kMaxNesting = 32;

// One problem of a definition. path is dotted with array indexes in brackets, e.g.
// "nodes.check.then", "exit_when[0].event", "" for the document itself.
// message is lowercase, e.g. "unknown node \"chek\"".
struct Problem {
	std::string path;
	std::string message;
	std::string sqlstate = kSqlstateInvalidParameter;
};

struct CompileOptions {
	// Channels added with journey.add_channel, on top of the built-in ones.
	std::vector<std::string> extra_channels;
	// Functions a call node may name, as definitions write them (the layer lists every allowed function both
	// schema-qualified and, when its schema is on the search path, bare). Another name is a problem with
	// SQLSTATE 42501 at nodes.X.call.
	std::vector<std::string> allowed_functions;
	// Validates the zone names of wait_until/window nodes ("unknown time zones are refused at define").
	// nullptr: DefaultTimeZones() (only UTC).
	const TimeZones *zones = nullptr;
	// The segments that exist (journey.define_segment). A segment named elsewhere (a segment condition or
	// trigger, a wait_for or schedule on a segment) is a problem with SQLSTATE 42704 at its path.
	std::vector<std::string> segments;
	// The topics that exist (journey.add_topic). A send naming another is a problem with SQLSTATE 42704.
	std::vector<std::string> topics;
	// false: skip the checks against the environment (allowed functions, zone names, segments) — for a stored
	// definition that define() already validated, compiled again when a backend loads it.
	bool check_environment = true;
	// The salt of split hashes: the journey name and version, "cart:3" (empty: the journey's name).
	std::string split_salt;
	// Constructs the caller does not run yet, refused with SQLSTATE 0A000 at their path (SPEC §10: never
	// accepted and ignored). Names: "goal"; entry rules "key", "throttle"; triggers "attribute_change",
	// "geofence_enter", "geofence_exit"; nodes "wait_until", "window", "switch", "split", "parallel", "update",
	// "call"; top level "send_rate".
	std::vector<std::string> not_supported;
};

struct CompileResult {
	GraphPtr graph;					 // null when problems is not empty
	std::vector<Problem> problems;	 // every problem found, in document order (keys sorted), not only the first
	bool ok() const { return problems.empty(); }
};

// Parses JSON text (as jsonb prints it) and validates it completely. The document must be an object.
CompileResult Compile(std::string_view json_text, const CompileOptions &options = {});
CompileResult Compile(const Json &definition, const CompileOptions &options = {});
// JSON text as std::string or C string (without these, such a call is ambiguous between the two above).
CompileResult Compile(const std::string &json_text, const CompileOptions &options = {});
CompileResult Compile(const char *json_text, const CompileOptions &options = {});

// "journey \"cart\": nodes.check.then: unknown node \"chek\"" — the error text of define().
// With an empty name: "journey: ..."; with an empty path: "journey \"cart\": message".
std::string FormatProblem(const std::string &journey_name, const Problem &problem);

// The path (as problems write it, e.g. "nodes.a.data.x[0]") of the first array or object, in document order,
// nested deeper than max_depth levels (the value itself is level 1); nullopt when there is none. Iterative:
// any depth is safe.
std::optional<std::string> PathBeyondDepth(const Json &value, int max_depth);

bool IsValidJourneyName(std::string_view name);	// [a-z][a-z0-9_]*, at most 63 characters (segment names too)
constexpr const char *kSqlstateUndefinedObject = "42704";  // a segment or topic that does not exist

// The event a segment refresh records for a user who entered (enter = true) or left the segment:
// "segment_enter:NAME" / "segment_exit:NAME" (a colon, which no journey's event name can hold). Segment
// triggers and a wait_for on a segment are rules on these events.
std::string SegmentEventName(bool enter, std::string_view segment);
// Whether an event name is one of those (entry rules' max_event_age does not apply to them: a refresh's
// as_of is the time it chose, not an old event replayed).
bool IsSegmentEventName(std::string_view name);
// A pg_cron schedule: five fields (minute hour day-of-month month day-of-week) of numbers, ranges, lists,
// steps and *, month and weekday names, "@hourly"-like shorthands, or "N seconds" (1 to 59). An empty
// string when valid, else what is wrong.
std::string CheckCron(std::string_view cron);
bool IsValidNodeId(std::string_view id);		// 1-63 of letters, digits, _ - ? !
bool IsBuiltinChannel(std::string_view channel);
bool IsAddresslessChannel(std::string_view channel);  // in_app, web_overlay, audience, webhook

}	 // namespace journey
