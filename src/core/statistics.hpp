// The statistics of journey.split_report (SPEC §8): an arm's conversion against a baseline arm (the holdout,
// else the first arm) — the difference of the two rates with its 95 % confidence interval, and the two-sided
// p-value of the two-proportion z-test.
#pragma once
#include "no_postgres.hpp"

#include <cstdint>
#include <optional>

namespace journey {

struct ProportionComparison {
	std::optional<double> uplift;		   // rate − baseline rate (absolute, in [−1, 1]); none when either arm is empty
	std::optional<double> uplift_low;	   // the 95 % Wald interval of the difference (unpooled standard error)
	std::optional<double> uplift_high;
	std::optional<double> relative_uplift;  // uplift / baseline rate; none when the baseline converts nobody
	std::optional<double> z;				   // the z statistic (pooled standard error)
	std::optional<double> p_value;		   // two-sided; 1 when both rates are 0 or both 1 (no difference to test)
};

// Compares `converted` of `entered` with `base_converted` of `base_entered`. Counts must satisfy
// 0 <= converted <= entered; otherwise (or when an arm entered nobody) nothing is defined.
ProportionComparison CompareProportions(int64_t converted, int64_t entered, int64_t base_converted,
										int64_t base_entered);

// P(|Z| >= |z|) for a standard normal Z.
double TwoSidedNormalP(double z);

}	 // namespace journey
