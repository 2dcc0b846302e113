// The row trigger of the profile store (journey.profiles, or the application's table given to
// journey.track_profiles): attribute_change entries. Without such journeys it costs a hash lookup.
#include "pg/postgres.hpp"

#include "ext/entry/as_owner.hpp"
#include "ext/engine/rule_cache.hpp"
#include "ext/engine/engine.hpp"
#include "pg/error_kind.hpp"
#include "pg/guard.hpp"
#include "pg/subxact.hpp"

#include <optional>

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

PG_FUNCTION_INFO_V1(journey_profile_trigger);
}

namespace journey {
namespace {

struct ProfileRow {
	Oid relid;
	bool builtin;		  // journey.profiles: attributes are the keys of its attributes column
	const char *user;	  // the user id's text
	const char *old_json; // the old attributes (null on insert)
	const char *new_json;
};

// The profile as JSON: the attributes column of journey.profiles, or the whole row of an application table.
const char *
ProfileJson(HeapTuple tuple, TupleDesc desc, bool builtin)
{
	if (!builtin) {
		Datum row = heap_copy_tuple_as_datum(tuple, desc);
		return text_to_cstring(DatumGetTextPP(DirectFunctionCall1(row_to_json, row)));
	}
	bool isnull = false;
	Datum d = SPI_getbinval(tuple, desc, SPI_fnumber(desc, "attributes"), &isnull);
	if (isnull)
		return "{}";
	Jsonb *jb = DatumGetJsonbP(d);
	return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
}

ProfileRow
ReadProfileRow(FunctionCallInfo fcinfo)
{
	// An application table's row as JSON may call casts that the table's owner defined: as that owner,
	// restricted (journey.profiles is the extension's own).
	std::optional<AsTableOwner> as_table_owner;
	const bool is_trigger = fcinfo->context && ((const ::Node *)fcinfo->context)->type == T_TriggerData;
	const Oid owner = is_trigger ? TableOwner(((TriggerData *)fcinfo->context)->tg_relation) : InvalidOid;
	if (OidIsValid(owner) && owner != GetUserId())
		as_table_owner.emplace(owner);
	return PgCall([&] {
		if (!fcinfo->context || ((const ::Node *)fcinfo->context)->type != T_TriggerData)
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("journey._profile_trigger() must be called as a trigger")));
		TriggerData *td = (TriggerData *)fcinfo->context;
		if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
			td->tg_trigger->tgnargs != 2)
			ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
							errmsg("journey._profile_trigger() must be an AFTER ... FOR EACH ROW trigger with 2 arguments")));
		TupleDesc desc = td->tg_relation->rd_att;
		ProfileRow r{};
		r.relid = RelationGetRelid(td->tg_relation);
		r.builtin = strcmp(td->tg_trigger->tgargs[0], "builtin") == 0;
		const bool update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
		HeapTuple new_tuple = update ? td->tg_newtuple : td->tg_trigtuple;
		int user_att = SPI_fnumber(desc, td->tg_trigger->tgargs[1]);
		if (user_att <= 0)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
							errmsg("profile table has no column \"%s\"", td->tg_trigger->tgargs[1])));
		r.user = SPI_getvalue(new_tuple, desc, user_att);
		r.new_json = ProfileJson(new_tuple, desc, r.builtin);
		r.old_json = update ? ProfileJson(td->tg_trigtuple, desc, r.builtin) : nullptr;
		return r;
	});
}

// The change's attribute_change entries; isolated: every step in a subtransaction of its own.
void
EnterOnChange(const ProfileRow &row, bool isolated)
{
	std::optional<SubTransaction> sub;	// destroyed last: after the owner's scope and the SPI session
	if (!isolated)
		sub.emplace();
	{
		AsOwner as_owner;
		SpiSession spi;
		Engine engine(spi);
		engine.IsolateSteps(isolated);
		RuleCache &rule_cache = engine.rule_cache();
		// Only the profile store in use counts.
		const auto &source = rule_cache.Sources().Profiles();
		if (!rule_cache.AttributeRules().empty() && row.builtin != source.has_value()) {
			const Json new_profile = Json::parse(row.new_json);
			std::optional<Json> old_profile;
			if (row.old_json)
				old_profile = Json::parse(row.old_json);
			const Timestamp now = PgCall([] { return (Timestamp)GetCurrentTransactionStartTimestamp(); });
			engine.OnProfileChange(row.user, old_profile ? &*old_profile : nullptr, new_profile, now);
			engine.ReleaseUnusedEntries();
		}
	}
	if (sub)
		sub->Commit();
}

void
HandleProfileChange(FunctionCallInfo fcinfo)
{
	const RuleCache *cached = RuleCache::IfValid();
	if (cached && cached->AttributeRules().empty())
		return;	 // the hot path: no journey enters on attribute changes
	ProfileRow row = ReadProfileRow(fcinfo);
	if (!row.user)
		return;
	// A failing step never aborts the application's write (SPEC §9): the entries run in a subtransaction,
	// and again step by step when one fails.
	RetryIsolatedOnStepError([&](bool isolated) { EnterOnChange(row, isolated); });
}

}	 // namespace
}	 // namespace journey

Datum
journey_profile_trigger(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		journey::HandleProfileChange(fcinfo);
		return PointerGetDatum(NULL);
	});
}
