// journey.outbox's one writer: the rows a step's sends make, collected and written together — directly, as
// COPY writes (table_multi_insert: one WAL record and one buffer lock per page, not per row), or by one
// INSERT … SELECT FROM journey._batch_rows when the direct path does not apply (the table has triggers,
// foreign keys included, rules or row security, or the current user may not write it; the triggers then
// fire) — and the idle senders notified.
#pragma once
#include "pg/postgres.hpp"

#include "core/evaluator.hpp"
#include "ext/engine/rule_cache.hpp"
#include "pg/spi.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace journey {

// An outbox row as a step's send makes it ('' stands for null in template, last_error and topic); the other
// columns (id, attempts, claimed_until) take their defaults.
struct OutboxRow {
	std::string journey, node, user_id, channel, template_name, payload, dedup_key, status, last_error, topic;
	int32_t version = 0;
	int64_t instance_id = 0;
	int64_t at = 0; // created_at and available_at
};

// Outbox rows collected over a batch (a scheduler batch, a statement's entries) or one send.
class OutboxBatch {
public:
	void Add(const VersionEntry &version, const InstanceState &state, const SendEffect &send);
	void Reserve(size_t rows) { rows_.reserve(rows); }
	// Writes the rows (directly when the table allows it, else by the statement), notifies idle senders,
	// empties the batch.
	void Flush(SpiSession &spi);
	// The same, by the statement always (the sends of one step outside a batch).
	void FlushByStatement(SpiSession &spi);

private:
	void Write(SpiSession &spi, bool direct);

	std::vector<OutboxRow> rows_;
	std::vector<std::string> channels_;	 // to notify
};

// Writes the outbox rows of a step (and notifies idle senders): into `batch` when one is given, else each
// send by a statement of its own.
void WriteSends(SpiSession &spi, const VersionEntry &version, const InstanceState &state, const StepResult &result,
				OutboxBatch *batch = nullptr);

}	 // namespace journey
