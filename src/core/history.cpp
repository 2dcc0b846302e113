// A step's history kept on the instance (journey.user_history), one line per history line in a compact text
// form that journey.user_history reads back (src/sql/59_history.sql):
//   T|N|W|D
// T: the time in microseconds since 2000-01-01 UTC, left empty when it is the previous line's (a step's lines
// share one time); N: the node's index in the graph (the version's node order, as visits), empty for none, or
// "@" and the node's id (lines SQL appends); W: a one-letter code of `what` (the word itself when it has none);
// D: the detail as compact JSON, empty when {}, without what the definition tells (a send's channel, template
// and dedup key but its visit number "v"; a branch's next).
#include "evaluator.hpp"

#include <charconv>
#include <cstring>

namespace journey {

namespace {

struct Code {
	const char *what;
	char code;
};
// (journey.user_history decodes them: keep the two lists alike.)
constexpr Code kCodes[] = {
	{"entered", 'e'}, {"waiting", 'w'},		 {"resumed", 'r'},	 {"visited", 'v'}, {"branch", 'b'},
	{"sent", 's'},	  {"suppressed", 'x'},	 {"updated", 'u'},	 {"called", 'c'},  {"branch_ended", 'd'},
	{"completed", 'o'}, {"exited", 'q'},	 {"failed", 'f'},
};

char
CodeOf(const char *what)
{
	for (const Code &c : kCodes)
		if (std::strcmp(c.what, what) == 0)
			return c.code;
	return 0;
}

void
AppendNumber(std::string &h, int64_t value)
{
	char number[24];
	h.append(number, std::to_chars(number, number + sizeof number, value).ptr);
}

}	 // namespace

void
AppendHistoryLine(InstanceState &state, Timestamp at, NodeId node, const char *what, const Json &detail)
{
	// Written by hand, not through a Json object: the scheduler's hot path appends several lines a step.
	std::string &h = state.history;
	if (!state.history_last_at || *state.history_last_at != at)
		AppendNumber(h, at);
	state.history_last_at = at;
	h += '|';
	if (node != kNoNode)
		AppendNumber(h, node);
	h += '|';
	const char code = CodeOf(what);
	if (code)
		h += code;
	else
		h += what;
	h += '|';
	if (detail.is_object() && !detail.empty()) {
		// What the definition tells is left out (journey.user_history adds it back): a send's channel and
		// template (its node's), its dedup key but the visit number ("v"), a branch's next (the node's then or
		// else by the result, the case's, the arm's).
		const bool send = code == 's' || code == 'x';
		const bool branch = code == 'b' && !detail.contains("branches");
		bool first = true;
		for (auto it = detail.begin(); it != detail.end(); ++it) {
			const std::string &key = it.key();
			if ((send && (key == "channel" || key == "template")) || (branch && key == "next"))
				continue;
			h += first ? "{\"" : ",\"";
			first = false;
			if (send && key == "dedup_key" && it.value().is_string()) {
				const std::string &dedup = it.value().get_ref<const std::string &>();
				h += "v\":";
				h += dedup.substr(dedup.rfind(':') + 1);	// "<instance>:<node>:<visit>": the visit
				continue;
			}
			h += key;  // the evaluator's own keys (no escaping needed)
			h += "\":";
			h += it.value().dump(-1, ' ', false, Json::error_handler_t::replace);	// (text not UTF-8 must not throw)
		}
		if (!first)
			h += '}';
	}
	h += '\n';
	if (state.history.size() <= kMaxHistoryBytes)
		return;
	// Lines already handed to a write are stored: they need not stay in memory. Of the others (an instance
	// looping within one step), the oldest give way like the stored ones.
	state.history.erase(0, state.history_stored);
	state.history_stored = 0;
	state.history.erase(0, KeptHistoryFrom(state.history.data(), state.history.size()));
}

size_t
KeptHistoryFrom(const char *history, size_t length)
{
	if (length <= kMaxHistoryBytes)
		return 0;
	for (size_t k = length - kMaxHistoryBytes * 3 / 4; k < length; k++)
		if (history[k] == '\n')
			return k + 1;
	return length;
}

}	 // namespace journey
