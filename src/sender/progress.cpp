#include "sender/progress.hpp"

#include <cstdio>

namespace journey::sender {

namespace {

void
Sum(Tally &into, const Tally &t) {
	into.sent += t.sent;
	into.retried += t.retried;
	into.dead += t.dead;
	into.released += t.released;
	into.reported += t.reported;
}

std::string
Format(long long claimed, const Tally &t, double seconds) {
	char buf[256];
	std::snprintf(buf, sizeof buf,
				  "claimed %lld sent %lld retried %lld dead %lld released %lld reported %lld in %.1f s: %.1f sent/s",
				  claimed, t.sent, t.retried, t.dead, t.released, t.reported, seconds,
				  seconds > 0 ? static_cast<double>(t.sent) / seconds : 0.0);
	return buf;
}

} // namespace

void
Progress::Add(const Tally &t) {
	Sum(interval_, t);
	Sum(total_, t);
}

std::string
Progress::Line() {
	auto now = Clock::now();
	double seconds = std::chrono::duration<double>(now - since_).count();
	std::string line = Format(claimed_, interval_, seconds);
	since_ = now;
	claimed_ = 0;
	interval_ = Tally{};
	return line;
}

std::string
Progress::Summary() const {
	return Format(total_claimed_, total_, std::chrono::duration<double>(Clock::now() - start_).count());
}

} // namespace journey::sender
