//===- PhaseTimer.h - Where `gptq-quantize model` spends time ---*- C++ -*-===//
//
// --timing prints, at the end of a run, the wall time spent in each phase
// (load, embed, forward + Hessian, solve, pack, state write, output write,
// ...) summed over layers, so a slow run on the GPU can be attributed
// without a profiler. Phases are timed on the host: on the GPU a phase ends
// when its results reach the host (the Hessians and solver results are
// copied back synchronously), so the sum is the wall time of the run.
//
//===----------------------------------------------------------------------===//

#ifndef GPTQ_TOOLS_QUANTIZE_PHASETIMER_H
#define GPTQ_TOOLS_QUANTIZE_PHASETIMER_H

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace gptq::tools {

class PhaseTimer {
public:
  using Clock = std::chrono::steady_clock;

  /// Adds `seconds` to `phase` (created on first use, printed in that order).
  void add(const std::string &phase, double seconds);
  /// Creates `phase` if new, so that it prints before the parts of it
  /// (names indented by two spaces) that are added while it runs.
  void declare(const std::string &phase);
  /// Prints one line per phase plus the total since construction.
  void print(std::FILE *out) const;

  /// Times the rest of the enclosing scope as `phase`.
  class Scope {
  public:
    Scope(PhaseTimer &timer, std::string phase)
        : timer_(timer), phase_(std::move(phase)), start_(Clock::now()) {
      timer_.declare(phase_);
    }
    ~Scope() { stop(); }
    /// Ends the phase early (idempotent).
    void stop();

  private:
    PhaseTimer &timer_;
    std::string phase_;
    Clock::time_point start_;
    bool stopped_ = false;
  };

private:
  struct Phase {
    std::string name;
    double seconds = 0;
    long count = 0;
  };
  std::vector<Phase> phases_;
  Clock::time_point start_ = Clock::now();
};

} // namespace gptq::tools

#endif // GPTQ_TOOLS_QUANTIZE_PHASETIMER_H
