// Tampering with audit.db and the anchor as an attacker with file access would: every change
// must make Verify fail, at the right record and for the right reason.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "audit/audit.h"
#include "audit/audit_test_util.h"
#include "audit/record_codec.h"

namespace lj::audit {
namespace {

using testing::AuditTestBase;
using testing::MakeRecord;

class TamperTest : public AuditTestBase {
 protected:
  void SetUp() override {
    AuditTestBase::SetUp();
    WriteRecords(10);
    VerifyReport v = VerifyNow();
    ASSERT_TRUE(v.ok) << v.message;
    ASSERT_EQ(v.anchor_seq, 10);
  }
  VerifyReport ExpectProblem(Problem p, int64_t seq) {
    VerifyReport v = VerifyNow();
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.problem, p) << ProblemName(v.problem) << ": " << v.message;
    EXPECT_EQ(v.first_bad_seq, seq) << v.message;
    EXPECT_FALSE(v.message.empty());
    return v;
  }
  // Like ExpectProblem, and the message names `text`, as does one of the findings.
  VerifyReport ExpectProblemNaming(Problem p, int64_t seq, const std::string& text) {
    VerifyReport v = ExpectProblem(p, seq);
    EXPECT_NE(v.message.find(text), std::string::npos) << v.message;
    EXPECT_TRUE(std::any_of(v.findings.begin(), v.findings.end(), [&](const std::string& f) {
      return f.find(text) != std::string::npos;
    })) << v.message;
    return v;
  }
  // Every seq the query path returns for one patient (or actor), all pages.
  std::vector<int64_t> QuerySeqs(const std::string& patient, const std::string& actor = "") {
    std::unique_ptr<AuditLog> log = OpenLog(true);
    std::vector<int64_t> out;
    AuditQuery q;
    q.patient = patient;
    q.actor = actor;
    q.limit = 1000;
    for (;;) {
      Result<AuditPage> page = log->Query(q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return out;
      for (const Record& r : page->records) out.push_back(r.seq);
      if (page->next_after_seq == 0) return out;
      q.after_seq = page->next_after_seq;
    }
  }
  // Recomputes hash (and the following records' links and hashes) from `from` on, as an
  // attacker who knows the format would.
  void RechainFrom(int64_t from) {
    std::unique_ptr<AuditLog> log = OpenLog(true);
    AuditQuery q;
    q.limit = 1000;
    std::vector<Record> all = log->Query(q).value().records;
    log.reset();
    std::string prev = from > 1 ? all[from - 2].hash : kGenesisHash;
    std::string sql;
    for (int64_t s = from; s <= static_cast<int64_t>(all.size()); ++s) {
      Record r = all[s - 1];
      r.prev_hash = prev;
      r.hash = ChainHash(prev, r);
      sql += "UPDATE records SET prev_hash = '" + r.prev_hash + "', hash = '" + r.hash +
             "' WHERE seq = " + std::to_string(s) + ";";
      prev = r.hash;
    }
    Tamper(sql);
  }
};

TEST_F(TamperTest, EditingOneFieldFailsExactlyAtThatRecord) {
  Tamper("UPDATE records SET patient = 'patient-zz' WHERE seq = 5");
  ExpectProblem(Problem::kEdited, 5);
}

TEST_F(TamperTest, EveryColumnIsCovered) {
  for (const char* column :
       {"time_ns = time_ns + 1", "actor = 'x'", "actor_kind = 'device'",
        "actor_role = 'administrator'", "remote = '1.2.3.4:5'", "interface = 'ws'",
        "action = 'read_live'", "twin = 'bed-a01'", "outcome = 'deny'", "reason = 'x'",
        "detail = ''", "interface = 'smtp'", "outcome = 'maybe'"}) {
    SCOPED_TRACE(column);
    Tamper("UPDATE records SET " + std::string(column) + " WHERE seq = 7");
    ExpectProblem(Problem::kEdited, 7);
    TearDown();  // a fresh, intact trail for the next column
    SetUp();
  }
}

TEST_F(TamperTest, EditWithRecomputedHashBreaksTheNextLink) {
  Tamper("UPDATE records SET reason = 'not_in_ward', outcome = 'deny' WHERE seq = 4");
  std::unique_ptr<AuditLog> log = OpenLog(true);
  AuditQuery q;
  q.after_seq = 3;
  q.limit = 1;
  Record r = log->Query(q).value().records.at(0);
  log.reset();
  Tamper("UPDATE records SET hash = '" + ChainHash(r.prev_hash, r) + "' WHERE seq = 4");
  ExpectProblem(Problem::kBadLink, 5);
}

TEST_F(TamperTest, DeletingAMiddleRecordFailsAtTheGap) {
  Tamper("DELETE FROM records WHERE seq = 6");
  ExpectProblem(Problem::kGap, 6);
}

TEST_F(TamperTest, DeletingTheFirstRecordFailsAtOne) {
  Tamper("DELETE FROM records WHERE seq = 1");
  ExpectProblem(Problem::kGap, 1);
}

TEST_F(TamperTest, DeletingAndRenumberingFailsAtTheFirstRenumberedRecord) {
  Tamper("DELETE FROM records WHERE seq = 6; UPDATE records SET seq = seq - 1 WHERE seq > 6");
  ExpectProblem(Problem::kBadLink, 6);
}

TEST_F(TamperTest, TruncatingTheTailIsCaughtByTheAnchor) {
  Tamper("DELETE FROM records WHERE seq > 7");
  ExpectProblem(Problem::kTruncated, 8);
  Tamper("DELETE FROM records");
  ExpectProblem(Problem::kTruncated, 1);
}

TEST_F(TamperTest, RewritingTheWholeChainIsCaughtByTheAnchor) {
  Tamper("UPDATE records SET actor = 'someone-else' WHERE seq = 3");
  RechainFrom(3);
  ExpectProblem(Problem::kAnchorMismatch, 10);
}

TEST_F(TamperTest, TruncateThenAppendDoesNotMoveTheAnchor) {
  Tamper("DELETE FROM records WHERE seq > 7");
  {
    std::unique_ptr<AuditLog> log = OpenLog();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->Append(MakeRecord("x", "patient-a01", i)).ok());
    ASSERT_TRUE(log->Flush().ok());
    EXPECT_TRUE(log->stats().anchor_problem);
  }
  ExpectProblem(Problem::kAnchorMismatch, 10);
}

TEST_F(TamperTest, AnchorMissingForgedOrKeyless) {
  const auto anchor = dir_ / "audit.anchor";
  std::filesystem::copy_file(anchor, dir_ / "saved.anchor");
  std::filesystem::remove(anchor);
  ExpectProblem(Problem::kAnchorMissing, 0);
  {  // a writer must not recreate a deleted anchor over existing records
    std::unique_ptr<AuditLog> log = OpenLog();
    ASSERT_TRUE(log->Append(MakeRecord("x", "patient-a01")).ok());
    ASSERT_TRUE(log->Flush().ok());
  }
  EXPECT_FALSE(std::filesystem::exists(anchor));
  ExpectProblem(Problem::kAnchorMissing, 0);

  std::filesystem::copy_file(dir_ / "saved.anchor", anchor);
  std::string text;
  {
    std::ifstream in(anchor);
    std::getline(in, text, '\0');
  }
  const size_t at = text.find("seq=10");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 6, "seq=7");  // pretend the chain ended earlier
  std::ofstream(anchor, std::ios::trunc) << text;
  ExpectProblem(Problem::kAnchorInvalid, 0);

  std::filesystem::copy_file(dir_ / "saved.anchor", anchor,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(dir_ / "audit.key");
  ExpectProblem(Problem::kAnchorInvalid, 0);
}

// Issue 14: the index a query by patient uses, rebuilt on another column with its definition in
// sqlite_master restored, hid every record from `audit query --patient` while the chain verified.
TEST_F(TamperTest, RebuiltPatientIndexThatHidesRecordsFailsVerify) {
  ASSERT_EQ(QuerySeqs("patient-a01").size(), 5u);
  Tamper(
      "DROP INDEX records_by_patient; CREATE INDEX records_by_patient ON records(actor, seq);"
      " PRAGMA writable_schema = ON;"
      " UPDATE sqlite_master SET sql = 'CREATE INDEX records_by_patient ON records(patient, seq)'"
      " WHERE name = 'records_by_patient'; PRAGMA writable_schema = OFF;",
      /*drop_triggers=*/false);
  EXPECT_TRUE(QuerySeqs("patient-a01").empty());  // the attack works on the query path
  VerifyReport v = ExpectProblemNaming(Problem::kIntegrity, 0, "records_by_patient");
  // SQLite's findings verbatim: each of the 10 rows is missing from the index.
  EXPECT_NE(std::find(v.findings.begin(), v.findings.end(),
                      "row 1 missing from index records_by_patient"),
            v.findings.end())
      << v.message;
  EXPECT_GE(v.findings.size(), 10u) << v.message;
}

// Damaged pages of an index the chain walk never reads: the integrity check finds them.
TEST_F(TamperTest, DamagedIndexPageFailsTheIntegrityCheck) {
  int64_t root = 0, page_size = 0;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "audit.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM "
                                 "sqlite_master WHERE name = 'records_by_time'",
                                 -1, &st, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    root = sqlite3_column_int64(st, 0);
    page_size = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);  // the last connection: the WAL is checkpointed into the file
  }
  ASSERT_GT(root, 1);
  {
    std::fstream f(dir_ / "audit.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((root - 1) * page_size);
    const std::string junk(static_cast<size_t>(page_size), '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    ASSERT_TRUE(f.good());
  }
  VerifyReport v = ExpectProblem(Problem::kIntegrity, 0);
  EXPECT_FALSE(v.findings.empty());
  EXPECT_NE(v.message.find("PRAGMA integrity_check"), std::string::npos) << v.message;
  // The failed read snapshot is ended: the same log verifies (and fails) again.
  std::unique_ptr<AuditLog> log = OpenLog(/*read_only=*/true);
  for (int i = 0; i < 2; ++i) {
    Result<VerifyReport> again = log->Verify();
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->problem, Problem::kIntegrity) << again->message;
  }
}

// A schema whose text differs from the one the migrations create changes what queries mean: here
// patient ids compare case-insensitively, so a query for another id returns this patient's records.
TEST_F(TamperTest, ChangedTableDefinitionFailsVerify) {
  Tamper(
      "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, 'patient TEXT NOT "
      "NULL', 'patient TEXT NOT NULL COLLATE NOCASE') WHERE name = 'records';"
      " PRAGMA writable_schema = OFF;",
      /*drop_triggers=*/false);
  EXPECT_EQ(QuerySeqs("PATIENT-A01").size(), 5u);  // the attack works on the query path
  VerifyReport v = ExpectProblemNaming(Problem::kSchema, 0, "table 'records'");
  EXPECT_NE(v.message.find("COLLATE NOCASE"), std::string::npos) << v.message;
  EXPECT_EQ(v.findings.size(), 1u) << v.message;
}

TEST_F(TamperTest, AddedIndexOrDroppedTriggerFailsVerify) {
  Tamper("CREATE INDEX records_by_twin ON records(twin)", /*drop_triggers=*/false);
  ExpectProblemNaming(Problem::kSchema, 0, "unexpected index 'records_by_twin'");
  TearDown();
  SetUp();
  Tamper("DROP TRIGGER records_no_delete", /*drop_triggers=*/false);
  ExpectProblemNaming(Problem::kSchema, 0, "trigger 'records_no_delete' is missing");
}

// A value stored as a BLOB reads back as the same bytes (so the record still matches its hash) but
// never equals the text (or integer) a query binds: the record disappears from that query path.
TEST_F(TamperTest, ValueStoredWithAnotherTypeHidesRecordAndFailsVerify) {
  struct Case {
    const char* column;
    const char* path;  // the first path Verify finds without record 5
  };
  for (const Case& c :
       {Case{"patient", "the query by patient 'patient-a01'"},
        Case{"actor", "the query by actor 'nurse.kim'"}, Case{"time_ns", "the unfiltered query"}}) {
    SCOPED_TRACE(c.column);
    TamperAndRestoreTriggers(
        fmt::format("UPDATE records SET {0} = CAST({0} AS BLOB) WHERE seq = 5", c.column));
    const std::vector<int64_t> seqs =
        std::string(c.column) == "actor" ? QuerySeqs("", "nurse.kim") : QuerySeqs("patient-a01");
    EXPECT_EQ(std::count(seqs.begin(), seqs.end(), 5), 0);  // hidden from that path
    VerifyReport v = ExpectProblemNaming(Problem::kQueryMismatch, 5, c.path);
    EXPECT_NE(v.message.find(fmt::format("record 5 is missing from {} (", c.path)),
              std::string::npos)
        << v.message;
    TearDown();
    SetUp();
  }
}

// The check pages through every query path: a record hidden past the first page is found too.
TEST_F(TamperTest, HiddenRecordBeyondTheFirstPageFailsVerify) {
  {
    std::unique_ptr<AuditLog> log = OpenLog();
    for (int i = 0; i < 2490; ++i)
      ASSERT_TRUE(log->Append(MakeRecord(i % 2 ? "nurse.kim" : "dr.li", "patient-a03", i)).ok());
    ASSERT_TRUE(log->Flush().ok());
  }
  VerifyReport v = VerifyNow();
  ASSERT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.records, 2500);
  TamperAndRestoreTriggers("UPDATE records SET patient = CAST(patient AS BLOB) WHERE seq = 2400");
  v = ExpectProblemNaming(Problem::kQueryMismatch, 2400, "patient 'patient-a03'");
  EXPECT_NE(v.message.find("record 2400 is missing from the query by patient 'patient-a03' (2489 "
                           "of 2490 records returned)"),
            std::string::npos)
      << v.message;
  EXPECT_EQ(v.findings.size(), 1u) << v.message;
}

}  // namespace
}  // namespace lj::audit
