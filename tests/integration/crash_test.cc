// SIGKILL crash test: rounds of start → concurrent HTTP writers stream uniquely numbered scalars
// and waveform blocks → SIGKILL at a random moment → restart → every acknowledged sample is in
// history, none twice, nothing that was never sent.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "harness.h"

namespace lj::it {
namespace {

using nlohmann::json;

constexpr int kWriters = 4;
constexpr int kRounds = 20;
constexpr int kBlock = 25;               // ECG values per block: 100 ms at 250 Hz
constexpr int64_t kStride = 10'000'000;  // value numbering: writer * kStride + ...

struct Ledger {  // per writer: what was sent and what was acknowledged
  std::set<int64_t> sent_hr, acked_hr, sent_ecg, acked_ecg;
  int next = 0;  // next block index (never reused: an unacknowledged block may be stored)
};

std::string Monitor(int w) { return "monitor-" + std::to_string(w + 1); }

// All stored values of one series (waveform runs flattened), via the REST API.
std::vector<int64_t> Stored(const Server& s, const std::string& twin, const std::string& tel,
                            int64_t from_ms) {
  HttpResult r = s.Get("/api/v1/twins/" + twin + "/telemetry/" + tel +
                       "/history?from=" + std::to_string(from_ms) + "&limit=5000000");
  std::vector<int64_t> out;
  if (r.status == 404) return out;  // nothing stored yet
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return out;
  json j = r.json();
  EXPECT_FALSE(j["truncated"].get<bool>());
  if (j["waveform"].get<bool>()) {
    for (const json& run : j["runs"])
      for (const json& v : run["values"]) out.push_back(v.get<int64_t>());
  } else {
    for (const json& v : j["v"]) out.push_back(static_cast<int64_t>(v.get<double>()));
  }
  return out;
}

void Verify(const Server& s, const std::vector<Ledger>& ledgers, int64_t from_ms, int round) {
  for (int w = 0; w < kWriters; ++w) {
    const Ledger& l = ledgers[w];
    for (const auto& [tel, sent, acked] : {std::tuple{"hr", &l.sent_hr, &l.acked_hr},
                                           std::tuple{"ecg", &l.sent_ecg, &l.acked_ecg}}) {
      std::vector<int64_t> got = Stored(s, Monitor(w), tel, from_ms);
      std::set<int64_t> seen;
      for (int64_t v : got) {
        ASSERT_TRUE(seen.insert(v).second) << "round " << round << " " << Monitor(w) << "/" << tel
                                           << ": value " << v << " stored twice";
        ASSERT_TRUE(sent->count(v)) << "round " << round << " " << Monitor(w) << "/" << tel
                                    << ": value " << v << " was never sent";
      }
      for (int64_t v : *acked)
        ASSERT_TRUE(seen.count(v)) << "round " << round << " " << Monitor(w) << "/" << tel
                                   << ": acknowledged value " << v << " lost";
    }
  }
}

TEST(Crash, SigkillNeverLosesAnAcknowledgedSampleNorDuplicatesOne) {
  const std::string dir = MakeTempDir("lj-it-crash");
  std::vector<Ledger> ledgers(kWriters);
  const int64_t t0 = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() -
                     3'600'000;  // data starts an hour ago and advances 100 ms per block
  std::mt19937 rng(20261123);
  uint64_t total_acked = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto s = Server::Start("serve", {}, dir);
    ASSERT_TRUE(s) << "round " << round;
    if (round == 0) CreateTestWard(*s);  // monitor-1, monitor-2
    if (round == 0)
      for (int w = 2; w < kWriters; ++w)
        ASSERT_EQ(s->Put("/api/v1/twins/" + Monitor(w),
                         {{"$metadata", {{"$model", "dtmi:lingjing:ward:BedsideMonitor;1"}}}})
                      .status,
                  200);
    Verify(*s, ledgers, t0 - 1, round);  // after the previous round's SIGKILL
    if (HasFatalFailure()) return;

    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    std::vector<std::mutex> mu(kWriters);
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        Ledger& l = ledgers[w];
        while (!stop) {
          const int k = l.next++;
          const int64_t hr = w * kStride + k;
          std::vector<int64_t> vals(kBlock);
          for (int i = 0; i < kBlock; ++i)
            vals[i] = w * kStride + static_cast<int64_t>(k) * kBlock + i;
          json body = {
              {"samples",
               {{{"twin", Monitor(w)}, {"telemetry", "hr"}, {"t", t0 + k * 100}, {"v", hr}},
                {{"twin", Monitor(w)},
                 {"telemetry", "ecg"},
                 {"t", t0 + k * 100},
                 {"rate", 250},
                 {"values", vals}}}}};
          {
            std::lock_guard lock(mu[w]);
            l.sent_hr.insert(hr);
            l.sent_ecg.insert(vals.begin(), vals.end());
          }
          HttpResult r = HttpRequest(s->port, "POST", "/api/v1/telemetry", body.dump());
          if (r.status == 0) return;  // killed
          if (r.status != 200) {
            ADD_FAILURE() << "round " << round << " writer " << w << ": " << r.status << " "
                          << r.body;
            return;
          }
          std::lock_guard lock(mu[w]);
          l.acked_hr.insert(hr);
          l.acked_ecg.insert(vals.begin(), vals.end());
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 700));
    ASSERT_EQ(kill(s->process->pid(), SIGKILL), 0);
    for (auto& t : writers) t.join();
    s.reset();  // reaps the killed process
  }
  auto s = Server::Start("serve", {}, dir);
  ASSERT_TRUE(s);
  Verify(*s, ledgers, t0 - 1, kRounds);
  for (const Ledger& l : ledgers) total_acked += l.acked_hr.size() + l.acked_ecg.size();
  EXPECT_GT(total_acked, 0u);
  RecordProperty("acknowledged_samples", static_cast<int>(total_acked));
  std::cout << "crash test: " << kRounds << " SIGKILL rounds, " << total_acked
            << " acknowledged samples, all present exactly once\n";
}

}  // namespace
}  // namespace lj::it
