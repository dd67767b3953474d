#include "history/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lj::history {

Status IoError(std::string_view what, const std::string& path) {
  return Status(ErrorCode::kIo, std::string(what) + " '" + path + "': " + std::strerror(errno));
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status ReadFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("open", path);
  out->clear();
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status st = IoError("read", path);
      ::close(fd);
      return st;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open dir", dir);
  int rc = ::fsync(fd);
  Status st = rc == 0 ? Status::Ok() : IoError("fsync dir", dir);
  ::close(fd);
  return st;
}

Status WriteFileAtomic(const std::string& dir, const std::string& name, std::string_view data) {
  std::string tmp = dir + "/" + name + ".tmp", dst = dir + "/" + name;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("create", tmp);
  Status st = WriteAll(fd, data, tmp);
  if (st.ok() && ::fsync(fd) != 0) st = IoError("fsync", tmp);
  ::close(fd);
  LJ_RETURN_IF_ERROR(st);
  if (::rename(tmp.c_str(), dst.c_str()) != 0) return IoError("rename", tmp);
  return SyncDir(dir);
}

std::vector<uint64_t> ListNumbered(const std::string& dir, std::string_view prefix,
                                   std::string_view suffix) {
  std::vector<uint64_t> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() <= prefix.size() + suffix.size() || !n.starts_with(prefix) ||
        !n.ends_with(suffix)) {
      continue;
    }
    std::string_view digits = n.substr(prefix.size(), n.size() - prefix.size() - suffix.size());
    if (digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    out.push_back(std::stoull(std::string(digits)));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace lj::history
