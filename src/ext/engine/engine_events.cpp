#include "pg/postgres.hpp"

#include "ext/engine/engine.hpp"

#include "core/late_events.hpp"

#include "ext/storage/instance_store.hpp"
#include "ext/storage/profile_writer.hpp"
#include "pg/guard.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>

extern "C" {
#include "access/xact.h"
}

// The engine's events: an event of a tracked table (exit_when, goals, wait_for resumes, entries) and a
// profile change (attribute_change entries).

namespace journey {

namespace {

// The user's instances of journeys with a goal on the event, not converted yet (any status).
const Statement kGoalCandidates{"SELECT i.id, i.version_id, i.entered_at, i.entry_key, i.status::text "
								"FROM journey.instance i WHERE i.user_id = $1 "
								"AND i.journey_id IN (SELECT j.id FROM journey.journeys j WHERE j.name = ANY ($2)) "
								"AND NOT EXISTS (SELECT 1 FROM journey.conversions c "
								"WHERE c.user_id = i.user_id AND c.instance_id = i.id)",
								{SqlType::Text, SqlType::TextArray},
								{SqlType::Int8, SqlType::Int4, SqlType::TimestampTz, SqlType::Text, SqlType::Text}};

// The user's last known position (geofence triggers), and its update (a later position only).
constexpr const char *kLocationEvent = "location";
const Statement kPosition{"SELECT lat::text, lon::text, at FROM journey.positions WHERE user_id = $1",
						  {SqlType::Text},
						  {SqlType::Text, SqlType::Text, SqlType::TimestampTz}};
const Statement kSavePosition{"INSERT INTO journey.positions AS p (user_id, lat, lon, at) "
							  "VALUES ($1, $2::float8, $3::float8, $4) ON CONFLICT (user_id) DO UPDATE "
							  "SET lat = excluded.lat, lon = excluded.lon, at = excluded.at WHERE p.at <= excluded.at",
							  {SqlType::Text, SqlType::Text, SqlType::Text, SqlType::TimestampTz},
							  {}};

const Statement kActiveOfUser{"SELECT " JOURNEY_INSTANCE_COLUMNS " FROM journey.instance i "
							  "WHERE i.user_id = $1 AND i.status = 'a' ORDER BY i.id FOR UPDATE",
							  {SqlType::Text},
							  kInstanceColumnTypes};

Timestamp
TransactionStart()
{
	return PgCall([] { return (Timestamp)GetCurrentTransactionStartTimestamp(); });
}

}	 // namespace

void
Engine::OnEvent(const std::string &user_id, const std::string &name, const Json &props, Timestamp at)
{
	const EventRules *rules = rule_cache_.Rules(name);
	if (!rules)
		return;
	if (entry_batch_ && entry_batch_->HasUser(user_id))
		FlushEntries();	 // this event may read the user's instances and entries: written first
	std::unordered_set<std::string> exited;
	PgFacts facts(spi_, rule_cache_, user_id);
	facts.SharePendingSends(this);
	std::vector<SqlRow> active;
	if (rules->instance_rules || !rules->goal_journeys.empty())
		active = spi_.Run(kActiveOfUser, {SqlValue::Text(user_id)});

	// 1. exit_when.
	std::vector<bool> ended(active.size(), false);
	for (size_t k = 0; k < active.size(); k++) {
		const VersionEntry &v = rule_cache_.Version(spi_, (int32_t)active[k][2].i);
		const Graph &g = *v.graph;
		LoadedInstance li = ReadInstance(active[k], g);
		if (!ExitWhenMatches(g, li.state, name, props, at, facts))
			continue;
		ExitInstance(li.state, "exit_event", at);
		UpdateInstance(spi_, g, li.state);
		exited.insert(v.journey);
		ended[k] = true;
	}

	// 2. goals: conversions count even after the instance ended; a goal with exit ends an active one.
	if (!rules->goal_journeys.empty()) {
		for (const SqlRow &row :
			 spi_.Run(kGoalCandidates, {SqlValue::Text(user_id), SqlValue::Texts(rules->goal_journeys)})) {
			const VersionEntry &v = rule_cache_.Version(spi_, (int32_t)row[1].i);
			const Graph &g = *v.graph;
			if (!GoalMatches(g, row[2].i, row[3].s, name, props, at, facts))
				continue;
			RecordConversion(spi_, v, user_id, row[0].i, name, at);
			if (!g.goal->exit || row[4].s != "a")
				continue;
			for (size_t k = 0; k < active.size(); k++) {
				if (ended[k] || active[k][1].i != row[0].i)
					continue;
				LoadedInstance li = ReadInstance(active[k], g);
				ExitInstance(li.state, "goal", at);
				UpdateInstance(spi_, g, li.state);
				exited.insert(v.journey);
				ended[k] = true;
			}
		}
	}

	// 3. wait_for resumes (remembered while the journey is paused).
	const auto &paused = rule_cache_.PausedJourneys();
	for (size_t k = 0; k < active.size(); k++) {
		if (ended[k])
			continue;
		const VersionEntry &v = rule_cache_.Version(spi_, (int32_t)active[k][2].i);
		const Graph &g = *v.graph;
		LoadedInstance li = ReadInstance(active[k], g);
		if (!WaitForMatches(g, li.state, name, props, at, facts))
			continue;
		if (std::find(paused.begin(), paused.end(), v.journey) != paused.end()) {
			HoldEvent(spi_, li.state, name, props, at);	 // replayed on resume
			continue;
		}
		const InstanceState before = li.state;
		const std::string error = TryInSubTransaction(g, [&] {
			// First the events committed while its last step was still open (an exit among them wins).
			std::vector<StoredEvent> converted;
			RunStep(v, li.state, [&](InstanceState &state, PgFacts &step_facts) {
				StepResult all = TakeLateEvents(g, state, at - 1, step_facts, &converted, kHotPath);
				if (state.status == InstanceStatus::Active && WaitForMatches(g, state, name, props, at, step_facts))
					AppendEffects(all, ResumeOnEvent(g, state, name, props, at, step_facts, kHotPath));
				return all;
			});
			for (const StoredEvent &e : converted)
				RecordConversion(spi_, v, user_id, li.state.id, e.name, e.at);
		});
		if (!error.empty()) {
			InstanceState failed = before;
			FailInstance(failed, error, at);
			UpdateInstance(spi_, g, failed);
		}
	}

	// 4. entries. Geofence triggers compare the new position with the user's last known one.
	if (rules->entry_versions.empty())
		return;
	std::optional<GeoPoint> previous;
	std::optional<GeoPoint> current;
	if (name == kLocationEvent && (current = LocationOf(props))) {
		auto rows = spi_.Run(kPosition, {SqlValue::Text(user_id)});
		if (!rows.empty() && !rows[0][0].null)
			previous = GeoPoint{std::stod(rows[0][0].s), std::stod(rows[0][1].s)};
		if (!rows.empty() && rows[0][2].i > at)
			previous = current;	 // a position older than the last known one crosses nothing
		spi_.Exec(kSavePosition, {SqlValue::Text(user_id), SqlValue::Text(std::to_string(current->lat)),
								  SqlValue::Text(std::to_string(current->lon)), SqlValue::Timestamp(at)});
	}
	const Timestamp now = TransactionStart();
	for (int32_t vid : rules->entry_versions) {
		const VersionEntry &v = rule_cache_.Version(spi_, vid);
		if (exited.count(v.journey))
			continue;  // one event never both exits and enters the same journey
		const Graph &g = *v.graph;
		if (IsBackfill(g, name, at, now))
			continue;  // a backfill: too old to enrol anyone
		std::optional<std::string> key = EntryKeyOf(g, props);
		if (!key)
			continue;  // a keyed journey: an event without the key never enters it
		if (!EventEnters(g, name, props, previous, at, facts))
			continue;
		std::string refusal;
		Enroll(v, user_id, Json::object(), props, at, &refusal, *key);
	}
}

void
Engine::OnProfileChange(const std::string &user_id, const Json *old_profile, const Json &new_profile, Timestamp at)
{
	const std::string *updating = JourneyUpdatingProfile();
	for (const auto &[attribute, versions] : rule_cache_.AttributeRules()) {
		const Json *old_value = nullptr, *new_value = nullptr;
		if (old_profile && old_profile->is_object()) {
			auto it = old_profile->find(attribute);
			if (it != old_profile->end() && !it->is_null())
				old_value = &*it;
		}
		if (new_profile.is_object()) {
			auto it = new_profile.find(attribute);
			if (it != new_profile.end() && !it->is_null())
				new_value = &*it;
		}
		if (!old_value && !new_value)
			continue;
		if (old_value && new_value && *old_value == *new_value)
			continue;  // not distinct: no change
		PgFacts facts(spi_, rule_cache_, user_id);
		facts.SharePendingSends(this);
		for (int32_t vid : versions) {
			const VersionEntry &v = rule_cache_.Version(spi_, vid);
			if (updating && *updating == v.journey)
				continue;  // this journey's own update node made the change
			if (!AttributeChangeEnters(*v.graph, attribute, old_value, new_value, at, facts))
				continue;
			Json change{{"attribute", attribute},
						{"old", old_value ? *old_value : Json()},
						{"new", new_value ? *new_value : Json()}};
			std::string refusal;
			Enroll(v, user_id, Json::object(), std::move(change), at, &refusal, "");
		}
	}
}

}	 // namespace journey
