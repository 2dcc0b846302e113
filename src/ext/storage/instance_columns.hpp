// journey.instance's columns as the extension reads and writes them: the one list of each.
#pragma once
#include "pg/postgres.hpp"

#include "pg/batch_columns.hpp"
#include "pg/spi.hpp"

#include <iterator>
#include <string_view>
#include <vector>

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace journey {

// The columns every instance query selects, in this order (see ReadInstance).
#define JOURNEY_INSTANCE_COLUMNS                                                                                       \
	"i.user_id, i.id, i.version_id, i.journey_id, i.node, i.wake_at, i.waiting_event, i.entered_at, i.last_step_at, "  \
	"i.visits, i.context, i.event, i.event_held_at, i.entry_key, i.variant, i.branches, i.held_events"
// (inline: statements of other files copy it during static initialization, after this definition)
inline const std::vector<SqlType> kInstanceColumnTypes{
	SqlType::Text,		  SqlType::Int8,	  SqlType::Int4,  SqlType::Int4,  SqlType::Text,  SqlType::TimestampTz,
	SqlType::Text,		  SqlType::TimestampTz, SqlType::TimestampTz, SqlType::Text, SqlType::Jsonb, SqlType::Jsonb,
	SqlType::TimestampTz, SqlType::Text, SqlType::Text, SqlType::Jsonb, SqlType::Jsonb};

// A column a step sets. A batch of steps carries it as a field of journey._batch_rows (text, or timestamptz)
// with '' for null where the column may be null; `value` is the column's value from that field, '@' standing
// for the field.
struct StepColumn {
	const char *name;  // journey.instance's column
	Oid type;		   // its type (the direct writer checks the table's)
	const char *field; // the batch row's field
	SqlType field_type;
	const char *value;
	// An update's value when it is not `value`: '@' the field, i the row being updated.
	const char *update_value = nullptr;
	// A column that a database not yet updated (ALTER EXTENSION pg_journey UPDATE) lacks: written only when
	// journey.instance has it, so that entries and steps go on meanwhile.
	bool newer = false;
};

// The columns a step sets, in the order of InstanceUpdate's fields as the batches carry them (AddStepColumns)
// and as the direct writer sets them (SetStepColumns). Every statement that writes a step and the direct
// writer take their columns from here; a step also clears event_held_at and held_events.
inline constexpr StepColumn kStepColumns[] = {
	{"status", CHAROID, "s", kT, "@::\"char\""},
	{"node", TEXTOID, "n", kT, "nullif(@, '')"},
	{"wake_at", TIMESTAMPTZOID, "w", kTs, "@"},
	{"waiting_event", TEXTOID, "we", kT, "nullif(@, '')"},
	{"last_step_at", TIMESTAMPTZOID, "l", kTs, "@"},
	{"ended_at", TIMESTAMPTZOID, "e", kTs, "@"},
	{"exit_reason", TEXTOID, "r", kT, "nullif(@, '')"},
	{"visits", TEXTOID, "v", kT, "@"},
	{"error", TEXTOID, "err", kT, "nullif(@, '')"},
	{"context", JSONBOID, "c", kT, "@::jsonb"},
	{"variant", TEXTOID, "var", kT, "nullif(@, '')"},
	{"branches", JSONBOID, "b", kT, "nullif(@, '')::jsonb"},
	// journey.user_history's lines since the instance was loaded, appended ('' : none)
	{"history", TEXTOID, "h", kT, "nullif(@, '')", "journey._append_history(i.history, @)", true},
};
inline constexpr size_t kStepColumnCount = std::size(kStepColumns);

// The index in kStepColumns of a column (for static_asserts of code that sets the columns one by one).
constexpr size_t
StepColumnIndex(std::string_view name)
{
	for (size_t k = 0; k < kStepColumnCount; k++)
		if (name == kStepColumns[k].name)
			return k;
	return kStepColumnCount;
}

}	 // namespace journey
