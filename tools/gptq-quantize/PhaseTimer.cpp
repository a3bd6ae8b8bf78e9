//===- PhaseTimer.cpp - Where `gptq-quantize model` spends its time -------===//

#include "PhaseTimer.h"

namespace gptq::tools {

void PhaseTimer::add(const std::string &phase, double seconds) {
  for (Phase &existing : phases_)
    if (existing.name == phase) {
      existing.seconds += seconds;
      ++existing.count;
      return;
    }
  phases_.push_back({phase, seconds, 1});
}

void PhaseTimer::declare(const std::string &phase) {
  for (const Phase &existing : phases_)
    if (existing.name == phase)
      return;
  phases_.push_back({phase, 0, 0});
}

void PhaseTimer::print(std::FILE *out) const {
  const double total =
      std::chrono::duration<double>(Clock::now() - start_).count();
  double accounted = 0;
  std::fprintf(out, "timing (wall seconds, host clock):\n");
  for (const Phase &phase : phases_) {
    std::fprintf(out, "  %-30s %8.3f s %5.1f%%  (%ld x)\n", phase.name.c_str(),
                 phase.seconds, total > 0 ? 100 * phase.seconds / total : 0.0,
                 phase.count);
    // Names indented by two spaces are parts of the phase above them.
    if (phase.name.rfind("  ", 0) != 0)
      accounted += phase.seconds;
  }
  std::fprintf(out, "  %-30s %8.3f s\n", "other", total - accounted);
  std::fprintf(out, "  %-30s %8.3f s\n", "total", total);
}

void PhaseTimer::Scope::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  timer_.add(phase_,
             std::chrono::duration<double>(Clock::now() - start_).count());
}

} // namespace gptq::tools
