// ClientState: one viewer's subscriptions and what it has already seen, turning LiveState into
// the frames of the WebSocket live API (doc/protocols/websocket.md): a snapshot, then per
// subscription at its rate a coalesced scalar `delta` (latest value wins), whole waveform
// `wave` blocks in order, `gap` markers for blocks the viewer fell too far behind to receive,
// and `twin` messages when twins join, change properties or leave the subscription.
//
// Contract: Collect() never blocks ingest for longer than one shard lock while it copies
// versions and block pointers; JSON is built after the locks are released. A viewer that does
// not call Collect() for a while (because its socket is slow) costs ingest nothing: scalars
// coalesce and waveform blocks stay in the shared ring until they age out, which then shows as
// a gap. Thread-safety: not thread-safe; one owner (the connection) calls it.
//
// History then live: a subscription with history_s > 0 (and a HistoryStore) gets, right after
// its snapshot, `history` frames with each series' samples of the last history_s seconds up to
// a seam taken under the shard lock together with the snapshot (waveform: the end of the
// newest published block; scalar: the time of the latest value, which the snapshot carries).
// History holds everything published live (the Pipeline writes before publishing), so history
// frames + live frames have no gap and no duplicate at the seam. History is read lazily, a page
// at a time (NextHistory), as the connection's send queue drains: a viewer's memory is bounded
// by its queue, whatever history_s and however many subscriptions ask for (at most
// max_history_streams of them pending per connection).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "history/history.h"
#include "live/live_state.h"
#include "metrics/metrics.h"

namespace lj::live {

struct Target {
  enum class Kind { kTwin, kSubtree, kModel };
  Kind kind = Kind::kTwin;
  std::string id;                          // twin id, subtree root, or model DTMI
  std::vector<std::string> relationships;  // subtree: names to follow (empty = all)
  int depth = 16;                          // subtree: maximum hops
};

// Turns a Target into the twin ids it covers right now (implemented over the twin graph).
class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual Result<std::vector<std::string>> Resolve(const Target& target) = 0;
};

struct ClientOptions {
  double default_rate_hz = 10;
  double max_rate_hz = 60;
  size_t max_subscriptions = 64;
  double max_history_s = 3600;            // largest history_s a subscription may ask for
  size_t max_history_values = 2'000'000;  // per subscription, over all its series
  size_t history_frame_values = 16384;    // values per `history` frame (one page read)
  size_t max_history_streams = 8;         // subscriptions with history still to send, at once
  // When set, twin properties it returns true for are left out of every snapshot and `twin`
  // frame (e.g. the clinical record for viewers, auth::IsRecordProperty).
  std::function<bool(std::string_view)> withhold_property;
};

// Counters shared by all clients (registered once on the metrics registry).
struct FanoutMetrics {
  explicit FanoutMetrics(metrics::Registry& r);
  metrics::Counter& deltas;
  metrics::Counter& blocks;
  metrics::Counter& coalesced;
  metrics::Counter& gaps;
  metrics::Counter& dropped_blocks;
};

class ClientState {
 public:
  // `history` may be null (then history_s is refused).
  ClientState(LiveState& live, Resolver& resolver, FanoutMetrics& metrics, ClientOptions options,
              history::HistoryStore* history = nullptr);
  ~ClientState();

  // Starts subscription `id` and appends its snapshot frame to `out`; with history_s > 0 its
  // `history` frames are planned (seams taken now) and come from NextHistory. kRateLimited when
  // max_history_streams subscriptions still have history to send.
  Status Subscribe(const std::string& id, const Target& target, double rate_hz, bool waveforms,
                   int64_t now_mono_ns, std::vector<std::string>* out, double history_s = 0);
  Status Unsubscribe(const std::string& id);
  // Appends pending `history` frames, in order, until they hold at least `max_bytes` (one page
  // is read from the store at a time) or none are left. Returns true while some remain. Live
  // frames (Collect) must wait until it returns false: they continue from the seams.
  bool NextHistory(size_t max_bytes, std::vector<std::string>* out);
  bool history_pending() const { return !history_parts_.empty(); }
  // Subscriptions whose history is not all sent yet.
  size_t history_streams() const;
  // Appends the frames of every subscription that is due at `now_mono_ns`.
  void Collect(int64_t now_mono_ns, std::vector<std::string>* out);
  // Monotonic time at which the next subscription falls due (INT64_MAX when none).
  int64_t NextDue() const;
  size_t subscription_count() const;

 private:
  // The properties as JSON text, without those options_.withhold_property names.
  std::string DumpProperties(const nlohmann::json& properties) const;
  struct Sub;
  struct SubTwin;
  Status ResolveInto(Sub& sub, std::vector<std::string>* out, bool initial);
  void CollectSub(Sub& sub, std::vector<std::string>* out);
  void PlanHistory(Sub& sub, double history_s);
  // One series' history still to send: [window_from, seam) read page by page from next_from.
  struct HistoryPart {
    std::string sub;  // subscription id
    std::shared_ptr<const TwinState> twin;
    size_t telemetry = 0;  // index into the model's telemetry
    history::SeriesId id = 0;
    int64_t window_from = 0, seam = 0;  // the frames' `from` and `to`
    int64_t next_from = 0;              // where the next page starts
    size_t skip = 0;                    // samples at next_from already sent (equal times)
    bool started = false;
    std::shared_ptr<size_t> budget;  // values the subscription may still read (shared)
  };
  // Reads one page of the front part and appends its frame(s); false when the part is done.
  bool HistoryPage(HistoryPart& part, std::vector<std::string>* out);

  LiveState& live_;
  Resolver& resolver_;
  FanoutMetrics& metrics_;
  ClientOptions options_;
  history::HistoryStore* history_;
  std::vector<std::unique_ptr<Sub>> subs_;
  std::deque<HistoryPart> history_parts_;  // series still to send, in order
};

// Appends `s` as a JSON string literal (quoted, escaped) to `out`.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace lj::live
