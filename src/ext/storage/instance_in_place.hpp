// A batch's instance updates written straight into journey.instance, the way the executor's UPDATE writes
// them (constraints, the heap, every index entry; pg/heap_writer.hpp), without a statement: no plan, no row
// source of the batch's rows, no casts from text, no key lookup of the rows it updates. Issue 4 (with the
// outbox's direct path, outbox.hpp): run_due 2.74–3.31 s → 2.49–2.61 s for 100,000 steps. It writes nothing,
// and says so, when the table has triggers (foreign keys included) or row security or the current user may
// not write it: the caller's statement writes those rows instead, and their triggers fire.
#pragma once
#include "pg/postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace journey {

// The columns a step sets, of one instance ('' stands for null in node, waiting_event, exit_reason, error,
// variant and branches, as in the UPDATE statement).
struct InstanceUpdate {
	std::string user_id;
	int64_t id = 0;
	int64_t tid = 0; // the row version read (its ctid read as SqlType::Tid), 0: not known
	std::string status, node, waiting_event, exit_reason, visits, error, context, variant, branches, history;
	std::optional<int64_t> wake_at, ended_at;
	int64_t last_step_at = 0;
};

// Writes each row that carries the version it was read at, in place of that version, when it is still the
// row's latest (not updated since, in this transaction: a call of a step may have) and is the same
// instance. Returns, per row, whether it was written.
std::vector<char> WriteInstancesInPlace(const std::vector<InstanceUpdate> &rows);

}	 // namespace journey
