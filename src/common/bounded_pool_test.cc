#include "common/bounded_pool.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace lj {
namespace {

TEST(BoundedPool, RunsAcceptedTasksAndRefusesBeyondTheQueueBound) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> ran{0};
  {
    BoundedPool pool(1, 3);
    auto blocker = [&] {
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return release; });
      ran.fetch_add(1);
    };
    EXPECT_TRUE(pool.TryPost(blocker));  // running
    EXPECT_TRUE(pool.TryPost(blocker));  // queued
    EXPECT_TRUE(pool.TryPost(blocker));  // queued
    EXPECT_FALSE(pool.TryPost(blocker)) << "a fourth task exceeds max_queued = 3";
    EXPECT_EQ(pool.pending(), 3u);
    {
      std::lock_guard lk(mu);
      release = true;
    }
    cv.notify_all();
  }  // the destructor waits for accepted tasks
  EXPECT_EQ(ran.load(), 3);
}

}  // namespace
}  // namespace lj
