#include "pg/postgres.hpp"

#include "ext/throttle.hpp"

#include "core/stable_hash.hpp"

#include <cstring>

extern "C" {
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
}

namespace journey {

namespace {

constexpr int kSlots = 512;
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

// The journey's slot (claimed when free); null when the table is full (then entries are not throttled).
Slot *
FindSlot(Counters *c, const std::string &journey)
{
	const size_t start = (StableHash({journey}) ^ MyDatabaseId) % kSlots;
	for (size_t k = 0; k < kSlots; k++) {
		Slot &s = c->slots[(start + k) % kSlots];
		if (s.database == MyDatabaseId && std::strncmp(s.journey, journey.c_str(), kNameSize) == 0)
			return &s;
		if (s.journey[0] == '\0') {
			s.database = MyDatabaseId;
			std::strncpy(s.journey, journey.c_str(), kNameSize - 1);
			s.journey[kNameSize - 1] = '\0';
			s.per = 0;
			return &s;
		}
	}
	return nullptr;
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
ThrottleAdmit(const std::string &journey, const Throttle &throttle, Timestamp at)
{
	const int64_t per = PeriodMicros(throttle.per);
	if (per <= 0 || throttle.max <= 0)
		return true;
	const Timestamp window = WindowStart(at, per);
	Counters *c = Table();
	bool admitted = true;
	SpinLockAcquire(&c->mutex);
	Slot *s = FindSlot(c, journey);
	if (s) {
		if (s->per != per || s->window_start != window) {
			if (s->per == per && window < s->window_start) {
				// An event dated in an earlier period than the current one: counted against the current.
			} else {
				s->per = per;
				s->window_start = window;
				s->entered = 0;
				s->refused = 0;
			}
		}
		if (s->entered >= throttle.max) {
			s->refused++;
			admitted = false;
		} else {
			s->entered++;
		}
	}
	SpinLockRelease(&c->mutex);
	return admitted;
}

void
ThrottleUndo(const std::string &journey, const Throttle &throttle, Timestamp at)
{
	const int64_t per = PeriodMicros(throttle.per);
	if (per <= 0)
		return;
	Counters *c = Table();
	SpinLockAcquire(&c->mutex);
	Slot *s = FindSlot(c, journey);
	if (s && s->per == per && s->window_start == WindowStart(at, per) && s->entered > 0)
		s->entered--;
	SpinLockRelease(&c->mutex);
}

std::vector<ThrottleStat>
ThrottleStats()
{
	Counters *c = Table();
	std::vector<Slot> copy;
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
