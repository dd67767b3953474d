// TLS for the HTTP/WebSocket front door (doc/design/security.md, "Transport"). Builds the
// server's OpenSSL context from a PEM certificate chain and key, or, when none is configured, from
// a self-signed development certificate generated on first start and kept for the next ones (so
// a browser exception or a pinned fingerprint stays valid).
//
// Contract: TLS 1.2 or newer only, and only forward-secret AEAD cipher suites (kTls12Ciphers,
// kTls13Ciphersuites: no CBC, no SHA-1 MAC, no static RSA or finite-field DH key exchange); the
// key must match the certificate (checked at start, not at the first handshake). The generated key
// file is created with mode 0600, never overwritten, and never logged; only the certificate's
// SHA-256 fingerprint is. Thread-safety: MakeServerTls and GenerateDevCertificate are independent
// calls; the returned context is shared read-only by every io thread.
#pragma once

#include "common/tls_policy.h"

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace boost::asio::ssl {
class context;
}

namespace lj::server {

// The cipher policy (kTls12Ciphers, kTls13Ciphersuites, kTlsGroups) is common/tls_policy.h.
using lj::kTls12Ciphers;
using lj::kTls13Ciphersuites;
using lj::kTlsGroups;

struct TlsOptions {
  bool enabled = false;
  std::string cert_file, key_file;  // PEM; both empty: the development certificate in dev_dir
  std::string dev_dir;              // where dev-cert.pem and dev-key.pem live
  // Subject alternative names of a generated certificate (DNS names or IP addresses).
  std::vector<std::string> dev_names = {"localhost", "127.0.0.1", "::1"};
};

struct ServerTls {
  std::shared_ptr<boost::asio::ssl::context> context;
  std::string cert_file;           // the certificate in use
  std::string fingerprint_sha256;  // "AB:CD:…" of the leaf certificate
  bool generated = false;          // a development certificate was created by this call
};

Result<ServerTls> MakeServerTls(const TlsOptions& options);

// Writes a self-signed certificate (EC P-256, SHA-256, 825 days, the given SANs) and its key.
// Refuses (kAlreadyExists) to overwrite an existing key file.
Status GenerateDevCertificate(const std::string& cert_file, const std::string& key_file,
                              const std::vector<std::string>& names);

}  // namespace lj::server
