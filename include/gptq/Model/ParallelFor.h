//===- ParallelFor.h - Split a loop over std::threads -----------*- C++ -*-===//
//
// The CPU reference forward must finish CI-sized models in seconds on a
// couple of cores, but stays free of thread-pool libraries: each parallel
// loop starts its threads and joins them, which costs microseconds against
// the milliseconds of work in each call.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_MODEL_PARALLELFOR_H
#define GPTQ_MODEL_PARALLELFOR_H

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace gptq::model {

/// The worker count: `requested`, or the hardware's when 0.
inline unsigned resolveThreads(unsigned requested) {
  if (requested)
    return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

/// Calls body(i) for every i in [0, count), items handed out dynamically to
/// `threads` workers (the caller's thread is one of them).
template <typename Body>
void parallelFor(int64_t count, unsigned threads, const Body &body) {
  const unsigned workers =
      unsigned(std::min<int64_t>(std::max(1u, threads), count));
  if (workers <= 1) {
    for (int64_t i = 0; i < count; ++i)
      body(i);
    return;
  }
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i = next++; i < count; i = next++)
      body(i);
  };
  std::vector<std::thread> pool;
  for (unsigned w = 1; w < workers; ++w)
    pool.emplace_back(work);
  work();
  for (std::thread &thread : pool)
    thread.join();
}

} // namespace gptq::model

#endif // GPTQ_MODEL_PARALLELFOR_H
