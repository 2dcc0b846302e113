// Reading and writing instance rows (their columns: instance_columns.hpp).
#pragma once
#include "pg/postgres.hpp"

#include "core/evaluator.hpp"
#include "ext/engine/rule_cache.hpp"
#include "ext/storage/instance_columns.hpp"
#include "ext/storage/instance_in_place.hpp"
#include "pg/batch_columns.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace journey {

// An instance as loaded from journey.instance.
struct LoadedInstance {
	int32_t version_id = 0;
	std::optional<std::string> waiting_event;
	// The first wait_for event that arrived while the journey was paused (the instance is due from then).
	std::optional<Timestamp> event_held_at;
	// The events held while paused, in order, and the instance's wake_at before the first (null when it
	// had none): on resume each is replayed as of its own time (SPEC §2, §10).
	struct HeldEvent {
		std::string name;
		Json props;
		Timestamp at = 0;
	};
	std::vector<HeldEvent> held_events;
	std::optional<Timestamp> wake_at_before_hold;
	InstanceState state;
};

// Builds the in-memory instance of a row of JOURNEY_INSTANCE_COLUMNS, with node ids of `graph`.
LoadedInstance ReadInstance(const SqlRow &row, const Graph &graph);

int64_t NextInstanceId(SpiSession &spi);

// Inserts a new instance (its entry key: state.entry_key); false when the one-active-instance index refused
// it (already active).
bool InsertInstance(SpiSession &spi, const VersionEntry &version, const InstanceState &state, bool exclusive);

// Visits per node as journey.instance keeps them: comma-separated, trailing zeros left out.
std::string VisitsText(const std::vector<int32_t> &visits);
std::vector<int32_t> ParseVisits(const std::string &text);

// Writes the instance's state after a step.
void UpdateInstance(SpiSession &spi, const Graph &graph, const InstanceState &state);

// Instance updates collected over a scheduler batch. Rows whose version the batch read (Locate) are
// written in place (instance_in_place.hpp); the others by one UPDATE … FROM journey._batch_rows, by key.
class InstanceBatch {
public:
	// The row version (SqlType::Tid) the instance `id` was read at, for its next Add. (Ids are unique only
	// with the user: a version of another user's instance of the same id is not written, see instance_in_place.hpp.)
	void Locate(int64_t id, int64_t tid);
	void Reserve(size_t rows) { rows_.reserve(rows); }
	void Add(const Graph &graph, const InstanceState &state);
	void Flush(SpiSession &spi);  // writes the rows, empties the batch
	bool Empty() const { return rows_.empty(); }

private:
	std::vector<InstanceUpdate> rows_;
	std::unordered_map<int64_t, int64_t> located_;
};

// New instances written by one INSERT … ON CONFLICT DO NOTHING RETURNING id: one row (InsertInstance) or a
// statement's entries (EntryBatch).
class InstanceInserts {
public:
	InstanceInserts();
	void Add(const VersionEntry &version, const InstanceState &state, bool exclusive);
	// Writes the rows; returns the ids the one-active index let in. Empties the batch.
	std::unordered_set<int64_t> Flush(SpiSession &spi);

private:
	BatchColumns columns_;
	std::vector<std::pair<int64_t, Timestamp>> wakes_;	// active rows' (id, wake_at), noted once written
};

// Remembers a wait_for event that arrived while the journey is paused (every one, in order: on resume each
// is replayed as of its own time).
void HoldEvent(SpiSession &spi, const InstanceState &state, const std::string &name, const Json &props,
			   Timestamp event_at);

// Records an entry the rules refused (journey.refusals, for journey.user_history): only when journey.history
// is all.
void RecordRefusal(SpiSession &spi, const VersionEntry &version, const std::string &user_id,
				   const std::string &entry_key, Timestamp at, const std::string &reason);
// The refusal of an entry the one-active index turned away.
std::string AlreadyActiveRefusal(const Graph &graph);

// Records a goal conversion of an instance (once).
void RecordConversion(SpiSession &spi, const VersionEntry &version, const std::string &user_id, int64_t instance_id,
					  const std::string &event, Timestamp at);

}	 // namespace journey
