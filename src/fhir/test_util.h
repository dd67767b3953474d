// Test helpers for src/fhir: a ward in a temp dir (built-in ward models, a real TwinGraph and
// HistoryStore), a controllable clock, and vitals writers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/time.h"
#include "fhir/fhir_service.h"
#include "graph/twin_graph.h"
#include "history/history.h"
#include "model/testing/model_test_util.h"

namespace lj::fhir::testing {

using Json = nlohmann::json;

// 2026-01-01T10:00:00Z
inline constexpr int64_t kT0 = 1767261600LL * 1'000'000'000;
inline constexpr int64_t kSecond = 1'000'000'000;

class FhirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("lj_fhir_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Status s = model::testing::LoadBuiltins(models_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    auto g = graph::TwinGraph::Open((dir_ / "twins.db").string(), models_);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    graph_ = std::move(*g);
    history::HistoryOptions ho;
    ho.dir = (dir_ / "history").string();
    ho.sync = history::SyncPolicy::kNone;
    auto h = history::HistoryStore::Open(ho);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    history_ = std::move(*h);
    Put("ward-1", "dtmi:lingjing:ward:Ward;1", {{"name", "Ward 7"}});
    Put("room-1", "dtmi:lingjing:ward:Room;1", {{"name", "Room A01"}});
    Relate("ward-1", "contains-room-1", "contains", "room-1");
    for (int b = 1; b <= 2; ++b) {
      std::string n = std::to_string(b);
      Put("bed-" + n, "dtmi:lingjing:ward:Bed;1", {{"label", "A0" + n}});
      Put("monitor-" + n, "dtmi:lingjing:ward:BedsideMonitor;1", Json::object());
      Relate("room-1", "contains-bed-" + n, "contains", "bed-" + n);
      Relate("bed-" + n, "hasDevice-monitor-" + n, "hasDevice", "monitor-" + n);
    }
    Put("patient-1", "dtmi:lingjing:ward:Patient;1",
        {{"mrn", "41000001"},
         {"name", "Ada King Lovelace"},
         {"birthDate", "1950-03-04"},
         {"sex", "female"},
         {"problems", Json::array({"Pneumonia"})}});
    Put("patient-2", "dtmi:lingjing:ward:Patient;1",
        {{"mrn", "41000002"}, {"name", "Alan Turing"}, {"sex", "male"}});
    OpenService();
  }

  void TearDown() override {
    service_.reset();
    graph_.reset();
    if (history_) history_->Close().IgnoreError();  // test data only
    history_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void OpenService() {
    FhirOptions o;
    o.db_path = (dir_ / "fhir.db").string();
    o.now = [this] { return now_.load(); };
    auto s = FhirService::Open(o, *graph_, history_.get());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    service_ = std::move(*s);
    graph_->AddListener(service_.get());
  }

  void Put(const std::string& id, const std::string& model, const Json& props) {
    auto t = graph_->PutTwin(id, model, props);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
  }
  void Relate(const std::string& src, const std::string& id, const std::string& name,
              const std::string& target) {
    auto r = graph_->PutRelationship(src, id, name, target);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  // Puts `patient` in `bed` at time t (the clock is set to t first).
  void Admit(const std::string& bed, const std::string& patient, int64_t t) {
    now_ = t;
    Relate(bed, "occupiedBy", "occupiedBy", patient);
    service_->Sync();
  }
  void Discharge(const std::string& bed, int64_t t) {
    now_ = t;
    ASSERT_TRUE(graph_->DeleteRelationship(bed, "occupiedBy").ok());
    service_->Sync();
  }
  history::SeriesId Vital(const std::string& twin, const std::string& tel, int64_t t, double v) {
    auto id = history_->Intern({twin, tel, history::ValueType::kDouble, false});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    history::WriteBatch b;
    b.AddDouble(*id, t, v);
    auto lsn = history_->Write(b);
    EXPECT_TRUE(lsn.ok()) << lsn.status().ToString();
    return *id;
  }

  FhirResult Search(const std::string& type, const Params& p) { return service_->Search(type, p); }

  std::filesystem::path dir_;
  model::ModelRegistry models_;
  std::unique_ptr<graph::TwinGraph> graph_;
  std::unique_ptr<history::HistoryStore> history_;
  std::unique_ptr<FhirService> service_;
  std::atomic<int64_t> now_{kT0 - 3600 * kSecond};
};

// The resources of a searchset Bundle's entries.
inline std::vector<Json> Resources(const Json& bundle) {
  std::vector<Json> out;
  for (const Json& e : bundle.value("entry", Json::array())) out.push_back(e.at("resource"));
  return out;
}

inline std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The query of the Bundle's link `relation` as Params; nullopt when there is no such link.
inline std::optional<Params> LinkParams(const Json& bundle, const std::string& relation = "next") {
  for (const Json& l : bundle.value("link", Json::array())) {
    if (l.value("relation", "") != relation) continue;
    std::string url = l.value("url", "");
    Params out;
    size_t q = url.find('?');
    std::string_view query = q == std::string::npos ? "" : std::string_view(url).substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view kv = query.substr(0, amp);
      size_t eq = kv.find('=');
      out.emplace_back(Unescape(kv.substr(0, eq)), Unescape(kv.substr(eq + 1)));
      query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace lj::fhir::testing
