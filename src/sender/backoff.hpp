// A channel's pause after its provider failed: exponential with jitter, reset by a success.
#pragma once

#include <chrono>
#include <random>

namespace journey::sender {

class Backoff {
  public:
	using Clock = std::chrono::steady_clock;

	Backoff(double base_seconds, double max_seconds) : base_(base_seconds), max_(max_seconds) {}

	// A batch whose every delivery failed transiently: the channel waits before it claims again.
	// Returns the pause chosen: base * 2^(failures-1), at most max, times a random 0.5..1.5.
	double Failed();
	// Any delivery succeeded: claim again at once.
	void Succeeded() {
		failures_ = 0;
		until_ = Clock::time_point{};
	}
	bool Waiting(Clock::time_point now) const { return now < until_; }
	Clock::time_point Until() const { return until_; }
	int Failures() const { return failures_; }

  private:
	double base_;
	double max_;
	int failures_ = 0;
	Clock::time_point until_{};
	std::mt19937_64 random_{std::random_device{}()};
};

} // namespace journey::sender
