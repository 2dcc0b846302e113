#include "ext/engine/retain_memory.hpp"

#include "ext/entry/settings.hpp"

#include <algorithm>
#include <malloc.h>

namespace journey {

void
RetainFreedMemory()
{
#ifdef __GLIBC__
	static bool retained = false;
	if (retained || g_retain_memory_mb <= 0)
		return;
	retained = true;
	const int bytes = std::min(g_retain_memory_mb, 1024) * 1024 * 1024;
	// Fixed thresholds end glibc's adaptive ones: blocks above a quarter of the setting (at most 32 MB, its
	// ceiling) are still mapped apart and returned whole; the heap keeps up to the setting of free memory.
	mallopt(M_MMAP_THRESHOLD, std::min(bytes / 4, 32 << 20));
	mallopt(M_TRIM_THRESHOLD, bytes);
#endif
}

}	 // namespace journey
