// The sender's one libpq connection: LISTEN journey_outbox, claim, ack / fail / report_delivery.
#pragma once

#include "sender/message.hpp"

#include <libpq-fe.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace journey::sender {

// A database error. lost: the connection is gone (reconnect); fatal: the database refuses the sender
// (pg_journey missing, no permission), so retrying cannot help (exit code 3).
struct DbError : std::runtime_error {
	DbError(const std::string &what, bool lost, bool fatal) : std::runtime_error(what), lost(lost), fatal(fatal) {}
	bool lost;
	bool fatal;
};

// The error text of a permanent failure when the database has no way to make a row dead at once: the row is
// failed with retry_in 0 and this prefix; when it comes back, the sender fails it again without delivering it
// until journey.max_attempts makes it dead. The prefix is kept in last_error, so a restarted sender knows.
inline constexpr const char *kPermanentPrefix = "permanent: ";

struct Tally {
	long long sent = 0;		// acked (as the database counted)
	long long retried = 0;	// failed with backoff
	long long dead = 0;		// failed permanently
	long long released = 0; // failed back unattempted
	long long reported = 0; // report_delivery calls
};

class Database {
  public:
	explicit Database(std::string conninfo) : conninfo_(std::move(conninfo)) {}
	~Database() { Close(); }
	Database(const Database &) = delete;
	Database &operator=(const Database &) = delete;

	// Connects, LISTENs and checks that journey.claim can be called. Throws DbError.
	void Connect();
	void Close();
	bool Connected() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

	std::vector<Message> Claim(const std::string &channel, int max_rows, int lease_seconds);

	// Acks the sent, fails the others (each with its error and the lease), reports deliveries when asked.
	Tally Finish(const std::vector<Message> &messages, const std::vector<Outcome> &outcomes, bool report);

	// Waits up to seconds for a NOTIFY journey_outbox (or a signal); adds the channels named to ready.
	void Wait(double seconds, std::set<std::string> &ready);
	// Channels named by notifications already received.
	void TakeNotifications(std::set<std::string> &ready);

	int MaxAttempts() const { return max_attempts_; }
	bool CanFailDead() const { return fail_dead_; }

  private:
	PGresult *Exec(const char *sql, int n, const char *const *values, bool throw_on_error = true);
	[[noreturn]] void Raise(PGresult *res, const char *what);

	std::string conninfo_;
	PGconn *conn_ = nullptr;
	int max_attempts_ = 8;
	bool fail_dead_ = false; // journey.fail(..., dead => true) exists
	std::set<std::string> pending_notified_;
	std::string last_error_; // of the last statement that failed with throw_on_error = false
};

} // namespace journey::sender
