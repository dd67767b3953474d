// Tampering with audit.db and the anchor as an attacker with file access would: every change
// must make Verify fail, at the right record and for the right reason.
#include <gtest/gtest.h>

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
  void ExpectProblem(Problem p, int64_t seq) {
    VerifyReport v = VerifyNow();
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.problem, p) << ProblemName(v.problem) << ": " << v.message;
    EXPECT_EQ(v.first_bad_seq, seq) << v.message;
    EXPECT_FALSE(v.message.empty());
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

}  // namespace
}  // namespace lj::audit
