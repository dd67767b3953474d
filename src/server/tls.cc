#include "server/tls.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace lj::server {
namespace {

namespace ssl = boost::asio::ssl;

// The newest OpenSSL error, for messages ("" when the queue is empty).
std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

Status Fail(const std::string& what) {
  const std::string why = OpenSslError();
  return Status(ErrorCode::kInternal, why.empty() ? what : what + ": " + why);
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return Fail(fmt::format("certificate extension {}", OBJ_nid2sn(nid)));
  return Status::Ok();
}

std::string Fingerprint(const X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return "";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) out += fmt::format("{}{:02X}", i ? ":" : "", md[i]);
  return out;
}

Result<std::string> FingerprintOfFile(const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status(ErrorCode::kIo, fmt::format("cannot open certificate '{}'", path));
  CertPtr cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!cert) return Fail(fmt::format("'{}' holds no PEM certificate", path));
  return Fingerprint(cert.get());
}

}  // namespace

Status GenerateDevCertificate(const std::string& cert_file, const std::string& key_file,
                              const std::vector<std::string>& names) {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Fail("EC P-256 key generation");
  CertPtr cert(X509_new());
  if (!cert) return Fail("X509_new");
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return Fail("certificate serial");
  serial[0] &= 0x7F;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  ASN1_INTEGER* sn = bn ? BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) : nullptr;
  BN_free(bn);
  if (!sn) return Fail("certificate serial");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate a slightly slow clock
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 825L * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Lingjing development"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(names.empty() ? "localhost" : names.front().c_str()),
      -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);  // self-signed
  std::string san;
  for (const std::string& n : names) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(n, ec);
    san += fmt::format("{}{}:{}", san.empty() ? "" : ",", ec ? "DNS" : "IP", n);
  }
  if (!san.empty()) LJ_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_alt_name, san));
  LJ_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  LJ_RETURN_IF_ERROR(
      AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment"));
  LJ_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Fail("certificate signature");

  // The key first, exclusively and private: an existing key is never replaced.
  const int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status(errno == EEXIST ? ErrorCode::kAlreadyExists : ErrorCode::kIo,
                  fmt::format("cannot create key file '{}': {}", key_file, std::strerror(errno)));
  }
  FilePtr kf(::fdopen(fd, "wb"));
  if (!kf) {
    ::close(fd);
    return Status(ErrorCode::kIo, fmt::format("cannot write key file '{}'", key_file));
  }
  if (PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      std::fflush(kf.get()) != 0 || ::fsync(fileno(kf.get())) != 0) {
    return Fail(fmt::format("writing key file '{}'", key_file));
  }
  const std::string tmp = cert_file + ".tmp";
  {
    FilePtr cf(std::fopen(tmp.c_str(), "wb"));
    if (!cf || PEM_write_X509(cf.get(), cert.get()) != 1 || std::fflush(cf.get()) != 0)
      return Fail(fmt::format("writing certificate '{}'", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, cert_file, ec);
  if (ec)
    return Status(ErrorCode::kIo,
                  fmt::format("cannot rename '{}' to '{}': {}", tmp, cert_file, ec.message()));
  return Status::Ok();
}

Result<ServerTls> MakeServerTls(const TlsOptions& options) {
  ServerTls out;
  std::string cert = options.cert_file, key = options.key_file;
  if (cert.empty() != key.empty())
    return Status(ErrorCode::kInvalidArgument, "tls: set both 'cert' and 'key', or neither");
  if (cert.empty()) {
    if (options.dev_dir.empty())
      return Status(ErrorCode::kInvalidArgument, "tls: no certificate and no directory for one");
    std::error_code ec;
    std::filesystem::create_directories(options.dev_dir, ec);
    cert = options.dev_dir + "/dev-cert.pem";
    key = options.dev_dir + "/dev-key.pem";
    if (!std::filesystem::exists(key)) {
      LJ_RETURN_IF_ERROR(GenerateDevCertificate(cert, key, options.dev_names));
      out.generated = true;
    }
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  SSL_CTX* native = ctx->native_handle();
  // The policy is set in full or the start fails: a context that fell back to OpenSSL's defaults
  // would offer CBC and SHA-1 suites again.
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    return Fail("tls: minimum protocol version TLS 1.2");
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    return Fail(fmt::format("tls: cipher list '{}'", kTls12Ciphers));
  if (SSL_CTX_set_ciphersuites(native, kTls13Ciphersuites) != 1)
    return Fail(fmt::format("tls: TLS 1.3 cipher suites '{}'", kTls13Ciphersuites));
  if (SSL_CTX_set1_groups_list(native, kTlsGroups) != 1)
    return Fail(fmt::format("tls: key exchange groups '{}'", kTlsGroups));
  ctx->use_certificate_chain_file(cert, ec);
  if (ec)
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("tls: certificate '{}': {}", cert, ec.message()));
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (!ec && SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    ec = boost::asio::error::invalid_argument;
  if (ec) {
    const bool mismatch = ec == boost::asio::error::invalid_argument ||
                          ec.message().find("mismatch") != std::string::npos;
    ERR_clear_error();
    return Status(ErrorCode::kInvalidArgument,
                  mismatch ? fmt::format("tls: key '{}' does not match certificate '{}'", key, cert)
                           : fmt::format("tls: key '{}': {}", key, ec.message()));
  }
  Result<std::string> fp = FingerprintOfFile(cert);
  if (!fp.ok()) return fp.status();
  out.context = std::move(ctx);
  out.cert_file = cert;
  out.fingerprint_sha256 = *fp;
  return out;
}

}  // namespace lj::server
