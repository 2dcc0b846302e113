// Templates: {{user.ATTR}}, {{event.PROP}}, {{context.KEY.SUB}}, {{journey.name}}, {{x | default: "y"}}.
// Rendering substitutes values; it never executes anything.
#pragma once
#include "no_postgres.hpp"

#include "facts.hpp"
#include "json.hpp"

#include <string>
#include <string_view>

namespace journey {

struct RenderScope {
	const std::string *journey_name = nullptr;
	const Json *event = nullptr;	// the triggering event's props
	const Json *context = nullptr;	// the instance context
	Facts *facts = nullptr;			// user attributes
};

// Renders one string. A variable that does not exist renders as "" (or its default). Strings render
// bare, other JSON values as compact JSON text. Text outside {{ }} is copied unchanged.
std::string RenderString(std::string_view text, const RenderScope &scope);

// Renders every string inside a JSON value (object values and array elements, recursively).
Json RenderJson(const Json &value, const RenderScope &scope);

// Checks a template's syntax: unclosed "{{", an unknown root (not user/event/context/journey), a bad filter.
// Returns an empty string when fine, else the problem (lowercase).
std::string CheckTemplate(std::string_view text);

}	 // namespace journey
