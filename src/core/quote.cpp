#include "quote.hpp"

#include "json.hpp"

namespace journey {

std::string_view
CutForMessage(std::string_view text)
{
	if (text.size() <= kMaxQuoted)
		return text;
	size_t end = kMaxQuoted;
	while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
		--end;	// not inside a UTF-8 sequence
	return text.substr(0, end);
}

std::string
Quoted(std::string_view text)
{
	std::string quoted =
		Json(std::string(CutForMessage(text))).dump(-1, ' ', false, Json::error_handler_t::replace);
	if (text.size() > kMaxQuoted) {
		quoted.insert(quoted.size() - 1, "...");
		quoted += " (" + std::to_string(text.size()) + " bytes)";
	}
	return quoted;
}

}	 // namespace journey
