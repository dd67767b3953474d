// `lingjing import wfdb` and `lingjing replay` (cmd_history.h; doc/protocols/history-api.md,
// "Importing and replaying WFDB records").
#include "app/cmd_history.h"

#include <fmt/format.h>

#include <unistd.h>
#include <cstdlib>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/config.h"
#include "app/engine.h"
#include "common/log.h"
#include "common/time.h"
#include "history/history.h"
#include "history/import.h"
#include "live/pipeline.h"
#include "wfdb/wfdb.h"

namespace lj::app {
namespace {

namespace fs = std::filesystem;

// "MLII=ecg" mappings; empty → the first signal to "ecg".
struct SignalMap {
  int index = 0;
  std::string telemetry;
};

Result<std::vector<SignalMap>> MapSignals(const wfdb::Header& h,
                                          const std::vector<std::string>& specs) {
  std::vector<SignalMap> out;
  if (specs.empty()) {
    if (h.signals.empty()) return Status(ErrorCode::kInvalidArgument, "record has no signals");
    out.push_back({0, "ecg"});
    return out;
  }
  for (const std::string& s : specs) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
      return Status(ErrorCode::kInvalidArgument,
                    fmt::format("--signal '{}': expected NAME=telemetry, e.g. MLII=ecg", s));
    std::string name = s.substr(0, eq);
    int found = -1;
    for (size_t i = 0; i < h.signals.size(); ++i)
      if (h.signals[i].description == name || std::to_string(i) == name)
        found = static_cast<int>(i);
    if (found < 0) {
      std::string have;
      for (const auto& sig : h.signals) have += (have.empty() ? "" : ", ") + sig.description;
      return Status(
          ErrorCode::kNotFound,
          fmt::format("--signal '{}': the record has no signal '{}' (it has: {})", s, name, have));
    }
    out.push_back({found, s.substr(eq + 1)});
  }
  return out;
}

// Physical value in the telemetry's unit: (adc - baseline) / gain in the record's unit,
// scaled to microvolts when the telemetry is in µV (exact integers for MIT-BIH: gain 200).
Result<std::vector<int64_t>> Convert(const wfdb::SignalSpec& sig, const std::vector<int32_t>& adc,
                                     const std::string& unit) {
  double scale = 1;  // physical units per record unit
  if (unit == "microvolt") {
    if (sig.units == "mV" || sig.units.empty())
      scale = 1000;
    else if (sig.units == "uV" || sig.units == "µV")
      scale = 1;
    else
      return Status(ErrorCode::kUnsupported,
                    fmt::format("cannot convert '{}' to microvolt", sig.units));
  }
  const double gain = sig.gain > 0 ? sig.gain : 200;
  std::vector<int64_t> out(adc.size());
  for (size_t i = 0; i < adc.size(); ++i)
    out[i] = std::llround(static_cast<double>(adc[i] - sig.baseline) * scale / gain);
  return out;
}

class Progress {
 public:
  Progress(std::string what, uint64_t total)
      : what_(std::move(what)), total_(std::max<uint64_t>(total, 1)), tty_(isatty(2)) {}
  // `refused`: samples not kept so far (shown when > 0).
  void Update(uint64_t done, bool force = false, uint64_t refused = 0) {
    const int64_t now = MonoNs();
    if (!force && now - last_ < (tty_ ? 100'000'000 : 2'000'000'000)) return;
    last_ = now;
    const uint64_t pct = std::min<uint64_t>(done * 100 / total_, 100);
    if (tty_) {
      std::string bar(pct * 30 / 100, '#');
      bar.resize(30, ' ');
      std::cerr << fmt::format("\r{} [{}] {:3}% {}/{} samples{}", what_, bar, pct, done, total_,
                               refused ? fmt::format(", {} refused", refused) : "")
                << std::flush;
    } else {
      std::cerr << fmt::format("progress what={} done={} total={} percent={}{}\n", what_, done,
                               total_, pct, refused ? fmt::format(" refused={}", refused) : "");
    }
  }
  void Done() {
    if (tty_) std::cerr << "\n";
  }

 private:
  std::string what_;
  uint64_t total_;
  bool tty_;
  int64_t last_ = 0;
};

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  return n;
}

int Exit(const Status& s) {
  std::cerr << "lingjing: " << s.ToString() << "\n";
  return 1;
}

// Exit status of an import that ran but did not store every sample (the summary says why).
constexpr int kExitRefused = 3;

// `--data` must name an existing server data directory: a typo must not create a new, empty one
// (SQLite would, or fail with "unable to open database file" when the parent is missing).
Status CheckDataDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec))
    return Status(ErrorCode::kNotFound,
                  fmt::format("data directory '{}' does not exist (--data names the server's data "
                              "directory, e.g. lingjing-data)",
                              dir));
  if (!fs::is_directory(dir, ec))
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("data directory '{}' is not a directory", dir));
  if (!fs::exists(dir + "/twins.db", ec))
    return Status(ErrorCode::kNotFound,
                  fmt::format("'{}' holds no twin graph (twins.db): is it the server's data "
                              "directory? Start the server once with --data {} to create it",
                              dir, dir));
  return Status::Ok();
}

// The retention the server applies to a series (seconds, 0 = forever): the most specific
// [[history.retention_rule]] (model+telemetry > telemetry > model), else [history] retention.
int64_t RetentionFor(const Config& config, const std::string& model, const std::string& tel) {
  int best = 0;
  int64_t seconds = config.history.retention_s;
  for (const history::RetentionRule& r : config.history.rules) {
    const bool model_ok = r.model.empty() || r.model == model;
    const bool tel_ok = r.telemetry.empty() || r.telemetry == tel;
    const int score = (r.model.empty() ? 0 : 1) + (r.telemetry.empty() ? 0 : 2);
    if (model_ok && tel_ok && score > best) {
      best = score;
      seconds = r.seconds;
    }
  }
  return seconds;
}

struct ImportArgs {
  std::string record;
  std::string twin;
  std::vector<std::string> signals;
  std::string start;
  std::string data_dir;  // empty: the config's (default lingjing-data)
  std::string config_file;
  bool resample = false;
};

int RunImport(const ImportArgs& a) {
  Config config;
  if (!a.config_file.empty()) {
    Result<Config> c = LoadConfig(a.config_file);
    if (!c.ok()) return Exit(c.status());
    config = std::move(c).value();
  }
  if (!a.data_dir.empty()) config.data_dir = a.data_dir;
  log::Init("warn", "logfmt");
  if (Status s = CheckDataDir(config.data_dir); !s.ok()) return Exit(s);
  Result<wfdb::Record> rec = wfdb::ReadRecord(a.record);
  if (!rec.ok()) return Exit(rec.status());
  Result<std::vector<SignalMap>> maps = MapSignals(rec->header, a.signals);
  if (!maps.ok()) return Exit(maps.status());

  model::ModelRegistry models;
  if (Status s = LoadModels(config, models); !s.ok()) return Exit(s);
  Result<std::unique_ptr<graph::TwinGraph>> graph =
      graph::TwinGraph::Open(config.data_dir + "/twins.db", models);
  if (!graph.ok()) return Exit(graph.status());
  Result<graph::Twin> twin = (*graph)->GetTwin(a.twin);
  if (!twin.ok())
    return Exit(Status(
        ErrorCode::kUnknownTwin,
        fmt::format("no twin '{}' in {}/twins.db; create it first", a.twin, config.data_dir)));
  const model::Interface* iface = models.Find(twin->model);
  if (!iface) return Exit(Status(ErrorCode::kModelUnresolved, "twin's model is not loaded"));

  // Check every mapping before writing anything.
  struct Target {
    const SignalMap* map;
    const model::Telemetry* tel;
  };
  std::vector<Target> targets;
  for (const SignalMap& m : *maps) {
    const int ti = iface->FindTelemetry(m.telemetry);
    if (ti < 0)
      return Exit(Status(
          ErrorCode::kUnknownTelemetry,
          fmt::format("twin '{}' ({}) has no telemetry '{}'", a.twin, iface->id, m.telemetry)));
    const model::Telemetry& tel = iface->telemetry[ti];
    if (!tel.waveform)
      return Exit(Status(ErrorCode::kBadWaveform, "'" + m.telemetry + "' is not a waveform"));
    targets.push_back({&m, &tel});
  }

  const double rate = rec->header.frequency_hz;
  const int64_t n = rec->samples.empty() ? 0 : static_cast<int64_t>(rec->samples[0].size());
  const int64_t duration_ns = std::llround(static_cast<double>(n) * 1e9 / rate);
  int64_t start = NowNs() - duration_ns;
  if (!a.start.empty()) {
    std::optional<int64_t> t = ParseRfc3339Ns(a.start);
    if (!t) return Exit(Status(ErrorCode::kBadTimestamp, "--start: not RFC 3339: " + a.start));
    start = *t;
  }

  history::HistoryOptions ho;
  ho.dir = config.history.dir.empty() ? config.data_dir + "/history" : config.history.dir;
  ho.sync = history::SyncPolicy::kNone;  // one sync at Close()
  ho.default_retention_s = config.history.retention_s;
  const uint64_t bytes_before = DirBytes(ho.dir);
  Result<std::unique_ptr<history::HistoryStore>> store = history::HistoryStore::Open(ho);
  if (!store.ok()) {
    if (store.status().code() == ErrorCode::kUnavailable)
      return Exit(Status(ErrorCode::kUnavailable,
                         store.status().message() +
                             ": stop the server first (import writes a stopped server's store)"));
    return Exit(store.status());
  }

  // Without --start the record is placed where it meets nothing: it ends where the twin's
  // stored data for these signals begins (before a running demo's live data, say), or now.
  if (a.start.empty()) {
    int64_t earliest = NowNs();
    for (const Target& t : targets) {
      std::optional<history::SeriesId> id = (*store)->Find(a.twin, t.tel->name);
      if (!id) continue;
      Result<history::SeriesData> first = (*store)->Read(*id, std::numeric_limits<int64_t>::min(),
                                                         std::numeric_limits<int64_t>::max(), 1);
      if (!first.ok()) continue;
      if (!first->runs.empty()) earliest = std::min(earliest, first->runs.front().t0_ns);
      if (!first->t_ns.empty()) earliest = std::min(earliest, first->t_ns.front());
    }
    start = earliest - duration_ns;
  }

  uint64_t total = 0, record_samples = 0;
  for (const Target& t : targets) {
    const size_t k = rec->samples[t.map->index].size();
    record_samples += k;
    total += a.resample && t.tel->sample_rate_hz > 0 && t.tel->sample_rate_hz != rate
                 ? static_cast<uint64_t>(static_cast<double>(k) * t.tel->sample_rate_hz / rate)
                 : k;
  }
  Progress progress("import", total);
  struct Done {
    std::string name;  // twin/telemetry
    history::ImportSummary summary;
    int64_t retention_s;
  };
  std::vector<Done> done;
  uint64_t read = 0, stored = 0, refused = 0;  // over every signal
  for (const Target& t : targets) {
    const model::Telemetry& tel = *t.tel;
    history::SeriesInfo info{a.twin, tel.name, live::Pipeline::HistoryType(tel), true};
    Result<history::SeriesId> id = (*store)->Intern(info);
    if (!id.ok()) return Exit(id.status());
    Result<std::vector<int64_t>> values =
        Convert(rec->header.signals[t.map->index], rec->samples[t.map->index], tel.unit);
    if (!values.ok()) return Exit(values.status());
    double out_rate = rate;
    if (a.resample && tel.sample_rate_hz > 0 && tel.sample_rate_hz != rate) {
      *values = Resample(*values, rate, tel.sample_rate_hz);
      out_rate = tel.sample_rate_hz;
    }
    const std::vector<double> v(values->begin(), values->end());
    Done d{a.twin + "/" + tel.name, {}, RetentionFor(config, iface->id, tel.name)};
    Status st = history::ImportWaveform(**store, *id, start, out_rate, v, &d.summary,
                                        [&](uint64_t n_done, const history::ImportSummary& so_far) {
                                          progress.Update(read + n_done, false,
                                                          refused + so_far.refused_samples());
                                        });
    read += d.summary.read;
    stored += d.summary.stored;
    refused += d.summary.refused_samples();
    done.push_back(std::move(d));
    if (!st.ok()) {
      progress.Done();
      std::cerr << fmt::format("lingjing: stopped after {} samples ({} stored, {} refused)\n", read,
                               stored, refused);
      return Exit(st);
    }
  }
  progress.Update(read, true, refused);
  progress.Done();
  if (Status s = (*store)->Flush(); !s.ok()) return Exit(s);
  if (Status s = (*store)->Close(); !s.ok()) return Exit(s);
  const uint64_t bytes_after = DirBytes(ho.dir);
  const uint64_t bytes = bytes_after - std::min(bytes_after, bytes_before);

  const int64_t end = start + duration_ns;
  std::cout << fmt::format(
      "imported {} of {} samples of record {} ({} Hz, {} signal{}{}) into twin '{}' from {} to "
      "{}: {} bytes on disk in {}, {:.3f} bytes/sample\n",
      stored, read, rec->header.record_name, rate, targets.size(), targets.size() == 1 ? "" : "s",
      read != record_samples ? fmt::format(", {} samples resampled to {}", record_samples, read)
                             : "",
      a.twin, FormatRfc3339(start), FormatRfc3339(end), bytes, ho.dir,
      stored ? static_cast<double>(bytes) / static_cast<double>(stored) : 0.0);
  for (const Done& d : done) {
    int64_t met = INT64_MAX;  // earliest stored data the record met
    for (const history::ImportSummary::Refused& r : d.summary.refused) {
      std::cout << fmt::format("  {}: refused {} samples ({} blocks from {} to {}): {} ({}): {}\n",
                               d.name, r.samples, r.blocks, FormatRfc3339(r.first_ns),
                               FormatRfc3339(r.end_ns), ErrorCodeName(r.code),
                               static_cast<int>(r.code), r.first_reason);
      if (r.code == ErrorCode::kOutOfOrder) met = std::min(met, r.stored_from_ns);
    }
    if (met != INT64_MAX) {
      std::cout << fmt::format(
          "  hint: the record meets {} data stored from {} on; --start {} puts it before that "
          "(older data there would be reported the same way)\n",
          d.name, FormatRfc3339(met), FormatRfc3339(met - duration_ns - 1'000'000'000));
    }
    const int64_t cutoff = d.retention_s > 0 ? NowNs() - d.retention_s * 1'000'000'000 : INT64_MIN;
    if (start < cutoff) {
      std::cout << fmt::format(
          "  warning: {} keeps {} s of data ([history] retention): samples before {} are "
          "deleted at the server's next compaction\n",
          d.name, d.retention_s, FormatRfc3339(cutoff));
    }
  }
  if (refused > 0) {
    std::cerr << fmt::format("lingjing: {} of {} samples were not imported (reasons above)\n",
                             refused, read);
    return kExitRefused;
  }
  return 0;
}

struct ReplayArgs {
  std::string record;
  std::string monitor;
  std::vector<std::string> signals;
  std::string speed = "1";
  std::string url = "http://127.0.0.1:8080";
  std::string token;  // --token, else $LINGJING_TOKEN: a device or service token that may ingest
  bool loop = false;
  double seconds = 0;     // of the record; 0 = all of it
  double max_lead = 240;  // seconds the feed may run ahead of the clock (server: max_future_s)
};

namespace beast = boost::beast;
namespace net = boost::asio;

class HttpPoster {
 public:
  std::string authorization;  // "Bearer <token>" or empty

  Status Connect(const std::string& url) {
    std::string rest = url;
    if (rest.rfind("http://", 0) == 0)
      rest = rest.substr(7);
    else if (rest.find("://") != std::string::npos)
      return Status(ErrorCode::kUnsupported, "--url: only http:// is supported");
    if (size_t slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
    size_t colon = rest.rfind(':');
    host_ = rest.substr(0, colon);
    std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
    beast::error_code ec;
    net::ip::tcp::resolver resolver(ioc_);
    auto eps = resolver.resolve(host_, port, ec);
    if (!ec) net::connect(socket_, eps, ec);
    if (ec)
      return Status(ErrorCode::kIo, fmt::format("cannot connect to {}: {}", url, ec.message()));
    return Status::Ok();
  }
  Result<std::string> Post(const std::string& target, std::string body) {
    namespace http = beast::http;
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    if (!authorization.empty()) req.set(http::field::authorization, authorization);
    req.body() = std::move(body);
    req.prepare_payload();
    beast::error_code ec;
    http::write(socket_, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(socket_, buf_, res, ec);
    if (ec) return Status(ErrorCode::kIo, "ingest request failed: " + ec.message());
    last_status_ = res.result_int();
    return res.body();
  }
  int last_status() const { return last_status_; }

 private:
  net::io_context ioc_;
  net::ip::tcp::socket socket_{ioc_};
  beast::flat_buffer buf_;
  std::string host_;
  int last_status_ = 0;
};

int RunReplay(const ReplayArgs& a) {
  // main() blocks SIGINT/SIGTERM for its sigwait; a replay is stopped with Ctrl-C.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  double speed = 0;  // 0 = max
  if (a.speed != "max") {
    speed = std::atof(a.speed.c_str());
    if (!(speed > 0) || speed > 1000)
      return Exit(Status(ErrorCode::kInvalidArgument, "--speed: 1..1000 or max"));
  }
  if (a.loop && speed != 1)
    return Exit(Status(ErrorCode::kInvalidArgument,
                       "--loop needs --speed 1 (faster replays would run ahead of the clock)"));
  Result<wfdb::Record> rec = wfdb::ReadRecord(a.record);
  if (!rec.ok()) return Exit(rec.status());
  Result<std::vector<SignalMap>> maps = MapSignals(rec->header, a.signals);
  if (!maps.ok()) return Exit(maps.status());
  // The built-in ECG telemetry is integer µV at 250 Hz; the server validates the rate, so the
  // record is resampled to it (linear interpolation, rounded to the µV).
  constexpr double kRate = 250;
  const double rate = rec->header.frequency_hz;
  std::vector<std::vector<int64_t>> series;
  for (const SignalMap& m : *maps) {
    Result<std::vector<int64_t>> v =
        Convert(rec->header.signals[m.index], rec->samples[m.index], "microvolt");
    if (!v.ok()) return Exit(v.status());
    series.push_back(Resample(*v, rate, kRate));
  }
  size_t n = series.empty() ? 0 : series[0].size();
  if (a.seconds > 0) n = std::min(n, static_cast<size_t>(a.seconds * kRate));
  for (auto& v : series) v.resize(n);
  const int64_t dur_ns = static_cast<int64_t>(static_cast<double>(n) * 1e9 / kRate);
  HttpPoster http;
  std::string token = a.token;
  if (token.empty())
    if (const char* env = std::getenv("LINGJING_TOKEN"); env != nullptr) token = env;
  if (!token.empty()) http.authorization = "Bearer " + token;
  if (Status s = http.Connect(a.url); !s.ok()) return Exit(s);
  const size_t block = static_cast<size_t>(kRate);  // one-second blocks
  const size_t per_request = speed == 1 ? 1 : 10;
  // A replay is a live feed: its first sample is timestamped now and it streams forward. Faster
  // than real time it runs ahead of the clock, but never more than --max-lead seconds (the
  // server refuses samples more than [ingest] max_future_s ahead); past that it keeps pace.
  // Half a second ahead: the monitor's own data (a demo's simulator) ends about now, and the
  // engine hands the monitor over to this feed when its first samples arrive.
  int64_t start = NowNs() + 500'000'000;
  const int64_t lead_ns = static_cast<int64_t>(a.max_lead * 1e9);
  const int64_t mono0 = MonoNs(), wall0 = NowNs();
  uint64_t sent = 0, accepted = 0, rejected = 0;
  std::map<std::string, uint64_t> reasons;  // error name → samples
  std::string first_reason;
  Progress progress("replay", n * series.size());
  for (int pass = 0;; ++pass) {
    for (size_t off = 0; off < n; off += block * per_request) {
      std::string body = "{\"samples\":[";
      bool first = true;
      size_t in_body = 0, last_end = off;
      for (size_t b = 0; b < per_request && off + b * block < n; ++b) {
        const size_t o = off + b * block, cnt = std::min(block, n - o);
        const int64_t t0 = start + static_cast<int64_t>(static_cast<double>(o) * 1e9 / kRate);
        last_end = o + cnt;
        for (size_t s = 0; s < series.size(); ++s) {
          body += first ? "" : ",";
          first = false;
          body +=
              fmt::format("{{\"twin\":\"{}\",\"telemetry\":\"{}\",\"t\":{:.3f},\"rate\":{},",
                          a.monitor, (*maps)[s].telemetry, static_cast<double>(t0) / 1e6, kRate);
          body += "\"values\":[";
          for (size_t k = 0; k < cnt; ++k) {
            if (k) body += ',';
            body += std::to_string(series[s][o + k]);
          }
          body += "]}";
          in_body += cnt;
        }
      }
      body += "]}";
      // Due when its first sample is (scaled by --speed: at 1, a second of data leaves as its
      // second begins), and no earlier than --max-lead seconds before its last sample's time.
      const int64_t data_begin =
          start + static_cast<int64_t>(static_cast<double>(off) * 1e9 / kRate);
      const int64_t data_end =
          start + static_cast<int64_t>(static_cast<double>(last_end) * 1e9 / kRate);
      int64_t due = mono0 + (data_end - lead_ns - wall0);
      if (speed > 0)
        due = std::max(
            due, mono0 + static_cast<int64_t>(
                             static_cast<double>(data_begin - start + pass * dur_ns) / speed));
      const int64_t wait = due - MonoNs();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
      Result<std::string> r = http.Post("/api/v1/telemetry", body);
      for (int retry = 0; r.ok() && http.last_status() == 429 && retry < 30; ++retry) {
        std::this_thread::sleep_for(std::chrono::seconds(1));  // the identity's request rate
        r = http.Post("/api/v1/telemetry", body);
      }
      if (!r.ok()) {
        progress.Done();
        return Exit(r.status());
      }
      sent += in_body;
      nlohmann::json j = nlohmann::json::parse(*r, nullptr, false);
      const int status = http.last_status();
      if ((status == 200 || status == 400) && j.is_object() && j.contains("accepted")) {
        accepted += j.value("accepted", uint64_t{0});
        rejected += j.value("rejected", uint64_t{0});
        if (j.contains("errors") && j["errors"].is_array())
          for (const auto& e : j["errors"]) {
            reasons[e.value("error", std::string("?"))] += 1;
            if (first_reason.empty()) first_reason = e.value("message", std::string());
          }
      } else {  // refused as a whole: no credential, not allowed, server trouble
        progress.Done();
        return Exit(Status(status == 401   ? ErrorCode::kUnauthorized
                           : status == 403 ? ErrorCode::kForbidden
                                           : ErrorCode::kUnavailable,
                           fmt::format("the server answered {}: {}", status, r->substr(0, 300))));
      }
      progress.Update(sent - pass * n * series.size());
    }
    progress.Update(n * series.size(), true);
    progress.Done();
    if (!a.loop) break;
    start += dur_ns;
  }
  std::cout << fmt::format(
      "replayed {} s of record {} into '{}' at {} Hz: {} samples sent, {} accepted, {} "
      "rejected\n",
      static_cast<double>(n) / kRate, rec->header.record_name, a.monitor, kRate, sent, accepted,
      rejected);
  if (rejected > 0) {
    std::string by;
    for (const auto& [name, count] : reasons)
      by += fmt::format("{}{} block(s) {}", by.empty() ? "" : ", ", count, name);
    std::cerr << fmt::format("lingjing: {} samples were rejected ({}); the first: {}\n", rejected,
                             by, first_reason);
    return kExitRefused;
  }
  return 0;
}

}  // namespace

std::vector<int64_t> Resample(const std::vector<int64_t>& in, double from_hz, double to_hz) {
  if (in.empty() || from_hz == to_hz || from_hz <= 0 || to_hz <= 0) return in;
  const size_t n = static_cast<size_t>(static_cast<double>(in.size()) * to_hz / from_hz);
  std::vector<int64_t> out(n);
  for (size_t j = 0; j < n; ++j) {
    const double x = static_cast<double>(j) * from_hz / to_hz;
    const size_t i = static_cast<size_t>(x);
    const double f = x - static_cast<double>(i);
    const double a = static_cast<double>(in[std::min(i, in.size() - 1)]);
    const double b = static_cast<double>(in[std::min(i + 1, in.size() - 1)]);
    out[j] = std::llround(a + (b - a) * f);
  }
  return out;
}

void AddHistoryCommands(CLI::App& app) {
  auto import_args = std::make_shared<ImportArgs>();
  CLI::App* import = app.add_subcommand("import", "Import recorded data into history");
  import->require_subcommand(1);
  CLI::App* wf = import->add_subcommand(
      "wfdb",
      "Write a PhysioNet WFDB record into the history store of a stopped server (values in the "
      "telemetry's unit, e.g. µV = (adc - baseline) * 1000 / gain)");
  wf->add_option("record", import_args->record, "Record path without extension, e.g. mitdb/100")
      ->required();
  wf->add_option("--twin", import_args->twin, "Twin that receives the signals")->required();
  wf->add_option("--signal", import_args->signals,
                 "NAME=telemetry mapping, repeatable (default: first signal → ecg)");
  wf->add_option("--start", import_args->start,
                 "RFC 3339 time of the first sample (default: the record ends where the twin's "
                 "stored data for these signals begins, or now when it has none)");
  wf->add_option("--data-dir,--data", import_args->data_dir,
                 "Data directory of the server (default: the config's, lingjing-data); must exist");
  wf->add_option("-c,--config", import_args->config_file, "TOML config file")
      ->check(CLI::ExistingFile);
  wf->add_flag("--resample", import_args->resample,
               "Resample to the telemetry's declared rate (default: keep the record's rate)");
  wf->callback([import_args] { std::exit(RunImport(*import_args)); });

  auto replay_args = std::make_shared<ReplayArgs>();
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Stream a WFDB record into a running server as a live feed: timestamped from now, "
      "resampled to 250 Hz; a summary of what the server accepted and rejected at the end (exit 3 "
      "when something was rejected)");
  replay->add_option("record", replay_args->record, "Record path without extension")->required();
  replay->add_option("--monitor", replay_args->monitor, "Twin that receives the signals")
      ->required();
  replay->add_option("--signal", replay_args->signals,
                     "NAME=telemetry mapping, repeatable (default: first signal → ecg)");
  replay->add_option("--speed", replay_args->speed, "1 (real time), 10, ... or max");
  if (const char* env = std::getenv("LINGJING_URL"); env != nullptr && *env != '\0')
    replay_args->url = env;
  replay->add_option("--url", replay_args->url,
                     "Server URL (default $LINGJING_URL, else http://127.0.0.1:8080)");
  replay->add_option("--token", replay_args->token,
                     "Device or service token that may write the monitor (default: "
                     "$LINGJING_TOKEN; prefer the variable: arguments show in `ps`)");
  replay->add_flag("--loop", replay_args->loop, "Start over at the end (with --speed 1)");
  replay
      ->add_option("--seconds", replay_args->seconds,
                   "Replay only the record's first N seconds (default: all of it)")
      ->check(CLI::PositiveNumber);
  replay
      ->add_option("--max-lead", replay_args->max_lead,
                   "Seconds a faster-than-real-time feed may run ahead of the clock (default "
                   "240; the server refuses samples beyond its [ingest] max_future_s, 300)")
      ->check(CLI::Range(0.0, 3600.0));
  replay->callback([replay_args] { std::exit(RunReplay(*replay_args)); });
}

}  // namespace lj::app
