#include "lingjing_server.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "http_client.h"

namespace lj::bench {

LingjingServer::~LingjingServer() {
  if (process) process->Stop();
}

std::unique_ptr<LingjingServer> LingjingServer::Start(const std::string& binary,
                                                      const std::vector<std::string>& extra,
                                                      std::string* error,
                                                      const std::vector<std::string>& prefix) {
  auto s = std::make_unique<LingjingServer>();
  s->dir = std::make_unique<TempDir>("lj-bench-lingjing");
  s->port = FreePort();
  // Access control is on by default, and stays on: the benchmark's clients present a service
  // token ("bench", also the MQTT publisher name), so every request pays for its check.
  std::filesystem::create_directories(s->dir->path() + "/data");
  const std::string token_cmd = binary +
                                " token create --kind service --name bench --scope ingest "
                                "--scope read --scope adt --scope metrics --data '" +
                                s->dir->path() + "/data' 2>/dev/null";
  std::string secret;
  if (FILE* f = popen(token_cmd.c_str(), "r")) {
    char line[256] = {};
    if (std::fgets(line, sizeof line, f)) secret = line;
    pclose(f);
  }
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.rfind("ljs_", 0) != 0) {
    *error = "cannot create the benchmark's token with `" + token_cmd + "`";
    return nullptr;
  }
  SetAuthorization(s->port, "Bearer " + secret);
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {binary, "serve", "--port", std::to_string(s->port), "--data",
                           s->dir->path() + "/data"});
  argv.insert(argv.end(), extra.begin(), extra.end());
  s->process = Process::Start(argv, s->dir->path() + "/lingjing.log");
  if (!s->process) {
    *error = "cannot start " + binary;
    return nullptr;
  }
  const uint16_t port = s->port;
  Process* p = s->process.get();
  if (!WaitFor([&] { return HttpOnce(port, "GET", "/healthz").status == 200 || !p->Running(); },
               std::chrono::seconds(60)) ||
      !p->Running()) {
    *error = "lingjing did not come up:\n" + p->LogTail();
    return nullptr;
  }
  return s;
}

std::string LingjingServer::Metrics() const { return HttpOnce(port, "GET", "/metrics").body; }

size_t LingjingServer::CreateTwins(const std::vector<std::string>& ids, int concurrency) const {
  const std::string body =
      nlohmann::json{{"$metadata", {{"$model", kMonitorModel}}}, {"serialNumber", "bench"}}.dump();
  return ParallelRequests(port, ids.size(), concurrency, [&](HttpConnection& c, size_t i) {
    HttpResponse r = c.Request("PUT", "/api/v1/twins/" + ids[i], body);
    if (r.status >= 200 && r.status < 300) return true;
    std::fprintf(stderr, "  PUT twin %s: HTTP %d %s\n", ids[i].c_str(), r.status,
                 r.body.substr(0, 200).c_str());
    return false;
  });
}

VitalsCheck CheckVitalsRest(const LingjingServer& s, const Workload& w, int n) {
  VitalsCheck out;
  if (w.twins.empty() || n <= 0) return out;
  const size_t step = std::max<size_t>(1, w.twins.size() / static_cast<size_t>(n));
  HttpConnection c(s.port);
  for (size_t i = 0; i < w.twins.size() && out.twins_checked < static_cast<size_t>(n); i += step) {
    const std::string& id = w.twins[i];
    auto want = w.last_vitals.find(id);
    if (want == w.last_vitals.end()) continue;
    ++out.twins_checked;
    HttpResponse r = c.Request("GET", "/api/v1/twins/" + id + "/telemetry");
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    bool match = r.status == 200 && !j.is_discarded() && j.contains("telemetry");
    std::string why = match ? "" : "HTTP " + std::to_string(r.status);
    for (const auto& [field, value] : want->second) {
      if (!match) break;
      const auto& tel = j["telemetry"];
      if (!tel.contains(field) || !tel[field].contains("v") || !tel[field]["v"].is_number()) {
        match = false;
        why = "no value for " + field;
      } else if (std::abs(tel[field]["v"].get<double>() - value) > 1e-9) {
        match = false;
        why = field + " = " + tel[field]["v"].dump() + ", last sent " + std::to_string(value);
      }
    }
    if (match)
      ++out.twins_matching;
    else if (out.first_mismatch.empty())
      out.first_mismatch = id + ": " + why;
  }
  return out;
}

}  // namespace lj::bench
