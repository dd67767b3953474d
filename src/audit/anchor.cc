#include "audit/anchor.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/record_codec.h"

namespace lj::audit {
namespace {

constexpr const char* kMagic = "lingjing-audit-anchor 1";

std::string MacInput(const Anchor& a) {
  return std::string(kMagic) + "|" + std::to_string(a.seq) + "|" + a.hash;
}

Status WriteFileDurably(const std::string& path, const std::string& text, mode_t mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status(ErrorCode::kIo, "cannot write '" + tmp + "'");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status(ErrorCode::kIo, "cannot replace '" + path + "'");
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: the rename is durable once the directory is
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> LoadKey(const std::string& path, bool create) {
  std::ifstream in(path);
  if (in) {
    std::string hex;
    in >> hex;
    if (!IsHash(hex))
      return Status(ErrorCode::kInvalidArgument, "audit key '" + path + "' is malformed");
    return hex;
  }
  if (std::filesystem::exists(path))
    return Status(ErrorCode::kIo, "cannot read audit key '" + path + "'");
  if (!create) return Status(ErrorCode::kNotFound, "no audit key '" + path + "'");
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return Status(ErrorCode::kInternal, "the OS random number generator failed (RAND_bytes)");
  std::string hex = Sha256Hex(std::string(reinterpret_cast<char*>(raw), sizeof raw));
  OPENSSL_cleanse(raw, sizeof raw);
  LJ_RETURN_IF_ERROR(WriteFileDurably(path, hex + "\n", 0600));
  return hex;
}

Result<std::optional<Anchor>> ReadAnchor(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  if (!in) {
    if (std::filesystem::exists(path))
      return Status(ErrorCode::kIo, "cannot read anchor '" + path + "'");
    return std::optional<Anchor>();
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::istringstream lines(buf.str());
  std::string magic, seq, hash, mac;
  std::getline(lines, magic);
  std::getline(lines, seq);
  std::getline(lines, hash);
  std::getline(lines, mac);
  auto bad = [&](const char* why) {
    return Status(ErrorCode::kInvalidArgument, "anchor '" + path + "': " + why);
  };
  if (magic != kMagic || seq.rfind("seq=", 0) != 0 || hash.rfind("hash=", 0) != 0 ||
      mac.rfind("mac=", 0) != 0)
    return bad("malformed");
  Anchor a;
  a.hash = hash.substr(5);
  const std::string digits = seq.substr(4);
  if (digits.empty() || digits.size() > 18 ||
      digits.find_first_not_of("0123456789") != std::string::npos || !IsHash(a.hash))
    return bad("malformed");
  a.seq = std::stoll(digits);
  const std::string want = HmacSha256Hex(key, MacInput(a));
  const std::string got = mac.substr(4);
  if (got.size() != want.size() || CRYPTO_memcmp(got.data(), want.data(), want.size()) != 0)
    return bad("MAC does not match (forged or edited anchor, or another key)");
  return std::optional<Anchor>(std::move(a));
}

Status WriteAnchor(const std::string& path, const std::string& key, const Anchor& a) {
  const std::string text = std::string(kMagic) + "\nseq=" + std::to_string(a.seq) +
                           "\nhash=" + a.hash + "\nmac=" + HmacSha256Hex(key, MacInput(a)) + "\n";
  return WriteFileDurably(path, text, 0644);
}

Result<AnchorLock> AnchorLock::Acquire(const std::string& anchor_path) {
  const std::string path = anchor_path + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status(ErrorCode::kIo, "cannot open '" + path + "'");
  if (::flock(fd, LOCK_EX) != 0) {
    ::close(fd);
    return Status(ErrorCode::kIo, "cannot lock '" + path + "'");
  }
  return AnchorLock(fd);
}

AnchorLock::~AnchorLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace lj::audit
