// Internal to src/core: pieces of the evaluator shared by evaluator.cpp, condition.cpp, compare.cpp and
// send.cpp.
#pragma once
#include "no_postgres.hpp"

#include "evaluator.hpp"

namespace journey::detail {

// Compares a value (null when absent) with a condition's operand (SPEC §5 ops): numbers numerically,
// strings lexicographically; values of different types are never equal nor ordered.
bool Compare(CompareOp op, const Json *actual, const Json &operand);
// Compares an event count with an event condition's count.
bool CompareCount(CompareOp op, int64_t actual, int64_t expected);

// Why the user cannot be sent to on the channel ("" when reachable). An address override (send.to)
// stands in for a missing contact address.
std::string UnreachableReason(const Contact &contact, const std::string &channel, bool address_override);

// The effect of a send node visited for the `visit`th time at `at`.
SendEffect BuildSend(const Graph &graph, NodeId node, const InstanceState &state, int32_t visit, Timestamp at,
					 Facts &facts);

}	 // namespace journey::detail
