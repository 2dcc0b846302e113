// The per-backend rule cache: live journeys, their compiled versions, and which event names concern
// them. Rebuilt after journey.journeys or journey.channels change (relcache invalidation, as pg_cron
// does for its job table); compiled versions are immutable and kept.
#pragma once

#include "core/facts.hpp"
#include "core/graph.hpp"
#include "ext/storage/tracked_sources.hpp"
#include "pg/spi.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace journey {

struct VersionEntry {
	int32_t id = 0;
	std::string journey;
	int32_t journey_id = 0;	 // journey.journeys (id): the journey's key in journey.instance
	int32_t version = 0;
	GraphPtr graph;
};

struct JourneyEntry {
	std::string name;
	std::string status;			// draft, live, paused, archived
	int32_t live_version_id = 0;  // 0 when never published
};

// What one event name means to the journeys.
struct EventRules {
	std::vector<int32_t> entry_versions;  // live versions of live journeys that an event of this name may enter
	bool instance_rules = false;		  // some version has an exit_when or a wait_for on this name
	std::vector<std::string> goal_journeys;  // journeys some version of which has a goal on this name
	// The entry_versions whose rules read past entries and that have no entry key: a statement's entries
	// lock their journey.entries rows together, in one sorted order (src/ext/event_trigger.cpp).
	std::vector<int32_t> counted_versions;
	// The same for keyed journeys: their rows' keys come from each event's props.
	std::vector<int32_t> keyed_counted_versions;
};

// A function call nodes may call, and the role whose rights the call runs with.
struct AllowedFunction {
	Oid fn = InvalidOid;
	Oid run_as = InvalidOid;
};

// The constructs of the language the engine does not run yet: define refuses them with 0A000.
const std::vector<std::string> &EngineNotSupported();

// A snapshot of the rules: immutable once loaded (but for versions compiled on demand), shared by whoever
// runs an event or a batch with it. An invalidation makes the next Get build a new one; an engine that holds
// the old one (an update node firing the profile trigger, whose engine reloads) keeps using it safely.
class RuleCache {
public:
	// The backend's current rule cache, a new one first when invalidated.
	static std::shared_ptr<RuleCache> Get(SpiSession &spi);
	// The backend's current rule cache when it is valid, else null (no SPI: the trigger's fast path). Use it at
	// once: a later Get may replace it.
	static const RuleCache *IfValid();

	const EventRules *Rules(std::string_view event) const;
	// Live versions of live journeys entered by a change of the attribute (attribute_change triggers).
	const std::unordered_map<std::string, std::vector<int32_t>> &AttributeRules() const { return attribute_rules_; }
	const JourneyEntry *Journey(const std::string &name) const;
	// A version by id (loaded and compiled on demand; throws when it does not exist).
	const VersionEntry &Version(SpiSession &spi, int32_t id);
	const std::vector<std::string> &PausedJourneys() const { return paused_; }
	// Whether some event's rules have counted_versions or keyed_counted_versions.
	bool AnyCountedEntries() const { return any_counted_entries_; }
	const std::vector<std::string> &ExtraChannels() const { return extra_channels_; }
	const TrackedSources &Sources() const { return sources_; }
	// The allowed function a definition names ("schema.name", or "name" when unique), or null.
	const AllowedFunction *Function(const std::string &name) const;
	// The channel's frequency cap and quiet hours (journey.frequency_caps, journey.quiet_hours), or null.
	const FrequencyCap *Cap(const std::string &channel) const;
	// The channels with a frequency cap, sorted; empty when none.
	const std::vector<std::string> &CappedChannels() const { return capped_channels_; }
	// Whether some channel has a frequency cap or quiet hours (their windows and ends need users' time zones).
	bool AnyDeliveryRules() const { return !caps_.empty() || !quiet_hours_.empty(); }
	const QuietHours *Quiet(const std::string &channel) const;

private:
	void Load(SpiSession &spi);

	std::unordered_map<std::string, JourneyEntry> journeys_;
	// Looked up by string_view too (the trigger's filter compares names in place, without a copy).
	struct NameHash {
		using is_transparent = void;
		size_t operator()(std::string_view name) const { return std::hash<std::string_view>()(name); }
	};
	std::unordered_map<std::string, EventRules, NameHash, std::equal_to<>> rules_;
	std::unordered_map<std::string, std::vector<int32_t>> attribute_rules_;
	std::unordered_map<int32_t, std::shared_ptr<VersionEntry>> versions_;
	std::vector<std::string> paused_;
	bool any_counted_entries_ = false;
	std::vector<std::string> extra_channels_;
	TrackedSources sources_;
	std::unordered_map<std::string, AllowedFunction> functions_;
	std::unordered_map<std::string, FrequencyCap> caps_;
	std::vector<std::string> capped_channels_;
	std::unordered_map<std::string, QuietHours> quiet_hours_;
};

// Registers the invalidation callback (once per backend).
void RegisterCatalogInvalidation();
// Sends an invalidation to every backend (at commit), from the trigger on journey.journeys.
void InvalidateCatalogEverywhere();

}	 // namespace journey
