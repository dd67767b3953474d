#include "common/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace lj {
namespace {

TEST(ParallelFor, RunsEveryIndexExactlyOnce) {
  for (size_t n : {0u, 1u, 2u, 5u, 64u, 1000u}) {
    std::vector<std::atomic<int>> hits(n);
    ParallelFor(n, [&](size_t i) { hits[i].fetch_add(1); });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(ParallelFor, HelperThreadsWorkBesideTheCaller) {
  if (ParallelHelpers() == 0) GTEST_SKIP() << "single-core machine: everything runs on the caller";
  // The first part to run waits until a part runs on another thread, which only happens when
  // two threads work on one call: the caller and a helper (whichever thread came first, the
  // other takes the remaining part). The wait is a deadlock guard, not a speed limit.
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::thread::id> ids;
  ParallelFor(2, [&](size_t) {
    std::unique_lock lk(mu);
    ids.insert(std::this_thread::get_id());
    cv.notify_all();
    cv.wait_for(lk, std::chrono::seconds(30), [&] { return ids.size() >= 2; });
  });
  EXPECT_EQ(ids.size(), 2u);
}

TEST(ParallelFor, ManyCallersAtOnceEachGetTheirOwnResults) {
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int c = 0; c < 8; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 200; ++round) {
        std::vector<int> out(7, -1);
        ParallelFor(out.size(), [&](size_t i) { out[i] = c * 1000 + static_cast<int>(i); });
        for (size_t i = 0; i < out.size(); ++i)
          if (out[i] != c * 1000 + static_cast<int>(i)) wrong.fetch_add(1);
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace lj
