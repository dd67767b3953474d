// A WebSocket viewer of Lingjing's live API (doc/protocols/websocket.md) that reads
// continuously on its own thread and counts what it receives: waveform values of `wave`
// messages, `gap` markers, and scalar `delta` values (keeping the latest value per twin and
// telemetry). Wave messages are counted with a cheap scan instead of a full JSON parse so the
// viewer costs the 2-core machine as little as possible.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace lj::bench {

class WsSubscriber {
 public:
  // Connects to ws://127.0.0.1:port/ws, subscribes to every twin of `model` with waveforms at
  // `rate_hz`, waits (bounded) for the snapshot and starts reading. nullptr + *error on failure.
  static std::unique_ptr<WsSubscriber> Start(uint16_t port, const std::string& model,
                                             double rate_hz, std::string* error);
  ~WsSubscriber();
  void Stop();

  uint64_t wave_values() const { return wave_values_.load(); }
  uint64_t wave_blocks() const { return wave_blocks_.load(); }
  uint64_t gaps() const { return gaps_.load(); }
  uint64_t delta_values() const { return delta_values_.load(); }
  uint64_t snapshot_twins() const { return snapshot_twins_; }
  bool closed() const { return closed_.load(); }
  std::string first_error() const;
  // Latest scalar per twin and telemetry, from deltas.
  std::map<std::string, std::map<std::string, double>> LatestScalars() const;

 private:
  WsSubscriber();
  void ReadLoop();
  void Handle(const std::string& text);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::atomic<uint64_t> wave_values_{0}, wave_blocks_{0}, gaps_{0}, delta_values_{0};
  std::atomic<bool> closed_{false}, stopping_{false};
  uint64_t snapshot_twins_ = 0;
  mutable std::mutex mu_;
  std::string first_error_;
  std::map<std::string, std::map<std::string, std::pair<double, double>>> latest_;  // (t, v)
};

}  // namespace lj::bench
