#include "pg/postgres.hpp"

#include "ext/engine.hpp"

#include "core/compile.hpp"
#include "ext/instance_store.hpp"
#include "ext/pg_facts.hpp"
#include "pg/guard.hpp"
#include "pg/subxact.hpp"

#include <algorithm>
#include <unordered_set>

extern "C" {
#include "access/xact.h"
}

namespace journey {

namespace {

const Statement kEntryHistory{
	"SELECT count(*), count(*) FILTER (WHERE status = 'a'), max(entered_at) FROM journey.instance "
	"WHERE user_id = $1 AND journey = $2 AND entry_key = $3",
	{SqlType::Text, SqlType::Text, SqlType::Text},
	{SqlType::Int8, SqlType::Int8, SqlType::TimestampTz}};

// Serializes entries of one user (and key) into one journey for the rules that read the user's past
// instances (never, cooldown, max_entries): the unique index covers only active instances.
const Statement kEntryLock{"SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2 || chr(31) || $3))",
						   {SqlType::Text, SqlType::Text, SqlType::Text},
						   {}};

const Statement kActiveOfUser{"SELECT " JOURNEY_INSTANCE_COLUMNS " FROM journey.instance i "
							  "WHERE i.user_id = $1 AND i.status = 'a' ORDER BY i.id FOR UPDATE",
							  {SqlType::Text},
							  kInstanceColumnTypes};

const Statement kDue{"SELECT " JOURNEY_INSTANCE_COLUMNS " FROM journey.instance i "
					 "WHERE i.status = 'a' AND i.wake_at <= $1 AND i.journey <> ALL ($2) "
					 "ORDER BY i.wake_at LIMIT $3 FOR UPDATE SKIP LOCKED",
					 {SqlType::TimestampTz, SqlType::TextArray, SqlType::Int8},
					 kInstanceColumnTypes};

const Statement kNextWake{"SELECT i.wake_at FROM journey.instance i "
						  "WHERE i.status = 'a' AND i.wake_at IS NOT NULL AND i.journey <> ALL ($1) "
						  "ORDER BY i.wake_at LIMIT 1",
						  {SqlType::TextArray},
						  {SqlType::TimestampTz}};

const char *
ReentryName(Reentry r)
{
	switch (r) {
	case Reentry::Never:
		return "never";
	case Reentry::AfterExit:
		return "after_exit";
	case Reentry::Always:
		return "always";
	}
	return "?";
}

Timestamp
TransactionStart()
{
	return PgCall([] { return (Timestamp)GetCurrentTransactionStartTimestamp(); });
}

}	 // namespace

std::optional<int64_t>
Engine::Enroll(const VersionEntry &version, const std::string &user_id, Json context, Json event, Timestamp at,
			   std::string *refusal)
{
	const Graph &g = *version.graph;
	const EntryRules &rules = g.entry;
	const std::string entry_key;  // keyed journeys come with the language issue
	PgFacts facts(spi_, user_id);

	if (rules.when != kNoCond && !EvaluateCondition(g, rules.when, at, at, &event, facts)) {
		*refusal = "the entry condition (entry.when) does not hold";
		return std::nullopt;
	}
	if (rules.reentry != Reentry::Always || rules.cooldown || rules.max_entries) {
		if (rules.reentry == Reentry::Never || rules.cooldown || rules.max_entries)
			spi_.Run(kEntryLock, {SqlValue::Text(version.journey), SqlValue::Text(user_id), SqlValue::Text(entry_key)});
		auto h = spi_.Run(kEntryHistory, {SqlValue::Text(user_id), SqlValue::Text(version.journey),
										  SqlValue::Text(entry_key)})[0];
		const int64_t total = h[0].i, active = h[1].i;
		if (rules.reentry == Reentry::Never && total > 0) {
			*refusal = "reentry is never and the user entered before";
			return std::nullopt;
		}
		if (rules.reentry == Reentry::AfterExit && active > 0) {
			*refusal = "the user is already in the journey (reentry after_exit)";
			return std::nullopt;
		}
		if (rules.cooldown && !h[2].null && at < AddInterval(h[2].i, *rules.cooldown)) {
			*refusal = "the cooldown of " + FormatInterval(*rules.cooldown) + " since the last entry has not passed";
			return std::nullopt;
		}
		if (rules.max_entries && total >= *rules.max_entries) {
			*refusal = "the user reached max_entries (" + std::to_string(*rules.max_entries) + ")";
			return std::nullopt;
		}
	}

	InstanceState state;
	state.id = NextInstanceId(spi_);
	state.user_id = user_id;
	state.context = std::move(context);
	state.event = std::move(event);
	StepResult result = Start(g, state, at, facts);
	if (!InsertInstance(spi_, version, state, rules.reentry != Reentry::Always, entry_key)) {
		*refusal = std::string("the user is already in the journey (reentry ") + ReentryName(rules.reentry) + ")";
		return std::nullopt;
	}
	WriteSends(spi_, version, state, result);
	return state.id;
}

void
Engine::OnEvent(const std::string &user_id, const std::string &name, const Json &props, Timestamp at)
{
	const EventRules *rules = catalog_.Rules(name);
	if (!rules)
		return;
	std::unordered_set<std::string> exited;
	if (rules->instance_rules) {
		const auto &paused = catalog_.PausedJourneys();
		for (const SqlRow &row : spi_.Run(kActiveOfUser, {SqlValue::Text(user_id)})) {
			const VersionEntry &v = catalog_.Version(spi_, (int32_t)row[2].i);
			const Graph &g = *v.graph;
			LoadedInstance li = ReadInstance(row, g);
			PgFacts facts(spi_, user_id);
			bool exit = false;
			for (const ExitRule &e : g.exit_when)
				if (e.event == name && PropsMatch(g, e.where, props, at, facts)) {
					exit = true;
					break;
				}
			if (exit) {
				ExitInstance(li.state, "exit_event", at);
				UpdateInstance(spi_, g, li.state);
				exited.insert(li.journey);
				continue;
			}
			if (li.waiting_event && *li.waiting_event == name && WaitForMatches(g, li.state, name, props, at, facts)) {
				if (std::find(paused.begin(), paused.end(), li.journey) != paused.end()) {
					HoldEvent(spi_, li.state, at);	// taken on resume
					continue;
				}
				StepResult result = ResumeOnEvent(g, li.state, at, facts);
				UpdateInstance(spi_, g, li.state);
				WriteSends(spi_, v, li.state, result);
			}
		}
	}
	if (rules->entry_versions.empty())
		return;
	const Timestamp now = TransactionStart();
	for (int32_t vid : rules->entry_versions) {
		const VersionEntry &v = catalog_.Version(spi_, vid);
		if (exited.count(v.journey))
			continue;  // one event never both exits and enters the same journey
		const Graph &g = *v.graph;
		if (at < SubtractInterval(now, g.entry.max_event_age))
			continue;  // a backfill: too old to enrol anyone
		PgFacts facts(spi_, user_id);
		bool matches = false;
		for (const Trigger &t : g.triggers)
			if (t.kind == TriggerKind::Event && t.event == name && PropsMatch(g, t.where, props, at, facts)) {
				matches = true;
				break;
			}
		if (!matches)
			continue;
		std::string refusal;
		Enroll(v, user_id, Json::object(), props, at, &refusal);
	}
}

int64_t
Engine::RunDueBatch(Timestamp as_of, int64_t limit)
{
	auto rows = spi_.Run(kDue, {SqlValue::Timestamp(as_of), SqlValue::Texts(catalog_.PausedJourneys()),
								SqlValue::Int(limit)});
	for (const SqlRow &row : rows) {
		const VersionEntry &v = catalog_.Version(spi_, (int32_t)row[2].i);
		const Graph &g = *v.graph;
		std::string error;
		{
			SubTransaction sub;
			try {
				LoadedInstance li = ReadInstance(row, g);
				PgFacts facts(spi_, li.state.user_id);
				StepResult result = li.event_held_at ? ResumeOnEvent(g, li.state, as_of, facts)
													 : ResumeDue(g, li.state, as_of, facts);
				UpdateInstance(spi_, g, li.state);
				WriteSends(spi_, v, li.state, result);
				sub.Commit();
			} catch (const PgError &e) {
				error = e.what();
				sub.Rollback();
			} catch (const std::exception &e) {
				error = e.what();
				sub.Rollback();
			}
		}
		if (!error.empty()) {
			InstanceState failed;
			failed.user_id = row[0].s;
			failed.id = row[1].i;
			failed.node = row[4].null ? kNoNode : g.FindNode(row[4].s);
			failed.last_step_at = row[8].i;
			failed.visits = row[9].ints;
			FailInstance(failed, error, as_of);
			UpdateInstance(spi_, g, failed);
		}
	}
	return (int64_t)rows.size();
}

int64_t
Engine::RunDue(Timestamp as_of, int64_t max_steps, int batch_size)
{
	int64_t total = 0;
	for (;;) {
		int64_t limit = batch_size;
		if (max_steps > 0)
			limit = std::min<int64_t>(limit, max_steps - total);
		if (limit <= 0)
			break;
		int64_t n = RunDueBatch(as_of, limit);
		total += n;
		if (n == 0)
			break;
		PgCall([] { CommandCounterIncrement(); });
	}
	return total;
}

std::optional<Timestamp>
Engine::NextWake()
{
	auto rows = spi_.Run(kNextWake, {SqlValue::Texts(catalog_.PausedJourneys())});
	if (rows.empty() || rows[0][0].null)
		return std::nullopt;
	return rows[0][0].i;
}

}	 // namespace journey
