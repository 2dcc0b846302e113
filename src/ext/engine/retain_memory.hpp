// Freed memory kept for the next batch (journey.retain_memory).
#pragma once

namespace journey {

// In a process that runs batches (the scheduler workers, a backend calling journey.run_due, and with
// journey.retain_memory_in_triggers a backend firing the event trigger, whose statement's entries are a
// batch), keeps up to
// journey.retain_memory of freed memory in the process instead of returning it to the kernel, once per
// process from its first batch on (glibc's malloc trim and mmap thresholds; nothing with another C library
// or with the setting at 0). A batch frees what the next one allocates again: with glibc's adaptive
// thresholds each batch could give ~0.7 MB back to the kernel and fault it in again (issue 4: 42,500
// against 23,300 page faults and ~12 % of run_due's time for 100,000 steps, depending on where earlier
// allocations happened to lie).
void RetainFreedMemory();

}	 // namespace journey
