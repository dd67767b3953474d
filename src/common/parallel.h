// ParallelFor: runs f(0) … f(n-1) on the calling thread and on the process's helper threads
// (hardware threads − 1, at most 7, started on first use), for one request whose independent
// parts would otherwise run one after another on one core (e.g. the series of a multi-series
// history query).
//
// Contract: returns when every f(i) has returned, each index exactly once. The caller always
// works too, so a busy (or absent) helper never stalls it: helpers that start late find no index
// left. f must not throw and must not call ParallelFor itself (no nesting). Thread-safe: any
// number of threads may call it at once; they share the helpers.
#pragma once

#include <cstddef>
#include <functional>

namespace lj {

void ParallelFor(size_t n, const std::function<void(size_t)>& f);

// Helper threads of ParallelFor (0 on a single-core machine: everything runs on the caller).
size_t ParallelHelpers();

}  // namespace lj
