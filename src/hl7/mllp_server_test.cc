// End-to-end: real MLLP frames over loopback TCP into a running MllpServer, backed by a
// temporary SQLite twin graph holding the demo ward and the real live::Pipeline: ADT, ORU,
// framing, limits, the allow-list, authorisation, TLS, stop.
#include "hl7/mllp_server_test_util.h"

namespace lj::hl7 {
namespace {

TEST_F(MllpServerTest, AdmitCreatesPatientAndOccupiesBed) {
  Client c(server_->port());
  const uint64_t epoch = live_->membership_epoch();
  Message ack = c.Send(Adt("A01", "M1", "MRN900001", "A01"));
  EXPECT_GT(live_->membership_epoch(), epoch);  // graph listeners (live viewers) saw it
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(ack.Get("MSA-2"), "M1");
  EXPECT_EQ(ack.Get("MSH-9"), "ACK");
  EXPECT_EQ(ack.Get("MSH-5"), "HIS");
  EXPECT_EQ(ack.Get("MSH-3"), "LINGJING");
  EXPECT_NE(ack.ControlId(), "M1");
  EXPECT_EQ(Occupant("bed-a01"), "patient-mrn-MRN900001");
  auto p = graph_->GetTwin("patient-mrn-MRN900001");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->properties["mrn"], "MRN900001");
  EXPECT_EQ(p->properties["name"], "Jane Q Doe");
  EXPECT_EQ(p->properties["birthDate"], "1970-01-02");
  EXPECT_EQ(p->properties["sex"], "female");
  // The displaced demo patient keeps its twin but no longer occupies a bed.
  EXPECT_TRUE(graph_->GetTwin("patient-a01").ok());
  auto in = graph_->IncomingRelationships("patient-a01");
  ASSERT_TRUE(in.ok());
  EXPECT_TRUE(in->empty());

  // A repeated A01 updates instead of failing.
  ack = c.Send(Adt("A01", "M2", "MRN900001", "A01", "Doe^Janet||19700102|F"));
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(graph_->GetTwin("patient-mrn-MRN900001")->properties["name"], "Janet Doe");
  EXPECT_EQ(Occupant("bed-a01"), "patient-mrn-MRN900001");
  EXPECT_EQ(Counter("lj_hl7_messages_total{type=\"ADT^A01\",ack=\"AA\"}"), 2u);
}

TEST_F(MllpServerTest, AdmitFindsBedByLabelAndExistingPatientByMrn) {
  auto demo = graph_->GetTwin("patient-a03");
  ASSERT_TRUE(demo.ok());
  const std::string mrn = demo->properties["mrn"];
  Client c(server_->port());
  // "a04" is the label A04 in another case; the demo patient of bed A03 moves there.
  Message ack = c.Send(Adt("A01", "M1", mrn, "a04"));
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(Occupant("bed-a04"), "patient-a03");
  EXPECT_EQ(Occupant("bed-a03"), "");
  EXPECT_FALSE(graph_->GetTwin("patient-mrn-" + mrn).ok());  // no duplicate patient
}

TEST_F(MllpServerTest, TransferDischargeAndUpdate) {
  Client c(server_->port());
  ASSERT_EQ(c.Send(Adt("A01", "M1", "MRN1", "A01")).Get("MSA-1"), "AA");
  Message ack = c.Send(Adt("A02", "M2", "MRN1", "A02"));
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(Occupant("bed-a01"), "");
  EXPECT_EQ(Occupant("bed-a02"), "patient-mrn-MRN1");

  // Latin-1 text (not valid UTF-8) is read as ISO 8859-1.
  ack = c.Send(Adt("A08", "M3", "MRN1", "", "M\xfcller^Jane||19700102|O"));
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(graph_->GetTwin("patient-mrn-MRN1")->properties["sex"], "other");
  EXPECT_EQ(graph_->GetTwin("patient-mrn-MRN1")->properties["name"], "Jane M\xc3\xbcller");
  EXPECT_EQ(Occupant("bed-a02"), "patient-mrn-MRN1");

  ack = c.Send(Adt("A03", "M4", "MRN1", ""));
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(Occupant("bed-a02"), "");
  EXPECT_TRUE(graph_->GetTwin("patient-mrn-MRN1").ok());
  // Discharging again is accepted (idempotent).
  EXPECT_EQ(c.Send(Adt("A03", "M5", "MRN1", "")).Get("MSA-1"), "AA");
}

TEST_F(MllpServerTest, UnknownBedAndUnknownPatientGetAeAndChangeNothing) {
  Client c(server_->port());
  Message ack = c.Send(Adt("A01", "M1", "MRN2", "Z99"));
  EXPECT_EQ(ack.Get("MSA-1"), "AE");
  EXPECT_EQ(ack.Get("MSA-2"), "M1");
  EXPECT_EQ(ack.Get("ERR-2"), "PV1");
  EXPECT_EQ(ack.Get("ERR-2.3"), "3");
  EXPECT_EQ(ack.Get("ERR-3"), "204");
  EXPECT_EQ(ack.Get("ERR-8"), "unknown bed 'Z99'");
  EXPECT_FALSE(graph_->GetTwin("patient-mrn-MRN2").ok());

  ack = c.Send(Adt("A02", "M2", "NOBODY", "A01"));
  EXPECT_EQ(ack.Get("MSA-1"), "AE");
  EXPECT_EQ(ack.Get("ERR-8"), "unknown patient MRN 'NOBODY'");
  EXPECT_EQ(Occupant("bed-a01"), "patient-a01");

  ack = c.Send(Adt("A01", "M3", "MRN3", "A01", "Doe^J||19701302|F"));
  EXPECT_EQ(ack.Get("MSA-1"), "AE");
  EXPECT_EQ(ack.Get("ERR-2.3"), "7");
  EXPECT_NE(ack.Get("ERR-8").find("PID-7: '19701302': month out of range"), std::string::npos)
      << ack.Get("ERR-8");
}

TEST_F(MllpServerTest, MalformedGetsArAndTheConnectionStaysUp) {
  Client c(server_->port());
  Message ack = c.Send("MSH|^~\\&|HIS|HOSP|LJ|W|20261123||ADT^A01|BAD1|P|2.5\rpid|oops\r");
  EXPECT_EQ(ack.Get("MSA-1"), "AR");
  EXPECT_EQ(ack.Get("MSA-2"), "BAD1");  // salvaged from the MSH line
  EXPECT_EQ(ack.Get("ERR-3"), "102");
  EXPECT_NE(ack.Get("ERR-8").find("segment 2: invalid segment name"), std::string::npos);

  ack = c.Send("this is not HL7");
  EXPECT_EQ(ack.Get("MSA-1"), "AR");
  EXPECT_EQ(ack.Get("MSA-2"), "");

  ack = c.Send("MSH|^~\\&|HIS|HOSP|LJ|W|20261123||ADT^A01|||2.5\rPID|1\r");
  EXPECT_EQ(ack.Get("MSA-1"), "AR");
  EXPECT_EQ(ack.Get("ERR-8"), "MSH-10: missing message control id");
  EXPECT_EQ(ack.Get("ERR-3"), "101");

  ack = c.Send("MSH|^~\\&|HIS|HOSP|LJ|W|20261123||||P|2.5\rPID|1\r");
  EXPECT_EQ(ack.Get("ERR-8"), "MSH-9: missing message type");

  ack = c.Send(Msh("SIU^S12", "S1") + "SCH|1\r");
  EXPECT_EQ(ack.Get("MSA-1"), "AR");
  EXPECT_EQ(ack.Get("ERR-3"), "200");
  ack = c.Send(Msh("ADT^A99", "S2") + "PID|1\r");
  EXPECT_EQ(ack.Get("ERR-3"), "201");
  ack = c.Send("MSH|^~\\&|HIS|HOSP|LJ|W|20261123||ADT^A01|V1|P|2.1\rPID|1\r");
  EXPECT_EQ(ack.Get("ERR-3"), "203");
  EXPECT_EQ(ack.Version(), "2.1");  // the ACK answers in the message's version

  ack = c.Send(Adt("A01", "GOOD", "MRN5", "A02"));
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(Occupant("bed-a02"), "patient-mrn-MRN5");
  EXPECT_EQ(Counter("lj_hl7_connections_total"), 1u);
}

TEST_F(MllpServerTest, FramesSplitByteByByteAndPackedIntoOneWrite) {
  Client c(server_->port());
  for (char ch : MllpFrame(Adt("A01", "B1", "MRN6", "A03"))) c.Write(std::string_view(&ch, 1));
  Message ack = c.ReadAck();
  EXPECT_EQ(ack.Get("MSA-2"), "B1");
  EXPECT_EQ(ack.Get("MSA-1"), "AA");

  c.Write(MllpFrame(Adt("A02", "T1", "MRN6", "A04")) + "garbage\r\n\x1c" +
          MllpFrame(Adt("A08", "T2", "MRN6", "", "Roe^Jane||19700102|F")) + "more junk" +
          MllpFrame(Adt("A03", "T3", "MRN6", "")));
  for (const char* id : {"T1", "T2", "T3"}) {
    ack = c.ReadAck();
    EXPECT_EQ(ack.Get("MSA-2"), id);
    EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  }
  EXPECT_EQ(Occupant("bed-a04"), "");
  EXPECT_EQ(graph_->GetTwin("patient-mrn-MRN6")->properties["name"], "Jane Roe");
  EXPECT_EQ(Counter("lj_hl7_framing_errors_total{kind=\"garbage\"}"), 2u);
}

TEST_F(MllpServerTest, OversizeFrameGetsArAndTheConnectionStaysUp) {
  Client c(server_->port());
  std::string big = Msh("ADT^A01", "BIG") + "PID|1||X^^^H^MR||" + std::string(10000, 'a') + "\r";
  Message ack = c.Send(big);
  EXPECT_EQ(ack.Get("MSA-1"), "AR");
  EXPECT_EQ(ack.Get("MSA-2"), "BIG");
  EXPECT_EQ(ack.Get("ERR-5"), "1002");
  EXPECT_EQ(c.Send(Adt("A01", "OK", "MRN7", "A01")).Get("MSA-1"), "AA");
  EXPECT_EQ(Counter("lj_hl7_framing_errors_total{kind=\"oversize\"}"), 1u);
}

TEST_F(MllpServerTest, OruBecomesTelemetryOnTheBedsideMonitor) {
  auto demo = graph_->GetTwin("patient-a02");
  ASSERT_TRUE(demo.ok());
  const std::string mrn = demo->properties["mrn"];
  const int64_t t0 = (NowNs() / 1'000'000'000 - 60) * 1'000'000'000;
  const std::string ts = FormatDtm(t0);
  std::string obx =
      "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X\r" +
      fmt::format(
          "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|"
          "||{}\r",
          ts) +
      fmt::format("OBX|3|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.1|75|/min^^UCUM|||||R|||{}\r",
                  ts) +
      fmt::format(
          "OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.2|97|262688^MDC_DIM_PERCENT^MDC|||||R|||{"
          "}\r",
          ts) +
      fmt::format(
          "OBX|5|NM|151562^MDC_RESP_RATE^MDC|1.3.1.1|16|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||{}"
          "\r",
          ts) +
      fmt::format("OBX|6|NM|150344^MDC_TEMP^MDC|1.4.1.1|98.6|266560^MDC_DIM_FAHR^MDC|||||R|||{}\r",
                  ts) +
      // A MDC_PRESS_CUFF_SYS code with the MDC_PRESS_BLD_NONINV_SYS name (what this document
      // once prescribed): both are nibpSys, so it is accepted.
      fmt::format("OBX|7|NM|150301^MDC_PRESS_BLD_NONINV_SYS^MDC|1.5.1.1|16|kPa^^UCUM|||||R|||{}\r",
                  ts) +
      fmt::format(
          "OBX|8|NM|150302^MDC_PRESS_BLD_NONINV_DIA^MDC|1.5.1.2|80|266016^MDC_DIM_MMHG^MDC|||||R|||"
          "{}\r",
          ts) +
      fmt::format(
          "OBX|9|NM|150303^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.5.1.3|93|mm[Hg]^^UCUM|||||R|||{}\r",
          ts) +
      fmt::format("OBX|10|NM|188736^MDC_UNMAPPED^MDC|1.6.1.1|1|%^^UCUM|||||R|||{}\r", ts);
  Client c(server_->port());
  Message ack = c.Send(Oru("O1", mrn, obx));
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_EQ(ack.Get("MSH-9.2"), "R01");
  // What was not stored is in the ACK, as warnings: the rest of the message was stored.
  std::vector<std::string> errs;
  for (const Segment& s : ack.segments()) {
    if (s.name() == "ERR")
      errs.push_back(s.Get(4) + " " + std::string(s.RawField(2)) + " " + s.Get(8));
  }
  EXPECT_EQ(errs, (std::vector<std::string>{
                      "W OBX^1^11 OBX(1)-11: 69965 MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS: result "
                      "status 'X' (results cannot be obtained); not stored",
                      "W OBX^3^3 OBX(3)-3: 149530 MDC_PULS_OXIM_PULS_RATE: pulse rate superseded "
                      "by the heart rate in OBX(2); not stored",
                      "W OBX^10^3 OBX(10)-3: 188736 MDC_UNMAPPED: observation identifier not "
                      "mapped to a BedsideMonitor telemetry; not stored"}));
  auto hr = Latest("monitor-a02", "hr");
  EXPECT_DOUBLE_EQ(hr.first, 72);  // ECG heart rate wins over the pulse rate
  EXPECT_EQ(hr.second, t0);
  EXPECT_DOUBLE_EQ(Latest("monitor-a02", "spo2").first, 97);
  EXPECT_DOUBLE_EQ(Latest("monitor-a02", "rr").first, 16);
  EXPECT_NEAR(Latest("monitor-a02", "temp").first, 37.0, 1e-9);
  EXPECT_NEAR(Latest("monitor-a02", "nibpSys").first, 120.01, 0.01);
  EXPECT_DOUBLE_EQ(Latest("monitor-a02", "nibpDia").first, 80);
  EXPECT_DOUBLE_EQ(Latest("monitor-a02", "nibpMean").first, 93);
  EXPECT_TRUE(std::isnan(Latest("monitor-a01", "hr").first));
  EXPECT_EQ(Counter("lj_hl7_obx_ignored_total{reason=\"result_status\"}"), 1u);  // MDS row
  EXPECT_EQ(Counter("lj_hl7_obx_ignored_total{reason=\"superseded\"}"), 1u);
  EXPECT_EQ(Counter("lj_hl7_obx_ignored_total{reason=\"unmapped_code\"}"), 1u);
  EXPECT_EQ(Counter("lj_ingest_samples_total{protocol=\"hl7\"}"), 7u);
}

TEST_F(MllpServerTest, OruTimeFallsBackToObrAndDeviceIdentifierWins) {
  auto demo = graph_->GetTwin("patient-a01");
  const std::string mrn = demo->properties["mrn"];
  const int64_t t0 = (NowNs() / 1'000'000'000 - 120) * 1'000'000'000;
  // OBR-7 in local time +0800, no OBX-14; OBX-18 names monitor-a03 explicitly.
  std::string msg = Msh("ORU^R01", "O2") + fmt::format("PID|||{}^^^HOSP^MR\r", mrn) +
                    fmt::format("OBR|1||||||{}\r",
                                FormatDtm(t0 + 8 * 3600'000'000'000LL).substr(0, 14) + "+0800") +
                    "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||91|%^^UCUM|||||F|||||||monitor-a03\r"
                    "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||92|%^^UCUM|||||F\r";
  Client c(server_->port());
  Message ack = c.Send(msg);
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_DOUBLE_EQ(Latest("monitor-a03", "spo2").first, 91);
  EXPECT_EQ(Latest("monitor-a03", "spo2").second, t0);
  EXPECT_DOUBLE_EQ(Latest("monitor-a01", "spo2").first, 92);
}

TEST_F(MllpServerTest, OruTimeWithoutOffsetUsesMsh7Offset) {
  const std::string mrn = graph_->GetTwin("patient-a02")->properties["mrn"];
  const int64_t t0 = (NowNs() / 1'000'000'000 - 90) * 1'000'000'000;
  // Local time +0200 in MSH-7; OBX-14 has no offset, so it is read as +0200 too.
  const std::string local = FormatDtm(t0 + 2 * 3600'000'000'000LL).substr(0, 14);
  std::string msg =
      fmt::format("MSH|^~\\&|MON|H|LJ|W|{}+0200||ORU^R01|Z1|P|2.6\r", local) +
      fmt::format("PID|||{}^^^HOSP^MR\r", mrn) +
      fmt::format("OBX|1|NM|151562^MDC_RESP_RATE^MDC||18|/min^^UCUM|||||F|||{}\r", local);
  Client c(server_->port());
  Message ack = c.Send(msg);
  EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
  EXPECT_DOUBLE_EQ(Latest("monitor-a02", "rr").first, 18);
  EXPECT_EQ(Latest("monitor-a02", "rr").second, t0);
}

TEST_F(MllpServerTest, OruRejectsAreReportedWhileTheRestIsAccepted) {
  const std::string mrn = graph_->GetTwin("patient-a04")->properties["mrn"];
  const std::string ts = FormatDtm(NowNs() - 30'000'000'000);
  std::string obx =
      fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||80|264864^^MDC|||||F|||{}\r", ts) +
      fmt::format("OBX|2|NM|150344^MDC_TEMP^MDC||37|mmol/L^^UCUM|||||F|||{}\r", ts) +
      fmt::format("OBX|3|NM|151562^MDC_RESP_RATE^MDC||fast|/min^^UCUM|||||F|||{}\r", ts) +
      fmt::format("OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||95|%^^UCUM|||||F|||2026113\r") +
      fmt::format("OBX|5|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||96|%^^UCUM|||||F|||{}\r",
                  FormatDtm(NowNs() + 3600'000'000'000LL));
  Client c(server_->port());
  Message ack = c.Send(Oru("O3", mrn, obx));
  // The heart rate was stored: AA, and each observation not stored is a warning.
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  std::vector<std::string> errs;
  for (const Segment& s : ack.segments()) {
    if (s.name() == "ERR") {
      EXPECT_EQ(s.Get(4), "W");
      errs.push_back(s.Get(2) + "/" + s.Get(2, 1, 2) + "/" + s.Get(2, 1, 3) + " " + s.Get(5) + " " +
                     s.Get(8));
    }
  }
  ASSERT_EQ(errs.size(), 4u);
  EXPECT_NE(
      errs[0].find("OBX/2/6 1000 OBX(2)-6: 150344 MDC_TEMP: unit 'mmol/L' is not a unit of temp"),
      std::string::npos)
      << errs[0];
  EXPECT_NE(errs[1].find("OBX/3/5 2003 OBX(3)-5:"), std::string::npos) << errs[1];
  EXPECT_NE(errs[2].find("OBX/4/14 2006 OBX(4)-14:"), std::string::npos) << errs[2];
  EXPECT_NE(errs[3].find("OBX/5/5 2006 OBX(5):"), std::string::npos)
      << errs[3];  // pipeline: future
  EXPECT_DOUBLE_EQ(Latest("monitor-a04", "hr").first, 80);

  // Unknown patient: every observation is rejected with the reason.
  ack = c.Send(
      Oru("O4", "NOBODY",
          fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||80|/min^^UCUM|||||F|||{}\r", ts)));
  EXPECT_EQ(ack.Get("MSA-1"), "AE");
  EXPECT_EQ(ack.Get("ERR-4"), "E");
  EXPECT_NE(ack.Get("ERR-8").find("unknown patient MRN 'NOBODY'"), std::string::npos)
      << ack.Get("ERR-8");
}

// LOINC-coded vitals and IHE PCD-01 NIBP (MDC_PRESS_BLD_NONINV_*) over a real MLLP connection.
TEST_F(MllpServerTest, OruLoincAndMdcNibpOverMllp) {
  const std::string mrn = graph_->GetTwin("patient-a03")->properties["mrn"];
  const int64_t t0 = (NowNs() / 1'000'000'000 - 45) * 1'000'000'000;
  const std::string ts = FormatDtm(t0);
  Client c(server_->port());
  Message ack =
      c.Send(Oru("L1", mrn,
                 fmt::format("OBX|1|NM|8867-4^Heart rate^LN||91|/min^^UCUM|||||F|||{0}\r"
                             "OBX|2|NM|8310-5^Body temperature^LN||37.9|Cel^^UCUM|||||F|||{0}\r"
                             "OBX|3|NM|29463-7^Body weight^LN||81|kg^^UCUM|||||F|||{0}\r",
                             ts)));
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(ack.Get("ERR-4"), "W");
  EXPECT_EQ(ack.Get("ERR-2"), "OBX");
  EXPECT_EQ(ack.Get("ERR-2.2"), "3");
  EXPECT_EQ(ack.Get("ERR-8"),
            "OBX(3)-3: 29463-7 Body weight (LN): observation identifier not mapped to a "
            "BedsideMonitor telemetry; not stored");
  EXPECT_DOUBLE_EQ(Latest("monitor-a03", "hr").first, 91);
  EXPECT_EQ(Latest("monitor-a03", "hr").second, t0);
  EXPECT_DOUBLE_EQ(Latest("monitor-a03", "temp").first, 37.9);

  ack = c.Send(Oru(
      "N1", mrn,
      fmt::format(
          "OBX|1||150020^MDC_PRESS_BLD_NONINV^MDC|1.0.1|||||||X|||{0}\r"
          "OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|132|266016^MDC_DIM_MMHG^MDC|||||R||"
          "|"
          "{0}\r"
          "OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|84|266016^MDC_DIM_MMHG^MDC|||||R|||"
          "{0}\r"
          "OBX|4|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.0.1.3|100|266016^MDC_DIM_MMHG^MDC|||||R|"
          "||{0}\r",
          ts)));
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(ack.Get("ERR-8"),
            "OBX(1)-11: 150020 MDC_PRESS_BLD_NONINV: result status 'X' (results cannot be "
            "obtained); not stored");
  EXPECT_DOUBLE_EQ(Latest("monitor-a03", "nibpSys").first, 132);
  EXPECT_DOUBLE_EQ(Latest("monitor-a03", "nibpDia").first, 84);
  EXPECT_DOUBLE_EQ(Latest("monitor-a03", "nibpMean").first, 100);
  EXPECT_EQ(Counter("lj_ingest_samples_total{protocol=\"hl7\"}"), 5u);
}

TEST_F(MllpServerTest, AnAuthorizerSeesEveryMessageAndARefusalIsArWithNothingApplied) {
  std::vector<std::string> seen;
  Restart([&](MllpOptions& o) {
    o.authorize = [&](const MessageAccess& a) {
      std::string twins;
      if (a.twins)
        for (const std::string& t : *a.twins) twins += t + ",";
      seen.push_back(fmt::format("{} {} {} {} {}", a.remote.substr(0, 10), a.message,
                                 a.graph_change ? "graph" : "write", a.patient, twins));
      if (a.patient == "patient-mrn-MRN900002" || twins.find("monitor-a02") != std::string::npos)
        return Status(ErrorCode::kForbidden, "write_telemetry not allowed on twin 'monitor-a02'");
      return Status::Ok();
    };
  });
  Client c(server_->port());
  // ADT: allowed, and refused with nothing changed.
  EXPECT_EQ(c.Send(Adt("A01", "M1", "MRN900001", "A01")).Get("MSA-1"), "AA");
  Message no = c.Send(Adt("A01", "M2", "MRN900002", "A03"));
  EXPECT_EQ(no.Get("MSA-1"), "AR");
  EXPECT_EQ(no.Get("MSA-2"), "M2");
  EXPECT_EQ(no.Get("ERR-5"), "1011");
  EXPECT_NE(no.Get("ERR-8").find("not allowed"), std::string::npos) << no.Get("ERR-8");
  EXPECT_FALSE(graph_->GetTwin("patient-mrn-MRN900002").ok());
  EXPECT_EQ(Occupant("bed-a03"), "patient-a03");
  // ORU: the twins it would write are checked before anything is ingested.
  const std::string ts = FormatDtm(NowNs() - 30'000'000'000);
  const std::string hr =
      fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||81|/min^^UCUM|||||F|||{}\r", ts);
  const std::string mrn2 = graph_->GetTwin("patient-a02")->properties["mrn"];
  const std::string mrn4 = graph_->GetTwin("patient-a04")->properties["mrn"];
  EXPECT_EQ(c.Send(Oru("O1", mrn2, hr)).Get("MSA-1"), "AR");
  EXPECT_TRUE(std::isnan(Latest("monitor-a02", "hr").first));
  EXPECT_EQ(c.Send(Oru("O2", mrn4, hr)).Get("MSA-1"), "AA");
  EXPECT_DOUBLE_EQ(Latest("monitor-a04", "hr").first, 81);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], "127.0.0.1: ADT^A01 M1 graph patient-mrn-MRN900001 ");
  EXPECT_EQ(seen[2], "127.0.0.1: ORU^R01 O1 write  monitor-a02,");
  EXPECT_EQ(Counter("lj_hl7_messages_total{type=\"ORU^R01\",ack=\"AR\"}"), 1u);
}

TEST_F(MllpServerTest, SendersOutsideTheAllowListAreClosedAtOnce) {
  Restart([](MllpOptions& o) { o.allow = {"10.0.0.0/8", "fd00::/8"}; });
  {
    Client outsider(server_->port());
    EXPECT_TRUE(outsider.ClosedByPeer());
  }
  EXPECT_EQ(Counter("lj_hl7_connections_refused_total"), 1u);
  Restart([](MllpOptions& o) { o.allow = {"10.0.0.0/8", "127.0.0.1"}; });
  Client insider(server_->port());
  EXPECT_EQ(insider.Send(Adt("A01", "M1", "MRN900001", "A01")).Get("MSA-1"), "AA");
  EXPECT_EQ(Counter("lj_hl7_connections_refused_total"), 1u);
  for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "host.example", "::1/129", "10.0.0.0/"}) {
    MllpOptions o;
    o.allow = {bad};
    EXPECT_EQ(ValidateOptions(o).code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_F(MllpServerTest, MllpOverTlsAndAPlainSenderOnTheTlsPort) {
  server::TlsOptions to;
  to.enabled = true;
  to.dev_dir = (dir_ / "tls").string();
  Result<server::ServerTls> tls = server::MakeServerTls(to);
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  Restart([&](MllpOptions& o) { o.tls = tls->context; });
  asio::io_context io;
  asio::ssl::context cctx(asio::ssl::context::tls_client);
  cctx.load_verify_file(tls->cert_file);  // trusts exactly the development certificate
  cctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<tcp::socket> s(io, cctx);
  s.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  s.handshake(asio::ssl::stream_base::client);
  asio::write(s, asio::buffer(MllpFrame(Adt("A01", "T1", "MRN900001", "A01"))));
  std::string in;
  const size_t n = asio::read_until(s, asio::dynamic_buffer(in), "\x1c\r");
  Result<Message> ack = Message::Parse(in.substr(1, n - 3));
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->Get("MSA-1"), "AA") << ack->Get("ERR-8");
  EXPECT_EQ(Occupant("bed-a01"), "patient-mrn-MRN900001");
  // A plain MLLP sender on the TLS port gets no ACK: its bytes are not a handshake.
  Client plain(server_->port());
  plain.Write(MllpFrame(Adt("A01", "P1", "MRN900002", "A02")));
  EXPECT_TRUE(plain.ClosedByPeer());
  EXPECT_EQ(Counter("lj_hl7_tls_handshake_failures_total"), 1u);
  EXPECT_EQ(Occupant("bed-a02"), "patient-a02");
}

TEST(MllpServerLimitsTest, MaxConnectionsAndIdleTimeoutCloseConnections) {
  model::ModelRegistry models;
  for (const auto& [name, text] : model::BuiltinWardModels()) {
    ASSERT_TRUE(models.LoadJson(text, name).ok());
  }
  ASSERT_TRUE(models.Resolve().ok());
  const auto dir =
      std::filesystem::temp_directory_path() / ("lj_hl7_limits_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto graph = graph::TwinGraph::Open((dir / "graph.db").string(), models);
  ASSERT_TRUE(graph.ok());
  metrics::Registry metrics;
  live::LiveState live(models, live::LiveOptions{});
  live::Pipeline pipeline(live, metrics, live::PipelineOptions{});
  MllpOptions o;
  o.port = 0;
  o.max_connections = 1;
  o.idle_timeout_s = 1;
  auto server = MllpServer::Start(o, **graph, pipeline, metrics);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  {
    Client first((*server)->port());
    EXPECT_EQ(first.Send(Msh("ADT^A08", "C1") + "PID|1||X^^^H^MR\r").Get("MSA-1"), "AE");
    Client second((*server)->port());
    EXPECT_TRUE(second.ClosedByPeer());  // over max_connections: closed at once
    EXPECT_TRUE(first.ClosedByPeer());   // silent for idle_timeout_s: closed
  }
  EXPECT_NE(metrics.RenderPrometheus().find("lj_hl7_connections_rejected_total 1"),
            std::string::npos);
  EXPECT_FALSE(ValidateOptions(MllpOptions{.max_message_bytes = 10}).ok());
  (*server)->Stop();
  graph->reset();
  std::filesystem::remove_all(dir);
}

// The wiring the engine uses: the pipeline writes to a real HistoryStore (sync per batch) and
// the server waits on HistoryStore::WhenDurable.
TEST_F(MllpServerTest, WithARealHistoryTheAaComesOnceTheSamplesAreDurable) {
  history::HistoryOptions ho;
  ho.dir = (dir_ / "history").string();
  ho.sync = history::SyncPolicy::kBatch;
  auto store = history::HistoryStore::Open(ho, &metrics_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  history::HistoryStore& h = **store;
  live::Pipeline with_history(*live_, metrics_, live::PipelineOptions{}, &h);
  sink_ = &with_history;
  Restart([&h](MllpOptions& o) {
    o.when_durable = [&h](uint64_t lsn, std::function<void(Status)> done) {
      h.WhenDurable(lsn, std::move(done));
    };
  });
  const std::string mrn = graph_->GetTwin("patient-a02")->properties["mrn"];
  Client c(server_->port());
  for (int i = 0; i < 3; ++i) {
    const std::string before = std::to_string(h.Stats().durable_lsn);
    Message ack =
        c.Send(Oru(fmt::format("H{}", i), mrn,
                   fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||{}|/min^^UCUM|||||F|||{}\r",
                               70 + i, FormatDtm(NowNs() - (30 - i) * 1'000'000'000LL))));
    EXPECT_EQ(ack.Get("MSA-1"), "AA") << ack.Get("ERR-8");
    EXPECT_GT(h.Stats().durable_lsn, std::stoull(before));  // synced before the ACK
  }
  std::optional<history::SeriesId> id = h.Find("monitor-a02", "hr");
  ASSERT_TRUE(id.has_value());
  Result<history::SeriesData> latest = h.Latest(*id);
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  server_.reset();  // before the pipeline and the store go
  sink_ = nullptr;
  EXPECT_TRUE(h.Close().ok());
}

TEST_F(MllpServerTest, StopClosesConnectionsAndIsIdempotent) {
  Client c(server_->port());
  EXPECT_EQ(c.Send(Adt("A01", "M1", "MRN8", "A01")).Get("MSA-1"), "AA");
  server_->Stop();
  server_->Stop();
  EXPECT_TRUE(c.ClosedByPeer());
}

}  // namespace
}  // namespace lj::hl7
