#include "sender/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace journey::sender {

double
Backoff::Failed() {
	++failures_;
	double pause = std::min(max_, base_ * std::pow(2.0, std::min(failures_ - 1, 30)));
	std::uniform_real_distribution<double> jitter(0.5, 1.5);
	pause *= jitter(random_);
	until_ = Clock::now() + std::chrono::microseconds(static_cast<long long>(pause * 1e6));
	return pause;
}

} // namespace journey::sender
