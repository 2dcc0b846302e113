#include "sender/log.hpp"

#include <cstdio>
#include <ctime>
#include <sys/time.h>

namespace journey::sender {

void
Log(const std::string &line) {
	timeval tv{};
	gettimeofday(&tv, nullptr);
	std::tm tm{};
	gmtime_r(&tv.tv_sec, &tm);
	char stamp[32];
	std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	std::fprintf(stderr, "%s.%03d UTC journey-sender: %s\n", stamp, static_cast<int>(tv.tv_usec / 1000), line.c_str());
	std::fflush(stderr);
}

} // namespace journey::sender
