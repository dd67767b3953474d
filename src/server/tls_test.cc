// TLS for HTTP and WebSocket (server/tls.h): the development certificate (generated once, key
// private, never overwritten, reused with the same fingerprint), configuration errors, the cipher
// policy (every suite, TLS 1.3 suite and group OpenSSL knows tried against the context: only the
// forward-secret AEAD ones are accepted, for an EC and an RSA certificate), and an in-process
// server on TLS: HTTPS with certificate verification and HSTS, CBC/SHA-1 suites refused and AEAD
// ones served, wss:// with the same access control as ws://, plain HTTP refused and counted.
#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>

#include "server/access_test_util.h"

namespace lj::server::testing {
namespace {

namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using SslSocket = ssl::stream<net::ip::tcp::socket>;
using ClientSetup = std::function<void(SSL*)>;

// A client that offers only `suite` on TLS 1.2 (security level 0: it would take anything, so the
// server alone decides).
ClientSetup Tls12Only(const std::string& suite) {
  return [suite](SSL* ssl) {
    SSL_set_security_level(ssl, 0);
    SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
    SSL_set_cipher_list(ssl, (suite + ":@SECLEVEL=0").c_str());
  };
}

// A client that offers only `suites` on TLS 1.3, with the key-exchange `groups`.
ClientSetup Tls13Only(const std::string& suites, const std::string& groups = "") {
  return [suites, groups](SSL* ssl) {
    SSL_set_min_proto_version(ssl, TLS1_3_VERSION);
    SSL_set_ciphersuites(ssl, suites.c_str());
    if (!groups.empty()) SSL_set1_groups_list(ssl, groups.c_str());
  };
}

struct Negotiated {
  bool ok = false;
  int version = 0;
  std::string suite;
};

// One handshake between the server context and a fresh client over a memory BIO pair.
Negotiated HandshakeInMemory(SSL_CTX* server, const ClientSetup& setup) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> cctx(SSL_CTX_new(TLS_client_method()),
                                                         SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> c(SSL_new(cctx.get()), SSL_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> s(SSL_new(server), SSL_free);
  BIO *cb = nullptr, *sb = nullptr;
  if (!c || !s || BIO_new_bio_pair(&cb, 0, &sb, 0) != 1) return {};
  SSL_set_bio(c.get(), cb, cb);
  SSL_set_bio(s.get(), sb, sb);
  SSL_set_connect_state(c.get());
  SSL_set_accept_state(s.get());
  setup(c.get());
  bool done[2] = {false, false};
  SSL* side[2] = {c.get(), s.get()};
  for (int round = 0; round < 20 && !(done[0] && done[1]); ++round) {
    for (int i = 0; i < 2; ++i) {
      if (done[i]) continue;
      const int r = SSL_do_handshake(side[i]);
      if (r == 1) {
        done[i] = true;
        continue;
      }
      const int e = SSL_get_error(side[i], r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return {};
      }
    }
  }
  ERR_clear_error();
  if (!done[0] || !done[1]) return {};
  return {true, SSL_version(c.get()), SSL_CIPHER_get_name(SSL_get_current_cipher(c.get()))};
}

// Every TLS 1.2-and-older suite this OpenSSL knows (TLS 1.3 suites are listed apart).
std::vector<std::string> EveryTls12Suite() {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_cipher_list(ctx.get(), "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  std::vector<std::string> out;
  STACK_OF(SSL_CIPHER)* list = SSL_get_ciphers(ssl.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
    if (std::string_view(SSL_CIPHER_get_version(c)) != "TLSv1.3")
      out.push_back(SSL_CIPHER_get_name(c));
  }
  return out;
}

// The suites (or groups) of `offers` the server context accepts, one client per offer.
std::set<std::string> Accepted(SSL_CTX* server, const std::vector<std::string>& offers,
                               const std::function<ClientSetup(const std::string&)>& client) {
  std::set<std::string> out;
  for (const std::string& offer : offers)
    if (HandshakeInMemory(server, client(offer)).ok) out.insert(offer);
  return out;
}

// A self-signed RSA-2048 certificate and its key as PEM files (the development certificate is EC).
bool WriteRsaCertificate(const std::string& cert_file, const std::string& key_file) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) return false;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return false;
  std::unique_ptr<FILE, decltype(&std::fclose)> cf(std::fopen(cert_file.c_str(), "wb"),
                                                   std::fclose);
  std::unique_ptr<FILE, decltype(&std::fclose)> kf(std::fopen(key_file.c_str(), "wb"), std::fclose);
  return cf && kf && PEM_write_X509(cf.get(), cert.get()) == 1 &&
         PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
}

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
  // A verified TLS connection to the TLS server, the certificate checked for `name`; `setup`
  // restricts what the client offers.
  std::unique_ptr<SslSocket> Connect(net::io_context& ioc, const std::string& name,
                                     boost::beast::error_code& ec,
                                     const ClientSetup& setup = nullptr) {
    auto s = std::make_unique<SslSocket>(ioc, client_);
    s->next_layer().connect({net::ip::make_address("127.0.0.1"), tls_server_->port()});
    s->set_verify_callback(ssl::host_name_verification(name));
    if (setup) setup(s->native_handle());
    s->handshake(ssl::stream_base::client, ec);
    return s;
  }
  int GetHealthz(SslSocket& s) {
    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return res.result_int();
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

// Issue 15: the contexts offered CBC suites with SHA-1 (and SHA-2) MACs on TLS 1.2. Every suite
// OpenSSL knows is tried alone: only ECDHE with AES-GCM or ChaCha20-Poly1305 gets through, for the
// development (EC) certificate and for an RSA one; on TLS 1.3 only the AEAD suites of the profile,
// and only the groups X25519, P-256 and P-384. (MLLP over TLS uses the same MakeServerTls.)
TEST(Tls, OnlyForwardSecretAeadSuitesAreAccepted) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("lj_tls_suites_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  TlsOptions ec;
  ec.dev_dir = (dir / "dev").string();
  TlsOptions rsa;
  rsa.cert_file = (dir / "rsa-cert.pem").string();
  rsa.key_file = (dir / "rsa-key.pem").string();
  ASSERT_TRUE(WriteRsaCertificate(rsa.cert_file, rsa.key_file));
  const std::vector<std::string> tls12 = EveryTls12Suite();
  ASSERT_GT(tls12.size(), 50u);  // CBC, SHA-1, static RSA, DHE, CCM, ARIA, CAMELLIA, PSK, ...
  for (const char* cbc : {"AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA"})
    ASSERT_NE(std::find(tls12.begin(), tls12.end(), cbc), tls12.end()) << cbc;
  const std::vector<std::pair<const TlsOptions*, std::set<std::string>>> cases = {
      {&ec,
       {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305"}},
      {&rsa,
       {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-RSA-CHACHA20-POLY1305"}},
  };
  for (const auto& [options, want] : cases) {
    SCOPED_TRACE(options->cert_file.empty() ? "EC development certificate" : "RSA certificate");
    Result<ServerTls> tls = MakeServerTls(*options);
    ASSERT_TRUE(tls.ok()) << tls.status().ToString();
    SSL_CTX* server = tls->context->native_handle();
    EXPECT_EQ(Accepted(server, tls12, Tls12Only), want);
    const std::set<std::string> tls13 = Accepted(
        server,
        {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
         "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"},
        [](const std::string& suite) { return Tls13Only(suite); });
    EXPECT_EQ(tls13, (std::set<std::string>{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                            "TLS_CHACHA20_POLY1305_SHA256"}));
    const std::set<std::string> groups = Accepted(
        server,
        {"X25519", "prime256v1", "secp384r1", "secp521r1", "X448", "ffdhe2048", "ffdhe3072"},
        [](const std::string& group) { return Tls13Only("TLS_AES_128_GCM_SHA256", group); });
    EXPECT_EQ(groups, (std::set<std::string>{"X25519", "prime256v1", "secp384r1"}));
    // A client offering everything gets TLS 1.3.
    Negotiated best = HandshakeInMemory(server, [](SSL*) {});
    EXPECT_TRUE(best.ok);
    EXPECT_EQ(best.version, TLS1_3_VERSION);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(TlsTest, CbcAndSha1SuitesAreRefusedAndAeadSuitesServed) {
  net::io_context ioc;
  boost::beast::error_code ec;
  for (const char* cbc : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA",
                          "ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384"}) {
    SCOPED_TRACE(cbc);
    Connect(ioc, "127.0.0.1", ec, Tls12Only(cbc));
    EXPECT_TRUE(ec) << "the handshake with only " << cbc << " succeeded";
  }
  auto gcm = Connect(ioc, "127.0.0.1", ec, Tls12Only("ECDHE-ECDSA-AES128-GCM-SHA256"));
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(SSL_version(gcm->native_handle()), TLS1_2_VERSION);
  EXPECT_STREQ(SSL_get_cipher_name(gcm->native_handle()), "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(GetHealthz(*gcm), 200);
  auto tls13 = Connect(ioc, "127.0.0.1", ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(SSL_version(tls13->native_handle()), TLS1_3_VERSION);
  EXPECT_EQ(GetHealthz(*tls13), 200);
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
