// journey-sender: pg_journey's reference sender (SPEC §6). See --help and README.md.
#include "sender/claim_loop.hpp"
#include "sender/config.hpp"
#include "sender/log.hpp"
#include "sender/stop.hpp"

#include <curl/curl.h>

#include <cstdio>

int
main(int argc, char **argv) {
	using namespace journey::sender;
	bool help = false, version = false;
	Options options;
	try {
		options = ParseOptions(argc, argv, help, version);
	} catch (const ConfigError &e) {
		std::fprintf(stderr, "journey-sender: %s\n", e.what());
		return kExitConfig;
	}
	if (help) {
		std::fputs(HelpText(), stdout);
		return kExitClean;
	}
	if (version) {
		std::printf("journey-sender %s\n", JOURNEY_SENDER_VERSION);
		return kExitClean;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		std::fprintf(stderr, "journey-sender: curl_global_init failed\n");
		return kExitConfig;
	}
	InstallSignalHandlers();
	ExitCode code = RunSender(options);
	curl_global_cleanup();
	return code;
}
