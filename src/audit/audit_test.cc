#include <gtest/gtest.h>

#include <thread>

#include "audit/audit.h"
#include "audit/audit_test_util.h"
#include "audit/record_codec.h"
#include "metrics/metrics.h"

namespace lj::audit {
namespace {

using testing::AuditTestBase;
using testing::MakeRecord;

Record GoldenRecord(int64_t seq) {
  Record r;
  r.seq = seq;
  r.time_ns = 1767225600123456789;
  r.actor = "nurse.kim";
  r.actor_kind = "user";
  r.actor_role = "clinician";
  r.remote = "10.0.0.7:51234";
  r.interface = Interface::kRest;
  r.action = "read_history";
  r.patient = "patient-a01";
  r.twin = "monitor-a01";
  r.allowed = true;
  r.reason = "in_ward";
  r.detail = "GET /api/v1/twins/monitor-a01/telemetry/hr";
  return r;
}

TEST(RecordCodec, GoldenHashesOfTheDocumentedFormat) {
  // Computed independently (Python hashlib) from the format in record_codec.h.
  EXPECT_EQ(ChainHash(kGenesisHash, GoldenRecord(1)),
            "89890ef815077935bf90e90b9aca4512ccdfdde20a1e70e99ac9b592722a9d61");
  EXPECT_EQ(ChainHash(std::string(64, '1'), GoldenRecord(7)),
            "de92723ecb688fd9573eb35cbb70209ab8e01748b2c107f9b70c7aca1f65e12c");
}

TEST(RecordCodec, EncodingIsInjectiveAcrossFieldBoundariesAndCoversEveryField) {
  Record a = GoldenRecord(1), b = GoldenRecord(1);
  a.patient = "ab";
  a.twin = "c";
  b.patient = "a";
  b.twin = "bc";
  EXPECT_NE(CanonicalEncoding(a), CanonicalEncoding(b));
  const std::string base = ChainHash(kGenesisHash, GoldenRecord(1));
  auto changed = [&](auto mutate) {
    Record r = GoldenRecord(1);
    mutate(r);
    return ChainHash(kGenesisHash, r) != base;
  };
  EXPECT_TRUE(changed([](Record& r) { r.seq = 2; }));
  EXPECT_TRUE(changed([](Record& r) { r.time_ns += 1; }));
  EXPECT_TRUE(changed([](Record& r) { r.actor += "x"; }));
  EXPECT_TRUE(changed([](Record& r) { r.actor_kind = "device"; }));
  EXPECT_TRUE(changed([](Record& r) { r.actor_role = "viewer"; }));
  EXPECT_TRUE(changed([](Record& r) { r.remote = ""; }));
  EXPECT_TRUE(changed([](Record& r) { r.interface = Interface::kWs; }));
  EXPECT_TRUE(changed([](Record& r) { r.action = "read_live"; }));
  EXPECT_TRUE(changed([](Record& r) { r.patient = "patient-a02"; }));
  EXPECT_TRUE(changed([](Record& r) { r.twin = "bed-a01"; }));
  EXPECT_TRUE(changed([](Record& r) { r.allowed = false; }));
  EXPECT_TRUE(changed([](Record& r) { r.reason = "not_in_ward"; }));
  EXPECT_TRUE(changed([](Record& r) { r.detail = ""; }));
  EXPECT_NE(ChainHash(std::string(64, '2'), GoldenRecord(1)), base);
}

class AuditLogTest : public AuditTestBase {};

TEST_F(AuditLogTest, AppendQueryByPatientAndActorWithPaging) {
  WriteRecords(10);
  std::unique_ptr<AuditLog> log = OpenLog(true);
  AuditQuery q;
  q.patient = "patient-a01";
  Result<AuditPage> page = log->Query(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->records.size(), 5u);
  for (const Record& r : page->records) EXPECT_EQ(r.patient, "patient-a01");
  EXPECT_EQ(page->records[0].seq, 1);
  EXPECT_EQ(page->records[1].seq, 3);
  EXPECT_EQ(page->next_after_seq, 0);
  const Record& r = page->records[0];
  EXPECT_EQ(r.actor, "dr.li");
  EXPECT_EQ(r.interface, Interface::kRest);
  EXPECT_TRUE(r.allowed);
  EXPECT_EQ(r.reason, "in_ward");
  EXPECT_EQ(r.prev_hash, kGenesisHash);
  EXPECT_EQ(r.hash, ChainHash(kGenesisHash, r));

  q = AuditQuery{};
  q.actor = "nurse.kim";
  q.limit = 3;
  std::vector<int64_t> seqs;
  for (int pages = 0; pages < 10; ++pages) {
    Result<AuditPage> p = log->Query(q);
    ASSERT_TRUE(p.ok());
    for (const Record& x : p->records) seqs.push_back(x.seq);
    if (p->next_after_seq == 0) break;
    q.after_seq = p->next_after_seq;
  }
  EXPECT_EQ(seqs, (std::vector<int64_t>{2, 3, 5, 6, 8, 9}));

  q = AuditQuery{};
  q.since_ns = MakeRecord("", "p-1", 4).time_ns;
  q.until_ns = MakeRecord("", "p-1", 6).time_ns;
  Result<AuditPage> window = log->Query(q);
  ASSERT_EQ(window->records.size(), 3u);
  EXPECT_EQ(window->records.front().seq, 5);
  q.limit = 0;
  EXPECT_FALSE(log->Query(q).ok());
}

TEST_F(AuditLogTest, VerifiesAndContinuesTheChainAfterReopen) {
  WriteRecords(5);
  VerifyReport v = VerifyNow();
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.records, 5);
  EXPECT_EQ(v.head_seq, 5);
  EXPECT_EQ(v.anchor_seq, 5);
  WriteRecords(3);
  v = VerifyNow();
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.head_seq, 8);
  EXPECT_EQ(v.anchor_seq, 8);
}

TEST_F(AuditLogTest, EmptyTrailVerifiesAndReadOnlyNeverCreates) {
  Result<std::unique_ptr<AuditLog>> missing = AuditLog::Open(Options(/*read_only=*/true));
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "audit.db"));
  OpenLog().reset();
  VerifyReport v = VerifyNow();
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.records, 0);
  std::unique_ptr<AuditLog> ro = OpenLog(true);
  EXPECT_EQ(ro->Append(MakeRecord("a", "patient-a01")).code(), ErrorCode::kUnavailable);
}

TEST_F(AuditLogTest, TwoWritersOnOneDatabaseKeepOneChain) {
  std::unique_ptr<AuditLog> server = OpenLog(), cli = OpenLog();
  std::thread a([&] {
    for (int i = 0; i < 200; ++i)
      ASSERT_TRUE(server->Append(MakeRecord("srv", "patient-a01", i)).ok());
  });
  std::thread b([&] {
    for (int i = 0; i < 200; ++i)
      ASSERT_TRUE(cli->Append(MakeRecord("cli", "patient-a02", i)).ok());
  });
  a.join();
  b.join();
  ASSERT_TRUE(server->Flush().ok());
  ASSERT_TRUE(cli->Flush().ok());
  server.reset();
  cli.reset();
  VerifyReport v = VerifyNow();
  EXPECT_TRUE(v.ok) << v.message;
  EXPECT_EQ(v.records, 400);
  EXPECT_EQ(v.anchor_seq, 400);
}

TEST_F(AuditLogTest, FullQueueFailsClosedAndCounts) {
  AuditOptions o = Options();
  o.queue_capacity = 2;
  o.max_block_ms = 10;
  metrics::Registry metrics;
  o.metrics = &metrics;
  std::unique_ptr<AuditLog> log = std::move(AuditLog::Open(o)).value();
  ASSERT_TRUE(log->Append(MakeRecord("a", "patient-a01")).ok());
  ASSERT_TRUE(log->Flush().ok());
  // Another connection holds the write lock: the writer waits in SQLite's busy handler.
  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "audit.db").c_str(), &blocker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_TRUE(log->Append(MakeRecord("a", "patient-a01", 1)).ok());
  ASSERT_TRUE(log->Append(MakeRecord("a", "patient-a01", 2)).ok());
  Status full = log->Append(MakeRecord("a", "patient-a01", 3));
  EXPECT_EQ(full.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(log->stats().rejected, 1u);
  EXPECT_NE(metrics.RenderPrometheus().find("lj_audit_rejected_total 1"), std::string::npos);
  ASSERT_EQ(sqlite3_exec(blocker, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(blocker);
  ASSERT_TRUE(log->Flush().ok());
  AuditStats s = log->stats();
  EXPECT_EQ(s.appended, 3u);
  EXPECT_EQ(s.written, 3u);
  EXPECT_EQ(s.lost, 0u);
  EXPECT_NE(metrics.RenderPrometheus().find("lj_audit_records_total 3"), std::string::npos);
  log->Close();
  EXPECT_EQ(log->Append(MakeRecord("a", "patient-a01", 4)).code(), ErrorCode::kUnavailable);
}

TEST_F(AuditLogTest, LongFieldsAreTruncatedOnWholeCharacters) {
  std::unique_ptr<AuditLog> log = OpenLog();
  Record r = MakeRecord("a", "patient-a01");
  r.twin = std::string(kMaxFieldBytes - 1, 'x') + "é";  // 'é' straddles the limit
  r.detail = std::string(5000, 'd');
  ASSERT_TRUE(log->Append(r).ok());
  ASSERT_TRUE(log->Flush().ok());
  AuditQuery q;
  Result<AuditPage> p = log->Query(q);
  ASSERT_EQ(p->records.size(), 1u);
  EXPECT_EQ(p->records[0].twin, std::string(kMaxFieldBytes - 1, 'x'));
  EXPECT_EQ(p->records[0].detail.size(), kMaxDetailBytes);
  log.reset();
  EXPECT_TRUE(VerifyNow().ok);
}

TEST_F(AuditLogTest, TriggersRefuseUpdatesAndDeletesThroughSql) {
  WriteRecords(2);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "audit.db").c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE records SET actor = 'x'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM records", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_TRUE(VerifyNow().ok);
}

TEST_F(AuditLogTest, InterfaceNamesRoundTrip) {
  for (Interface i :
       {Interface::kRest, Interface::kWs, Interface::kMqtt, Interface::kHl7, Interface::kFhir,
        Interface::kCli, Interface::kLineProto, Interface::kInternal})
    EXPECT_EQ(ParseInterface(InterfaceName(i)).value(), i);
  EXPECT_FALSE(ParseInterface("smtp").ok());
}

}  // namespace
}  // namespace lj::audit
