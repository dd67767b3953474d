// Small POSIX file helpers for the history store: every failure becomes kIo naming the path and
// errno. Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::history {

Status IoError(std::string_view what, const std::string& path);  // uses errno
Status WriteAll(int fd, std::string_view data, const std::string& path);
Status ReadFile(const std::string& path, std::string* out);
Status SyncDir(const std::string& dir);
// Writes `data` to `path` atomically: temp file, fsync, rename, fsync dir.
Status WriteFileAtomic(const std::string& dir, const std::string& name, std::string_view data);
// Names in `dir` of the form <prefix><number><suffix>, as numbers, ascending.
std::vector<uint64_t> ListNumbered(const std::string& dir, std::string_view prefix,
                                   std::string_view suffix);

}  // namespace lj::history
