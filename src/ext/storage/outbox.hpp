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
#include <unordered_map>
#include <vector>

namespace journey {

// An outbox row as a step's send makes it ('' stands for null in template, last_error and topic); the other
// columns (id, attempts, claimed_until) take their defaults.
struct OutboxRow {
	std::string journey, node, user_id, channel, template_name, payload, dedup_key, status, last_error, topic;
	int32_t version = 0;
	int64_t instance_id = 0;
	int64_t at = 0; // created_at
	int64_t available_at = 0;
	int64_t rate_max = 0;		// the journey's send_rate: at most rate_max rows available per rate_period µs
	int64_t rate_period = 0;	// (rate_max 0: none)
};

// A send rate's period in µs (a day counts 24 hours, a month 30 days).
int64_t RatePeriod(const Rate &rate);

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
	// How many of the batch's rows that are not suppressed are the user's on the channel with created_at in
	// (after, upto] (a frequency cap counts them with the table's).
	int64_t CountPending(const std::string &user_id, const std::string &channel, Timestamp after, Timestamp upto);

private:
	void Write(SpiSession &spi, bool direct);

	std::vector<OutboxRow> rows_;
	std::vector<std::string> channels_;	 // to notify
	// CountPending's index of rows_[0, indexed_): user + '\x1f' + channel → created_at (built when first asked).
	size_t indexed_ = 0;
	std::unordered_map<std::string, std::vector<Timestamp>> pending_;
};

// Writes the outbox rows of a step (and notifies idle senders): into `batch` when one is given, else each
// send by a statement of its own.
void WriteSends(SpiSession &spi, const VersionEntry &version, const InstanceState &state, const StepResult &result,
				OutboxBatch *batch = nullptr);

}	 // namespace journey
