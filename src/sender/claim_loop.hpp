// The sender's loop: LISTEN, claim a batch per ready channel, deliver, ack / fail, wait for NOTIFY or the poll.
#pragma once

#include "sender/config.hpp"

namespace journey::sender {

enum ExitCode {
	kExitClean = 0,		 // stopped by SIGTERM / SIGINT, or --once drained
	kExitConfig = 1,	 // usage or configuration error
	kExitConnection = 2, // the database unreachable for --reconnect seconds
	kExitRefused = 3,	 // the database refuses the sender (no pg_journey, no permission)
};

ExitCode RunSender(const Options &options);

} // namespace journey::sender
