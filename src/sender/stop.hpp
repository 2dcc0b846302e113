// SIGTERM / SIGINT: the first stops claiming (deliveries in flight finish), the second abandons them.
#pragma once

#include <csignal>

namespace journey::sender {

extern volatile std::sig_atomic_t g_signals;

inline bool
Stopping() {
	return g_signals >= 1;
}

inline bool
Aborting() {
	return g_signals >= 2;
}

void InstallSignalHandlers();

} // namespace journey::sender
