#include "sender/stop.hpp"

#include <cstring>

namespace journey::sender {

volatile std::sig_atomic_t g_signals = 0;

namespace {

extern "C" void
OnSignal(int) {
	if (g_signals < 2)
		g_signals = g_signals + 1;
}

} // namespace

void
InstallSignalHandlers() {
	struct sigaction sa;
	std::memset(&sa, 0, sizeof sa);
	sa.sa_handler = OnSignal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; // no SA_RESTART: a signal interrupts select() and poll() at once
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGINT, &sa, nullptr);
	std::signal(SIGPIPE, SIG_IGN);
}

} // namespace journey::sender
