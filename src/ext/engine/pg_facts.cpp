#include "pg/postgres.hpp"

#include "ext/engine/pg_facts.hpp"

#include <algorithm>

#include "core/locale.hpp"
#include "core/quote.hpp"
#include "ext/entry/as_owner.hpp"
#include "ext/storage/cap_locks.hpp"
#include "ext/storage/direct_reads.hpp"
#include "ext/engine/pg_timezones.hpp"
#include "ext/entry/settings.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "utils/acl.h"
#include "utils/syscache.h"
#include "miscadmin.h"
#include "utils/snapmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "catalog/namespace.h"
}

namespace journey {

namespace {

// May the role execute the function? (Postgres calls only.)
bool
MayExecute(Oid fn, Oid role)
{
	return pg_proc_aclcheck(fn, role, ACL_EXECUTE) == ACLCHECK_OK;
}

const Statement kSegmentMember{"SELECT 1 FROM journey.segment_members WHERE segment = $1 AND user_id = $2",
							   {SqlType::Text, SqlType::Text},
							   {SqlType::Int4}};
// A topic's criticality and the user's preference on the channel: a preference for the channel before one for
// every channel; none is subscribed.
const Statement kTopicStanding{
	"SELECT coalesce((SELECT t.critical FROM journey.topics t WHERE t.name = $2), false), "
	"coalesce((SELECT p.subscribed FROM journey.preferences p WHERE p.user_id = $1 AND p.topic = $2 "
	"AND (p.channel = $3 OR p.channel IS NULL) ORDER BY p.channel IS NULL LIMIT 1), true)",
	{SqlType::Text, SqlType::Text, SqlType::Text},
	{SqlType::Bool, SqlType::Bool}};
const Statement kContact{"SELECT address, opted_in, bounced FROM journey.contacts WHERE user_id = $1 AND channel = $2",
						 {SqlType::Text, SqlType::Text},
						 {SqlType::Text, SqlType::Bool, SqlType::Bool}};

// The stored template of the first locale of $3 (most specific first: LocaleFallbacks) that has one.
const Statement kTemplate{"SELECT subject, body FROM journey.templates WHERE name = $1 AND channel = $2 "
						  "AND locale = ANY ($3) ORDER BY array_position($3, locale) LIMIT 1",
						  {SqlType::Text, SqlType::Text, SqlType::TextArray},
						  {SqlType::Text, SqlType::Text}};
// Whether some locale has a stored template of that name and channel.
const Statement kTemplateExists{"SELECT 1 FROM journey.templates WHERE name = $1 AND channel = $2 LIMIT 1",
								{SqlType::Text, SqlType::Text},
								{SqlType::Int4}};
// The same before 0.3.0 (no locale column): a database not updated yet keeps its stored templates.
const Statement kTemplateWithoutLocale{"SELECT subject, body FROM journey.templates WHERE name = $1 AND channel = $2",
									   {SqlType::Text, SqlType::Text},
									   {SqlType::Text, SqlType::Text}};

// A frequency cap's count: the user's rows on the channel that are not suppressed, by their time (the index
// outbox_user_channel).
const Statement kCountSends{"SELECT count(*) FROM journey.outbox WHERE user_id = $1 AND channel = $2 "
							"AND created_at > $3 AND created_at <= $4 AND status <> 'suppressed'",
							{SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz},
							{SqlType::Int8}};

// Whether journey.templates has its locale column (syscache lookups).
bool
TemplatesHaveLocale()
{
	return PgCall([] {
		const Oid nsp = get_namespace_oid("journey", true);
		const Oid rel = OidIsValid(nsp) ? get_relname_relid("templates", nsp) : InvalidOid;
		return OidIsValid(rel) && get_attnum(rel, "locale") != InvalidAttrNumber;
	});
}

}	 // namespace

int64_t
PgFacts::CountEvents(const std::string &name, std::optional<Timestamp> from, Timestamp to, const PropsFilter *filter,
					 int64_t stop_after)
{
	const TrackedSources &sources = rule_cache_.Sources();
	const int64_t limit = stop_after > 0 ? stop_after : INT64_MAX;
	std::vector<SqlValue> args{SqlValue::Text(user_id_), SqlValue::Text(name), SqlValue::Timestamp(to),
							   SqlValue::OptionalTimestamp(from)};
	// journey.events, then each tracked table (as its owner), until `limit` events matched.
	int64_t n = 0;
	auto count = [&](const Statement &count_statement, const Statement &props_statement) {
		if (!filter) {
			args.push_back(SqlValue::Int(limit - n));
			n += spi_.Run(count_statement, args)[0][0].i;
			args.pop_back();
			return;
		}
		for (auto &row : spi_.Run(props_statement, args)) {
			if ((*filter)(row[0].null ? Json::object() : Json::parse(row[0].s)) && ++n >= limit)
				return;
		}
	};
	std::optional<int64_t> direct;
	if (!filter)  // straight from the index of journey.events, no SPI statement
		direct = event_counter_ ? event_counter_->Count(user_id_, name, from, to, limit)
								: CountBuiltinEvents(user_id_, name, from, to, limit);
	if (direct)
		n = *direct;
	else
		count(sources.CountEvents(), sources.EventProps());
	for (const TrackedTable &t : sources.Tables()) {
		if (n >= limit)
			break;
		AsTableOwner as_table_owner(t.owner);
		count(t.count_events->statement, t.event_props->statement);
	}
	return n;
}

std::vector<StoredEvent>
PgFacts::EventsAfter(const std::string &name, Timestamp after, Timestamp upto)
{
	std::vector<StoredEvent> events;
	if (upto <= after)
		return events;
	const TrackedSources &sources = rule_cache_.Sources();
	auto read = [&](const Statement &statement, std::vector<SqlValue> args) {
		for (const SqlRow &row : spi_.Run(statement, std::move(args)))
			events.push_back({name, row[1].null ? Json::object() : Json::parse(row[1].s), row[0].i});
	};
	// journey.events: a probe of its index first, straight or on the batch's open scan (almost always none).
	const std::optional<int64_t> any = event_counter_ ? event_counter_->Count(user_id_, name, after + 1, upto, 1)
													  : CountBuiltinEvents(user_id_, name, after + 1, upto, 1);
	if (!any || *any > 0)
		read(sources.EventsAfter(),
			 {SqlValue::Text(user_id_), SqlValue::Text(name), SqlValue::Timestamp(after), SqlValue::Timestamp(upto)});
	for (const TrackedTable &t : sources.Tables()) {
		if (!t.events_after)
			continue;
		AsTableOwner as_table_owner(t.owner);
		read(t.events_after->statement, {SqlValue::Text(user_id_), SqlValue::Text(name), SqlValue::Timestamp(after),
										 SqlValue::Timestamp(upto), SqlValue::Text(DefaultTimeZone())});
	}
	if (!sources.Tables().empty())
		std::stable_sort(events.begin(), events.end(),
						 [](const StoredEvent &a, const StoredEvent &b) { return a.at < b.at; });
	return events;
}

std::optional<Json>
PgFacts::Attribute(const std::string &name)
{
	if (!profile_) {
		const TrackedSources &sources = rule_cache_.Sources();
		std::optional<AsTableOwner> as_table_owner;
		if (OidIsValid(sources.ProfileOwner()))
			as_table_owner.emplace(sources.ProfileOwner());
		auto rows = spi_.Run(sources.Profile(), {SqlValue::Text(user_id_)});
		profile_ = rows.empty() || rows[0][0].null ? Json::object() : Json::parse(rows[0][0].s);
	}
	if (!profile_->is_object())
		return std::nullopt;
	auto it = profile_->find(name);
	if (it == profile_->end() || it->is_null())
		return std::nullopt;
	return *it;
}

bool
PgFacts::InSegment(const std::string &segment)
{
	if (batch_memberships_ && batch_memberships_->users.count(user_id_) &&
		std::binary_search(batch_memberships_->segments.begin(), batch_memberships_->segments.end(), segment))
		return batch_memberships_->members.count(segment + '\x1f' + user_id_) != 0;
	if (std::optional<bool> direct = IsSegmentMember(segment, user_id_))
		return *direct;
	return !spi_.Run(kSegmentMember, {SqlValue::Text(segment), SqlValue::Text(user_id_)}).empty();
}

std::optional<FrequencyCap>
PgFacts::FrequencyCapFor(const std::string &channel)
{
	const FrequencyCap *cap = rule_cache_.Cap(channel);
	return cap ? std::optional<FrequencyCap>(*cap) : std::nullopt;
}

std::optional<QuietHours>
PgFacts::QuietHoursFor(const std::string &channel)
{
	const QuietHours *quiet = rule_cache_.Quiet(channel);
	return quiet ? std::optional<QuietHours>(*quiet) : std::nullopt;
}

int64_t
PgFacts::CountSends(const std::string &channel, Timestamp after, Timestamp upto)
{
	// Rows up to the real clock too — read after the lock: a transaction that began after ours (its rows'
	// created_at is its now(), later than ours) may have committed one while we waited for the lock; and a due
	// step dated at its wake, behind the clock, counts what the application sent since. (So a step dated in the
	// past, run_due(as_of) replaying, counts rows written after as_of too.)
	const auto clock = [upto] { return std::max(upto, PgCall([] { return (Timestamp)GetCurrentTimestamp(); })); };
	int64_t n = 0;
	if (batch_sends_ && batch_sends_->users.count(user_id_)) {
		const Timestamp until = clock();
		const auto it = batch_sends_->created.find(user_id_ + '\x1f' + channel);
		if (it != batch_sends_->created.end())
			n = std::count_if(it->second.begin(), it->second.end(),
							  [&](Timestamp at) { return at > after && at <= until; });
	} else {
		if (lock_caps_)
			LockCapRows(spi_, {user_id_}, false);
		n = spi_.Run(kCountSends, {SqlValue::Text(user_id_), SqlValue::Text(channel), SqlValue::Timestamp(after),
								   SqlValue::Timestamp(clock())})[0][0].i;
	}
	if (pending_sends_)
		n += pending_sends_->CountPendingSends(user_id_, channel, after, upto);
	return n;
}

TopicStanding
PgFacts::Topic(const std::string &topic, const std::string &channel)
{
	const std::vector<SqlRow> rows =
		spi_.Run(kTopicStanding, {SqlValue::Text(user_id_), SqlValue::Text(topic), SqlValue::Text(channel)});
	TopicStanding standing;
	standing.critical = rows[0][0].i != 0;
	standing.subscribed = rows[0][1].i != 0;
	return standing;
}

Contact
PgFacts::ContactFor(const std::string &channel)
{
	auto cached = contacts_.find(channel);
	if (cached != contacts_.end())
		return cached->second;	// a reachable check and the send that follows ask for the same row
	if (batch_contacts_) {
		auto user = batch_contacts_->find(user_id_);
		if (user != batch_contacts_->end()) {
			auto found = user->second.find(channel);
			return found == user->second.end() ? Contact{} : found->second;
		}
	}
	if (std::optional<Contact> direct = ReadContact(user_id_, channel)) {
		contacts_.emplace(channel, *direct);
		return *direct;
	}
	Contact c;
	auto rows = spi_.Run(kContact, {SqlValue::Text(user_id_), SqlValue::Text(channel)});
	if (!rows.empty()) {
		c.exists = true;
		if (!rows[0][0].null)
			c.address = rows[0][0].s;
		c.opted_in = rows[0][1].i != 0;
		c.bounced = rows[0][2].i != 0;
	}
	contacts_.emplace(channel, c);
	return c;
}

std::optional<StoredTemplate>
PgFacts::Template(const std::string &name, const std::string &channel)
{
	// No stored template of that name and channel in any locale (the common case): no locale to read. Asked
	// once per batch.
	const auto any_exists = [&] {
		return !spi_.Run(kTemplateExists, {SqlValue::Text(name), SqlValue::Text(channel)}).empty();
	};
	if (templates_) {
		auto known = templates_->find({name, channel});
		if (known == templates_->end())
			known = templates_
						->emplace(std::make_pair(name, channel),
								  any_exists() ? std::optional<StoredTemplate>(StoredTemplate{}) : std::nullopt)
						.first;
		if (!known->second)
			return std::nullopt;
	} else if (!any_exists()) {
		return std::nullopt;
	}
	// The user's locale: the profile attribute journey.locale_attribute (a string), else the default row.
	std::string locale;
	if (g_locale_attribute != nullptr && g_locale_attribute[0] != '\0')
		if (const std::optional<Json> value = Attribute(g_locale_attribute); value && value->is_string())
			locale = value->get<std::string>();
	std::vector<std::string> locales = LocaleFallbacks(locale);
	// Cached per batch by name, and channel and locale (the key (name, channel) alone says whether any exists).
	std::pair<std::string, std::string> key{name, channel + '\x1f' + locales.front()};
	if (templates_) {
		auto cached = templates_->find(key);
		if (cached != templates_->end())
			return cached->second;
	}
	std::optional<StoredTemplate> found;
	auto rows = TemplatesHaveLocale()
					? spi_.Run(kTemplate, {SqlValue::Text(name), SqlValue::Text(channel), SqlValue::Texts(std::move(locales))})
					: spi_.Run(kTemplateWithoutLocale, {SqlValue::Text(name), SqlValue::Text(channel)});
	if (!rows.empty())
		found = StoredTemplate{rows[0][0].s, rows[0][1].s};
	if (templates_)
		templates_->emplace(std::move(key), found);
	return found;
}

std::string
PgFacts::TimeZone()
{
	if (!zone_ && batch_zones_ && batch_zones_->users.count(user_id_)) {
		const auto it = batch_zones_->zones.find(user_id_);
		std::string zone = it == batch_zones_->zones.end() ? "" : it->second;
		if (zone.empty() || !Zones().IsValid(zone))
			zone = DefaultTimeZone();
		zone_ = zone;
	}
	if (!zone_) {
		const TrackedSources &sources = rule_cache_.Sources();
		std::optional<AsTableOwner> as_table_owner;
		if (OidIsValid(sources.TimeZoneOwner()))
			as_table_owner.emplace(sources.TimeZoneOwner());
		auto rows = spi_.Run(sources.TimeZone(), {SqlValue::Text(user_id_)});
		std::string zone = rows.empty() || rows[0][0].null ? "" : rows[0][0].s;
		if (zone.empty() || !Zones().IsValid(zone))
			zone = DefaultTimeZone();
		zone_ = zone;
	}
	return *zone_;
}

const TimeZones &
PgFacts::Zones()
{
	return PostgresTimeZones();
}

Json
PgFacts::Call(const std::string &function, const std::string &user_id, const Json &context)
{
	const AllowedFunction *f = rule_cache_.Function(function);
	if (!f)
		throw StepError("function " + Quoted(function) + " is not allowed (journey.allow_function)");
	const std::string context_text = context.dump();
	const char *user = user_id.c_str();
	const char *ctx = context_text.c_str();
	const Oid fn = f->fn, run_as = f->run_as;
	// Checked at every call, not only when allowed: the role that allowed the function still exists and may
	// still execute it, and whoever may change the function (its owner and the owner's members) holds the
	// rights it runs with (else a role could put its own code into a function a more privileged role allowed).
	enum { kOk, kNoRole, kNoExecute, kOwner } verdict = PgCall([&] {
		if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(run_as)))
			return kNoRole;
		if (!MayExecute(fn, run_as))
			return kNoExecute;
		HeapTuple tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
		if (!HeapTupleIsValid(tup))
			return kNoExecute;
		const Oid owner = ((Form_pg_proc)GETSTRUCT(tup))->proowner;
		ReleaseSysCache(tup);
		return has_privs_of_role(owner, run_as) ? kOk : kOwner;
	});
	if (verdict == kNoRole)
		throw StepError("function " + Quoted(function) + " may not be called: the role that allowed it no longer exists");
	if (verdict == kNoExecute)
		throw StepError("function " + Quoted(function) +
						" may not be called: the role that allowed it may no longer execute it");
	if (verdict == kOwner)
		throw StepError("function " + Quoted(function) +
						" may not be called: its owner does not hold the rights of the role that allowed it");
	struct Result {
		bool isnull;
		const char *json;
	};
	// The call runs with the rights of the role that allowed the function; settings it changes end with it.
	AsRole as_allower(run_as, AsRole::Trust::Trusted);
	const Result r = PgCall([&] {
		Result out{true, nullptr};
		LOCAL_FCINFO(call, 2);
		FmgrInfo flinfo;
		fmgr_info(fn, &flinfo);
		InitFunctionCallInfoData(*call, &flinfo, 2, InvalidOid, NULL, NULL);
		call->args[0].value = CStringGetTextDatum(user);
		call->args[0].isnull = false;
		call->args[1].value = DirectFunctionCall1(jsonb_in, CStringGetDatum(ctx));
		call->args[1].isnull = false;
		// The function sees what an SQL statement here would: this transaction's writes so far included
		// (a STABLE function reads the active snapshot). On an error, the caller's subtransaction
		// rollback pops the snapshot.
		CommandCounterIncrement();
		PushActiveSnapshot(GetTransactionSnapshot());
		Datum d = FunctionCallInvoke(call);
		PopActiveSnapshot();
		if (!call->isnull) {
			Jsonb *jb = DatumGetJsonbP(d);
			out.isnull = false;
			out.json = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
		}
		return out;
	});
	return r.isnull ? Json() : Json::parse(r.json);
}

}	 // namespace journey
