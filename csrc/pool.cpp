// The kernels' thread pool: see pool.hpp.
//
// Hand-off: each worker has a slot (its own cache line) whose state goes idle -> posted (the
// caller hands it the job) -> running (the worker took it) -> idle (done).  When the caller has
// run out of chunks it takes back every posted slot that no worker has started (posted -> idle),
// so a worker the scheduler has not run yet never delays the call, and a job is only ever
// touched by a worker that started it while the caller waits for it: the job (on the caller's
// stack) outlives every use.
#include "pool.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define UPS_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define UPS_PAUSE() asm volatile("yield")
#else
#define UPS_PAUSE() ((void)0)
#endif

namespace ups {
namespace {

std::atomic<double> g_spin_us{200.0};
std::atomic<long long> g_shared{0}, g_alone{0};
std::atomic<int> g_workers{0};

struct Job {
  const std::function<void(intp)>* fn;
  intp chunks;
  std::atomic<intp> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr error;

  // Take chunks until none is left (or one has failed).
  void work() {
    while (!failed.load(std::memory_order_relaxed)) {
      const intp i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= chunks) return;
      try {
        (*fn)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lk(error_mutex);
        if (!error) error = std::current_exception();
        failed.store(true, std::memory_order_relaxed);
      }
    }
  }
};

enum : int { kIdle = 0, kPosted = 1, kRunning = 2 };

struct alignas(64) Slot {
  std::atomic<int> state{kIdle};
  std::atomic<bool> sleeping{false};
  Job* job = nullptr;
};

std::chrono::duration<double, std::micro> spin_time() {
  return std::chrono::duration<double, std::micro>(g_spin_us.load(std::memory_order_relaxed));
}

class Pool {
 public:
  std::mutex caller;  // one caller at a time (try_lock; else the caller runs alone)

  void run(intp chunks, int threads, const std::function<void(intp)>& fn) {
    const int helpers = int(std::max<intp>(0, std::min<intp>(threads - 1, chunks - 1)));
    grow(helpers);
    Job job;
    job.fn = &fn;
    job.chunks = chunks;
    for (int i = 0; i < helpers; ++i) {
      Slot& s = *slots_[i];
      s.job = &job;
      s.state.store(kPosted, std::memory_order_seq_cst);
      if (s.sleeping.load(std::memory_order_seq_cst)) {
        { std::lock_guard<std::mutex> lk(m_); }
        wake_.notify_all();
      }
    }
    job.work();
    for (int i = 0; i < helpers; ++i) {
      Slot& s = *slots_[i];
      int expected = kPosted;
      if (s.state.compare_exchange_strong(expected, kIdle, std::memory_order_acq_rel)) continue;  // never started
      wait_idle(s);
    }
    if (job.error) std::rethrow_exception(job.error);
  }

 private:
  std::mutex m_;
  std::condition_variable wake_, finished_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<bool> caller_waiting_{false};

  void grow(int helpers) {
    while (int(slots_.size()) < helpers) {
      slots_.push_back(std::make_unique<Slot>());
      Slot* s = slots_.back().get();
      std::thread([this, s] { loop(*s); }).detach();  // lives until the process ends
      g_workers.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // Wait until the slot's state is `want`: spin for spin_time(), then sleep on `cv` with `asleep`
  // raised (whoever changes the state notifies `cv` when it sees `asleep`).  A template, so that
  // each waiter gets its own copy inlined, comparing with a constant as before.
  template <int want>
  void await_state(Slot& s, std::atomic<bool>& asleep, std::condition_variable& cv) {
    const auto spin = spin_time();
    const auto start = std::chrono::steady_clock::now();
    int polls = 0;
    while (s.state.load(std::memory_order_acquire) != want) {
      if ((++polls & 63) == 0 && std::chrono::steady_clock::now() - start > spin) {
        std::unique_lock<std::mutex> lk(m_);
        asleep.store(true, std::memory_order_seq_cst);
        cv.wait(lk, [&] { return s.state.load(std::memory_order_seq_cst) == want; });
        asleep.store(false, std::memory_order_relaxed);
        return;
      }
      UPS_PAUSE();
    }
  }

  // The caller waits for a worker that has started the job.
  void wait_idle(Slot& s) { await_state<kIdle>(s, caller_waiting_, finished_); }

  void loop(Slot& s) {
    for (;;) {
      await_state<kPosted>(s, s.sleeping, wake_);  // wait for a posted job
      int expected = kPosted;
      if (!s.state.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) continue;  // taken back
      s.job->work();
      s.state.store(kIdle, std::memory_order_seq_cst);
      if (caller_waiting_.load(std::memory_order_seq_cst)) {
        { std::lock_guard<std::mutex> lk(m_); }
        finished_.notify_all();
      }
    }
  }
};

// The process's pool, created on first use and never destroyed (its threads live until exit).
// A forked child forgets it (its threads do not exist there) and starts another.
std::atomic<Pool*> g_pool{nullptr};
std::mutex* g_create = new std::mutex;

void forget_pool_in_child() {
  g_pool.store(nullptr);
  g_create = new std::mutex;  // the parent's may have been held at the fork
  g_workers.store(0);
}

Pool& pool() {
  Pool* p = g_pool.load(std::memory_order_acquire);
  if (p) return *p;
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, forget_pool_in_child);
    return true;
  }();
  (void)registered;
  std::lock_guard<std::mutex> lk(*g_create);
  p = g_pool.load(std::memory_order_acquire);
  if (!p) {
    p = new Pool;
    g_pool.store(p, std::memory_order_release);
  }
  return *p;
}

}  // namespace

void parallel_chunks(intp chunks, int threads, const std::function<void(intp)>& fn) {
  if (chunks <= 0) return;
  if (threads <= 1 || chunks == 1) {
    for (intp i = 0; i < chunks; ++i) fn(i);
    return;
  }
  Pool& p = pool();
  std::unique_lock<std::mutex> lk(p.caller, std::try_to_lock);
  if (!lk.owns_lock()) {  // another caller has the workers: run alone
    g_alone.fetch_add(1, std::memory_order_relaxed);
    for (intp i = 0; i < chunks; ++i) fn(i);
    return;
  }
  g_shared.fetch_add(1, std::memory_order_relaxed);
  p.run(chunks, threads, fn);
}

void set_spin_us(double us) { g_spin_us.store(us < 0 ? 0 : us); }
double spin_us() { return g_spin_us.load(); }
int pool_workers() { return g_workers.load(); }
long long pool_jobs_shared() { return g_shared.load(); }
long long pool_jobs_alone() { return g_alone.load(); }

}  // namespace ups
