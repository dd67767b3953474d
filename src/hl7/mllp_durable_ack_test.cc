// The ACK of an ORU^R01 is sent only once what it stored is durable in history: held syncs,
// pipelined ACKs in order, a failed sync answered AE, a stop with an ACK still held.
#include "hl7/mllp_server_test_util.h"

namespace lj::hl7 {
namespace {

// The pipeline with a history LSN on every report that stored something, as live::Pipeline
// reports with history enabled.
class LsnSink : public ingest::IngestSink {
 public:
  explicit LsnSink(ingest::IngestSink& inner) : inner_(inner) {}
  ingest::IngestReport Ingest(ingest::ParsedBatch& batch, ingest::Protocol protocol) override {
    ingest::IngestReport r = inner_.Ingest(batch, protocol);
    if (r.accepted > 0) r.lsn = next_.fetch_add(1) + 1;
    return r;
  }

 private:
  ingest::IngestSink& inner_;
  std::atomic<uint64_t> next_{0};
};

// A fake HistoryStore::WhenDurable: holds every request until the test settles it (or, with
// `inline_ok`, answers at once on the caller's thread as the store does for a durable LSN).
class HeldSyncs {
 public:
  void Request(uint64_t lsn, std::function<void(Status)> done) {
    std::unique_lock lk(mu_);
    ++requested_;
    if (inline_ok_) {
      lk.unlock();
      done(Status::Ok());
      return;
    }
    held_.emplace_back(lsn, std::move(done));
    cv_.notify_all();
  }
  // Waits (bounded) until `n` requests are held; their LSNs in request order.
  std::vector<uint64_t> WaitHeld(size_t n) {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, std::chrono::seconds(10), [&] { return held_.size() >= n; });
    std::vector<uint64_t> lsns;
    for (const auto& h : held_) lsns.push_back(h.first);
    return lsns;
  }
  void Settle(uint64_t lsn, Status s) {
    std::function<void(Status)> done;
    {
      std::lock_guard lk(mu_);
      for (auto it = held_.begin(); it != held_.end(); ++it) {
        if (it->first == lsn) {
          done = std::move(it->second);
          held_.erase(it);
          break;
        }
      }
    }
    ASSERT_TRUE(done) << "no request for lsn " << lsn;
    done(std::move(s));  // on the test's thread, like the WAL thread
  }
  void AnswerInline() {
    std::lock_guard lk(mu_);
    inline_ok_ = true;
  }
  size_t requested() {
    std::lock_guard lk(mu_);
    return requested_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<uint64_t, std::function<void(Status)>>> held_;
  size_t requested_ = 0;
  bool inline_ok_ = false;
};

class MllpDurableAckTest : public MllpServerTest {
 protected:
  void SetUp() override {
    MllpServerTest::SetUp();
    lsn_sink_ = std::make_unique<LsnSink>(*pipeline_);
    sink_ = lsn_sink_.get();
    Restart([this](MllpOptions& o) {
      o.when_durable = [this](uint64_t lsn, std::function<void(Status)> done) {
        syncs_.Request(lsn, std::move(done));
      };
    });
    mrn_ = graph_->GetTwin("patient-a02")->properties["mrn"];
    t0_ = (NowNs() / 1'000'000'000 - 100) * 1'000'000'000;
  }
  // An ORU^R01 storing heart rate `hr` on monitor-a02, `s` seconds after t0 (plus `extra` OBX).
  std::string HrOru(std::string_view control_id, int s, int hr, std::string_view extra = "") {
    return Oru(control_id, mrn_,
               fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||{}|/min^^UCUM|||||F|||{}\r", hr,
                           FormatDtm(t0_ + s * 1'000'000'000LL)) +
                   std::string(extra));
  }

  std::unique_ptr<LsnSink> lsn_sink_;
  HeldSyncs syncs_;
  std::string mrn_;
  int64_t t0_ = 0;
};

TEST_F(MllpDurableAckTest, AnAaWaitsUntilTheObservationsAreDurable) {
  Client c(server_->port());
  c.Write(MllpFrame(HrOru("D1", 0, 71)));
  const std::vector<uint64_t> held = syncs_.WaitHeld(1);
  ASSERT_EQ(held.size(), 1u) << "the ACK did not wait for durability";
  EXPECT_FALSE(c.AnswerArrives(std::chrono::milliseconds(300))) << "AA before the sync";
  EXPECT_DOUBLE_EQ(Latest("monitor-a02", "hr").first, 71);  // applied, just not acknowledged
  syncs_.Settle(held[0], Status::Ok());
  Message ack = c.ReadAck();
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(ack.Get("MSA-2"), "D1");

  // Nothing stored (AE) and ADT (no history) are answered at once, without a sync.
  ack = c.Send(Oru("D2", "NOBODY",
                   fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||80|/min^^UCUM|||||F|||{}\r",
                               FormatDtm(t0_))));
  EXPECT_EQ(ack.Get("MSA-1"), "AE");
  EXPECT_EQ(c.Send(Adt("A01", "D3", "MRN900001", "A01")).Get("MSA-1"), "AA");
  EXPECT_EQ(syncs_.requested(), 1u);

  // Already durable: HistoryStore::WhenDurable answers inline, on the io thread.
  syncs_.AnswerInline();
  ack = c.Send(HrOru("D4", 1, 72));
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(ack.Get("MSA-2"), "D4");
  EXPECT_EQ(syncs_.requested(), 2u);
  EXPECT_EQ(Counter("lj_hl7_messages_total{type=\"ORU^R01\",ack=\"AA\"}"), 2u);
}

TEST_F(MllpDurableAckTest, PipelinedAcksKeepTheirOrderAndAFailedSyncIsAe) {
  Client c(server_->port());
  c.Write(MllpFrame(HrOru("P0", 0, 70)));
  std::vector<uint64_t> held = syncs_.WaitHeld(1);
  ASSERT_EQ(held.size(), 1u);
  // Three more while P0's ACK is held: they are read together once it is written.
  const std::string unmapped = fmt::format(
      "OBX|2|NM|188736^MDC_MASS_BODY_ACTUAL^MDC||81|kg^^UCUM|||||F|||{}\r", FormatDtm(t0_));
  c.Write(MllpFrame(HrOru("P1", 1, 71, unmapped)) + MllpFrame(HrOru("P2", 2, 72)) +
          MllpFrame(Adt("A01", "P3", "MRN900001", "A01")));
  syncs_.Settle(held[0], Status::Ok());
  Message ack = c.ReadAck();
  EXPECT_EQ(ack.Get("MSA-2"), "P0");
  EXPECT_EQ(ack.Get("MSA-1"), "AA");

  held = syncs_.WaitHeld(2);
  ASSERT_EQ(held.size(), 2u);
  // P2 is durable first, but its ACK may not overtake P1's.
  syncs_.Settle(held[1], Status::Ok());
  EXPECT_FALSE(c.AnswerArrives(std::chrono::milliseconds(300))) << "an ACK overtook P1's";
  syncs_.Settle(held[0], Status(ErrorCode::kStorage, "wal: fsync: Input/output error"));

  ack = c.ReadAck();
  EXPECT_EQ(ack.Get("MSA-2"), "P1");
  EXPECT_EQ(ack.Get("MSA-1"), "AE");
  std::vector<std::string> errs;
  for (const Segment& s : ack.segments()) {
    if (s.name() == "ERR")
      errs.push_back(fmt::format("{} {} {} {} {}", s.Get(3), s.Get(4), s.Get(5),
                                 std::string(s.RawField(2)), s.Get(8)));
  }
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0],
            "207 E 5002  history sync failed: the observations of this message may not be "
            "durable; send it again (wal: fsync: Input/output error)");
  EXPECT_EQ(errs[1].substr(0, 27), "204 E 2002 OBX^2^3 OBX(2)-3") << errs[1];
  EXPECT_EQ(ack.Get("MSA-3"), ack.Get("ERR-8"));
  ack = c.ReadAck();
  EXPECT_EQ(ack.Get("MSA-2"), "P2");
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  ack = c.ReadAck();
  EXPECT_EQ(ack.Get("MSA-2"), "P3");
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(Counter("lj_hl7_messages_total{type=\"ORU^R01\",ack=\"AA\"}"), 2u);
  EXPECT_EQ(Counter("lj_hl7_messages_total{type=\"ORU^R01\",ack=\"AE\"}"), 1u);
  // The connection goes on.
  syncs_.AnswerInline();
  EXPECT_EQ(c.Send(HrOru("P4", 3, 73)).Get("MSA-1"), "AA");
}

TEST_F(MllpDurableAckTest, StopWithAnAckHeldSendsNoAckAndALateSyncIsHarmless) {
  Client a(server_->port());
  Client b(server_->port());
  a.Write(MllpFrame(HrOru("S1", 0, 70)));
  ASSERT_EQ(syncs_.WaitHeld(1).size(), 1u);
  b.Write(MllpFrame(HrOru("S2", 1, 71)));
  const std::vector<uint64_t> held = syncs_.WaitHeld(2);
  ASSERT_EQ(held.size(), 2u);
  server_->Stop();
  EXPECT_TRUE(a.ClosedByPeer());         // closed without an ACK: the sender will resend
  syncs_.Settle(held[0], Status::Ok());  // after Stop
  server_.reset();
  syncs_.Settle(held[1], Status::Ok());  // after the server is gone
  EXPECT_TRUE(b.ClosedByPeer());
}

}  // namespace
}  // namespace lj::hl7
