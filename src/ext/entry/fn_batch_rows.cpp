// SQL function journey._batch_rows: the rows of the batched statement running in this session.
#include "pg/postgres.hpp"

#include "pg/batch_columns.hpp"
#include "pg/guard.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(journey_batch_rows);
}

Datum
journey_batch_rows(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		journey::ServeBatchRows(fcinfo);
		return (Datum)0;
	});
}
