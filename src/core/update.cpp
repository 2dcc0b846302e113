// Update nodes: the new value of an attribute, seen by the rest of the walk and returned as an effect.
#include "evaluation.hpp"

#include "quote.hpp"
#include "iso_time.hpp"
#include "render.hpp"

#include <limits>

namespace journey::detail {

namespace {

std::string
Describe(const Json &value)
{
	return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::optional<int64_t>
AsInteger(const Json &value)
{
	if (value.is_number_unsigned()) {
		const uint64_t u = value.get<uint64_t>();
		return u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? std::optional<int64_t>(u) : std::nullopt;
	}
	if (value.is_number_integer())
		return value.get<int64_t>();
	return std::nullopt;
}

// A number plus a number: integers stay integers (unless the sum overflows).
Json
AddNumbers(const std::optional<Json> &current, const Json &operand, const std::string &attribute)
{
	if (!current)
		return operand;
	if (!current->is_number())
		throw StepError("cannot add " + Describe(operand) + " to attribute " + Quoted(attribute) + ": it holds " +
						Describe(*current) + ", not a number");
	const std::optional<int64_t> a = AsInteger(*current), b = AsInteger(operand);
	int64_t sum;
	if (a && b && !__builtin_add_overflow(*a, *b, &sum))
		return sum;
	return current->get<double>() + operand.get<double>();
}

// A timestamp (ISO text; a date stays a date) plus a duration; a missing attribute counts from now.
Json
AddDuration(const std::optional<Json> &current, const Interval &duration, Timestamp now, const std::string &attribute,
			Facts &facts)
{
	const TimeZones &zones = facts.Zones();
	const std::string zone = ZoneFor("", facts);
	if (!current)
		return FormatTimestamp(AddIntervalInZone(now, duration, zones, zone));
	const std::optional<IsoTime> time =
		current->is_string() ? ParseIsoTime(current->get_ref<const std::string &>()) : std::nullopt;
	if (!time)
		throw StepError("cannot add " + FormatInterval(duration) + " to attribute " + Quoted(attribute) + ": it holds " +
						Describe(*current) + ", not an ISO timestamp or date");
	if (time->date_only)
		return FormatIsoDate(CivilTime(AddInterval(CivilTimestamp(time->local), duration)));
	return FormatTimestamp(AddIntervalInZone(IsoTimeInstant(*time, zones, zone), duration, zones, zone));
}

}	 // namespace

UpdateEffect
ApplyUpdate(const Graph &graph, NodeId node, const AttributeUpdate &update, const InstanceState &scope_state,
			Timestamp now, OverlayFacts &facts)
{
	UpdateEffect effect;
	effect.node = node;
	effect.attribute = update.attribute;
	effect.op = update.op;
	effect.at = now;
	switch (update.op) {
	case UpdateOp::Set: {
		const RenderScope scope{&graph.name, &scope_state.event, &scope_state.context, &facts};
		effect.operand = RenderJson(update.value, scope);
		effect.value = effect.operand;
		break;
	}
	case UpdateOp::Add: {
		const std::optional<Json> current = facts.Attribute(update.attribute);
		if (update.add_duration) {
			effect.operand = FormatInterval(*update.add_duration);
			effect.value = AddDuration(current, *update.add_duration, now, update.attribute, facts);
		} else {
			effect.operand = update.value;
			effect.value = AddNumbers(current, update.value, update.attribute);
		}
		break;
	}
	case UpdateOp::Unset:
		break;
	}
	facts.Set(update.attribute, effect.value.is_null() ? std::nullopt : std::optional<Json>(effect.value));
	return effect;
}

}	 // namespace journey::detail
