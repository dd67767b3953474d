#include "influx_server.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace lj::bench {

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*') {
      out += static_cast<char>(c);
    } else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

uint64_t DirBytes(const std::string& dir, const std::string& suffix) {
  uint64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      n += it->file_size(ec);
  }
  return n;
}

namespace {

void WriteConfig(const std::string& path, const std::string& dir, uint16_t http_port,
                 uint16_t rpc_port, bool fast_compaction) {
  std::ofstream f(path);
  f << "reporting-disabled = true\n"
    << "bind-address = \"127.0.0.1:" << rpc_port << "\"\n"
    << "[meta]\n  dir = \"" << dir << "/meta\"\n  logging-enabled = false\n"
    << "[data]\n  dir = \"" << dir << "/data\"\n  wal-dir = \"" << dir
    << "/wal\"\n  query-log-enabled = false\n";
  if (fast_compaction)
    f << "  cache-snapshot-write-cold-duration = \"1s\"\n"
      << "  compact-full-write-cold-duration = \"1s\"\n";
  f << "[monitor]\n  store-enabled = false\n"
    << "[subscriber]\n  enabled = false\n"
    << "[continuous_queries]\n  enabled = false\n"
    << "[http]\n  enabled = true\n  bind-address = \"127.0.0.1:" << http_port
    << "\"\n  log-enabled = false\n  pprof-enabled = false\n  max-row-limit = 0\n"
    << "[logging]\n  level = \"warn\"\n";
}

}  // namespace

std::unique_ptr<InfluxServer> InfluxServer::Start(const InfluxOptions& o, std::string* error) {
  auto s = std::unique_ptr<InfluxServer>(new InfluxServer());
  s->dir_ = std::make_unique<TempDir>("lj-bench-influx");
  s->port_ = FreePort();
  const uint16_t rpc = FreePort();
  const std::string conf = s->dir() + "/influxdb.conf";
  WriteConfig(conf, s->dir(), s->port_, rpc, o.fast_compaction);
  std::vector<std::string> argv = o.prefix;
  argv.insert(argv.end(), {o.influxd, "-config", conf});
  s->process_ = Process::Start(argv, s->dir() + "/influxd.log");
  if (!s->process_) {
    *error = "cannot start " + o.influxd;
    return nullptr;
  }
  Process* p = s->process_.get();
  const uint16_t port = s->port_;
  if (!WaitFor([&] { return HttpOnce(port, "GET", "/ping").status == 204 || !p->Running(); },
               std::chrono::seconds(60)) ||
      !p->Running()) {
    *error = "influxd did not come up:\n" + p->LogTail();
    return nullptr;
  }
  return s;
}

InfluxServer::~InfluxServer() { Stop(); }

void InfluxServer::Stop() {
  if (process_) process_->Stop();
  process_.reset();
}

HttpResponse InfluxServer::Query(const std::string& q, const std::string& db) const {
  std::string target = "/query?q=" + UrlEncode(q);
  if (!db.empty()) target += "&db=" + UrlEncode(db);
  return HttpOnce(port_, "POST", target);
}

int64_t InfluxServer::CountPoints(const std::string& db) const {
  HttpResponse r = Query("SELECT count(*) FROM /.*/", db);
  if (r.status != 200) return -1;
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return -1;
  int64_t n = 0;
  for (const auto& res : j.value("results", nlohmann::json::array()))
    for (const auto& s : res.value("series", nlohmann::json::array()))
      for (const auto& row : s.value("values", nlohmann::json::array()))
        for (size_t c = 1; c < row.size(); ++c)
          if (row[c].is_number()) n += row[c].get<int64_t>();
  return n;
}

uint64_t InfluxServer::TsmBytes() const { return DirBytes(dir() + "/data", ".tsm"); }
uint64_t InfluxServer::WalBytes() const { return DirBytes(dir() + "/wal"); }

}  // namespace lj::bench
