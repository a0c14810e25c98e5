// A small pool of native threads for the kernels: the caller and `threads - 1` workers take
// chunks of a job from a shared counter, with the GIL released for the whole call.
//
// Dynamic chunks (not a static split with a barrier): on a shared machine a worker the
// scheduler has parked leaves its chunks to the others, so a call is never much slower than one
// thread.  After a job the workers spin for a short while (spin_us, about 0.2 ms) watching for
// the next one, then sleep on a condition variable: a loop of calls does not pay a thread
// wake-up (30-60 us on the project's VM) each time.  One caller at a time uses the workers; a
// call from another thread meanwhile runs on its own thread alone (its cores are busy anyway).
// An exception thrown by a chunk stops the job (no new chunks start) and is rethrown to the
// caller once every worker has left it.  After fork() the child starts a new pool on its first
// call: it has none of the parent's threads (pthread_atfork).
#pragma once

#include <cstddef>
#include <functional>

namespace ups {

using intp = std::ptrdiff_t;

// Calls fn(i) for every i < chunks exactly once, on up to `threads` threads (the caller
// included).  Rethrows the first exception a chunk threw.
void parallel_chunks(intp chunks, int threads, const std::function<void(intp)>& fn);

// Spinning after a job: microseconds (0: sleep at once).
void set_spin_us(double us);
double spin_us();
// Worker threads started so far in this process (for info()).
int pool_workers();
// How many jobs ran on the workers / on the caller alone because another caller held them.
long long pool_jobs_shared();
long long pool_jobs_alone();

}  // namespace ups
