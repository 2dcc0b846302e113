// A step's history kept on the instance (journey.user_history): one line of JSON per history line.
#include "evaluator.hpp"

namespace journey {

void
AppendHistoryLine(InstanceState &state, const HistoryEffect &line)
{
	Json out = Json::object();
	out["at"] = FormatTimestamp(line.at);
	if (line.node != kNoNode)
		out["n"] = line.node;
	out["what"] = line.what;
	out["detail"] = line.detail.is_object() ? line.detail : Json::object();
	state.history += out.dump();
	state.history += '\n';
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
