// A scheduler batch's writes straight into its tables, the way the executor's INSERT and UPDATE write them
// (column defaults, constraints, the heap, every index entry, unique checks), without a statement: no plan,
// no row source of the batch's rows, no casts from text, no key lookup of the rows it updates, and the
// outbox rows by table_multi_insert as COPY writes (one WAL record and one buffer lock per page, not per
// row). Issue 4: run_due 2.74–3.31 s → 2.49–2.61 s for 100,000 steps. Each function writes nothing, and
// says so, when the table has triggers (foreign keys included) or row security or the current user may not
// write it: the caller's statement writes those rows instead, and their triggers fire.
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
	std::string status, node, waiting_event, exit_reason, visits, error, context, variant, branches;
	std::optional<int64_t> wake_at, ended_at;
	int64_t last_step_at = 0;
};

// Writes each row that carries the version it was read at, in place of that version, when it is still the
// row's latest (not updated since, in this transaction: a call of a step may have) and is the same
// instance. Returns, per row, whether it was written.
std::vector<char> WriteInstancesInPlace(const std::vector<InstanceUpdate> &rows);

// An outbox row as a step's send makes it ('' stands for null in template and last_error); the other
// columns (id, attempts, claimed_until) take their defaults.
struct OutboxRow {
	std::string journey, node, user_id, channel, template_name, payload, dedup_key, status, last_error;
	int32_t version = 0;
	int64_t instance_id = 0;
	int64_t at = 0; // created_at and available_at
};

// Inserts the rows into journey.outbox; false (and nothing written) when the direct path does not apply.
bool InsertOutboxRows(const std::vector<OutboxRow> &rows);

}	 // namespace journey
