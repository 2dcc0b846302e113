// What a diagram says about a node, in plain text (the diagram's writers escape it): its kind and key
// facts ("wait 2 hours", "send email: cart_reminder", "if event checkout since entry"), conditions, durations.
#pragma once
#include "no_postgres.hpp"

#include "graph.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace journey {

// Longest text of a condition, and of a name or value taken from a definition, before "..." cuts it.
constexpr size_t kMaxConditionText = 80;
constexpr size_t kMaxNameText = 60;

std::string NodeFacts(const Graph &graph, const Node &node);
// "event checkout since entry", "plan = \"pro\"", "(reachable push or in segment vip)", cut.
std::string ConditionText(const Graph &graph, CondId id);
// "2 hours", "1 day 12 hours", "1 month", "-10 days", "1.5 seconds"; "0 seconds" for zero.
std::string DurationText(const Interval &interval);
// Basis points as a percent: 5000 "50%", 3333 "33.33%", 3350 "33.5%".
std::string PercentText(int basis_points);
// At most max bytes (cut at a UTF-8 character boundary), then "..." when cut.
std::string CutText(std::string_view text, size_t max);

}	 // namespace journey
