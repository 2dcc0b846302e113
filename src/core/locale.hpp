// The locales a stored template is looked for in, most specific first (SPEC §5 Templates).
#pragma once
#include "no_postgres.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace journey {

// "pt-BR" → {"pt-BR", "pt", ""}; "pt_BR" → {"pt_BR", "pt", ""}; "pt" → {"pt", ""}; "" (or blanks) → {""}.
// The default row's locale is "". Surrounding blanks are ignored; case is kept.
std::vector<std::string> LocaleFallbacks(std::string_view locale);

}	 // namespace journey
