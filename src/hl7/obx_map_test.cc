#include "hl7/obx_map.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lj::hl7 {
namespace {

// One OBX segment with `obx3` as OBX-3 and `obx6` as OBX-6.
Segment Obx(const std::string& obx3, const std::string& obx6 = "") {
  static std::vector<Message> keep;  // segments view into their message
  Result<Message> m = Message::Parse("MSH|^~\\&|A|B|C|D|20261123||ORU^R01|1|P|2.6\rOBX|1|NM|" +
                                     obx3 + "||1|" + obx6 + "\r");
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  keep.push_back(*m);
  return keep.back().segments()[1];
}

std::string Telemetry(const std::string& obx3) {
  ObservationId id = IdentifyObservation(Obx(obx3));
  if (!id.conflict.empty()) return "conflict: " + id.conflict;
  return id.vital == nullptr ? "unmapped: " + id.label : std::string(id.vital->telemetry);
}

// The table against ISO/IEEE 11073-10101: code = partition (2: SCADA) << 16 | term code.
TEST(ObxMapTest, MdcCodesAreTheirTermCodesInPartitionTwo) {
  const std::pair<const char*, int> terms[] = {
      {"MDC_ECG_HEART_RATE", 16770},
      {"MDC_PULS_OXIM_PULS_RATE", 18458},
      {"MDC_PULS_RATE", 18442},
      {"MDC_PULS_RATE_NON_INV", 18474},
      {"MDC_PULS_OXIM_SAT_O2", 19384},
      {"MDC_RESP_RATE", 20490},
      {"MDC_TEMP", 19272},
      {"MDC_TEMP_BODY", 19292},
      {"MDC_PRESS_BLD_NONINV_SYS", 18949},
      {"MDC_PRESS_BLD_NONINV_DIA", 18950},
      {"MDC_PRESS_BLD_NONINV_MEAN", 18951},
      {"MDC_PRESS_CUFF_SYS", 19229},
      {"MDC_PRESS_CUFF_DIA", 19230},
      {"MDC_PRESS_CUFF_MEAN", 19231},
  };
  size_t mdc = 0;
  for (const Vital& v : VitalTable()) {
    if (v.system != "MDC") continue;
    ++mdc;
    bool found = false;
    for (const auto& [name, term] : terms) {
      if (v.name != name) continue;
      found = true;
      EXPECT_EQ(v.code, std::to_string(2 * 65536 + term)) << name;
    }
    EXPECT_TRUE(found) << v.name;
  }
  EXPECT_EQ(mdc, std::size(terms));
}

TEST(ObxMapTest, BothNibpFamiliesAndLoincVitalsAreMapped) {
  EXPECT_EQ(Telemetry("150021^MDC_PRESS_BLD_NONINV_SYS^MDC"), "nibpSys");
  EXPECT_EQ(Telemetry("150022^MDC_PRESS_BLD_NONINV_DIA^MDC"), "nibpDia");
  EXPECT_EQ(Telemetry("150023^MDC_PRESS_BLD_NONINV_MEAN^MDC"), "nibpMean");
  EXPECT_EQ(Telemetry("150301^MDC_PRESS_CUFF_SYS^MDC"), "nibpSys");
  EXPECT_EQ(Telemetry("150302^MDC_PRESS_CUFF_DIA^MDC"), "nibpDia");
  EXPECT_EQ(Telemetry("150303^MDC_PRESS_CUFF_MEAN^MDC"), "nibpMean");
  // Reference ids alone, in the identifier or the text; no coding system.
  EXPECT_EQ(Telemetry("^MDC_PRESS_BLD_NONINV_MEAN^MDC"), "nibpMean");
  EXPECT_EQ(Telemetry("MDC_PRESS_CUFF_DIA"), "nibpDia");
  EXPECT_EQ(Telemetry("150021"), "nibpSys");
  EXPECT_EQ(Telemetry("8867-4^Heart rate^LN"), "hr");
  EXPECT_EQ(Telemetry("59408-5^SpO2^LN"), "spo2");
  EXPECT_EQ(Telemetry("2708-6^^LN"), "spo2");
  EXPECT_EQ(Telemetry("9279-1^Respiratory rate^ln"), "rr");
  EXPECT_EQ(Telemetry("8310-5^Body temperature^LN"), "temp");
  EXPECT_EQ(Telemetry("8480-6^Systolic blood pressure^LN"), "nibpSys");
  EXPECT_EQ(Telemetry("8462-4^Diastolic blood pressure^LN"), "nibpDia");
  EXPECT_EQ(Telemetry("8478-0^Mean blood pressure^LN"), "nibpMean");
  EXPECT_EQ(Telemetry("8478-0"), "nibpMean");
  // Every telemetry of the table is one the BedsideMonitor model declares.
  const std::set<std::string> model = {"hr",      "rr",      "spo2",    "temp",
                                       "nibpSys", "nibpDia", "nibpMean"};
  for (const Vital& v : VitalTable()) EXPECT_EQ(model.count(std::string(v.telemetry)), 1u);
}

TEST(ObxMapTest, CodingSystemsLabelsAndConflicts) {
  EXPECT_EQ(Telemetry("8867-4^Heart rate^99LOCAL"), "unmapped: 8867-4 Heart rate (99LOCAL)");
  EXPECT_EQ(Telemetry("150456^SpO2^LN"), "unmapped: 150456 SpO2 (LN)");
  EXPECT_EQ(Telemetry("8867-4^Heart rate^MDC"), "unmapped: 8867-4 Heart rate");
  EXPECT_EQ(Telemetry("HR^Heart rate^99EHR^8867-4^Heart rate^LN"), "hr");
  EXPECT_EQ(Telemetry("^^^150456^MDC_PULS_OXIM_SAT_O2^MDC"), "spo2");
  EXPECT_EQ(Telemetry("188736^MDC_MASS_BODY_ACTUAL^MDC"), "unmapped: 188736 MDC_MASS_BODY_ACTUAL");
  EXPECT_EQ(Telemetry(""), "unmapped: ");
  // The numeric code and the reference id agree on the telemetry: accepted, named by the code.
  ObservationId id = IdentifyObservation(Obx("150301^MDC_PRESS_BLD_NONINV_SYS^MDC"));
  ASSERT_NE(id.vital, nullptr);
  EXPECT_EQ(id.label, "150301 MDC_PRESS_CUFF_SYS");
  // A code only the reference id makes known.
  id = IdentifyObservation(Obx("150031^MDC_PRESS_CUFF_SYS^MDC"));
  ASSERT_NE(id.vital, nullptr);
  EXPECT_EQ(id.vital->code, "150301");
  EXPECT_EQ(Telemetry("150021^MDC_PRESS_BLD_NONINV_DIA^MDC"),
            "conflict: the codings name different observations: 150021 "
            "MDC_PRESS_BLD_NONINV_SYS (nibpSys), 150022 MDC_PRESS_BLD_NONINV_DIA (nibpDia)");
  EXPECT_EQ(Telemetry("8867-4^Heart rate^LN^150456^MDC_PULS_OXIM_SAT_O2^MDC"),
            "conflict: the codings name different observations: 8867-4 Heart rate (LN) (hr), "
            "150456 MDC_PULS_OXIM_SAT_O2 (spo2)");
  EXPECT_EQ(IdentifyObservation(Obx("8867-4^Heart rate^LN")).label, "8867-4 Heart rate (LN)");
  EXPECT_EQ(IdentifyObservation(Obx("147842^HR^MDC")).label, "147842 MDC_ECG_HEART_RATE");
}

TEST(ObxMapTest, ObxUnitsAreTriedInOrderAndRefusedWithAReason) {
  Result<double> v =
      ConvertObxUnit(Obx("8310-5^^LN", "[degF]^degree Fahrenheit^UCUM"), "temp", 212);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_NEAR(*v, 100, 1e-9);
  // Only the alternate unit (OBX-6.4) is one Lingjing knows.
  v = ConvertObxUnit(Obx("8480-6^^LN", "MMHG^millimetres^99DEV^mm[Hg]^mm[Hg]^UCUM"), "nibpSys",
                     120);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_DOUBLE_EQ(*v, 120);
  v = ConvertObxUnit(Obx("8480-6^^LN", "266016^MDC_DIM_MMHG^MDC"), "nibpSys", 120);
  ASSERT_TRUE(v.ok());
  v = ConvertObxUnit(Obx("8480-6^^LN", ""), "nibpSys", 120);
  EXPECT_EQ(v.status().code(), ErrorCode::kMissingField);
  EXPECT_EQ(v.status().message(), "missing unit");
  v = ConvertObxUnit(Obx("8480-6^^LN", "cm[H2O]^^UCUM^mbar^^UCUM"), "nibpSys", 120);
  EXPECT_EQ(v.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(v.status().message(),
            "unit 'cm[H2O]' is not a unit of nibpSys (accepted: 266016, MDC_DIM_MMHG, mm[Hg], "
            "mmHg, 265987, MDC_DIM_KILO_PASCAL, kPa)");
}

TEST(ObxMapTest, ParseNm) {
  EXPECT_EQ(ParseNm(" 98.6 "), 98.6);
  EXPECT_EQ(ParseNm("+5"), 5.0);
  EXPECT_EQ(ParseNm("-0.5"), -0.5);
  EXPECT_FALSE(ParseNm("1e3"));
  EXPECT_FALSE(ParseNm("."));
  EXPECT_FALSE(ParseNm("1.2.3"));
  EXPECT_FALSE(ParseNm("nan"));
  EXPECT_FALSE(ParseNm(std::string(70, '1')));
}

}  // namespace
}  // namespace lj::hl7
