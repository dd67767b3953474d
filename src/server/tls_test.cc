// TLS for HTTP and WebSocket (server/tls.h): the development certificate (generated once, key
// private, never overwritten, reused with the same fingerprint), configuration errors, and an
// in-process server on TLS: HTTPS with certificate verification and HSTS, wss:// with the same
// access control as ws://, and a plain-HTTP client refused and counted.
#include "server/tls.h"

#include <sys/stat.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fstream>

#include "server/access_test_util.h"

namespace lj::server::testing {
namespace {

namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using SslSocket = ssl::stream<net::ip::tcp::socket>;

class TlsTest : public AccessServerTest {
 protected:
  void SetUp() override {
    AccessServerTest::SetUp();
    TlsOptions o;
    o.enabled = true;
    o.dev_dir = (dir_ / "tls").string();
    auto t = MakeServerTls(o);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tls_ = *t;
    tls_server_ = std::make_unique<HttpServer>(*ctx_, tls_.context);
    ASSERT_TRUE(tls_server_->Start().ok());
    client_.set_verify_mode(ssl::verify_peer);
    client_.load_verify_file(tls_.cert_file);  // trust exactly the development certificate
  }
  void TearDown() override {
    if (tls_server_) tls_server_->Stop();
    AccessServerTest::TearDown();
  }
  // A verified TLS connection to the TLS server, the certificate checked for `name`.
  std::unique_ptr<SslSocket> Connect(net::io_context& ioc, const std::string& name,
                                     boost::beast::error_code& ec) {
    auto s = std::make_unique<SslSocket>(ioc, client_);
    s->next_layer().connect({net::ip::make_address("127.0.0.1"), tls_server_->port()});
    s->set_verify_callback(ssl::host_name_verification(name));
    s->handshake(ssl::stream_base::client, ec);
    return s;
  }

  ServerTls tls_;
  std::unique_ptr<HttpServer> tls_server_;
  ssl::context client_{ssl::context::tls_client};
};

TEST(Tls, DevelopmentCertificateIsMadeOnceWithAPrivateKeyAndReused) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("lj_tls_dev_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  TlsOptions o;
  o.enabled = true;
  o.dev_dir = dir.string();
  auto first = MakeServerTls(o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->generated);
  EXPECT_EQ(first->fingerprint_sha256.size(), 32u * 3 - 1);  // "AB:CD:…", SHA-256
  struct stat st {};
  ASSERT_EQ(::stat((dir / "dev-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = MakeServerTls(o);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(second->fingerprint_sha256, first->fingerprint_sha256);
  // An existing key is never overwritten.
  Status again = GenerateDevCertificate((dir / "c.pem").string(), (dir / "dev-key.pem").string(),
                                        {"localhost"});
  EXPECT_EQ(again.code(), ErrorCode::kAlreadyExists);
  std::filesystem::remove_all(dir);
}

TEST(Tls, ConfigurationErrorsSayWhatIsWrong) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("lj_tls_cfg_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  TlsOptions half;
  half.cert_file = (dir / "c.pem").string();
  EXPECT_EQ(MakeServerTls(half).status().code(), ErrorCode::kInvalidArgument);

  // Two certificates; the first's certificate with the second's key.
  const std::string c1 = (dir / "c1.pem").string(), k1 = (dir / "k1.pem").string();
  const std::string c2 = (dir / "c2.pem").string(), k2 = (dir / "k2.pem").string();
  ASSERT_TRUE(GenerateDevCertificate(c1, k1, {"a.example"}).ok());
  ASSERT_TRUE(GenerateDevCertificate(c2, k2, {"b.example"}).ok());
  TlsOptions mixed;
  mixed.cert_file = c1;
  mixed.key_file = k2;
  auto r = MakeServerTls(mixed);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not match"), std::string::npos) << r.status().message();
  TlsOptions missing;
  missing.cert_file = (dir / "nope.pem").string();
  missing.key_file = k1;
  r = MakeServerTls(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nope.pem"), std::string::npos) << r.status().message();
  TlsOptions good;
  good.cert_file = c1;
  good.key_file = k1;
  EXPECT_TRUE(MakeServerTls(good).ok());
  std::filesystem::remove_all(dir);
}

TEST_F(TlsTest, HttpsIsVerifiableAndSendsHsts) {
  net::io_context ioc;
  boost::beast::error_code ec;
  auto s = Connect(ioc, "127.0.0.1", ec);
  ASSERT_FALSE(ec) << ec.message();
  http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(*s, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(*s, buf, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[http::field::strict_transport_security], "max-age=31536000");
  // Access control is the same as over plain HTTP.
  req.target("/api/v1/twins");
  http::write(*s, req);
  http::response<http::string_body> denied;
  http::read(*s, buf, denied);
  EXPECT_EQ(denied.result_int(), 401);
}

TEST_F(TlsTest, TheCertificateNamesOnlyItsHosts) {
  net::io_context ioc;
  boost::beast::error_code ec;
  Connect(ioc, "localhost", ec);
  EXPECT_FALSE(ec) << ec.message();
  Connect(ioc, "evil.example", ec);
  EXPECT_TRUE(ec);  // host name verification fails
}

TEST_F(TlsTest, SecureWebSocketAdmitsAndServesLikePlain) {
  AddUser("boss", auth::Role::kAdministrator);
  net::io_context ioc;
  boost::beast::error_code ec;
  auto s = Connect(ioc, "127.0.0.1", ec);
  ASSERT_FALSE(ec) << ec.message();
  websocket::stream<SslSocket&> ws(*s);
  const std::string cookie = SessionCookie("boss");
  ws.set_option(websocket::stream_base::decorator(
      [&](websocket::request_type& r) { r.set(http::field::cookie, cookie); }));
  ws.handshake("127.0.0.1:" + std::to_string(tls_server_->port()), "/ws", ec);
  ASSERT_FALSE(ec) << ec.message();
  ws.write(net::buffer(nlohmann::json({{"op", "ping"}, {"seq", 3}}).dump()));
  boost::beast::flat_buffer buf;
  ws.read(buf);
  auto pong = nlohmann::json::parse(boost::beast::buffers_to_string(buf.data()));
  EXPECT_EQ(pong["op"], "pong");
  EXPECT_EQ(pong["seq"], 3);

  // Without a credential the upgrade is refused, as on ws://.
  auto s2 = Connect(ioc, "127.0.0.1", ec);
  ASSERT_FALSE(ec);
  websocket::stream<SslSocket&> anon(*s2);
  anon.handshake("127.0.0.1", "/ws", ec);
  EXPECT_EQ(ec, websocket::error::upgrade_declined);
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsNoAnswerAndIsCounted) {
  net::io_context ioc;
  net::ip::tcp::socket sock(ioc);
  sock.connect({net::ip::make_address("127.0.0.1"), tls_server_->port()});
  http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(sock, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  boost::beast::error_code ec;
  http::read(sock, buf, res, ec);
  EXPECT_TRUE(ec);  // the server answered with a TLS alert (or closed), never with HTTP
  sock.close();
  // The failure is counted once the server has seen it.
  for (int i = 0; i < 200; ++i) {
    if (metrics_.RenderPrometheus().find("lj_tls_handshake_failures_total 1") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(metrics_.RenderPrometheus().find("lj_tls_handshake_failures_total 1"),
            std::string::npos);
  // The plain server beside it is unaffected.
  EXPECT_EQ(Http(http::verb::get, "/healthz", "").status, 200);
}

}  // namespace
}  // namespace lj::server::testing
