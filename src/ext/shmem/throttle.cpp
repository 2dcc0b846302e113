#include "pg/postgres.hpp"

#include "ext/shmem/throttle.hpp"

#include "core/stable_hash.hpp"
#include "pg/guard.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
}

namespace journey {

namespace {

constexpr int kSlots = 2048;
constexpr size_t kNameSize = 64;

struct Slot {
	Oid database;			  // journeys are per database
	char journey[kNameSize];  // "" when free
	int64_t per;			  // the period in microseconds
	int64_t window_start;
	int64_t entered;
	int64_t refused;
};

struct Counters {
	slock_t mutex;
	Slot slots[kSlots];
};

Counters *g_shared = nullptr;  // with the preload
Counters *g_local = nullptr;   // without it: this backend's own counters

Counters *
Table()
{
	if (g_shared)
		return g_shared;
	if (!g_local) {
		g_local = new Counters;
		std::memset(g_local, 0, sizeof(Counters));
		SpinLockInit(&g_local->mutex);
	}
	return g_local;
}

int64_t
PeriodMicros(const Interval &per)
{
	return per.micros + int64_t(per.days) * kMicrosPerDay + int64_t(per.months) * 30 * kMicrosPerDay;
}

Timestamp
WindowStart(Timestamp at, int64_t per)
{
	Timestamp w = at / per * per;
	return w > at ? w - per : w;  // floor for times before 2000
}

Slot *
Claim(Slot &s, const std::string &journey)
{
	s.database = MyDatabaseId;
	std::strncpy(s.journey, journey.c_str(), kNameSize - 1);
	s.journey[kNameSize - 1] = '\0';
	s.per = 0;
	s.window_start = 0;
	s.entered = 0;
	s.refused = 0;
	return &s;
}

// The journey's slot (claimed when free, else one whose period ended before `now`, an archived journey's or
// a dropped database's most often); null when every slot counts a current period (then entries are not
// throttled, with a WARNING from the caller).
Slot *
FindSlot(Counters *c, const std::string &journey, Timestamp now)
{
	const size_t start = (StableHash({journey}) ^ MyDatabaseId) % kSlots;
	Slot *stale = nullptr;
	for (size_t k = 0; k < kSlots; k++) {
		Slot &s = c->slots[(start + k) % kSlots];
		if (s.database == MyDatabaseId && std::strncmp(s.journey, journey.c_str(), kNameSize) == 0)
			return &s;
		if (s.journey[0] == '\0')
			return Claim(s, journey);
		if (!stale && (s.per <= 0 || s.window_start + s.per <= now))
			stale = &s;
	}
	return stale ? Claim(*stale, journey) : nullptr;
}

// Entries admitted by this transaction, by subtransaction: taken back if it aborts.
struct Admitted {
	std::string journey;
	int64_t per;
	Timestamp window;
	SubTransactionId subxact;
};
std::vector<Admitted> g_admitted;
bool g_callbacks = false;

// Takes an admitted entry back (from transaction callbacks too: no allocation, no error).
void
TakeBack(const Admitted &a) noexcept
{
	Counters *c = g_shared ? g_shared : g_local;
	if (!c)
		return;
	const size_t start = (StableHash({a.journey}) ^ MyDatabaseId) % kSlots;
	SpinLockAcquire(&c->mutex);
	for (size_t k = 0; k < kSlots; k++) {
		Slot &s = c->slots[(start + k) % kSlots];
		if (s.journey[0] == '\0')
			break;
		if (s.database == MyDatabaseId && std::strncmp(s.journey, a.journey.c_str(), kNameSize) == 0) {
			if (s.per == a.per && s.window_start == a.window && s.entered > 0)
				s.entered--;
			break;
		}
	}
	SpinLockRelease(&c->mutex);
}

void
OnXact(XactEvent event, void *)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		for (const Admitted &a : g_admitted)
			TakeBack(a);
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_COMMIT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PREPARE)
		g_admitted.clear();
}

void
OnSubXact(SubXactEvent event, SubTransactionId mine, SubTransactionId parent, void *)
{
	if (event == SUBXACT_EVENT_COMMIT_SUB) {
		for (Admitted &a : g_admitted)
			if (a.subxact == mine)
				a.subxact = parent;
	} else if (event == SUBXACT_EVENT_ABORT_SUB) {
		for (const Admitted &a : g_admitted)
			if (a.subxact == mine)
				TakeBack(a);
		g_admitted.erase(std::remove_if(g_admitted.begin(), g_admitted.end(),
										[mine](const Admitted &a) { return a.subxact == mine; }),
						 g_admitted.end());
	}
}

Timestamp
Now()
{
	return GetCurrentTransactionStartTimestamp();
}

}	 // namespace

void
ThrottleShmemRequest()
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(Counters)));
}

void
ThrottleShmemStartup()
{
	bool found = false;
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	g_shared = (Counters *)ShmemInitStruct("pg_journey throttles", sizeof(Counters), &found);
	if (!found) {
		std::memset(g_shared, 0, sizeof(Counters));
		SpinLockInit(&g_shared->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

bool
ThrottleAdmit(const std::string &journey, const Throttle &throttle)
{
	const int64_t per = PeriodMicros(throttle.per);
	if (per <= 0 || throttle.max <= 0)
		return true;
	if (!g_callbacks) {
		RegisterXactCallback(OnXact, nullptr);
		RegisterSubXactCallback(OnSubXact, nullptr);
		g_callbacks = true;
	}
	const Timestamp now = Now();
	const Timestamp window = WindowStart(now, per);
	g_admitted.reserve(g_admitted.size() + 1);	// no allocation after the count below
	Counters *c = Table();
	bool admitted = true;
	bool untracked = false;
	SpinLockAcquire(&c->mutex);
	Slot *s = FindSlot(c, journey, now);
	if (s) {
		if (s->per != per || s->window_start < window) {
			s->per = per;
			s->window_start = window;
			s->entered = 0;
			s->refused = 0;
		}
		if (s->entered >= throttle.max) {
			s->refused++;
			admitted = false;
		} else {
			s->entered++;
		}
	} else {
		untracked = true;
	}
	SpinLockRelease(&c->mutex);
	if (untracked) {
		const char *name = journey.c_str();
		PgCall([name] {
			ereport(WARNING, (errmsg("pg_journey: every throttle slot counts a current period; journey \"%.63s\" is "
									 "not throttled now",
									 name)));
		});
	} else if (admitted)
		g_admitted.push_back(Admitted{journey, per, window, GetCurrentSubTransactionId()});
	return admitted;
}

void
ThrottleUndo(const std::string &journey, const Throttle &throttle)
{
	const int64_t per = PeriodMicros(throttle.per);
	if (per <= 0)
		return;
	const Timestamp window = WindowStart(Now(), per);
	for (auto it = g_admitted.rbegin(); it != g_admitted.rend(); ++it)
		if (it->journey == journey && it->per == per && it->window == window) {
			TakeBack(*it);
			g_admitted.erase(std::next(it).base());
			return;
		}
}

std::vector<ThrottleStat>
ThrottleStats()
{
	Counters *c = Table();
	std::vector<Slot> copy;
	copy.reserve(kSlots);  // no allocation while the spinlock is held
	SpinLockAcquire(&c->mutex);
	for (const Slot &s : c->slots)
		if (s.journey[0] != '\0' && s.per > 0 && s.database == MyDatabaseId)
			copy.push_back(s);
	SpinLockRelease(&c->mutex);
	std::vector<ThrottleStat> out;
	for (const Slot &s : copy)
		out.push_back(ThrottleStat{s.journey, s.window_start, s.entered, s.refused});
	return out;
}

}	 // namespace journey
