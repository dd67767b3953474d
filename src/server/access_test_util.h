// A real in-process server with access control on, listening on 127.0.0.1 (port 0), over a
// small ward graph from the built-in models: hospital → ward-a (beds a01, a02) and ward-b (b01,
// b02), each bed with its patient and bedside monitor. Principals of every role, and a tiny
// synchronous HTTP client. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "auth/identity_store.h"
#include "auth/scope_resolver.h"
#include "graph/twin_graph.h"
#include "live/graph_resolver.h"
#include "live/live_state.h"
#include "model/model.h"
#include "server/access.h"
#include "server/http_server.h"
#include "sim/ward_builder.h"

namespace lj::server::testing {

struct NullSink : ingest::IngestSink {
  ingest::IngestReport Ingest(ingest::ParsedBatch& b, ingest::Protocol) override {
    ingest::IngestReport r;
    r.accepted = b.samples.size();
    return r;
  }
};
struct Reply {
  int status = 0;
  std::string body;
  std::string set_cookie, www_authenticate;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

class AccessServerTest : public ::testing::Test {
 protected:
  static constexpr const char* kPassword = "correct horse battery";

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lj_access_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (const auto& [name, text] : model::BuiltinWardModels())
      ASSERT_TRUE(models_.LoadJson(text, "builtin:" + name).ok());
    ASSERT_TRUE(models_.Resolve().ok());
    auto g = graph::TwinGraph::Open((dir_ / "twins.db").string(), models_);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    graph_ = std::move(g).value();
    for (const char* ward : {"ward-a", "ward-b"}) {
      sim::WardLayout l;
      l.beds = 2;
      l.ward_id = ward;
      l.ward_name = ward;
      ASSERT_TRUE(sim::BuildWard(*graph_, l).ok());
    }
    // The scope resolver listens before LiveState (as in the engine, ws_access.h): its cache is
    // dropped before subscriptions re-resolve.
    scopes_ = std::make_unique<auth::GraphScopeResolver>(*graph_, &models_);
    graph_->AddListener(scopes_.get());
    resolver_ = std::make_unique<live::GraphResolver>(*graph_);
    live_ = std::make_unique<live::LiveState>(models_, live::LiveOptions{});
    graph_->AddListener(live_.get());
    auto twins = graph_->ListTwins();
    ASSERT_TRUE(twins.ok());
    for (const graph::Twin& t : *twins) live_->OnTwinUpserted(t, true);
    auth::AuthOptions ao;
    ao.argon2 = {64, 1, 1};  // cheap hashes: tests, not production
    auto ids = auth::IdentityStore::Open((dir_ / "auth.db").string(), ao);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    identities_ = std::move(ids).value();
    audit::AuditOptions uo;
    uo.path = (dir_ / "audit.db").string();
    auto a = audit::AuditLog::Open(uo);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    audit_ = std::move(a).value();
    AccessOptions opts;
    opts.login = {3, 3600, 1000};  // 3 failures, then one per hour: no refill during a test
    access_.reset(new AccessControl{*identities_, *scopes_, *audit_, opts});
    fanout_ = std::make_unique<live::FanoutMetrics>(metrics_);
    ServerOptions so;
    so.port = 0;
    so.threads = 1;
    ctx_.reset(new ServerContext{.models = models_,
                                 .graph = *graph_,
                                 .live = *live_,
                                 .ingest = sink_,
                                 .resolver = *resolver_,
                                 .metrics = metrics_,
                                 .fanout = *fanout_,
                                 .options = so});
    ctx_->access = access_.get();
    server_ = std::make_unique<HttpServer>(*ctx_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    if (audit_) audit_->Close();
    std::filesystem::remove_all(dir_);
  }

  void AddUser(const std::string& name, auth::Role role, std::vector<std::string> wards = {},
               std::string patient = {}) {
    auth::NewUser u{name, role, std::move(wards), std::move(patient), kPassword};
    ASSERT_TRUE(identities_->AddUser(u).ok()) << name;
  }
  // "Cookie: lj_session=…" for a fresh session of `user`.
  std::string SessionCookie(const std::string& user) {
    auto s = identities_->Login(user, kPassword);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? "lj_session=" + s->secret : "";
  }
  std::string Token(auth::TokenKind kind, const std::string& name, std::vector<std::string> twins,
                    uint32_t scopes) {
    auth::NewToken t;
    t.kind = kind;
    t.name = name;
    t.created_by = "test";
    t.twins = std::move(twins);
    t.scopes = scopes;
    auto issued = identities_->CreateToken(t);
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return issued.ok() ? issued->secret : "";
  }

  // One request over a fresh connection. `auth` is "Cookie: …" (a cookie) or an Authorization
  // value ("Bearer …"), or empty.
  Reply Http(boost::beast::http::verb verb, const std::string& target, const std::string& auth,
             const std::string& body = "") {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    net::io_context ioc;
    net::ip::tcp::socket sock(ioc);
    sock.connect({net::ip::make_address("127.0.0.1"), server_->port()});
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (auth.rfind("lj_session=", 0) == 0)
      req.set(http::field::cookie, auth);
    else if (!auth.empty())
      req.set(http::field::authorization, auth);
    req.body() = body;
    req.prepare_payload();
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    Reply r;
    r.status = res.result_int();
    r.body = res.body();
    r.set_cookie = std::string(res[http::field::set_cookie]);
    r.www_authenticate = std::string(res[http::field::www_authenticate]);
    return r;
  }

  std::filesystem::path dir_;
  model::ModelRegistry models_;
  std::unique_ptr<graph::TwinGraph> graph_;
  std::unique_ptr<live::LiveState> live_;
  std::unique_ptr<auth::IdentityStore> identities_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<auth::GraphScopeResolver> scopes_;
  std::unique_ptr<AccessControl> access_;
  metrics::Registry metrics_;
  std::unique_ptr<live::FanoutMetrics> fanout_;
  NullSink sink_;
  std::unique_ptr<live::GraphResolver> resolver_;  // subscriptions resolve over the graph
  std::unique_ptr<ServerContext> ctx_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace lj::server::testing
