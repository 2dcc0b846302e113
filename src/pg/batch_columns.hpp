// The rows of a batched statement, column by column. The statement reads them with
//   … FROM journey._batch_rows($1) AS x(col text, col int8, col timestamptz, …)
// (one set-returning function filling one tuplestore; an unnest of one array parameter per column cost
// a function call, a tuplestore row and a fetch per column and row: ~1.5 µs a row for 12 columns).
// Run/Exec pass the batch's token as the statement's only parameter while the statement runs.
#pragma once
#include "pg/spi.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace journey {

// A batch's column types, for short.
constexpr SqlType kT = SqlType::TextArray, kI8 = SqlType::Int8Array, kTs = SqlType::TimestampTzArray;

class BatchColumns {
public:
	// Each type is SqlType::TextArray (a text column), Int8Array (int8) or TimestampTzArray (timestamptz).
	explicit BatchColumns(std::vector<SqlType> types);

	const std::vector<SqlType> &Types() const { return types_; }
	void Text(size_t column, std::string value) { texts_[column].push_back(std::move(value)); }
	void Int64(size_t column, std::optional<int64_t> value) { int64s_[column].push_back(value); }
	size_t Rows() const;

	// Runs `statement` (its one parameter: SqlType::Int8, the token) over the rows; the batch is empty
	// afterwards, also when the statement fails. Every column must have as many values as the first.
	std::vector<SqlRow> Run(SpiSession &spi, const Statement &statement);
	uint64_t Exec(SpiSession &spi, const Statement &statement);

private:
	friend void ServeBatchRows(FunctionCallInfo fcinfo);
	BatchColumns Take();  // the rows, leaving this batch empty
	class Serving;

	std::vector<SqlType> types_;
	std::vector<std::vector<std::string>> texts_;				// per column; empty for other types
	std::vector<std::vector<std::optional<int64_t>>> int64s_;	// per column; empty for text columns
};

// journey._batch_rows(token): the rows of the batch whose statement is running in this session, as the
// column definition list asks (which must match the batch's columns).
void ServeBatchRows(FunctionCallInfo fcinfo);

}	 // namespace journey
