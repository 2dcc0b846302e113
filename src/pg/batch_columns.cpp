#include "pg/batch_columns.hpp"

#include "pg/guard.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

#include <utility>

namespace journey {

namespace {

// The batches whose statements are running (a statement's triggers may run batches of their own).
struct Served {
	int64_t token;
	const BatchColumns *batch;
};
std::vector<Served> serving;
int64_t last_token = 0;

Oid
ColumnType(SqlType type)
{
	switch (type) {
	case SqlType::TextArray:
		return TEXTOID;
	case SqlType::Int8Array:
		return INT8OID;
	case SqlType::TimestampTzArray:
		return TIMESTAMPTZOID;
	default:
		throw std::logic_error("BatchColumns: a column is text, int8 or timestamptz");
	}
}

}	 // namespace

// Registers a batch for the scope of one statement.
class BatchColumns::Serving {
public:
	explicit Serving(const BatchColumns &batch) : token_(++last_token) { serving.push_back({token_, &batch}); }
	~Serving()
	{
		for (auto it = serving.begin(); it != serving.end(); ++it)
			if (it->token == token_) {
				serving.erase(it);
				break;
			}
	}
	Serving(const Serving &) = delete;
	Serving &operator=(const Serving &) = delete;
	int64_t Token() const { return token_; }

private:
	int64_t token_;
};

BatchColumns::BatchColumns(std::vector<SqlType> types)
	: types_(std::move(types)), texts_(types_.size()), int64s_(types_.size())
{
	for (SqlType t : types_)
		ColumnType(t);
}

size_t
BatchColumns::Rows() const
{
	if (types_.empty())
		return 0;
	return types_[0] == SqlType::TextArray ? texts_[0].size() : int64s_[0].size();
}

BatchColumns
BatchColumns::Take()
{
	BatchColumns taken(types_);
	std::swap(taken, *this);
	return taken;
}

std::vector<SqlRow>
BatchColumns::Run(SpiSession &spi, const Statement &statement)
{
	const BatchColumns batch = Take();	// this one is empty afterwards, whether the statement succeeds or not
	Serving serving(batch);
	return spi.Run(statement, {SqlValue::Int(serving.Token())});
}

uint64_t
BatchColumns::Exec(SpiSession &spi, const Statement &statement)
{
	const BatchColumns batch = Take();
	Serving serving(batch);
	return spi.Exec(statement, {SqlValue::Int(serving.Token())});
}

namespace {

// Puts the batch's rows into the function's tuplestore. Owns no C++ objects (runs inside PgCall); reads the
// batch's vectors, which neither allocate nor throw here.
void
FillRows(ReturnSetInfo *rsinfo, const std::vector<SqlType> &types,
		 const std::vector<std::vector<std::string>> &texts,
		 const std::vector<std::vector<std::optional<int64_t>>> &int64s, size_t rows)
{
	const int natts = (int)types.size();
	Datum *values = (Datum *)palloc(sizeof(Datum) * natts);
	bool *nulls = (bool *)palloc(sizeof(bool) * natts);
	MemoryContext row_context = AllocSetContextCreate(CurrentMemoryContext, "journey batch row", ALLOCSET_SMALL_SIZES);
	for (size_t r = 0; r < rows; r++) {
		MemoryContext caller = MemoryContextSwitchTo(row_context);
		for (int k = 0; k < natts; k++) {
			if (types[k] == SqlType::TextArray) {
				const std::string &s = texts[k][r];
				values[k] = PointerGetDatum(cstring_to_text_with_len(s.data(), (int)s.size()));
				nulls[k] = false;
			} else {
				const std::optional<int64_t> &v = int64s[k][r];
				nulls[k] = !v.has_value();
				values[k] = nulls[k] ? (Datum)0 : Int64GetDatum(*v);
			}
		}
		MemoryContextSwitchTo(caller);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextReset(row_context);
	}
	MemoryContextDelete(row_context);
	pfree(values);
	pfree(nulls);
}

}	 // namespace

void
ServeBatchRows(FunctionCallInfo fcinfo)
{
	const int64_t token = PG_GETARG_INT64(0);
	const BatchColumns *batch = nullptr;
	for (const Served &s : serving)
		if (s.token == token)
			batch = s.batch;
	if (!batch)
		throw UserError("22023", "no batch " + std::to_string(token) + " is being written in this session",
						{}, "journey._batch_rows is internal: the engine's batched statements read their rows with it");
	PgCall([&] { InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC); });
	ReturnSetInfo *rsinfo = (ReturnSetInfo *)fcinfo->resultinfo;
	const TupleDesc desc = rsinfo->setDesc;
	if (desc->natts != (int)batch->types_.size())
		throw UserError("42804", "journey._batch_rows returns " + std::to_string(batch->types_.size()) +
									 " columns here, not " + std::to_string(desc->natts));
	for (int k = 0; k < desc->natts; k++) {
		const Oid want = ColumnType(batch->types_[k]), got = TupleDescAttr(desc, k)->atttypid;
		if (got != want) {
			const char *want_name = PgCall([&] { return (const char *)format_type_be(want); });
			const char *got_name = PgCall([&] { return (const char *)format_type_be(got); });
			throw UserError("42804", "column " + std::to_string(k + 1) + " of journey._batch_rows is " +
										 want_name + ", not " + got_name);
		}
	}
	const size_t rows = batch->Rows();
	for (size_t k = 0; k < batch->types_.size(); k++)
		if ((batch->types_[k] == SqlType::TextArray ? batch->texts_[k].size() : batch->int64s_[k].size()) != rows)
			throw UserError("XX000", "the batch of journey._batch_rows has columns of different lengths");
	PgCall([&] { FillRows(rsinfo, batch->types_, batch->texts_, batch->int64s_, rows); });
}

}	 // namespace journey
