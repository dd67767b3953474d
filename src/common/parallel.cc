#include "common/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace lj {
namespace {

// One ParallelFor call: indices are taken with one atomic increment each; `left` counts the
// indices not yet finished. Shared with helpers that may start after the caller has returned.
struct Job {
  size_t n;
  const std::function<void(size_t)>* f;  // valid while left > 0
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable cv;
  size_t left;

  Job(size_t count, const std::function<void(size_t)>* fn) : n(count), f(fn), left(count) {}
  void Work() {
    size_t done = 0;
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n; ++done) (*f)(i);
    if (done == 0) return;
    std::lock_guard lk(mu);
    left -= done;
    if (left == 0) cv.notify_all();
  }
};

class Helpers {
 public:
  Helpers() {
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i + 1 < std::min(hw, 8u); ++i) threads_.emplace_back([this] { Run(); });
  }
  ~Helpers() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  size_t size() const { return threads_.size(); }
  void Offer(const std::shared_ptr<Job>& job, size_t copies) {
    {
      std::lock_guard lk(mu_);
      for (size_t i = 0; i < copies; ++i) queue_.push_back(job);
    }
    copies == 1 ? cv_.notify_one() : cv_.notify_all();
  }

 private:
  void Run() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job->Work();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

Helpers& Pool() {
  static Helpers helpers;
  return helpers;
}

}  // namespace

size_t ParallelHelpers() { return Pool().size(); }

void ParallelFor(size_t n, const std::function<void(size_t)>& f) {
  if (n == 0) return;
  Helpers& pool = Pool();
  if (n == 1 || pool.size() == 0) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  auto job = std::make_shared<Job>(n, &f);
  pool.Offer(job, std::min(n - 1, pool.size()));
  job->Work();
  std::unique_lock lk(job->mu);
  job->cv.wait(lk, [&] { return job->left == 0; });
}

}  // namespace lj
