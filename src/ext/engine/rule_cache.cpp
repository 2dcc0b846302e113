#include "ext/engine/rule_cache.hpp"

#include "core/compile.hpp"
#include "pg/guard.hpp"

#include <algorithm>

extern "C" {
#include "catalog/namespace.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
}

namespace journey {

namespace {

std::shared_ptr<RuleCache> g_rule_cache;
bool g_valid = false;
bool g_callback_registered = false;
Oid g_journeys_oid = InvalidOid;
Oid g_channels_oid = InvalidOid;

void
OnRelcacheInvalidation(Datum, Oid relid)
{
	if (relid == InvalidOid || relid == g_journeys_oid || relid == g_channels_oid)
		g_valid = false;
}

struct TableOids {
	Oid journeys;
	Oid channels;
};

TableOids
LookupTables()
{
	return PgCall([] {
		TableOids t{InvalidOid, InvalidOid};
		Oid ns = get_namespace_oid("journey", true);
		if (OidIsValid(ns)) {
			t.journeys = get_relname_relid("journeys", ns);
			t.channels = get_relname_relid("channels", ns);
		}
		return t;
	});
}

const Statement kJourneys{
	"SELECT j.name, j.status, coalesce(v.id, 0), j.id FROM journey.journeys j "
	"LEFT JOIN journey.versions v ON v.journey = j.name AND v.version = j.live_version",
	{},
	{SqlType::Text, SqlType::Text, SqlType::Int4, SqlType::Int4}};

const Statement kActiveVersions{
	"SELECT v.id FROM journey.versions v JOIN journey.journeys j ON j.name = v.journey "
	"WHERE j.status IN ('live', 'paused')",
	{},
	{SqlType::Int4}};

const Statement kVersion{"SELECT v.journey, v.version, v.definition, j.id FROM journey.versions v "
						 "JOIN journey.journeys j ON j.name = v.journey WHERE v.id = $1",
						 {SqlType::Int4},
						 {SqlType::Text, SqlType::Int4, SqlType::Jsonb, SqlType::Int4}};

const Statement kAllowedFunctions{
	"SELECT a.fn::oid, a.allowed_by, n.nspname::text || '.' || p.proname::text, p.proname::text, "
	"count(*) OVER (PARTITION BY p.proname) "
	"FROM journey.allowed_functions a JOIN pg_catalog.pg_proc p ON p.oid = a.fn "
	"JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace",
	{},
	{SqlType::Int8, SqlType::Int8, SqlType::Text, SqlType::Text, SqlType::Int8}};

// Delivery rules, when the tables exist (a database not updated to 0.4.0 has none): intervals by their parts.
const Statement kFrequencyCaps{
	"SELECT channel, max_messages, (extract(year FROM per) * 12 + extract(month FROM per))::int4, "
	"extract(day FROM per)::int4, ((extract(hour FROM per) * 3600 + extract(minute FROM per) * 60) * 1000000 "
	"+ extract(microseconds FROM per))::int8 FROM journey.frequency_caps",
	{},
	{SqlType::Text, SqlType::Int4, SqlType::Int4, SqlType::Int4, SqlType::Int8}};
const Statement kQuietHours{"SELECT channel, (extract(epoch FROM starts) * 1000000)::int8, "
							"(extract(epoch FROM ends) * 1000000)::int8, fallback = 'drop' FROM journey.quiet_hours",
							{},
							{SqlType::Text, SqlType::Int8, SqlType::Int8, SqlType::Bool}};

// Does the journey schema have this table? (syscache)
bool
HasTable(const char *name)
{
	return PgCall([&] {
		const Oid ns = get_namespace_oid("journey", true);
		return OidIsValid(ns) && OidIsValid(get_relname_relid(name, ns));
	});
}

const Statement kExtraChannels{"SELECT name FROM journey.channels WHERE NOT builtin", {}, {SqlType::Text}};

}	 // namespace

void
RegisterCatalogInvalidation()
{
	if (g_callback_registered)
		return;
	PgCall([] { CacheRegisterRelcacheCallback(OnRelcacheInvalidation, (Datum)0); });
	g_callback_registered = true;
}

void
InvalidateCatalogEverywhere()
{
	TableOids t = LookupTables();
	PgCall([&] {
		if (OidIsValid(t.journeys))
			CacheInvalidateRelcacheByRelid(t.journeys);
	});
}

const RuleCache *
RuleCache::IfValid()
{
	return g_valid && g_callback_registered ? g_rule_cache.get() : nullptr;
}

std::shared_ptr<RuleCache>
RuleCache::Get(SpiSession &spi)
{
	RegisterCatalogInvalidation();
	if (!g_valid || !g_rule_cache) {
		TableOids t = LookupTables();
		auto fresh = std::make_shared<RuleCache>();
		// Compiled versions are immutable: shared with the new snapshot, unless the extension was dropped
		// and created again (version ids may have been reused).
		if (g_rule_cache && t.journeys == g_journeys_oid)
			fresh->versions_ = g_rule_cache->versions_;
		g_journeys_oid = t.journeys;
		g_channels_oid = t.channels;
		// Valid from here on: an invalidation arriving while loading marks it invalid again.
		g_valid = true;
		try {
			fresh->Load(spi);
		} catch (...) {
			g_valid = false;
			throw;
		}
		g_rule_cache = std::move(fresh);  // the previous snapshot lives on while an engine holds it
	}
	return g_rule_cache;
}

void
RuleCache::Load(SpiSession &spi)
{
	for (auto &row : spi.Run(kExtraChannels, {}))
		extra_channels_.push_back(row[0].s);
	for (auto &row : spi.Run(kAllowedFunctions, {})) {
		AllowedFunction f{(Oid)row[0].i, (Oid)row[1].i};
		functions_[row[2].s] = f;
		if (row[4].i == 1)
			functions_[row[3].s] = f;
	}
	sources_.Load(spi);
	if (HasTable("frequency_caps"))
		for (auto &row : spi.Run(kFrequencyCaps, {}))
		{
			caps_[row[0].s] = FrequencyCap{row[1].i, Interval{(int32_t)row[2].i, (int32_t)row[3].i, row[4].i}};
			capped_channels_.push_back(row[0].s);
		}
	std::sort(capped_channels_.begin(), capped_channels_.end());
	if (HasTable("quiet_hours"))
		for (auto &row : spi.Run(kQuietHours, {}))
			quiet_hours_[row[0].s] = QuietHours{row[1].i, row[2].i, row[3].i != 0};
	for (auto &row : spi.Run(kJourneys, {})) {
		JourneyEntry j{row[0].s, row[1].s, (int32_t)row[2].i};
		if (j.status == "paused") {
			paused_.push_back(j.name);
		}
		journeys_.emplace(j.name, std::move(j));
	}
	for (auto &row : spi.Run(kActiveVersions, {})) {
		const VersionEntry &v = Version(spi, (int32_t)row[0].i);
		const Graph &g = *v.graph;
		const JourneyEntry &j = journeys_.at(v.journey);
		if (j.status == "live" && j.live_version_id == v.id) {
			const bool counted = g.entry.ReadsPastEntries();
			for (const std::string &event : g.EntryEventNames()) {
				rules_[event].entry_versions.push_back(v.id);
				if (counted)
					(g.entry.key ? rules_[event].keyed_counted_versions : rules_[event].counted_versions).push_back(v.id);
			}
			any_counted_entries_ = any_counted_entries_ || counted;
			for (const std::string &attribute : g.ChangeAttributes())
				attribute_rules_[attribute].push_back(v.id);
		}
		if (g.goal) {
			auto &goals = rules_[g.goal->event].goal_journeys;
			if (std::find(goals.begin(), goals.end(), v.journey) == goals.end())
				goals.push_back(v.journey);
		}
		for (const ExitRule &e : g.exit_when)
			rules_[e.event].instance_rules = true;
		for (const Node &n : g.nodes)
			if (n.kind == NodeKind::WaitFor)
				rules_[n.event].instance_rules = true;
	}
}

const EventRules *
RuleCache::Rules(std::string_view event) const
{
	auto it = rules_.find(event);
	return it == rules_.end() ? nullptr : &it->second;
}

const FrequencyCap *
RuleCache::Cap(const std::string &channel) const
{
	auto it = caps_.find(channel);
	return it == caps_.end() ? nullptr : &it->second;
}

const QuietHours *
RuleCache::Quiet(const std::string &channel) const
{
	auto it = quiet_hours_.find(channel);
	return it == quiet_hours_.end() ? nullptr : &it->second;
}

const AllowedFunction *
RuleCache::Function(const std::string &name) const
{
	auto it = functions_.find(name);
	return it == functions_.end() ? nullptr : &it->second;
}

const std::vector<std::string> &
EngineNotSupported()
{
	static const std::vector<std::string> constructs{};
	return constructs;
}

const JourneyEntry *
RuleCache::Journey(const std::string &name) const
{
	auto it = journeys_.find(name);
	return it == journeys_.end() ? nullptr : &it->second;
}

const VersionEntry &
RuleCache::Version(SpiSession &spi, int32_t id)
{
	auto it = versions_.find(id);
	if (it != versions_.end())
		return *it->second;
	auto rows = spi.Run(kVersion, {SqlValue::Int(id)});
	if (rows.empty())
		throw UserError("XX000", "journey version " + std::to_string(id) + " does not exist");
	auto entry = std::make_shared<VersionEntry>();
	entry->id = id;
	entry->journey = rows[0][0].s;
	entry->version = (int32_t)rows[0][1].i;
	entry->journey_id = (int32_t)rows[0][3].i;
	CompileOptions options;
	options.extra_channels = extra_channels_;
	options.check_environment = false;	// define validated it; a function disallowed since fails at its call
	options.split_salt = entry->journey + ":" + std::to_string(entry->version);
	CompileResult compiled = Compile(rows[0][2].s, options);
	if (!compiled.ok())
		throw UserError("XX000", "stored definition of journey \"" + entry->journey + "\" version " +
									 std::to_string(entry->version) +
									 " no longer compiles: " + FormatProblem(entry->journey, compiled.problems[0]));
	entry->graph = compiled.graph;
	versions_.emplace(id, entry);
	return *entry;
}

}	 // namespace journey
