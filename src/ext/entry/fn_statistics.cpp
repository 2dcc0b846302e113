// journey._compare_arms(converted, entered, base_converted, base_entered): split_report's statistics
// (core/statistics.hpp) as a float8[] of {uplift, uplift_low, uplift_high, relative_uplift, z, p_value}, an
// element null where it is not defined (an empty arm, a baseline that converted nobody).
#include "pg/postgres.hpp"

#include "core/statistics.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/array.h"

PG_FUNCTION_INFO_V1(journey_compare_arms);
}

Datum
journey_compare_arms(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		int64_t args[4];
		for (int k = 0; k < 4; k++)
			args[k] = PG_GETARG_INT64(k);	// the function is STRICT
		const ProportionComparison c = CompareProportions(args[0], args[1], args[2], args[3]);
		const std::optional<double> parts[6] = {c.uplift, c.uplift_low, c.uplift_high, c.relative_uplift, c.z,
												 c.p_value};
		Datum values[6];
		bool nulls[6];
		for (int k = 0; k < 6; k++) {
			nulls[k] = !parts[k].has_value();
			values[k] = nulls[k] ? (Datum)0 : Float8GetDatum(*parts[k]);
		}
		return PgCall([&] {
			int dims[1] = {6}, lbs[1] = {1};
			return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs, FLOAT8OID, sizeof(float8),
													  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		});
	});
}
