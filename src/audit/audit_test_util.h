// Test helpers for src/audit: a temporary directory with an audit log, record builders and raw
// SQLite access to play the attacker.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "audit/audit.h"

namespace lj::audit::testing {

inline Record MakeRecord(const std::string& actor, const std::string& patient, int i = 0) {
  Record r;
  r.time_ns = 1'767'225'600'000'000'000 + int64_t{i} * 1'000'000'000;
  r.actor = actor;
  r.actor_kind = "user";
  r.actor_role = "clinician";
  r.remote = "10.0.0.7:51234";
  r.interface = Interface::kRest;
  r.action = "read_history";
  r.patient = patient;
  r.twin = "monitor-" + patient.substr(patient.find('-') + 1);
  r.allowed = true;
  r.reason = "in_ward";
  r.detail = "GET /api/v1/history #" + std::to_string(i);
  return r;
}

class AuditTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("lj_audit_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  AuditOptions Options(bool read_only = false) const {
    AuditOptions o;
    o.path = (dir_ / "audit.db").string();
    o.read_only = read_only;
    return o;
  }
  std::unique_ptr<AuditLog> OpenLog(bool read_only = false) {
    Result<std::unique_ptr<AuditLog>> log = AuditLog::Open(Options(read_only));
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  // Writes `n` records (patients a01/a02 alternating) and closes the log.
  void WriteRecords(int n) {
    std::unique_ptr<AuditLog> log = OpenLog();
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(log->Append(MakeRecord(i % 3 ? "nurse.kim" : "dr.li",
                                         i % 2 ? "patient-a02" : "patient-a01", i))
                      .ok());
    ASSERT_TRUE(log->Flush().ok());
  }
  VerifyReport VerifyNow() {
    std::unique_ptr<AuditLog> log = OpenLog(/*read_only=*/true);
    if (!log) return {};
    Result<VerifyReport> r = log->Verify();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VerifyReport{};
  }
  // Runs SQL on audit.db as an attacker with file access would (triggers dropped first unless
  // `drop_triggers` is false).
  void Tamper(const std::string& sql, bool drop_triggers = true) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "audit.db").c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    std::string all = sql;
    if (drop_triggers)
      all = "DROP TRIGGER IF EXISTS records_no_update; DROP TRIGGER IF EXISTS records_no_delete; " +
            sql;
    EXPECT_EQ(sqlite3_exec(db, all.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  // Like Tamper, then re-creates the triggers with their original text: the schema looks untouched.
  void TamperAndRestoreTriggers(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "audit.db").c_str(), &db), SQLITE_OK);
    std::string restore;
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE type = 'trigger'", -1,
                                 &st, nullptr),
              SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
      restore += std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) + ";";
    sqlite3_finalize(st);
    sqlite3_close(db);
    ASSERT_FALSE(restore.empty());
    Tamper(sql + ";" + restore);
  }

  std::filesystem::path dir_;
};

}  // namespace lj::audit::testing
