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
	// The oldest whole lines give way, down to three quarters of the bound (not a cut on every step).
	const size_t keep_from = state.history.size() - kMaxHistoryBytes * 3 / 4;
	const size_t cut = state.history.find('\n', keep_from);
	state.history.erase(0, cut == std::string::npos ? state.history.size() : cut + 1);
}

}	 // namespace journey
