// The journey of SPEC §5, shared by tests and benchmarks.
#pragma once

#include "core/json.hpp"

namespace journey::testing {

inline Json
CartJourney()
{
	return Json::parse(R"({
		"name": "cart_abandonment",
		"description": "Remind users who leave items in the cart",
		"trigger": {"event": "add_to_cart"},
		"entry": {"reentry": "after_exit", "cooldown": "1 day"},
		"exit_when": [{"event": "checkout"}],
		"goal": {"event": "checkout", "within": "7 days"},
		"start": "wait",
		"nodes": {
			"wait":   {"wait": "2 hours", "next": "check"},
			"check":  {"if": {"event": "checkout", "since": "entry"}, "then": "done", "else": "push?"},
			"push?":  {"if": {"reachable": "push"}, "then": "push", "else": "email"},
			"push":   {"send": {"channel": "push", "template": "cart_reminder"}, "next": "email"},
			"email":  {"send": {"channel": "email", "template": "cart_similar",
								"data": {"sku": "{{event.sku}}"}}, "next": "done"},
			"done":   {"exit": "completed"}
		}
	})");
}

}	 // namespace journey::testing
