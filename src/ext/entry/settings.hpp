// The journey.* GUCs (SPEC §1).
#pragma once

namespace journey {

extern char *g_database;		  // journey.database
extern bool g_scheduler_enabled;  // journey.scheduler
extern int g_workers;			  // journey.workers
extern int g_batch_size;		  // journey.batch_size
extern int g_naptime_ms;		  // journey.naptime
extern char *g_default_timezone;  // journey.default_timezone
// journey.default_timezone, or "UTC" when it is empty.
const char *DefaultTimeZone();
extern int g_max_attempts;		  // journey.max_attempts
extern char *g_locale_attribute;  // journey.locale_attribute
extern char *g_outbox_retention;	// journey.outbox_retention (an interval's text)
extern char *g_instance_retention;	// journey.instance_retention
extern char *g_history_retention;	// journey.history_retention
// journey.history: what journey.user_history keeps — nothing, every step of every instance (the default), or
// also the entries that rules refused.
enum class HistoryLevel : int { Off = 0, Steps = 1, All = 2 };
extern int g_history;
inline bool KeepStepHistory() { return g_history >= (int)HistoryLevel::Steps; }
inline bool KeepRefusals() { return g_history >= (int)HistoryLevel::All; }
extern int g_retain_memory_mb;
extern bool g_retain_memory_in_triggers;  // journey.retain_memory_in_triggers

void DefineSettings(bool preloading);

}	 // namespace journey
