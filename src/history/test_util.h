// Helpers for the history tests: a fresh temporary directory per test and small builders.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "history/history.h"

namespace lj::history::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lj_history_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline HistoryOptions Options(const std::string& dir) {
  HistoryOptions o;
  o.dir = dir;
  o.background_compaction = false;
  return o;
}

inline std::unique_ptr<HistoryStore> MustOpen(const HistoryOptions& o) {
  auto r = HistoryStore::Open(o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : nullptr;
}

inline SeriesId MustIntern(HistoryStore& s, std::string twin, std::string tel,
                           ValueType type = ValueType::kDouble, bool wave = false) {
  auto r = s.Intern({std::move(twin), std::move(tel), type, wave});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : 0;
}

}  // namespace lj::history::testing
