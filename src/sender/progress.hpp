// Counters and the progress line: claimed, sent, retried, dead, released, rate.
#pragma once

#include "sender/database.hpp"

#include <chrono>
#include <string>

namespace journey::sender {

class Progress {
  public:
	using Clock = std::chrono::steady_clock;

	void Claimed(long long n) {
		claimed_ += n;
		total_claimed_ += n;
	}
	void Add(const Tally &t);
	// "claimed 400 sent 398 retried 1 dead 1 released 0 reported 0 in 10.0 s: 39.8 sent/s", then the interval
	// starts again.
	std::string Line();
	// The totals since the start.
	std::string Summary() const;

  private:
	Clock::time_point since_ = Clock::now(), start_ = Clock::now();
	long long claimed_ = 0, total_claimed_ = 0;
	Tally interval_, total_;
};

} // namespace journey::sender
