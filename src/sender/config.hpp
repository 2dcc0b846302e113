// The sender's settings: flags, environment (JOURNEY_SENDER_*) and a config file, in that order of precedence.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace journey::sender {

// A configuration that cannot work (exit code 1).
struct ConfigError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

struct ChannelConfig {
	std::string name; // the outbox channel (journey.claim's first argument)
	std::string kind; // webhook | smtp | exec
	// webhook
	std::string url;	// http(s):// for a webhook, smtp(s):// for smtp
	std::string secret; // HMAC-SHA256 key of X-Journey-Signature (webhook)
	std::string signature_header = "X-Journey-Signature";
	std::string body = "envelope"; // envelope | payload (webhook, exec)
	std::vector<std::string> headers;
	bool report = false; // journey.report_delivery(id, 'delivered', now(), response) after the ack
	// smtp
	std::string from;
	std::string user;
	std::string password;
	std::string list_unsubscribe; // the List-Unsubscribe header; {user_id}, {dedup_key}, {id} substituted
	std::string host;			  // the right side of Message-ID (default: the from address's domain)
	bool insecure = false;		  // skip TLS certificate checks (smtp, webhook)
	// exec
	std::string command;
	double timeout = 10; // seconds per delivery
	int concurrency = 0; // deliveries at once on this channel (0: the global --concurrency)
};

struct Options {
	std::string conninfo;	 // libpq connection string (empty: PG* environment)
	int batch = 200;		 // journey.claim max_rows
	int lease = 60;			 // journey.claim lease, seconds
	int concurrency = 16;	 // deliveries at once per channel
	double poll = 5;		 // seconds between claims when no NOTIFY came
	double progress = 10;	 // seconds between progress lines (0: none)
	double reconnect = 60;	 // seconds to try reconnecting before exit code 2
	double backoff_base = 1; // a failing provider's first pause, seconds
	double backoff_max = 60; // its longest pause, seconds
	bool once = false;		 // drain what is available now, then exit
	bool verbose = false;	 // a line per delivery
	std::vector<ChannelConfig> channels;
};

// Reads the config file (--config or JOURNEY_SENDER_CONFIG), then JOURNEY_SENDER_* variables, then argv.
// Throws ConfigError. Sets help/version when asked (then nothing else is checked).
Options ParseOptions(int argc, char **argv, bool &help, bool &version);

const char *HelpText();

} // namespace journey::sender
