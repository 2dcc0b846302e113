#include "locale.hpp"

namespace journey {

std::vector<std::string>
LocaleFallbacks(std::string_view locale)
{
	const size_t first = locale.find_first_not_of(" \t");
	if (first == std::string_view::npos)
		return {""};
	locale = locale.substr(first, locale.find_last_not_of(" \t") - first + 1);
	std::vector<std::string> chain{std::string(locale)};
	const size_t cut = locale.find_first_of("-_");
	if (cut != std::string_view::npos && cut > 0)
		chain.emplace_back(locale.substr(0, cut));
	chain.emplace_back();
	return chain;
}

}	 // namespace journey
