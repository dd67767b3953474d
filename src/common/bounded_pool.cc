#include "common/bounded_pool.h"

#include <boost/asio/post.hpp>

namespace lj {

BoundedPool::BoundedPool(int threads, size_t max_queued)
    : pool_(static_cast<size_t>(threads < 1 ? 1 : threads)), max_queued_(max_queued) {}

BoundedPool::~BoundedPool() { pool_.join(); }

bool BoundedPool::TryPost(std::function<void()> task) {
  if (pending_.fetch_add(1, std::memory_order_relaxed) >= max_queued_) {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  boost::asio::post(pool_, [this, task = std::move(task)] {
    task();
    pending_.fetch_sub(1, std::memory_order_relaxed);
  });
  return true;
}

}  // namespace lj
