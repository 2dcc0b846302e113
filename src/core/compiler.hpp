// Internal to src/core: the state of one Compile() call, shared by compile*.cpp and validate_graph.cpp.
// It validates and builds the graph in one pass, collecting every problem instead of stopping.
#pragma once
#include "no_postgres.hpp"

#include "compile.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace journey::detail {

// Where a condition appears. Prop conditions need an event in hand, so only "where" allows them; the
// "where" of an event condition filters that event's props, so it allows only prop conditions and
// combinators.
enum class CondPlace : uint8_t { Plain, Where, EventWhere };

enum class DurationRule : uint8_t { NonNegative, Positive, Any };

std::string JoinPath(const std::string &path, std::string_view key);	// "a.b", or "b" when path is ""
std::string IndexPath(const std::string &path, size_t index);			// "a[3]"
std::string Quote(std::string_view text);								// "\"text\"", JSON-escaped

// Sorts problems by path in document order (keys, then array indexes numerically); stable.
void SortProblems(std::vector<Problem> &problems);

class Compiler {
public:
	explicit Compiler(const CompileOptions &options)
		: options_(options), zones_(options.zones != nullptr ? *options.zones : DefaultTimeZones())
	{
	}
	CompileResult Run(const Json &definition);

private:
	// Problems.
	void Error(const std::string &path, std::string message);
	void NotSupported(const std::string &path, std::string_view construct);
	void NotAllowed(const std::string &path, std::string message);	// SQLSTATE 42501
	// Is `construct` in options.not_supported? Then reports it (0A000 at `path`) and returns true.
	bool Refused(const std::string &path, std::string_view construct);

	// Shape checks shared by every part; each reports its own problem and returns empty on failure.
	bool ExpectObject(const Json &value, const std::string &path, std::string_view what);
	void CheckKeys(const Json &object, const std::string &path, std::initializer_list<std::string_view> known,
				   std::initializer_list<std::string_view> not_yet = {});
	const Json *Required(const Json &object, std::string_view key, const std::string &path);
	const Json *Optional(const Json &object, std::string_view key) const;
	std::optional<std::string> Name(const Json &value, const std::string &path);
	std::optional<Interval> Duration(const Json &value, const std::string &path, DurationRule rule);
	std::optional<int64_t> Integer(const Json &value, const std::string &path, int64_t min, std::string_view expected);
	std::optional<std::string> Channel(const Json &value, const std::string &path);
	// Whether `name` is among the names the database declared (segments, topics) — always, when not checking the
	// environment; else a problem "unknown WHAT "NAME" (DECLARED_BY)" with SQLSTATE 42704 at `path`.
	bool Declared(const std::vector<std::string> &declared, const std::string &name, const std::string &path,
				  std::string_view what, std::string_view declared_by);
	// A segment's name that exists (options.segments, when checking the environment).
	std::optional<std::string> Segment(const Json &value, const std::string &path);
	void Template(const Json &value, const std::string &path, int depth = 0);
	std::optional<double> Number(const Json &value, const std::string &path, double min, double max,
								 std::string_view expected);
	// "HH:MM" → minutes since midnight.
	std::optional<int> Clock(const Json &value, const std::string &path);
	// "user" → "", else a zone name the options' TimeZones know.
	std::optional<std::string> Zone(const Json &value, const std::string &path);
	// The one kind key of an object among `kinds` (supported) and `not_yet`; reports none/several.
	std::optional<std::string> KindKey(const Json &object, const std::string &path, std::string_view what,
									   std::initializer_list<std::string_view> kinds,
									   std::initializer_list<std::string_view> not_yet);

	// Top level (compile.cpp, compile_rules.cpp).
	void TopLevel(const Json &definition);
	void IndexNodes(const Json &definition);
	void Triggers(const Json &value);
	void Trigger(const Json &value, const std::string &path);
	void Geofence(journey::Trigger &trigger, const Json &value, const std::string &path);
	void Entry(const Json &value);
	std::optional<Rate> RateOf(const Json &value, const std::string &path, std::string_view what);
	void ExitWhen(const Json &value);
	void Goal(const Json &value);

	// Nodes (compile_nodes.cpp).
	void Nodes(const Json &value);
	void CompileNode(Node &node, const Json &value, const std::string &path);
	void WaitForNode(Node &node, const Json &value, const std::string &path);
	void SendNode(Node &node, const Json &value, const std::string &path);
	NodeId Target(const Json &object, std::string_view key, const std::string &path);
	NodeId TargetValue(const Json &value, const std::string &path);	 // a node id at `path`
	// Time nodes (compile_time_nodes.cpp).
	void WaitUntilNode(Node &node, const Json &value, const std::string &path);
	void UntilObject(WaitUntilSpec &until, const Json &value, const std::string &path);
	void WindowNode(Node &node, const Json &value, const std::string &path);
	// Branching nodes (compile_branch_nodes.cpp).
	void SwitchNode(Node &node, const Json &value, const std::string &path);
	void SplitNode(Node &node, const Json &value, const std::string &path);
	void ParallelNode(Node &node, const Json &value, const std::string &path);
	// Nodes with effects on the profile and the context (compile_effect_nodes.cpp).
	void UpdateNode(Node &node, const Json &value, const std::string &path);
	void CallNode(Node &node, const Json &value, const std::string &path);

	// Conditions (compile_condition.cpp).
	CondId Condition(const Json &value, const std::string &path, CondPlace place);
	void Comparison(journey::Condition &cond, const Json &value, const std::string &path, std::string_view kind);
	void EventCondition(journey::Condition &cond, const Json &value, const std::string &path);
	void Count(journey::Condition &cond, const Json &value, const std::string &path);

	// Graph checks (validate_graph.cpp).
	void CheckGraph();
	void CheckReachable();
	void CheckLoops();

	const CompileOptions &options_;
	const TimeZones &zones_;
	Graph graph_;
	std::vector<Problem> problems_;
	// False when some node's edges are unknown (a broken target, an unknown kind): reachability from
	// start cannot be judged then and is not reported.
	bool edges_complete_ = true;
	int condition_depth_ = 0;		   // nesting of the condition being compiled (at most kMaxNesting)
	bool definition_has_key_ = false;  // entry.key is given (checked by attribute_change triggers)
};

}	 // namespace journey::detail
