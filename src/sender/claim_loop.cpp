#include "sender/claim_loop.hpp"

#include "sender/backoff.hpp"
#include "sender/channels/channel.hpp"
#include "sender/database.hpp"
#include "sender/log.hpp"
#include "sender/progress.hpp"
#include "sender/stop.hpp"

#include <algorithm>
#include <set>
#include <thread>

namespace journey::sender {

namespace {

using Clock = std::chrono::steady_clock;

struct ChannelState {
	ChannelState(const ChannelConfig &c, const Options &o)
		: config(c), channel(MakeChannel(c)), backoff(o.backoff_base, o.backoff_max) {}
	ChannelConfig config;
	std::unique_ptr<Channel> channel;
	Backoff backoff;
	bool ready = true; // rows may be waiting: claim it
};

Clock::time_point
After(double seconds) {
	return Clock::now() + std::chrono::microseconds(static_cast<long long>(seconds * 1e6));
}

double
Until(Clock::time_point t) {
	return std::chrono::duration<double>(t - Clock::now()).count();
}

const char *
Name(Result r) {
	switch (r) {
	case Result::Sent:
		return "sent";
	case Result::Retry:
		return "retry";
	case Result::Dead:
		return "dead";
	case Result::Released:
		return "released";
	case Result::Abandoned:
		return "abandoned";
	}
	return "?";
}

// Connects, retrying for options.reconnect seconds. False when it gave up. Throws a fatal DbError.
bool
Connect(Database &db, const Options &options) {
	auto deadline = After(options.reconnect);
	double pause = 0.2;
	while (true) {
		try {
			db.Connect();
			return true;
		} catch (const DbError &e) {
			if (e.fatal)
				throw;
			if (Clock::now() >= deadline || Stopping()) {
				Log(std::string(e.what()) + "; giving up");
				return false;
			}
			Log(std::string(e.what()) + "; retrying");
			std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(pause * 1e6)));
			pause = std::min(pause * 2, 5.0);
		}
	}
}

// One claim of one channel, delivered and settled. Returns how many rows the claim returned.
size_t
Serve(Database &db, ChannelState &st, const Options &options, Progress &progress) {
	std::vector<Message> messages = db.Claim(st.config.name, options.batch, options.lease);
	if (messages.empty())
		return 0;
	progress.Claimed(static_cast<long long>(messages.size()));
	// Rows that a provider refused for good on an earlier attempt (when the database cannot make them dead at
	// once) are failed again without being sent, until journey.max_attempts makes them dead.
	std::vector<Message> todo;
	std::vector<size_t> todo_index;
	std::vector<Outcome> outcomes(messages.size());
	bool refailed = false;
	for (size_t i = 0; i < messages.size(); ++i) {
		if (!db.CanFailDead() && messages[i].last_error.rfind(kPermanentPrefix, 0) == 0) {
			outcomes[i].result = Result::Dead;
			outcomes[i].error = messages[i].last_error;
			refailed = true;
			continue;
		}
		todo.push_back(messages[i]);
		todo_index.push_back(i);
	}
	std::vector<Outcome> delivered;
	auto began = Clock::now();
	if (!todo.empty())
		st.channel->Deliver(todo, delivered);
	double took = std::chrono::duration<double>(Clock::now() - began).count();
	if (took > 0.8 * options.lease)
		Log("channel " + st.config.name + ": a batch took " + std::to_string(static_cast<int>(took)) + " s of a " +
			std::to_string(options.lease) +
			" s lease; rows whose lease expired may be delivered twice (raise --lease or "
			"--concurrency, or lower --batch)");
	bool any_sent = false, all_retry = !todo.empty();
	for (size_t k = 0; k < todo.size(); ++k) {
		outcomes[todo_index[k]] = delivered[k];
		any_sent = any_sent || delivered[k].result == Result::Sent;
		all_retry = all_retry && delivered[k].result == Result::Retry;
		if (delivered[k].result == Result::Dead && !db.CanFailDead())
			refailed = true;
	}
	if (options.verbose)
		for (size_t i = 0; i < messages.size(); ++i)
			Log(st.config.name + " id " + std::to_string(messages[i].id) + " key " + messages[i].dedup_key +
				" attempt " + std::to_string(messages[i].attempts) + ": " + Name(outcomes[i].result) +
				(outcomes[i].error.empty() ? "" : " (" + outcomes[i].error + ")"));
	Tally tally = db.Finish(messages, outcomes, st.config.report);
	progress.Add(tally);
	if (any_sent)
		st.backoff.Succeeded();
	else if (all_retry) {
		double pause = st.backoff.Failed();
		Log("channel " + st.config.name + ": every delivery of the batch failed (" + outcomes[todo_index[0]].error +
			"); pausing " + std::to_string(pause).substr(0, 5) + " s");
	}
	// A full batch may have more behind it; rows failed back at once come again.
	st.ready = messages.size() == static_cast<size_t>(options.batch) || refailed;
	return messages.size();
}

} // namespace

ExitCode
RunSender(const Options &options) {
	std::vector<ChannelState> states;
	states.reserve(options.channels.size());
	for (const auto &c : options.channels)
		states.emplace_back(c, options);
	Database db(options.conninfo);
	Progress progress;
	try {
		if (!Connect(db, options))
			return kExitConnection;
	} catch (const DbError &e) {
		Log(e.what());
		return kExitRefused;
	}
	std::string names;
	for (const auto &st : states)
		names += (names.empty() ? "" : ", ") + st.config.name + " (" + st.config.kind + ")";
	Log("serving " + names + (options.once ? ", once" : "") +
		(db.CanFailDead() ? "" : "; permanent failures reach dead through journey.max_attempts"));

	auto next_poll = After(options.poll);
	auto next_progress = After(options.progress > 0 ? options.progress : 1e6);
	while (!Stopping()) {
		try {
			if (!db.Connected()) {
				if (!Connect(db, options))
					return Stopping() ? kExitClean : kExitConnection;
				for (auto &st : states)
					st.ready = true;
			}
			bool worked = false;
			for (auto &st : states) {
				if (Stopping())
					break;
				if (!st.ready || st.backoff.Waiting(Clock::now()))
					continue;
				if (Serve(db, st, options, progress) == 0)
					st.ready = false;
				else
					worked = true;
			}
			if (options.progress > 0 && Clock::now() >= next_progress) {
				Log(progress.Line());
				next_progress = After(options.progress);
			}
			bool any_ready = std::any_of(states.begin(), states.end(), [](const ChannelState &s) { return s.ready; });
			if (options.once && !any_ready)
				break;
			if (worked || Stopping())
				continue;
			// Nothing to do now: sleep until a NOTIFY, the poll, the progress line or a channel's pause ends.
			double wait = std::min(Until(next_poll), options.progress > 0 ? Until(next_progress) : 1e6);
			for (const auto &st : states)
				if (st.ready && st.backoff.Waiting(Clock::now()))
					wait = std::min(wait, Until(st.backoff.Until()));
			std::set<std::string> notified;
			db.Wait(std::max(wait, 0.0), notified);
			for (auto &st : states)
				if (notified.count(st.config.name))
					st.ready = true;
			if (Clock::now() >= next_poll) {
				for (auto &st : states)
					st.ready = true;
				next_poll = After(options.poll);
			}
		} catch (const DbError &e) {
			if (e.fatal) {
				Log(e.what());
				return kExitRefused;
			}
			Log(std::string(e.what()) + (e.lost ? " (rows in hand are left to their lease)" : ""));
			if (!e.lost)
				std::this_thread::sleep_for(std::chrono::seconds(1));
			else
				db.Close();
		}
	}
	Log(std::string(Stopping() ? "stopped" : "drained") + ": " + progress.Summary());
	return kExitClean;
}

} // namespace journey::sender
