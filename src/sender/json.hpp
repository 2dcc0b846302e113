// The little JSON the sender writes itself: quoted strings.
#pragma once

#include <string>
#include <string_view>

namespace journey::sender {

// Appends s as a JSON string literal (quotes included) to out; invalid UTF-8 bytes are kept as they are.
void AppendJsonString(std::string &out, std::string_view s);

std::string JsonString(std::string_view s);

// Whether text looks like a JSON object (its first non-blank character is '{' and its last '}').
bool LooksLikeJsonObject(std::string_view text);

} // namespace journey::sender
