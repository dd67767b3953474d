// The cipher policy of every TLS link the engine makes: the HTTP/WebSocket and MLLP server
// contexts (server/tls.h, MakeServerTls) and the MQTT bridge's link to its broker. After
// Mozilla's "intermediate" server-side TLS configuration (guidelines 6.0): ECDHE key exchange
// with AES-GCM or ChaCha20-Poly1305 on TLS 1.2 (OpenSSL names), the three AEAD suites of TLS 1.3,
// and the key-exchange groups X25519, P-256 and P-384 (6.0 lists X25519MLKEM768 first; OpenSSL
// 3.0 lacks it). No CBC, no SHA-1 MAC, no static RSA or finite-field DH key exchange.
// doc/design/security.md ("Transport") lists the same.
#pragma once

namespace lj {

inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
inline constexpr const char* kTls13Ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
inline constexpr const char* kTlsGroups = "X25519:prime256v1:secp384r1";

}  // namespace lj
