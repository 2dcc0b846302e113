// A line on stderr, prefixed with the time and the program's name.
#pragma once

#include <string>

namespace journey::sender {

void Log(const std::string &line);

} // namespace journey::sender
