#include "sender/database.hpp"

#include "sender/json.hpp"
#include "sender/log.hpp"

#include <sys/select.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace journey::sender {

namespace {

struct ResultDeleter {
	void operator()(PGresult *r) const { PQclear(r); }
};
using Result_ = std::unique_ptr<PGresult, ResultDeleter>;

void
IgnoreNotice(void *, const char *) {
	// fail() on a lease no longer held says so with a NOTICE: counted as nothing, not printed.
}

const char *kClaimSql =
	"SELECT id, lease_id, attempts, user_id, channel, dedup_key, coalesce(last_error, ''), payload::text, "
	"jsonb_build_object('id', id, 'journey', journey, 'version', version, 'node', node, 'user_id', user_id, "
	"'channel', channel, 'template', template, 'topic', topic, 'dedup_key', dedup_key, 'attempts', attempts, "
	"'created_at', created_at, 'payload', payload)::text, "
	"coalesce(payload->>'to', ''), coalesce(payload->>'subject', template, ''), "
	"coalesce(payload->>'body', CASE WHEN payload ? 'data' THEN jsonb_pretty(payload->'data') END, '') "
	"FROM journey.claim($1, $2::int, make_interval(secs => $3::int))";

} // namespace

void
Database::Raise(PGresult *res, const char *what) {
	std::string message = std::string(what) + ": ";
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
	message += res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
	while (!message.empty() && message.back() == '\n')
		message.pop_back();
	bool lost = conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD;
	// 42883 undefined function, 3F000 no schema journey, 42501 permission denied, 3D000 no database,
	// 28xxx authentication: nothing a retry changes.
	bool fatal = !lost && state != nullptr &&
				 (!std::strcmp(state, "42883") || !std::strcmp(state, "3F000") || !std::strcmp(state, "42501") ||
				  !std::strcmp(state, "42P01"));
	if (res)
		PQclear(res);
	throw DbError(message, lost, fatal);
}

PGresult *
Database::Exec(const char *sql, int n, const char *const *values, bool throw_on_error) {
	if (conn_ == nullptr)
		throw DbError("not connected", true, false);
	PGresult *res = PQexecParams(conn_, sql, n, nullptr, values, nullptr, nullptr, 0);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	// Notifications arrive with any result.
	for (PGnotify *n = PQnotifies(conn_); n != nullptr; n = PQnotifies(conn_)) {
		pending_notified_.insert(n->extra);
		PQfreemem(n);
	}
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	if (!throw_on_error && PQstatus(conn_) == CONNECTION_OK) {
		last_error_ = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
		while (!last_error_.empty() && last_error_.back() == '\n')
			last_error_.pop_back();
		PQclear(res);
		return nullptr;
	}
	Raise(res, "query failed");
}

void
Database::Connect() {
	Close();
	conn_ = PQconnectdb(conninfo_.c_str());
	if (PQstatus(conn_) != CONNECTION_OK) {
		std::string message = PQerrorMessage(conn_);
		while (!message.empty() && message.back() == '\n')
			message.pop_back();
		Close();
		throw DbError("cannot connect: " + message, true, false);
	}
	PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
	PQclear(Exec("SET application_name = 'journey-sender'", 0, nullptr));
	PQclear(Exec("LISTEN journey_outbox", 0, nullptr));
	Result_ r(Exec("SELECT journey.max_attempts(), "
				   "to_regprocedure('journey.fail(bigint,text,interval,bigint,boolean)') IS NOT NULL "
				   "AND EXISTS (SELECT 1 FROM pg_proc WHERE oid = to_regprocedure("
				   "'journey.fail(bigint,text,interval,bigint,boolean)') AND 'dead' = ANY (proargnames))",
				   0, nullptr));
	max_attempts_ = std::atoi(PQgetvalue(r.get(), 0, 0));
	fail_dead_ = PQgetvalue(r.get(), 0, 1)[0] == 't';
}

void
Database::Close() {
	if (conn_ != nullptr)
		PQfinish(conn_);
	conn_ = nullptr;
}

std::vector<Message>
Database::Claim(const std::string &channel, int max_rows, int lease_seconds) {
	std::string rows = std::to_string(max_rows), lease = std::to_string(lease_seconds);
	const char *values[] = {channel.c_str(), rows.c_str(), lease.c_str()};
	Result_ r(Exec(kClaimSql, 3, values));
	int n = PQntuples(r.get());
	std::vector<Message> out(n);
	for (int i = 0; i < n; ++i) {
		Message &m = out[i];
		m.id = std::atoll(PQgetvalue(r.get(), i, 0));
		m.lease_id = std::atoll(PQgetvalue(r.get(), i, 1));
		m.attempts = std::atoi(PQgetvalue(r.get(), i, 2));
		m.user_id = PQgetvalue(r.get(), i, 3);
		m.channel = PQgetvalue(r.get(), i, 4);
		m.dedup_key = PQgetvalue(r.get(), i, 5);
		m.last_error = PQgetvalue(r.get(), i, 6);
		m.payload = PQgetvalue(r.get(), i, 7);
		m.envelope = PQgetvalue(r.get(), i, 8);
		m.to = PQgetvalue(r.get(), i, 9);
		m.subject = PQgetvalue(r.get(), i, 10);
		m.body = PQgetvalue(r.get(), i, 11);
	}
	return out;
}

Tally
Database::Finish(const std::vector<Message> &messages, const std::vector<Outcome> &outcomes, bool report) {
	Tally tally;
	if (messages.empty())
		return tally;
	// Every row of a claim shares its lease.
	std::string lease = std::to_string(messages.front().lease_id);
	std::string ids = "{";
	std::vector<std::string> fail_items;
	std::vector<size_t> sent;
	for (size_t i = 0; i < messages.size(); ++i) {
		const Outcome &o = outcomes[i];
		if (o.result == Result::Sent) {
			if (ids.size() > 1)
				ids += ',';
			ids += std::to_string(messages[i].id);
			sent.push_back(i);
			continue;
		}
		bool dead = o.result == Result::Dead;
		std::string error = o.error;
		if (dead && !fail_dead_ && error.rfind(kPermanentPrefix, 0) != 0)
			error = kPermanentPrefix + error;
		std::string item = "{\"id\":" + std::to_string(messages[i].id) + ",\"error\":";
		AppendJsonString(item, error);
		item += ",\"retry_in\":";
		item += o.result == Result::Retry ? "null" : "\"0\"";
		item += ",\"dead\":";
		item += dead ? "true}" : "false}";
		fail_items.push_back(std::move(item));
		if (o.result == Result::Retry)
			++tally.retried;
		else if (dead)
			++tally.dead;
		else
			++tally.released;
	}
	ids += '}';
	std::string fails = "[";
	for (size_t i = 0; i < fail_items.size(); ++i)
		fails += (i ? "," : "") + fail_items[i];
	fails += ']';

	// One statement, one transaction: the acks and the fails of the batch.
	std::string fail_call = "journey.fail(f.id, f.error, f.retry_in, $LEASE::bigint";
	fail_call += fail_dead_ ? ", dead => f.dead)" : ")";
	const char *from =
		" FROM jsonb_to_recordset($FAILS::jsonb) AS f(id bigint, error text, retry_in interval, dead bool)";
	std::string sql =
		"SELECT journey.ack($1::bigint[], $3::bigint), (SELECT count(*) FROM (SELECT " + fail_call + from + ") AS x)";
	auto replace = [](std::string s, const std::string &from, const std::string &to) {
		for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
			s.replace(at, from.size(), to);
		return s;
	};
	sql = replace(replace(sql, "$LEASE", "$3"), "$FAILS", "$2");
	const char *values[] = {ids.c_str(), fails.c_str(), lease.c_str()};
	PGresult *res = Exec(sql.c_str(), 3, values, false);
	if (res != nullptr) {
		tally.sent = std::atoll(PQgetvalue(res, 0, 0));
		PQclear(res);
	} else {
		// A row gone or changed under us (e.g. deleted by retention): the acks, then one fail a row.
		Log("settling the batch in one statement failed (" + last_error_ + "); one row at a time");
		if (!sent.empty()) {
			const char *v[] = {ids.c_str(), lease.c_str()};
			Result_ r(Exec("SELECT journey.ack($1::bigint[], $2::bigint)", 2, v));
			tally.sent = std::atoll(PQgetvalue(r.get(), 0, 0));
		}
		std::string one = replace(replace("SELECT " + fail_call + from, "$LEASE", "$2"), "$FAILS", "$1");
		for (const auto &item : fail_items) {
			std::string array = "[" + item + "]";
			const char *v[] = {array.c_str(), lease.c_str()};
			if (PGresult *r = Exec(one.c_str(), 2, v, false))
				PQclear(r);
			else
				Log("journey.fail of " + item + " failed: " + last_error_);
		}
	}

	if (report && !sent.empty()) {
		std::string reports = "[";
		for (size_t i : sent) {
			if (reports.size() > 1)
				reports += ',';
			reports += "{\"id\":" + std::to_string(messages[i].id) + ",\"response\":";
			reports += LooksLikeJsonObject(outcomes[i].response) ? outcomes[i].response : "null";
			reports += '}';
		}
		reports += ']';
		const char *sql_report = "SELECT count(journey.report_delivery(r.id, 'delivered', now(), r.response)) FROM "
								 "jsonb_to_recordset($1::jsonb) AS r(id bigint, response jsonb) JOIN journey.outbox o "
								 "ON o.id = r.id AND o.status = 'sent'";
		const char *v[] = {reports.c_str()};
		PGresult *r = Exec(sql_report, 1, v, false);
		if (r) {
			tally.reported = std::atoll(PQgetvalue(r, 0, 0));
			PQclear(r);
		} else {
			// A response that was not valid JSON after all: report each row, without its response if need be.
			for (size_t i : sent) {
				std::string id = std::to_string(messages[i].id);
				const char *one = "SELECT journey.report_delivery($1::bigint, 'delivered', now(), $2::jsonb) "
								  "FROM journey.outbox WHERE id = $1::bigint AND status = 'sent'";
				const char *v2[] = {id.c_str(),
									LooksLikeJsonObject(outcomes[i].response) ? outcomes[i].response.c_str() : nullptr};
				PGresult *r2 = Exec(one, 2, v2, false);
				if (r2 == nullptr) {
					v2[1] = nullptr;
					r2 = Exec(one, 2, v2, false);
				}
				if (r2) {
					tally.reported += PQntuples(r2);
					PQclear(r2);
				} else
					Log("journey.report_delivery of row " + id + " failed: " + last_error_);
			}
		}
	}
	return tally;
}

void
Database::TakeNotifications(std::set<std::string> &ready) {
	if (conn_ != nullptr) {
		PQconsumeInput(conn_);
		for (PGnotify *n = PQnotifies(conn_); n != nullptr; n = PQnotifies(conn_)) {
			pending_notified_.insert(n->extra);
			PQfreemem(n);
		}
	}
	ready.insert(pending_notified_.begin(), pending_notified_.end());
	pending_notified_.clear();
}

void
Database::Wait(double seconds, std::set<std::string> &ready) {
	TakeNotifications(ready);
	if (!ready.empty() || conn_ == nullptr)
		return;
	int fd = PQsocket(conn_);
	if (fd < 0)
		throw DbError("connection lost", true, false);
	fd_set set;
	FD_ZERO(&set);
	FD_SET(fd, &set);
	timeval tv{};
	if (seconds < 0)
		seconds = 0;
	tv.tv_sec = static_cast<long>(seconds);
	tv.tv_usec = static_cast<long>((seconds - static_cast<double>(tv.tv_sec)) * 1e6);
	int rc = select(fd + 1, &set, nullptr, nullptr, &tv);
	if (rc > 0) {
		if (!PQconsumeInput(conn_))
			throw DbError(std::string("connection lost: ") + PQerrorMessage(conn_), true, false);
		if (PQstatus(conn_) == CONNECTION_BAD)
			throw DbError("connection lost", true, false);
	}
	TakeNotifications(ready);
}

} // namespace journey::sender
