// Test support for the MllpServer tests (mllp_server_test.cc, mllp_durable_ack_test.cc): a
// blocking MLLP client over loopback TCP, message builders, and the fixture — a temporary SQLite
// twin graph holding the demo ward, the real live::Pipeline and a running MllpServer.
#pragma once

#include "hl7/mllp_server.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "common/time.h"
#include "history/history.h"
#include "hl7/dtm.h"
#include "hl7/message.h"
#include "hl7/mllp.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "server/tls.h"
#include "sim/ward_builder.h"

namespace lj::hl7 {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void Write(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // Reads one framed ACK and parses it.
  Message ReadAck() {
    boost::system::error_code ec;
    size_t n = asio::read_until(socket_, asio::dynamic_buffer(in_), "\x1c\r", ec);
    EXPECT_FALSE(ec) << ec.message();
    if (ec) return *Message::Parse("MSH|^~\\&|\rMSA|XX\r");
    std::string frame = in_.substr(0, n);
    in_.erase(0, n);
    EXPECT_EQ(frame.front(), kMllpStart);
    Result<Message> m = Message::Parse(frame.substr(1, frame.size() - 3));
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : *Message::Parse("MSH|^~\\&|\rMSA|XX\r");
  }
  Message Send(std::string_view payload) {
    Write(MllpFrame(payload));
    return ReadAck();
  }
  // True when bytes of an answer are (or within `wait` become) readable. For asserting that an
  // ACK is held back: a correct server never sends it, so the bound only limits how long a
  // wrong one has to show itself.
  bool AnswerArrives(std::chrono::milliseconds wait) {
    const auto end = std::chrono::steady_clock::now() + wait;
    for (;;) {
      boost::system::error_code ec;
      if (!in_.empty() || socket_.available(ec) > 0 || ec) return true;
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  bool ClosedByPeer() {
    char c;
    boost::system::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::string in_;
};

std::string Msh(std::string_view type, std::string_view control_id) {
  return fmt::format("MSH|^~\\&|HIS|HOSP|LINGJING|WARD|{}||{}|{}|P|2.5\r", FormatDtm(NowNs()), type,
                     control_id);
}

std::string Adt(std::string_view event, std::string_view control_id, std::string_view mrn,
                std::string_view bed, std::string_view extra_pid = "Doe^Jane^Q||19700102|F") {
  return Msh(fmt::format("ADT^{}^ADT_{}", event, event), control_id) +
         fmt::format("EVN|{}|20261123101500\r", event) +
         fmt::format("PID|1||{}^^^HOSP^MR||{}\r", mrn, extra_pid) +
         fmt::format("PV1|1|I|WARD-A^^{}^HOSP\r", bed);
}

class MllpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lj_hl7_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (const auto& [name, text] : model::BuiltinWardModels()) {
      ASSERT_TRUE(models_.LoadJson(text, name).ok()) << name;
    }
    ASSERT_TRUE(models_.Resolve().ok());
    auto g = graph::TwinGraph::Open((dir_ / "graph.db").string(), models_);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    graph_ = std::move(*g);
    live_ = std::make_unique<live::LiveState>(models_, live::LiveOptions{});
    graph_->AddListener(live_.get());
    sim::WardLayout layout;
    layout.beds = 4;
    Status s = sim::BuildWard(*graph_, layout);
    ASSERT_TRUE(s.ok()) << s.ToString();
    pipeline_ = std::make_unique<live::Pipeline>(*live_, metrics_, live::PipelineOptions{});
    Restart([](MllpOptions&) {});
  }
  // (Re)starts the server with the fixture's options changed by `change`.
  void Restart(const std::function<void(MllpOptions&)>& change) {
    server_.reset();
    MllpOptions o;
    o.port = 0;
    o.max_message_bytes = 4096;
    change(o);
    auto server = MllpServer::Start(o, *graph_, sink_ ? *sink_ : *pipeline_, metrics_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }
  void TearDown() override {
    server_.reset();
    pipeline_.reset();
    graph_.reset();
    live_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Occupant(const std::string& bed) {
    auto rels = graph_->ListRelationships(bed);
    EXPECT_TRUE(rels.ok());
    std::string who;
    for (const auto& r : *rels) {
      if (r.name == "occupiedBy") who += (who.empty() ? "" : ",") + r.target;
    }
    return who;
  }
  // Latest value and time of a monitor's scalar telemetry; NaN when none.
  std::pair<double, int64_t> Latest(const std::string& twin, const std::string& telemetry) {
    std::pair<double, int64_t> out{std::nan(""), 0};
    auto t = live_->Find(twin);
    if (!t) return out;
    live_->WithShard(t->shard, [&](live::LiveState::TwinMap&) {
      int i = t->model->FindTelemetry(telemetry);
      if (i >= 0 && t->series[static_cast<size_t>(i)].has_value()) {
        out = {t->series[static_cast<size_t>(i)].d, t->series[static_cast<size_t>(i)].t_ns};
      }
    });
    return out;
  }
  uint64_t Counter(const std::string& needle) {
    const std::string text = metrics_.RenderPrometheus();
    size_t p = text.find("\n" + needle + " ");
    return p == std::string::npos ? 0 : std::stoull(text.substr(p + needle.size() + 2));
  }

  std::filesystem::path dir_;
  model::ModelRegistry models_;
  metrics::Registry metrics_;
  std::unique_ptr<graph::TwinGraph> graph_;
  std::unique_ptr<live::LiveState> live_;
  std::unique_ptr<live::Pipeline> pipeline_;
  ingest::IngestSink* sink_ = nullptr;  // instead of pipeline_ when set
  std::unique_ptr<MllpServer> server_;
};

std::string Oru(std::string_view control_id, std::string_view mrn, std::string_view obx) {
  return Msh("ORU^R01^ORU_R01", control_id) + fmt::format("PID|||{}^^^HOSP^MR||Doe^Jane\r", mrn) +
         "OBR|1|||182777000^monitoring of patient^SNOMED-CT|||20261123101500\r" + std::string(obx);
}

}  // namespace
}  // namespace lj::hl7
