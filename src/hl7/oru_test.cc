// ORU^R01 observations → BedsideMonitor telemetry and the ACK that reports them, through
// MessageHandler (no sockets) backed by a temporary SQLite twin graph holding the demo ward and
// the real live::Pipeline. The fixtures are modelled on messages real senders produce: LOINC-coded
// vital signs from a spot-check device / EHR flowsheet, IHE PCD-01 NIBP with the numeric
// MDC_PRESS_BLD_NONINV_* codes, a patient monitor's MDC_PRESS_CUFF_* rows with empty set ids,
// and a monitor message mixing mapped and unmapped observations.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/time.h"
#include "hl7/dtm.h"
#include "hl7/handler.h"
#include "hl7/message.h"
#include "hl7/oru.h"
#include "live/live_state.h"
#include "live/pipeline.h"
#include "sim/ward_builder.h"

namespace lj::hl7 {
namespace {

constexpr const char* kScalars[] = {"hr", "rr", "spo2", "temp", "nibpSys", "nibpDia", "nibpMean"};

class OruTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lj_hl7_oru_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (const auto& [name, text] : model::BuiltinWardModels()) {
      ASSERT_TRUE(models_.LoadJson(text, name).ok()) << name;
    }
    ASSERT_TRUE(models_.Resolve().ok());
    auto g = graph::TwinGraph::Open((dir_ / "graph.db").string(), models_);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    graph_ = std::move(*g);
    live_ = std::make_unique<live::LiveState>(models_, live::LiveOptions{});
    graph_->AddListener(live_.get());
    sim::WardLayout layout;
    layout.beds = 4;
    ASSERT_TRUE(sim::BuildWard(*graph_, layout).ok());
    pipeline_ = std::make_unique<live::Pipeline>(*live_, metrics_, live::PipelineOptions{});
    handler_ = std::make_unique<MessageHandler>(*graph_, *pipeline_, metrics_, HandlerOptions{});
    t0_ = (NowNs() / 1'000'000'000 - 60) * 1'000'000'000;
    ts_ = FormatDtm(t0_);
  }
  void TearDown() override {
    handler_.reset();
    pipeline_.reset();
    graph_.reset();
    live_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Mrn(const std::string& patient) {
    return graph_->GetTwin(patient)->properties["mrn"].get<std::string>();
  }
  // Handles `text` (segments separated by '\n' for readability) and parses the ACK.
  Message Send(std::string text) {
    for (char& c : text)
      if (c == '\n') c = '\r';
    MessageHandler::Outcome out = handler_->Handle(text);
    Result<Message> ack = Message::Parse(out.ack);
    EXPECT_TRUE(ack.ok()) << ack.status().ToString();
    return ack.ok() ? *ack : *Message::Parse("MSH|^~\\&|\rMSA|XX\r");
  }
  // Every scalar the monitor holds: "telemetry=value@offset-from-t0-in-seconds".
  std::vector<std::string> Stored(const std::string& twin) {
    std::vector<std::string> out;
    auto t = live_->Find(twin);
    if (!t) return {"no twin " + twin};
    live_->WithShard(t->shard, [&](live::LiveState::TwinMap&) {
      for (const char* name : kScalars) {
        const int i = t->model->FindTelemetry(name);
        if (i < 0 || !t->series[static_cast<size_t>(i)].has_value()) continue;
        const auto& s = t->series[static_cast<size_t>(i)];
        out.push_back(fmt::format("{}={:.4f}@{}", name, s.d, (s.t_ns - t0_) / 1'000'000'000));
      }
    });
    return out;
  }
  // "severity|location|0357 code|Lingjing code|reason" per ERR segment.
  static std::vector<std::string> Errs(const Message& ack) {
    std::vector<std::string> out;
    for (const Segment& s : ack.segments()) {
      if (s.name() != "ERR") continue;
      out.push_back(
          fmt::format("{}|{}|{}|{}|{}", s.Get(4), s.RawField(2), s.Get(3), s.Get(5), s.Get(8)));
    }
    return out;
  }
  uint64_t Counter(const std::string& needle) {
    const std::string text = metrics_.RenderPrometheus();
    size_t p = text.find("\n" + needle + " ");
    return p == std::string::npos ? 0 : std::stoull(text.substr(p + needle.size() + 2));
  }

  std::filesystem::path dir_;
  model::ModelRegistry models_;
  metrics::Registry metrics_;
  std::unique_ptr<graph::TwinGraph> graph_;
  std::unique_ptr<live::LiveState> live_;
  std::unique_ptr<live::Pipeline> pipeline_;
  std::unique_ptr<MessageHandler> handler_;
  int64_t t0_ = 0;
  std::string ts_;
};

// A spot-check vital-signs device / EHR flowsheet feed: every OBX is LOINC-coded (OBX-3.3 "LN")
// with UCUM units.
TEST_F(OruTest, LoincCodedVitalsAreStored) {
  const std::string msg = fmt::format(
      "MSH|^~\\&|CONNEX^Welch "
      "Allyn|WARD-A|LINGJING|GENERAL|{0}||ORU^R01^ORU_R01|WA-000731|P|2.5.1\n"
      "PID|1||{1}^^^GENERAL^MR||Everyman^Adam^A||19610615|M\n"
      "PV1|1|I|WARD-A^A02^A02\n"
      "OBR|1||VS-000731|34566-0^Vital signs with method details panel^LN|||{0}\n"
      "OBX|1|NM|8867-4^Heart rate^LN|1|88|/min^per minute^UCUM|||||F|||{0}\n"
      "OBX|2|NM|59408-5^Oxygen saturation in Arterial blood by Pulse "
      "oximetry^LN|1|96|%^percent^UCUM"
      "|||||F|||{0}\n"
      "OBX|3|NM|9279-1^Respiratory rate^LN|1|18|/min^per minute^UCUM|||||F|||{0}\n"
      "OBX|4|NM|8310-5^Body temperature^LN|1|99.5|[degF]^degree Fahrenheit^UCUM|||||F|||{0}\n"
      "OBX|5|NM|8480-6^Systolic blood pressure^LN|1|128|mm[Hg]^millimeter of mercury^UCUM|||||F|||"
      "{0}\n"
      "OBX|6|NM|8462-4^Diastolic blood pressure^LN|1|82|mm[Hg]^millimeter of mercury^UCUM|||||F|||"
      "{0}\n"
      "OBX|7|NM|8478-0^Mean blood pressure^LN|1|97|mm[Hg]^millimeter of mercury^UCUM|||||F|||{0}\n",
      ts_, Mrn("patient-a02"));
  Message ack = Send(msg);
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(ack.Get("MSA-2"), "WA-000731");
  EXPECT_EQ(Errs(ack), std::vector<std::string>{});
  EXPECT_EQ(
      Stored("monitor-a02"),
      (std::vector<std::string>{"hr=88.0000@0", "rr=18.0000@0", "spo2=96.0000@0", "temp=37.5000@0",
                                "nibpSys=128.0000@0", "nibpDia=82.0000@0", "nibpMean=97.0000@0"}));
  EXPECT_EQ(Stored("monitor-a01"), std::vector<std::string>{});

  // The arterial SpO2 code, Celsius and kilopascal.
  ack =
      Send(fmt::format("MSH|^~\\&|EHR|GENERAL|LINGJING|WARD-A|{0}||ORU^R01|EHR-2|P|2.5\n"
                       "PID|1||{1}^^^GENERAL^MR\n"
                       "OBR|1|||85353-1^Vital signs panel^LN|||{0}\n"
                       "OBX|1|NM|2708-6^Oxygen saturation in Arterial blood^LN||94|%^^UCUM|||||F\n"
                       "OBX|2|NM|8310-5^Body temperature^LN||38.2|Cel^degree Celsius^UCUM|||||F\n"
                       "OBX|3|NM|8480-6^Systolic blood pressure^LN||16|kPa^kilopascal^UCUM|||||F\n",
                       ts_, Mrn("patient-a01")));
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(Errs(ack), std::vector<std::string>{});
  EXPECT_EQ(Stored("monitor-a01"),
            (std::vector<std::string>{"spo2=94.0000@0", "temp=38.2000@0", "nibpSys=120.0099@0"}));
  EXPECT_EQ(Counter("lj_ingest_samples_total{protocol=\"hl7\"}"), 10u);
}

// IHE PCD-01 from a NIBP monitor: the MDS/VMD containment rows (no value, status X) and the
// numeric MDC_PRESS_BLD_NONINV_* codes (150020 family, ISO/IEEE 11073-10101).
TEST_F(OruTest, PcdNibpWithMdcPressBldNoninvCodesIsStored) {
  const std::string msg = fmt::format(
      "MSH|^~\\&|BPMON^0123456789ABCDEF^EUI-64||LINGJING|WARD-A|{0}||ORU^R01^ORU_R01|BP0042|P|2.6"
      "|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\n"
      "PID|||{1}^^^GENERAL^MR||Everyman^Adam\n"
      "PV1||I|WARD-A^A02^A02\n"
      "OBR|1|BP0042^BPMON|BP0042^BPMON|182777000^monitoring of patient^SNOMED-CT|||{0}\n"
      "OBX|1||528391^MDC_DEV_SPEC_PROFILE_BP^MDC|1|||||||X|||{0}\n"
      "OBX|2||150020^MDC_PRESS_BLD_NONINV^MDC|1.0.1|||||||X|||{0}\n"
      "OBX|3|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.0.1.1|141|266016^MDC_DIM_MMHG^MDC|||||R|||{0}"
      "\n"
      "OBX|4|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|95|266016^MDC_DIM_MMHG^MDC|||||R|||{0}"
      "\n"
      "OBX|5|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.0.1.3|110|266016^MDC_DIM_MMHG^MDC|||||R|||{"
      "0}"
      "\n"
      "OBX|6|NM|149546^MDC_PULS_RATE_NON_INV^MDC|1.0.0.1|76|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R||"
      "|"
      "{0}\n",
      ts_, Mrn("patient-a02"));
  Message ack = Send(msg);
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(Stored("monitor-a02"),
            (std::vector<std::string>{"hr=76.0000@0", "nibpSys=141.0000@0", "nibpDia=95.0000@0",
                                      "nibpMean=110.0000@0"}));
  // The containment rows were not stored: each is reported, as a warning (the rest was stored).
  EXPECT_EQ(Errs(ack),
            (std::vector<std::string>{
                "W|OBX^1^11|103|1012|OBX(1)-11: 528391 MDC_DEV_SPEC_PROFILE_BP: result status 'X' "
                "(results cannot be obtained); not stored",
                "W|OBX^2^11|103|1012|OBX(2)-11: 150020 MDC_PRESS_BLD_NONINV: result status 'X' "
                "(results cannot be obtained); not stored"}));
}

// A patient monitor's PCD-01 export: MDC_PRESS_CUFF_* (150300 family), empty OBX-1 set ids,
// one observation named only by its reference id.
TEST_F(OruTest, MonitorNibpWithMdcPressCuffCodesIsStored) {
  const std::string msg = fmt::format(
      "MSH|^~\\&|Mindray|BeneVision|LINGJING|WARD-A|{0}||ORU^R01|1234|P|2.6|||AL|NE||UNICODE "
      "UTF-8\n"
      "PID|||{1}^^^^MR\n"
      "PV1||I|WARD-A^A03^A03\n"
      "OBR|1|1234^Mindray|1234^Mindray|182777000^monitoring of patient^SCT|||{0}\n"
      "OBX||NM|150301^MDC_PRESS_CUFF_SYS^MDC|1.1.9.150301|118|266016^MDC_DIM_MMHG^MDC|||||F|||{0}\n"
      "OBX||NM|150302^MDC_PRESS_CUFF_DIA^MDC|1.1.9.150302|76|266016^MDC_DIM_MMHG^MDC|||||F|||{0}\n"
      "OBX||NM|^MDC_PRESS_CUFF_MEAN^MDC|1.1.9.150303|90|266016^MDC_DIM_MMHG^MDC|||||F|||{0}\n"
      "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97|262688^MDC_DIM_PERCENT^MDC|||||F|||{"
      "0}"
      "\n"
      "OBX||NM|150364^MDC_TEMP_BODY^MDC|1.2.1.150364|310.25|266528^MDC_DIM_KELVIN^MDC|||||F|||{0}"
      "\n",
      ts_, Mrn("patient-a03"));
  Message ack = Send(msg);
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(Stored("monitor-a03"),
            (std::vector<std::string>{"spo2=97.0000@0", "temp=37.1000@0", "nibpSys=118.0000@0",
                                      "nibpDia=76.0000@0", "nibpMean=90.0000@0"}));
  EXPECT_EQ(Errs(ack), std::vector<std::string>{});
  // An ERR names each code by its ISO/IEEE 11073-10101 reference id.
  ack =
      Send(fmt::format("MSH|^~\\&|Mindray|BeneVision|LINGJING|WARD-A|{0}||ORU^R01|1235|P|2.6\n"
                       "PID|||{1}^^^^MR\n"
                       "OBX||NM|150301^^MDC|1.1.9.150301|118|mmol/L^^UCUM|||||F|||{0}\n"
                       "OBX||NM|150021^^MDC|1.1.9.150021|118|mmol/L^^UCUM|||||F|||{0}\n",
                       ts_, Mrn("patient-a03")));
  EXPECT_EQ(ack.Get("MSA-1"), "AE");
  EXPECT_EQ(
      Errs(ack),
      (std::vector<std::string>{
          "E|OBX^1^6|103|1000|OBX(1)-6: 150301 MDC_PRESS_CUFF_SYS: unit 'mmol/L' is not a unit of "
          "nibpSys (accepted: 266016, MDC_DIM_MMHG, mm[Hg], mmHg, 265987, MDC_DIM_KILO_PASCAL, "
          "kPa)",
          "E|OBX^2^6|103|1000|OBX(2)-6: 150021 MDC_PRESS_BLD_NONINV_SYS: unit 'mmol/L' is not a "
          "unit "
          "of nibpSys (accepted: 266016, MDC_DIM_MMHG, mm[Hg], mmHg, 265987, MDC_DIM_KILO_PASCAL, "
          "kPa)"}));
}

// A monitor message mixing mapped and unmapped observations: every OBX not stored is in the ACK
// with its position (and set id), field and reason; the stored ones are exactly the mapped ones.
TEST_F(OruTest, EveryObservationNotStoredIsReportedWithItsReason) {
  const std::string future = FormatDtm(t0_ + 3600'000'000'000LL);
  const std::string msg = fmt::format(
      "MSH|^~\\&|MONITOR^0012340000000001^EUI-64|GENERAL|LINGJING|WARD-A|{0}||ORU^R01^ORU_R01|"
      "PCD00042|P|2.6\n"
      "PID|||{1}^^^GENERAL^MR||Everyman^Adam^A\n"
      "OBR|1|PCD00042^MONITOR|PCD00042^MONITOR|182777000^monitoring of patient^SNOMED-CT|||{0}\n"
      "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X\n"
      "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R\n"
      "OBX|3|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.1|75|/min^^UCUM|||||R\n"
      "OBX|4|NM|188736^MDC_MASS_BODY_ACTUAL^MDC|1.6.1.1|72.5|263875^MDC_DIM_KILO_G^MDC|||||R\n"
      "OBX|5|NM|8889-8^Heart rate by Pulse oximetry^LN||74|/min^^UCUM|||||F\n"
      "OBX|6|NM|RR^Resp rate^99MON^9279-1^Respiratory rate^LN||17|/min^^UCUM|||||F\n"
      "OBX|7|NM|150344^MDC_TEMP^MDC|1.4.1.1|37|mmol/L^^UCUM|||||R\n"
      "OBX|8|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.2|95|262688^MDC_DIM_PERCENT^MDC|||||X\n"
      "OBX|9|NM|150021^MDC_PRESS_BLD_NONINV_DIA^MDC|1.5.1.2|80|266016^MDC_DIM_MMHG^MDC|||||R\n"
      "OBX|10|NM|151562^MDC_RESP_RATE^MDC|1.3.1.1|19|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R|||{2}\n"
      "OBX|11|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.2||262688^MDC_DIM_PERCENT^MDC|||||R\n"
      "OBX|14|NM|HR^Heart rate^L||70|/min^^UCUM|||||F\n",
      ts_, Mrn("patient-a04"), future);
  Message ack = Send(msg);
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(Stored("monitor-a04"), (std::vector<std::string>{"hr=72.0000@0", "rr=17.0000@0"}));
  std::vector<std::string> errs = Errs(ack);
  ASSERT_EQ(errs.size(), 10u) << fmt::format("{}", fmt::join(errs, "\n"));
  EXPECT_EQ(
      errs[0],
      "W|OBX^1^11|103|1012|OBX(1)-11: 69965 MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS: result status "
      "'X' (results cannot be obtained); not stored");
  EXPECT_EQ(errs[1],
            "W|OBX^3^3|205|1006|OBX(3)-3: 149530 MDC_PULS_OXIM_PULS_RATE: pulse rate superseded by "
            "the heart rate in OBX(2); not stored");
  EXPECT_EQ(errs[2],
            "W|OBX^4^3|204|2002|OBX(4)-3: 188736 MDC_MASS_BODY_ACTUAL: observation identifier not "
            "mapped to a BedsideMonitor telemetry; not stored");
  EXPECT_EQ(errs[3],
            "W|OBX^5^3|204|2002|OBX(5)-3: 8889-8 Heart rate by Pulse oximetry (LN): observation "
            "identifier not mapped to a BedsideMonitor telemetry; not stored");
  EXPECT_EQ(errs[4],
            "W|OBX^7^6|103|1000|OBX(7)-6: 150344 MDC_TEMP: unit 'mmol/L' is not a unit of temp "
            "(accepted: 268192, MDC_DIM_DEGC, Cel, 266560, MDC_DIM_FAHR, [degF], 266528, "
            "MDC_DIM_KELVIN, K)");
  EXPECT_EQ(errs[5],
            "W|OBX^8^11|103|1012|OBX(8)-11: 150456 MDC_PULS_OXIM_SAT_O2: result status 'X' "
            "(results cannot be obtained); not stored");
  EXPECT_EQ(errs[6],
            "W|OBX^9^3|103|1000|OBX(9)-3: 150021 MDC_PRESS_BLD_NONINV_DIA: the codings name "
            "different observations: 150021 MDC_PRESS_BLD_NONINV_SYS (nibpSys), "
            "150022 MDC_PRESS_BLD_NONINV_DIA (nibpDia)");
  // Refused by the ingest pipeline, with its reason code.
  EXPECT_EQ(errs[7].rfind("W|OBX^10^5|102|2006|OBX(10): 151562 MDC_RESP_RATE: 'rr': timestamp ", 0),
            0u)
      << errs[7];
  EXPECT_NE(errs[7].find("in the future (limit 300 s)"), std::string::npos) << errs[7];
  EXPECT_EQ(errs[8],
            "W|OBX^11^5|101|2007|OBX(11)-5: 150456 MDC_PULS_OXIM_SAT_O2: no value; not stored");
  // The set id (14) differs from the position (12): both are named.
  EXPECT_EQ(errs[9],
            "W|OBX^12^3|204|2002|OBX(12)-3 (set id 14): HR Heart rate (L): observation identifier "
            "not mapped to a BedsideMonitor telemetry; not stored");
  EXPECT_EQ(ack.Get("MSA-3"),
            "OBX(1)-11: 69965 MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS: result status "
            "'X' (results cannot be obtained); not stored");
  EXPECT_EQ(Counter("lj_hl7_messages_total{type=\"ORU^R01\",ack=\"AA\"}"), 1u);
}

// The ingest report's rejects (out of order here) are in the ACK like the mapping's own; a
// message of which nothing was stored is AE, its ERR segments errors.
TEST_F(OruTest, PipelineRejectsAreReportedAndNothingStoredIsAe) {
  const std::string mrn = Mrn("patient-a01");
  auto oru = [&](std::string_view id, std::string_view obx) {
    return fmt::format(
        "MSH|^~\\&|MON|GENERAL|LINGJING|WARD-A|{0}||ORU^R01|{1}|P|2.6\n"
        "PID|||{2}^^^GENERAL^MR\n{3}",
        ts_, id, mrn, obx);
  };
  Message ack = Send(
      oru("P1",
          fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||80|/min^^UCUM|||||F|||{}\n", ts_)));
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(Errs(ack), std::vector<std::string>{});
  const std::string old = FormatDtm(t0_ - 600'000'000'000LL);
  ack = Send(
      oru("P2", fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||70|/min^^UCUM|||||F|||{}\n"
                            "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||93|%^^UCUM|||||F|||{}\n",
                            old, ts_)));
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  std::vector<std::string> errs = Errs(ack);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(
      errs[0].rfind("W|OBX^1^5|102|2004|OBX(1): 147842 MDC_ECG_HEART_RATE: 'hr': sample at ", 0),
      0u)
      << errs[0];
  EXPECT_EQ(Stored("monitor-a01"), (std::vector<std::string>{"hr=80.0000@0", "spo2=93.0000@0"}));

  // Nothing of this one is stored: AE, and every OBX is an error.
  ack = Send(
      oru("P3", fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||70|/min^^UCUM|||||F|||{}\n"
                            "OBX|2|NM|188736^MDC_MASS_BODY_ACTUAL^MDC||72|kg^^UCUM|||||F\n",
                            old)));
  EXPECT_EQ(ack.Get("MSA-1"), "AE");
  errs = Errs(ack);
  ASSERT_EQ(errs.size(), 2u);
  EXPECT_EQ(errs[0].rfind("E|OBX^1^5|102|2004|OBX(1): 147842 MDC_ECG_HEART_RATE: 'hr': ", 0), 0u)
      << errs[0];
  EXPECT_EQ(errs[1],
            "E|OBX^2^3|204|2002|OBX(2)-3: 188736 MDC_MASS_BODY_ACTUAL: observation identifier not "
            "mapped to a BedsideMonitor telemetry; not stored");

  // Only unmapped observations: nothing stored, so AE too.
  ack = Send(oru("P4",
                 "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X\n"
                 "OBX|2|NM|8302-2^Body height^LN||180|cm^^UCUM|||||F\n"));
  EXPECT_EQ(ack.Get("MSA-1"), "AE");
  EXPECT_EQ(Errs(ack),
            (std::vector<std::string>{
                "E|OBX^1^11|103|1012|OBX(1)-11: 69965 MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS: result "
                "status 'X' (results cannot be obtained); not stored",
                "E|OBX^2^3|204|2002|OBX(2)-3: 8302-2 Body height (LN): observation identifier not "
                "mapped to a BedsideMonitor telemetry; not stored"}));
  EXPECT_EQ(Stored("monitor-a01"), (std::vector<std::string>{"hr=80.0000@0", "spo2=93.0000@0"}));
  EXPECT_EQ(Counter("lj_hl7_messages_total{type=\"ORU^R01\",ack=\"AE\"}"), 2u);
}

// Alternate codings (OBX-3.4..6), local codes, codes in the wrong coding system.
TEST_F(OruTest, CodingSystemsAreRespected) {
  const std::string msg = fmt::format(
      "MSH|^~\\&|EHR|GENERAL|LINGJING|WARD-A|{0}||ORU^R01|C1|P|2.5\n"
      "PID|||{1}^^^GENERAL^MR\n"
      "OBX|1|NM|HR^Heart rate^99EHR^8867-4^Heart rate^LN||66|{{beats}}/min^^UCUM|||||F|||{0}\n"
      "OBX|2|NM|^^^150456^MDC_PULS_OXIM_SAT_O2^MDC||99|%^^UCUM|||||F|||{0}\n"
      "OBX|3|NM|9279-1^Respiratory rate^LN^151562^MDC_RESP_RATE^MDC||14|/min^^UCUM|||||F|||{0}\n"
      "OBX|4|NM|8867-4^Heart rate^99LOCAL||67|/min^^UCUM|||||F|||{0}\n"
      "OBX|5|NM|150456^SpO2^LN||98|%^^UCUM|||||F|||{0}\n",
      ts_, Mrn("patient-a02"));
  Message ack = Send(msg);
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  EXPECT_EQ(Stored("monitor-a02"),
            (std::vector<std::string>{"hr=66.0000@0", "rr=14.0000@0", "spo2=99.0000@0"}));
  EXPECT_EQ(Errs(ack),
            (std::vector<std::string>{
                "W|OBX^4^3|204|2002|OBX(4)-3: 8867-4 Heart rate (99LOCAL): observation identifier "
                "not mapped to a BedsideMonitor telemetry; not stored",
                "W|OBX^5^3|204|2002|OBX(5)-3: 150456 SpO2 (LN): observation identifier not mapped "
                "to a BedsideMonitor telemetry; not stored"}));
}

// An ACK carries at most 100 ERR segments; what does not fit is summarised with its positions,
// never dropped. Pipeline rejects beyond the ingest report's detail limit are listed too.
TEST_F(OruTest, ManyObservationsNotStoredAreAllAccountedFor) {
  std::string obx =
      fmt::format("OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||71|/min^^UCUM|||||F|||{}\n", ts_);
  for (int i = 2; i <= 151; ++i)
    obx += fmt::format("OBX|{}|NM|{}^MDC_UNKNOWN^MDC||1|/min^^UCUM|||||F\n", i, 190000 + i);
  Message ack =
      Send(fmt::format("MSH|^~\\&|MON|H|LINGJING|W|{0}||ORU^R01|M1|P|2.6\n"
                       "PID|||{1}^^^GENERAL^MR\n{2}",
                       ts_, Mrn("patient-a01"), obx));
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  std::vector<std::string> errs = Errs(ack);
  ASSERT_EQ(errs.size(), 100u);
  EXPECT_EQ(errs[98],
            "W|OBX^100^3|204|2002|OBX(100)-3: 190100 MDC_UNKNOWN: observation identifier not "
            "mapped to a BedsideMonitor telemetry; not stored");
  EXPECT_EQ(errs[99],
            "W|OBX^101^3|204|2002|51 more observations not stored (an ACK lists at most 100): "
            "OBX(101)-OBX(151)");
  EXPECT_EQ(Stored("monitor-a01"), std::vector<std::string>{"hr=71.0000@0"});

  // 120 samples the pipeline refuses (in the future) and one it stores.
  const std::string future = FormatDtm(t0_ + 3600'000'000'000LL);
  obx = fmt::format("OBX|1|NM|151562^MDC_RESP_RATE^MDC||12|/min^^UCUM|||||F|||{}\n", ts_);
  for (int i = 2; i <= 121; ++i)
    obx += fmt::format("OBX|{}|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||{}|%^^UCUM|||||F|||{}\n", i,
                       90 + i % 10, future);
  ack =
      Send(fmt::format("MSH|^~\\&|MON|H|LINGJING|W|{0}||ORU^R01|M2|P|2.6\n"
                       "PID|||{1}^^^GENERAL^MR\n{2}",
                       ts_, Mrn("patient-a02"), obx));
  EXPECT_EQ(ack.Get("MSA-1"), "AA");
  errs = Errs(ack);
  ASSERT_EQ(errs.size(), 100u);
  EXPECT_EQ(errs[0].rfind("W|OBX^2^5|102|2006|OBX(2): 150456 MDC_PULS_OXIM_SAT_O2: 'spo2': ", 0),
            0u)
      << errs[0];
  EXPECT_EQ(errs[98].rfind("W|OBX^100^5|102|2006|OBX(100): ", 0), 0u) << errs[98];
  EXPECT_EQ(errs[99],
            "W|OBX^101^5|102|2006|21 more observations not stored (an ACK lists at most 100): "
            "OBX(101)-OBX(121)");
  EXPECT_EQ(Stored("monitor-a02"), std::vector<std::string>{"rr=12.0000@0"});
}

TEST(OruUnitsTest, StandardUnitsConvertAndOthersAreRefusedWithTheAcceptedList) {
  double v = 0;
  std::string why;
  ASSERT_TRUE(ConvertUnit("temp", "Cel", 37.2, &v, &why));
  EXPECT_DOUBLE_EQ(v, 37.2);
  ASSERT_TRUE(ConvertUnit("temp", "[degF]", 98.6, &v, &why));
  EXPECT_NEAR(v, 37.0, 1e-9);
  ASSERT_TRUE(ConvertUnit("temp", "MDC_DIM_FAHR", 212, &v, &why));
  EXPECT_NEAR(v, 100.0, 1e-9);
  ASSERT_TRUE(ConvertUnit("temp", "K", 310.15, &v, &why));
  EXPECT_NEAR(v, 37.0, 1e-9);
  // MDC_DIM_KELVIN (4384 in partition 4, ISO/IEEE 11073-10101).
  ASSERT_TRUE(ConvertUnit("temp", "266528", 310.15, &v, &why)) << why;
  EXPECT_NEAR(v, 37.0, 1e-9);
  ASSERT_TRUE(ConvertUnit("nibpSys", "kPa", 16, &v, &why));
  EXPECT_NEAR(v, 120.0099, 1e-4);
  ASSERT_TRUE(ConvertUnit("nibpDia", "265987", 10, &v, &why));  // MDC_DIM_KILO_PASCAL
  EXPECT_NEAR(v, 75.0062, 1e-4);
  ASSERT_TRUE(ConvertUnit("nibpMean", "mm[Hg]", 93, &v, &why));
  EXPECT_DOUBLE_EQ(v, 93);
  ASSERT_TRUE(ConvertUnit("hr", "/min", 60, &v, &why));
  ASSERT_TRUE(ConvertUnit("rr", "{breaths}/min", 12, &v, &why));
  ASSERT_TRUE(ConvertUnit("spo2", "%", 97, &v, &why));

  EXPECT_FALSE(ConvertUnit("temp", "mm[Hg]", 37, &v, &why));
  EXPECT_EQ(why,
            "unit 'mm[Hg]' is not a unit of temp (accepted: 268192, MDC_DIM_DEGC, Cel, 266560, "
            "MDC_DIM_FAHR, [degF], 266528, MDC_DIM_KELVIN, K)");
  EXPECT_FALSE(ConvertUnit("spo2", "1", 0.97, &v, &why));
  EXPECT_EQ(why, "unit '1' is not a unit of spo2 (accepted: 262688, MDC_DIM_PERCENT, %)");
  EXPECT_FALSE(ConvertUnit("nibpSys", "cm[H2O]", 150, &v, &why));
}

}  // namespace
}  // namespace lj::hl7
