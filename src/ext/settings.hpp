// The journey.* GUCs (SPEC §1).
#pragma once

namespace journey {

extern char *g_database;		  // journey.database
extern bool g_scheduler_enabled;  // journey.scheduler
extern int g_workers;			  // journey.workers
extern int g_batch_size;		  // journey.batch_size
extern int g_naptime_ms;		  // journey.naptime
extern char *g_default_timezone;  // journey.default_timezone
extern int g_max_attempts;		  // journey.max_attempts
extern int g_retain_memory_mb;	  // journey.retain_memory

void DefineSettings(bool preloading);

}	 // namespace journey
