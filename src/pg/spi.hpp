// SPI behind C++ values: statements are prepared once per backend (SPI_keepplan) and run with typed
// parameters; results are copied into C++ rows before any further Postgres call.
#pragma once
#include "pg/postgres.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include "executor/spi.h"
}

namespace journey {

// Tid: a row version's ctid, read as block << 16 | offset (0 is no ctid: offsets start at 1).
enum class SqlType : uint8_t { Text, Jsonb, Int4, Int8, Bool, TimestampTz, Tid, TextArray, Int4Array, Int8Array, TimestampTzArray };

// One parameter or result value. Timestamps are int64 microseconds (Postgres TimestampTz).
struct SqlValue {
	bool null = true;
	int64_t i = 0;						 // Int4, Int8, Bool (0/1), TimestampTz, Tid
	std::string s;						 // Text, Jsonb (its text)
	std::vector<std::string> texts;		 // TextArray
	std::vector<int32_t> ints;			 // Int4Array
	std::vector<std::optional<int64_t>> int64s;  // Int8Array, TimestampTzArray (parameters only; nullopt: null)

	static SqlValue Null() { return {}; }
	static SqlValue Text(std::string v);
	static SqlValue Jsonb(std::string json_text);
	static SqlValue Int(int64_t v);
	static SqlValue Bool(bool v);
	static SqlValue Timestamp(int64_t v);
	static SqlValue Texts(std::vector<std::string> v);
	static SqlValue Ints(std::vector<int32_t> v);
	static SqlValue Int64s(std::vector<std::optional<int64_t>> v);	 // an Int8Array or TimestampTzArray
	static SqlValue OptionalTimestamp(const std::optional<int64_t> &v);
	static SqlValue OptionalText(const std::optional<std::string> &v);
};

using SqlRow = std::vector<SqlValue>;

struct Statement {
	const char *sql;
	std::vector<SqlType> params;
	std::vector<SqlType> columns;  // how to read each result column
	// Plan once for any parameters (a statement over unnest($n) of a batch: a custom plan would size the join
	// by the batch and may prefer a sequential scan of the table to its index).
	bool generic_plan = false;
};

// A connection to SPI for the duration of one C++ scope.
class SpiSession {
public:
	SpiSession();
	~SpiSession();
	SpiSession(const SpiSession &) = delete;
	SpiSession &operator=(const SpiSession &) = delete;

	// Runs a statement (prepared once per backend and kept), returning its rows.
	std::vector<SqlRow> Run(const Statement &statement, const std::vector<SqlValue> &args, long limit = 0);
	// Runs a statement and returns the number of rows it processed.
	uint64_t Exec(const Statement &statement, const std::vector<SqlValue> &args);

	// A cursor over a statement's rows (SPI_cursor_open): one execution, fetched in parts.
	class Cursor {
	public:
		Cursor(SpiSession &spi, const Statement &statement, const std::vector<SqlValue> &args);
		~Cursor();
		Cursor(const Cursor &) = delete;
		Cursor &operator=(const Cursor &) = delete;
		// Up to `count` more rows; fewer (or none) at the end.
		std::vector<SqlRow> Fetch(long count);

	private:
		SpiSession &spi_;
		const Statement &statement_;
		Portal portal_ = nullptr;
	};

private:
	std::vector<SqlRow> ReadRows(const Statement &statement, SPITupleTable *table, uint64 processed);

	MemoryContext scratch_;	 // parameters and results of one call, reset after it
};

}	 // namespace journey
