// Events committed while an instance's last step was still open. The trigger of such an event ran before
// that step committed and could not see the instance as the step left it (an entry not yet committed, a
// wait_for not yet reached): the event was never applied. Stored events are the truth: before an instance
// takes a timeout or runs a step, the events of its user since its last step that would have changed it are
// applied in time order, each as its trigger would have (SPEC §2, §10).
#pragma once
#include "no_postgres.hpp"

#include "evaluator.hpp"
#include "facts.hpp"
#include "graph.hpp"

#include <string>
#include <vector>

namespace journey {

// The event names whose arrival can change the active instance now: exit_when, the goal, and the events its
// wait_for branches await. Sorted, unique; empty when the instance is not active.
std::vector<std::string> LateEventNames(const Graph &graph, const InstanceState &state);

// Applies the user's events of LateEventNames with a time in (state.last_step_at, upto] (Facts::EventsAfter),
// oldest first, each as the trigger applies one: an exit_when rule exits the instance (reason exit_event); a
// goal event within the goal's window is added to `*converted` and, for a goal with exit, exits it (reason
// goal); a wait_for branch that accepts it takes on_event as of the event's time. Stops when the instance
// ends. Events equal (name, time) to one of `skip` are left out (the caller applies them itself). The trigger
// of a late event already ran: nothing here is new for an event the instance saw at once, since a step it
// took then moved last_step_at to the event's time or later.
StepResult TakeLateEvents(const Graph &graph, InstanceState &state, Timestamp upto, Facts &facts,
						  std::vector<StoredEvent> *converted, const StepOptions &options = {},
						  const std::vector<StoredEvent> &skip = {});

// Adds the effects of `more` to `all` (sends, updates, history and visits).
void AppendEffects(StepResult &all, StepResult &&more);

}	 // namespace journey
