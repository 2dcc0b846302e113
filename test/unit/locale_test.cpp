#include "core/locale.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using Chain = std::vector<std::string>;

TEST(LocaleFallbacks, MostSpecificFirstThenTheLanguageThenTheDefault)
{
	EXPECT_EQ(LocaleFallbacks("pt-BR"), (Chain{"pt-BR", "pt", ""}));
	EXPECT_EQ(LocaleFallbacks("pt_BR"), (Chain{"pt_BR", "pt", ""}));
	EXPECT_EQ(LocaleFallbacks("zh-Hant-TW"), (Chain{"zh-Hant-TW", "zh", ""}));
	EXPECT_EQ(LocaleFallbacks("pt"), (Chain{"pt", ""}));
	EXPECT_EQ(LocaleFallbacks(" fr "), (Chain{"fr", ""}));
	EXPECT_EQ(LocaleFallbacks(""), (Chain{""}));
	EXPECT_EQ(LocaleFallbacks("   "), (Chain{""}));
	EXPECT_EQ(LocaleFallbacks("-x"), (Chain{"-x", ""}));  // no language part before the separator
}

}	 // namespace
}	 // namespace journey
