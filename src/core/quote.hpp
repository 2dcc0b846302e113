// Values in messages: quoted, and cut after a few hundred bytes (a 10 MB name never makes a 10 MB message).
#pragma once
#include "no_postgres.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace journey {

inline constexpr size_t kMaxQuoted = 200;

// At most kMaxQuoted bytes of text, cut at a UTF-8 character boundary.
std::string_view CutForMessage(std::string_view text);
// "text" (JSON-escaped); a longer text is cut, with its length: "text..." (12345 bytes).
std::string Quoted(std::string_view text);

}	 // namespace journey
