// The parameters of a statement over a batch of rows, one array per column (… FROM unnest($1, $2, …)):
// text[] for text-like columns (cast in SQL), int8[] and timestamptz[] passed as binary values.
#pragma once
#include "pg/spi.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace journey {

class BatchColumns {
public:
	// Each type is SqlType::TextArray, Int8Array or TimestampTzArray.
	explicit BatchColumns(std::vector<SqlType> types) : types_(std::move(types)), values_(types_.size()) {}

	const std::vector<SqlType> &Types() const { return types_; }
	void Text(size_t column, std::string value) { values_[column].texts.push_back(std::move(value)); }
	void Int64(size_t column, std::optional<int64_t> value) { values_[column].int64s.push_back(value); }
	size_t Rows() const
	{
		if (values_.empty())
			return 0;
		return types_[0] == SqlType::TextArray ? values_[0].texts.size() : values_[0].int64s.size();
	}
	// The arguments of the statement; the batch is empty afterwards.
	std::vector<SqlValue> TakeArgs()
	{
		std::vector<SqlValue> args;
		for (size_t k = 0; k < types_.size(); k++) {
			SqlValue v = types_[k] == SqlType::TextArray ? SqlValue::Texts(std::move(values_[k].texts))
														 : SqlValue::Int64s(std::move(values_[k].int64s));
			args.push_back(std::move(v));
			values_[k] = SqlValue();
		}
		return args;
	}

private:
	std::vector<SqlType> types_;
	std::vector<SqlValue> values_;
};

}	 // namespace journey
