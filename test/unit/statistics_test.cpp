// split_report's statistics (SPEC §8): the two-proportion z-test and the interval of the difference, checked
// against a case worked by hand.
#include "core/statistics.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

// Arm B converted 60 of 500 (0.12), the holdout 40 of 500 (0.08).
//   difference            0.12 − 0.08 = 0.04
//   pooled rate           (60 + 40) / 1000 = 0.1
//   pooled standard error √(0.1 · 0.9 · (1/500 + 1/500)) = √0.00036 = 0.0189736660
//   z                     0.04 / 0.0189736660 = 2.1081851
//   p                     2 · (1 − Φ(2.1081851)) = 0.0350150  (Φ(2.108) = 0.98249 in a normal table)
//   unpooled error        √(0.12 · 0.88 / 500 + 0.08 · 0.92 / 500) = √0.0003584 = 0.0189314553
//   95 % interval         0.04 ± 1.959964 · 0.0189314553 = 0.04 ± 0.0371050 → [0.0028950, 0.0771050]
//   relative uplift       0.04 / 0.08 = 0.5
TEST(CompareProportions, WorkedCase)
{
	const ProportionComparison c = CompareProportions(60, 500, 40, 500);
	ASSERT_TRUE(c.uplift && c.uplift_low && c.uplift_high && c.relative_uplift && c.z && c.p_value);
	EXPECT_NEAR(*c.uplift, 0.04, 1e-12);
	EXPECT_NEAR(*c.z, 2.1081851, 1e-7);
	EXPECT_NEAR(*c.p_value, 0.0350150, 1e-7);
	EXPECT_NEAR(*c.uplift_low, 0.0028950, 1e-7);
	EXPECT_NEAR(*c.uplift_high, 0.0771050, 1e-7);
	EXPECT_NEAR(*c.relative_uplift, 0.5, 1e-12);
}

TEST(CompareProportions, SymmetricWhenSwapped)
{
	const ProportionComparison a = CompareProportions(60, 500, 40, 500);
	const ProportionComparison b = CompareProportions(40, 500, 60, 500);
	EXPECT_NEAR(*a.p_value, *b.p_value, 1e-15);
	EXPECT_NEAR(*b.uplift, -0.04, 1e-12);
	EXPECT_NEAR(*b.z, -*a.z, 1e-12);
}

TEST(CompareProportions, EqualRatesGiveOne)
{
	EXPECT_DOUBLE_EQ(*CompareProportions(0, 10, 0, 20).p_value, 1.0);
	EXPECT_DOUBLE_EQ(*CompareProportions(10, 10, 20, 20).p_value, 1.0);
	EXPECT_NEAR(*CompareProportions(5, 50, 10, 100).p_value, 1.0, 1e-12);
	EXPECT_FALSE(CompareProportions(3, 10, 0, 20).relative_uplift.has_value());	// the baseline converted none
}

TEST(CompareProportions, EmptyOrImpossibleArmsDefineNothing)
{
	EXPECT_FALSE(CompareProportions(0, 0, 4, 10).p_value.has_value());
	EXPECT_FALSE(CompareProportions(4, 10, 0, 0).uplift.has_value());
	EXPECT_FALSE(CompareProportions(11, 10, 4, 10).p_value.has_value());
	EXPECT_FALSE(CompareProportions(-1, 10, 4, 10).p_value.has_value());
}

TEST(TwoSidedNormalP, KnownQuantiles)
{
	EXPECT_NEAR(TwoSidedNormalP(1.959963984540054), 0.05, 1e-12);
	EXPECT_NEAR(TwoSidedNormalP(-2.5758293035489), 0.01, 1e-12);
	EXPECT_DOUBLE_EQ(TwoSidedNormalP(0), 1.0);
}

}	 // namespace
}	 // namespace journey
