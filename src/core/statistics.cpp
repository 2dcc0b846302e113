#include "statistics.hpp"

#include <cmath>

namespace journey {

namespace {
// The 97.5th percentile of the standard normal distribution: the half-width of a 95 % interval in σ.
constexpr double kZ975 = 1.959963984540054;
}	 // namespace

double
TwoSidedNormalP(double z)
{
	return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

ProportionComparison
CompareProportions(int64_t converted, int64_t entered, int64_t base_converted, int64_t base_entered)
{
	ProportionComparison out;
	if (entered <= 0 || base_entered <= 0 || converted < 0 || base_converted < 0 || converted > entered ||
		base_converted > base_entered)
		return out;
	const double n1 = (double)entered, n2 = (double)base_entered;
	const double p1 = (double)converted / n1, p2 = (double)base_converted / n2;
	const double diff = p1 - p2;
	out.uplift = diff;
	const double se = std::sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
	out.uplift_low = diff - kZ975 * se;
	out.uplift_high = diff + kZ975 * se;
	if (p2 > 0)
		out.relative_uplift = diff / p2;
	const double pooled = (double)(converted + base_converted) / (n1 + n2);
	const double pooled_se = std::sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
	if (pooled_se == 0) {
		// Both arms converted nobody, or everybody: the rates are equal and there is nothing to test.
		out.z = 0;
		out.p_value = 1;
	} else {
		out.z = diff / pooled_se;
		out.p_value = TwoSidedNormalP(*out.z);
	}
	return out;
}

}	 // namespace journey
