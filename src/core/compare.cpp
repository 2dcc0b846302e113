// Comparison of JSON values in attribute/prop conditions and of event counts.
#include "evaluation.hpp"

#include <algorithm>

namespace journey::detail {

namespace {

long double
Number(const Json &value)
{
	if (value.is_number_unsigned())
		return static_cast<long double>(value.get<uint64_t>());
	if (value.is_number_integer())
		return static_cast<long double>(value.get<int64_t>());
	return value.get<double>();
}

bool
Equal(const Json &a, const Json &b)
{
	if (a.is_number() && b.is_number())
		return Number(a) == Number(b);
	return a.type() == b.type() && a == b;
}

// Negative, zero or positive as a is below, equal to or above b; nullopt when they are not comparable.
std::optional<int>
Order(const Json &a, const Json &b)
{
	if (a.is_number() && b.is_number()) {
		const long double x = Number(a), y = Number(b);
		return (x > y) - (x < y);
	}
	if (a.is_string() && b.is_string())
		return a.get_ref<const std::string &>().compare(b.get_ref<const std::string &>());
	return std::nullopt;
}

bool
OrderIs(const Json &a, const Json &b, bool (*accept)(int))
{
	const std::optional<int> order = Order(a, b);
	return order && accept(*order);
}

bool
In(const Json &a, const Json &list)
{
	return list.is_array() && std::any_of(list.begin(), list.end(), [&](const Json &item) { return Equal(a, item); });
}

bool
Contains(const Json &a, const Json &item)
{
	if (a.is_string() && item.is_string())
		return a.get_ref<const std::string &>().find(item.get_ref<const std::string &>()) != std::string::npos;
	if (a.is_array())
		return std::any_of(a.begin(), a.end(), [&](const Json &element) { return Equal(element, item); });
	return false;
}

}	 // namespace

bool
Compare(CompareOp op, const Json *actual, const Json &operand)
{
	static const Json kNull;
	const Json &a = actual != nullptr ? *actual : kNull;
	switch (op) {
	case CompareOp::Eq:
		return Equal(a, operand);
	case CompareOp::Ne:
		return !Equal(a, operand);
	case CompareOp::Gt:
		return OrderIs(a, operand, [](int order) { return order > 0; });
	case CompareOp::Ge:
		return OrderIs(a, operand, [](int order) { return order >= 0; });
	case CompareOp::Lt:
		return OrderIs(a, operand, [](int order) { return order < 0; });
	case CompareOp::Le:
		return OrderIs(a, operand, [](int order) { return order <= 0; });
	case CompareOp::In:
		return In(a, operand);
	case CompareOp::NotIn:
		return !In(a, operand);
	case CompareOp::Contains:
		return Contains(a, operand);
	case CompareOp::Exists:
		return !a.is_null();
	case CompareOp::NotExists:
		return a.is_null();
	case CompareOp::Between:
		return operand.is_array() && operand.size() == 2 &&
			   OrderIs(a, operand[0], [](int order) { return order >= 0; }) &&
			   OrderIs(a, operand[1], [](int order) { return order <= 0; });
	}
	return false;
}

bool
CompareCount(CompareOp op, int64_t actual, int64_t expected)
{
	switch (op) {
	case CompareOp::Eq:
		return actual == expected;
	case CompareOp::Ne:
		return actual != expected;
	case CompareOp::Gt:
		return actual > expected;
	case CompareOp::Lt:
		return actual < expected;
	case CompareOp::Le:
		return actual <= expected;
	default:
		return actual >= expected;
	}
}

}	 // namespace journey::detail
