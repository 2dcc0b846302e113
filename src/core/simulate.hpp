// journey.simulate (SPEC §8): a dry run of one user through a journey, in the core. The same evaluator as the
// engine (Start, ResumeDue, ResumeOnEvent, ExitInstance) advances it; nothing is written anywhere.
#pragma once
#include "no_postgres.hpp"

#include "evaluator.hpp"

#include <optional>
#include <string>
#include <vector>

namespace journey {

struct SimEvent {
	std::string name;
	Timestamp at = 0;
	Json props = Json::object();
};

struct SimulationInput {
	std::string user_id;
	std::vector<SimEvent> events;	 // in any order: taken in time order (stable for equal times)
	Timestamp until = 0;			 // nothing after it happens
	Json context = Json::object();	 // the instance's context (a manual entry's; "key" gives a keyed journey's key)
	std::optional<Timestamp> enter_at;	// enter then, as journey.enroll would, whatever the triggers
	int64_t instance_id = 0;			// the instance id in dedup keys
};

// journey.simulate's events: [{"name": N, "at": ISO timestamp with offset, "props": {...}?}, ...]. Throws
// std::invalid_argument naming the index and the problem (the layer reports it with SQLSTATE 22023).
std::vector<SimEvent> ParseSimulationEvents(const Json &events);

// Runs the simulation and returns the timeline (HistoryEffect lines, see evaluator.hpp, in time order).
// The user enters at enter_at; else at the first event that a trigger accepts (EventEnters, then entry.when —
// a refusal adds a "not_entered" line); a journey with neither event nor geofence triggers (manual,
// attribute_change) enters at the first event's time. One instance: later trigger events do not enter again,
// and entry rules about earlier entries, throttles and max_event_age do not apply.
// Events and due wakes are taken in time order exactly as the engine does: wakes due at or before an event
// first (each as of its own wake time), then for the event exit_when, the goal (a "converted" line, also after
// the instance ended; with "exit": true an active instance exits), wait_for resumes, entry. Event conditions
// count the simulated events only. `facts` answers profile attributes, contacts, templates, time zones and
// calls (real calls); update nodes change an in-memory copy of the profile only. A StepError fails the
// simulated instance (a "failed" line); any other exception propagates.
std::vector<HistoryEffect> Simulate(const Graph &graph, const SimulationInput &input, Facts &facts);

}	 // namespace journey
