// BoundedPool: a few worker threads for work that must not run on io threads (password hashing:
// tens of milliseconds of CPU and ~19 MiB each), with a bounded queue. TryPost refuses work when
// `max_queued` tasks are already waiting, so a storm of such requests is answered "busy" at once
// instead of piling up; io threads stay free for everything else (health checks, live viewers).
//
// Contract: a task accepted by TryPost runs exactly once, on a pool thread, unless the pool is
// destroyed first (then it runs during destruction). Tasks must not throw. Thread-safety: TryPost
// from any thread; destroy from the owner after the last TryPost.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <functional>

namespace lj {

class BoundedPool {
 public:
  BoundedPool(int threads, size_t max_queued);
  ~BoundedPool();
  BoundedPool(const BoundedPool&) = delete;
  BoundedPool& operator=(const BoundedPool&) = delete;

  // False (and `task` dropped) when max_queued tasks are waiting or running.
  bool TryPost(std::function<void()> task);
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  size_t max_queued() const { return max_queued_; }

 private:
  boost::asio::thread_pool pool_;
  const size_t max_queued_;
  std::atomic<size_t> pending_{0};
};

}  // namespace lj
