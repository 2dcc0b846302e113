#include "sender/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>

extern char **environ;

namespace journey::sender {

namespace {

std::string
Trim(const std::string &s) {
	auto first = s.find_first_not_of(" \t\r\n");
	if (first == std::string::npos)
		return "";
	auto last = s.find_last_not_of(" \t\r\n");
	return s.substr(first, last - first + 1);
}

int
ToInt(const std::string &key, const std::string &value, int lowest) {
	char *end = nullptr;
	long n = std::strtol(value.c_str(), &end, 10);
	if (value.empty() || *end != '\0' || n < lowest || n > 1000000)
		throw ConfigError(key + ": not an integer >= " + std::to_string(lowest) + ": \"" + value + "\"");
	return static_cast<int>(n);
}

double
ToSeconds(const std::string &key, const std::string &value, double lowest) {
	char *end = nullptr;
	double n = std::strtod(value.c_str(), &end);
	if (value.empty() || *end != '\0' || !(n >= lowest) || n > 1e7)
		throw ConfigError(key + ": not a number of seconds >= " + std::to_string(lowest) + ": \"" + value + "\"");
	return n;
}

bool
ToBool(const std::string &key, const std::string &value) {
	if (value == "true" || value == "on" || value == "yes" || value == "1" || value.empty())
		return true;
	if (value == "false" || value == "off" || value == "no" || value == "0")
		return false;
	throw ConfigError(key + ": not a boolean: \"" + value + "\"");
}

// A value "env:NAME" is read from the environment variable NAME (secrets out of command lines and files).
std::string
Resolve(const std::string &key, const std::string &value) {
	if (value.rfind("env:", 0) != 0)
		return value;
	const char *v = std::getenv(value.c_str() + 4);
	if (v == nullptr)
		throw ConfigError(key + ": environment variable " + value.substr(4) + " is not set");
	return v;
}

ChannelConfig &
Channel(Options &o, const std::string &name) {
	for (auto &c : o.channels)
		if (c.name == name)
			return c;
	bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char ch) {
		return std::islower(ch) || std::isdigit(ch) || ch == '_';
	});
	if (!valid)
		throw ConfigError("channel name \"" + name + "\": lowercase letters, digits and _ only");
	o.channels.push_back(ChannelConfig{});
	o.channels.back().name = name;
	return o.channels.back();
}

// NAME.KEY = VALUE
void
SetChannel(Options &o, const std::string &setting) {
	auto eq = setting.find('=');
	auto dot = setting.find('.');
	if (eq == std::string::npos || dot == std::string::npos || dot > eq)
		throw ConfigError("channel setting \"" + setting + "\": expected NAME.KEY=VALUE");
	std::string name = Trim(setting.substr(0, dot));
	std::string key = Trim(setting.substr(dot + 1, eq - dot - 1));
	std::string value = Trim(setting.substr(eq + 1));
	std::string what = name + "." + key;
	ChannelConfig &c = Channel(o, name);
	if (key == "kind") {
		if (value != "webhook" && value != "smtp" && value != "exec")
			throw ConfigError(what + ": unknown kind \"" + value + "\" (webhook, smtp or exec)");
		c.kind = value;
	} else if (key == "url")
		c.url = value;
	else if (key == "secret")
		c.secret = Resolve(what, value);
	else if (key == "signature_header")
		c.signature_header = value;
	else if (key == "body") {
		if (value != "envelope" && value != "payload")
			throw ConfigError(what + ": \"envelope\" or \"payload\", not \"" + value + "\"");
		c.body = value;
	} else if (key == "header") {
		if (value.find(':') == std::string::npos)
			throw ConfigError(what + ": expected \"Name: value\", not \"" + value + "\"");
		c.headers.push_back(value);
	} else if (key == "report")
		c.report = ToBool(what, value);
	else if (key == "from")
		c.from = value;
	else if (key == "user")
		c.user = value;
	else if (key == "password")
		c.password = Resolve(what, value);
	else if (key == "list_unsubscribe")
		c.list_unsubscribe = value;
	else if (key == "host")
		c.host = value;
	else if (key == "insecure")
		c.insecure = ToBool(what, value);
	else if (key == "command")
		c.command = value;
	else if (key == "timeout")
		c.timeout = ToSeconds(what, value, 0.001);
	else if (key == "concurrency")
		c.concurrency = ToInt(what, value, 1);
	else
		throw ConfigError("unknown channel setting \"" + key + "\" (in " + what + ")");
}

// A global setting by its long name (as on the command line, without the dashes).
bool
SetGlobal(Options &o, const std::string &key, const std::string &value) {
	if (key == "db")
		o.conninfo = value;
	else if (key == "batch")
		o.batch = ToInt(key, value, 1);
	else if (key == "lease")
		o.lease = ToInt(key, value, 1);
	else if (key == "concurrency")
		o.concurrency = ToInt(key, value, 1);
	else if (key == "poll")
		o.poll = ToSeconds(key, value, 0.01);
	else if (key == "progress")
		o.progress = ToSeconds(key, value, 0);
	else if (key == "reconnect")
		o.reconnect = ToSeconds(key, value, 0);
	else if (key == "backoff-base")
		o.backoff_base = ToSeconds(key, value, 0.001);
	else if (key == "backoff-max")
		o.backoff_max = ToSeconds(key, value, 0.001);
	else if (key == "once")
		o.once = ToBool(key, value);
	else if (key == "verbose")
		o.verbose = ToBool(key, value);
	else if (key == "channel")
		SetChannel(o, value);
	else if (key == "webhook" || key == "smtp" || key == "exec") {
		// --webhook NAME=URL, --smtp NAME=URL, --exec NAME=COMMAND
		auto eq = value.find('=');
		if (eq == std::string::npos || eq == 0)
			throw ConfigError("--" + key + " \"" + value + "\": expected NAME=" + (key == "exec" ? "COMMAND" : "URL"));
		std::string name = Trim(value.substr(0, eq));
		SetChannel(o, name + ".kind=" + key);
		SetChannel(o, name + (key == "exec" ? ".command=" : ".url=") + value.substr(eq + 1));
	} else
		return false;
	return true;
}

bool
IsFlag(const std::string &key) {
	return key == "once" || key == "verbose";
}

void
ReadFile(Options &o, const std::string &path) {
	std::ifstream in(path);
	if (!in)
		throw ConfigError("cannot read config file " + path);
	std::string line;
	int number = 0;
	while (std::getline(in, line)) {
		++number;
		line = Trim(line);
		if (line.empty() || line[0] == '#')
			continue;
		auto eq = line.find('=');
		if (eq == std::string::npos)
			throw ConfigError(path + ":" + std::to_string(number) + ": expected KEY = VALUE");
		std::string key = Trim(line.substr(0, eq));
		std::string value = Trim(line.substr(eq + 1));
		try {
			if (key.find('.') != std::string::npos)
				SetChannel(o, key + "=" + value);
			else if (key == "config" || !SetGlobal(o, key, value))
				throw ConfigError("unknown setting \"" + key + "\"");
		} catch (const ConfigError &e) {
			throw ConfigError(path + ":" + std::to_string(number) + ": " + e.what());
		}
	}
}

void
Check(Options &o) {
	if (o.channels.empty())
		throw ConfigError("no channel configured (e.g. --webhook NAME=URL, --smtp NAME=URL, --exec NAME=COMMAND)");
	if (o.backoff_max < o.backoff_base)
		o.backoff_max = o.backoff_base;
	for (auto &c : o.channels) {
		if (c.kind.empty())
			throw ConfigError("channel " + c.name + ": no kind (" + c.name + ".kind = webhook | smtp | exec)");
		if (c.kind == "webhook" && c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0)
			throw ConfigError("channel " + c.name + ": url must be http:// or https://, not \"" + c.url + "\"");
		if (c.kind == "smtp") {
			if (c.url.rfind("smtp://", 0) != 0 && c.url.rfind("smtps://", 0) != 0)
				throw ConfigError("channel " + c.name + ": url must be smtp:// or smtps://, not \"" + c.url + "\"");
			if (c.from.empty())
				throw ConfigError("channel " + c.name + ": from is required (" + c.name + ".from = ADDRESS)");
			if (c.host.empty()) {
				auto at = c.from.rfind('@');
				c.host = at == std::string::npos ? "journey-sender" : c.from.substr(at + 1);
				while (!c.host.empty() && (c.host.back() == '>' || c.host.back() == ' '))
					c.host.pop_back();
			}
		}
		if (c.kind == "exec" && c.command.empty())
			throw ConfigError("channel " + c.name + ": command is required");
		if (c.concurrency == 0)
			c.concurrency = o.concurrency;
	}
}

} // namespace

Options
ParseOptions(int argc, char **argv, bool &help, bool &version) {
	Options o;
	help = version = false;
	// Split argv into (key, value) pairs first: --key=value, --key value, --flag.
	std::vector<std::pair<std::string, std::string>> args;
	for (int i = 1; i < argc; ++i) {
		std::string arg = argv[i];
		if (arg == "-h" || arg == "--help") {
			help = true;
			return o;
		}
		if (arg == "--version") {
			version = true;
			return o;
		}
		if (arg.rfind("--", 0) != 0 || arg.size() == 2)
			throw ConfigError("unexpected argument \"" + arg + "\" (see --help)");
		std::string key = arg.substr(2), value;
		auto eq = key.find('=');
		if (eq != std::string::npos) {
			value = key.substr(eq + 1);
			key = key.substr(0, eq);
		} else if (IsFlag(key))
			value = "true";
		else if (i + 1 < argc)
			value = argv[++i];
		else
			throw ConfigError("--" + key + " needs a value");
		args.emplace_back(key, value);
	}

	std::string file;
	if (const char *f = std::getenv("JOURNEY_SENDER_CONFIG"))
		file = f;
	for (auto &[key, value] : args)
		if (key == "config")
			file = value;
	if (!file.empty())
		ReadFile(o, file);

	// JOURNEY_SENDER_<KEY>: a global setting (KEY upper case, '-' as '_'), e.g. JOURNEY_SENDER_DB.
	static const char *globals[] = {"db",		 "batch",		 "lease",		"concurrency", "poll",	 "progress",
									"reconnect", "backoff-base", "backoff-max", "once",		   "verbose"};
	for (const char *g : globals) {
		std::string var = "JOURNEY_SENDER_";
		for (const char *p = g; *p; ++p)
			var.push_back(*p == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p))));
		if (const char *v = std::getenv(var.c_str()))
			SetGlobal(o, g, v);
	}

	for (auto &[key, value] : args)
		if (key != "config" && !SetGlobal(o, key, value))
			throw ConfigError("unknown option --" + key + " (see --help)");
	Check(o);
	return o;
}

const char *
HelpText() {
	return R"(journey-sender: delivers pg_journey's outbox (journey.claim / ack / fail) to webhooks, SMTP and commands.

Usage: journey-sender [OPTIONS]

Database and claiming:
  --db CONNINFO          libpq connection string or URI (default: the PG* environment variables)
  --batch N              rows per journey.claim (default 200)
  --lease SECONDS        lease of a claim (default 60); a row not acked or failed by then is claimed again
  --concurrency N        deliveries at once per channel (default 16)
  --poll SECONDS         claim every channel at least this often, NOTIFY or not (default 5)
  --reconnect SECONDS    how long to try reconnecting to the database before exiting with 2 (default 60)
  --backoff-base SECONDS a channel pauses after a batch whose every delivery failed transiently: base,
  --backoff-max SECONDS    doubling up to max, times a random 0.5..1.5 (defaults 1 and 60)
  --once                 deliver what is available now, then exit
  --progress SECONDS     a progress line on stderr this often (default 10; 0: none)
  --verbose              a line per delivery on stderr
  --config FILE          read settings from FILE first (also JOURNEY_SENDER_CONFIG)
  --help, --version

Channels (each outbox channel served needs a kind):
  --webhook NAME=URL     channel NAME posts to URL (same as --channel NAME.kind=webhook --channel NAME.url=URL)
  --smtp NAME=URL        channel NAME sends mail through smtp://host:port or smtps://host:port
  --exec NAME=COMMAND    channel NAME pipes each message to COMMAND (run by /bin/sh -c)
  --channel NAME.KEY=VALUE  any channel setting:
      kind                webhook | smtp | exec
      url                 webhook: http(s)://...; smtp: smtp(s)://host:port
      timeout             seconds per delivery (default 10)
      concurrency         deliveries at once on this channel (default --concurrency)
      body                webhook/exec: envelope (default) or payload
      secret              webhook: HMAC-SHA256 key; adds "X-Journey-Signature: sha256=<hex of the body>"
      signature_header    webhook: the signature header's name (default X-Journey-Signature)
      header              webhook: an extra "Name: value" header (repeatable)
      report              webhook: after the ack, journey.report_delivery(id, 'delivered', now(), the
                          response when it is a JSON object) (default false)
      from                smtp: the sender address (required)
      user, password      smtp: AUTH credentials
      list_unsubscribe    smtp: List-Unsubscribe header value; {user_id} {dedup_key} {id} are substituted
      host                smtp: the domain of Message-ID <dedup_key@host> (default: from's domain)
      insecure            webhook/smtp: do not verify TLS certificates (default false)
      command             exec: the command
  A value "env:VAR" of secret or password is read from the environment variable VAR.

Config file: one "KEY = VALUE" a line, KEY a long option (db, batch, once, ...) or NAME.KEY; # comments.
Environment: JOURNEY_SENDER_DB, JOURNEY_SENDER_BATCH, ... (any long option, upper case, - as _).
Precedence: command line, then environment, then config file.

Results: webhook 2xx sent; 4xx dead (the body is the error); 5xx, timeouts, refused connections retried.
SMTP accepted sent; 5xx reply dead; 4xx and connection problems retried. exec exit 0 sent; 75
(EX_TEMPFAIL), a signal or the timeout retried; any other exit dead (stderr is the error).

Signals: SIGTERM or SIGINT: stop claiming, finish the deliveries in flight, fail back the rest of the
batch with retry_in 0, exit 0. A second signal abandons the deliveries in flight (left to their lease).

Exit codes: 0 stopped by a signal, or --once drained; 1 usage or configuration error; 2 the database
could not be reached for --reconnect seconds; 3 the database refused the sender (no pg_journey, no
permission on journey.claim).
)";
}

} // namespace journey::sender
