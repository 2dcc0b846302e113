#include "pg/postgres.hpp"

#include "ext/entry/settings.hpp"

#include "ext/shmem/wakeup.hpp"

#include "core/time.hpp"

#include <optional>

extern "C" {
#include "pgtime.h"
#include "utils/guc.h"
}

namespace journey {

char *g_database = nullptr;
bool g_scheduler_enabled = true;
int g_workers = 1;
int g_batch_size = 1000;
int g_naptime_ms = 1000;
char *g_default_timezone = nullptr;
int g_max_attempts = 8;
char *g_locale_attribute = nullptr;
char *g_outbox_retention = nullptr;
char *g_instance_retention = nullptr;
char *g_history_retention = nullptr;
int g_history = (int)HistoryLevel::Steps;

namespace {
const struct config_enum_entry kHistoryLevels[] = {
	{"off", (int)HistoryLevel::Off, false},
	{"steps", (int)HistoryLevel::Steps, false},
	{"all", (int)HistoryLevel::All, false},
	{"on", (int)HistoryLevel::Steps, true},
	{NULL, 0, false},
};
}	 // namespace
int g_retain_memory_mb = 32;
bool g_retain_memory_in_triggers = false;

namespace {

// journey.default_timezone must name a time zone Postgres knows (a bad value is refused when set, not at
// the first event).
bool
CheckTimeZone(char **newval, void **extra, GucSource source)
{
	if (*newval == nullptr || (*newval)[0] == '\0' || pg_tzset(*newval) != nullptr)
		return true;
	GUC_check_errdetail("time zone \"%s\" is not recognized", *newval);
	return false;
}

// A retention setting must be a positive interval in the forms durations take ("30 days", "2 weeks",
// "1 mon", "720 hours"): a bad value is refused when set, not at the next purge.
bool
CheckRetention(char **newval, void **extra, GucSource source)
{
	try {
		const std::optional<Interval> interval = *newval ? ParseInterval(*newval) : std::nullopt;
		if (interval && !interval->IsZero() && !interval->IsNegative())
			return true;
	} catch (...) {
	}
	GUC_check_errdetail("expected a positive interval such as '30 days'");
	return false;
}

}	 // namespace

const char *
DefaultTimeZone()
{
	return g_default_timezone && g_default_timezone[0] ? g_default_timezone : "UTC";
}

// Settings that shape behaviour shared by every role (a user's time zone, a message's retries) are set in
// the server's configuration (PGC_SIGHUP): no session, an application's or a sender's, decides them for
// another. Settings of a process's own work (batch size, memory kept) are superuser-only (PGC_SUSET).
void
DefineSettings(bool preloading)
{
	// Settings read only at server start exist only when the library is preloaded (a backend may not
	// create them later); without the preload there is no scheduler for them to configure.
	if (preloading) {
		DefineCustomStringVariable("journey.database", "Database whose journeys the scheduler runs.", NULL,
								   &g_database, "postgres", PGC_POSTMASTER, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
		DefineCustomIntVariable("journey.workers", "Number of parallel scheduler workers.", NULL, &g_workers, 1, 1,
								kMaxSchedulerWorkers, PGC_POSTMASTER, 0, NULL, NULL, NULL);
	}
	DefineCustomBoolVariable("journey.scheduler", "Runs due journey steps in the background.", NULL,
							 &g_scheduler_enabled, true, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("journey.batch_size", "Instances a scheduler pass claims at once.", NULL, &g_batch_size,
							1000, 1, 1000000, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("journey.naptime", "Longest sleep of the scheduler when nothing is due.", NULL,
							&g_naptime_ms, 1000, 1, 24 * 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomStringVariable("journey.default_timezone", "Time zone of users who have none.", NULL,
							   &g_default_timezone, "UTC", PGC_SIGHUP, 0, CheckTimeZone, NULL, NULL);
	DefineCustomIntVariable("journey.max_attempts", "Sends before an outbox row is dead.", NULL, &g_max_attempts, 8,
							1, 1000, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("journey.locale_attribute",
							   "Profile attribute holding a user's locale (stored templates of that locale are used).", NULL,
							   &g_locale_attribute, "locale", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("journey.outbox_retention",
							   "Age after which sent, dead and suppressed outbox rows are deleted (journey.purge).", NULL,
							   &g_outbox_retention, "30 days", PGC_SIGHUP, 0, CheckRetention, NULL, NULL);
	DefineCustomStringVariable("journey.instance_retention",
							   "Age after which ended instances are deleted, once counted (journey.purge).", NULL,
							   &g_instance_retention, "90 days", PGC_SIGHUP, 0, CheckRetention, NULL, NULL);
	DefineCustomStringVariable("journey.history_retention", "Age after which a user's journey history is deleted.",
							   NULL, &g_history_retention, "90 days", PGC_SIGHUP, 0, CheckRetention, NULL, NULL);
	DefineCustomEnumVariable("journey.history", "What journey.user_history keeps: off, steps or all.",
							 "steps: every step of every instance, kept on the instance row; all: also the entries that "
							 "rules refused, one row each in journey.refusals.",
							 &g_history, (int)HistoryLevel::Steps, kHistoryLevels, PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("journey.retain_memory",
							"Freed memory a process that runs batches keeps for its next batch (0: the C library's own "
							"thresholds).",
							"Read at the process's first batch (glibc malloc's trim threshold).", &g_retain_memory_mb,
							32, 0, 1024, PGC_SUSET, GUC_UNIT_MB, NULL, NULL, NULL);
	DefineCustomBoolVariable("journey.retain_memory_in_triggers",
							 "Applies journey.retain_memory in backends that fire the event trigger too.",
							 "Off: application connections keep the C library's own thresholds (with hundreds of "
							 "connections, each could otherwise keep up to journey.retain_memory).",
							 &g_retain_memory_in_triggers, false, PGC_SUSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("journey");
}

}	 // namespace journey

extern "C" {
PG_FUNCTION_INFO_V1(journey_max_attempts);
}

Datum
journey_max_attempts(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(journey::g_max_attempts);
}
