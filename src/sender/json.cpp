#include "sender/json.hpp"

#include <cstdio>

namespace journey::sender {

void
AppendJsonString(std::string &out, std::string_view s) {
	out.push_back('"');
	for (unsigned char c : s) {
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\b':
			out += "\\b";
			break;
		case '\f':
			out += "\\f";
			break;
		default:
			if (c < 0x20) {
				char buf[8];
				std::snprintf(buf, sizeof buf, "\\u%04x", c);
				out += buf;
			} else
				out.push_back(static_cast<char>(c));
		}
	}
	out.push_back('"');
}

std::string
JsonString(std::string_view s) {
	std::string out;
	AppendJsonString(out, s);
	return out;
}

bool
LooksLikeJsonObject(std::string_view text) {
	auto first = text.find_first_not_of(" \t\r\n");
	auto last = text.find_last_not_of(" \t\r\n");
	return first != std::string_view::npos && text[first] == '{' && text[last] == '}';
}

} // namespace journey::sender
