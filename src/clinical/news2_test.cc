// NEWS2 against the RCP 2017 chart: both sides of every band boundary, both SpO2 scales,
// air/oxygen, ACVPU, the aggregate thresholds and the single-parameter-3 rule.
#include "clinical/news2.h"

#include <gtest/gtest.h>

#include <functional>

namespace lj::clinical {
namespace {

struct Band {
  double value;
  int score;
};

void ExpectBands(const char* name, const std::function<int(double)>& f,
                 std::initializer_list<Band> bands) {
  for (const Band& b : bands) EXPECT_EQ(f(b.value), b.score) << name << " " << b.value;
}

TEST(News2, RespirationBands) {
  ExpectBands(
      "rr", ScoreRespiration,
      {{0, 3}, {8, 3}, {9, 1}, {11, 1}, {12, 0}, {20, 0}, {21, 2}, {24, 2}, {25, 3}, {60, 3}});
}

TEST(News2, Spo2Scale1Bands) {
  ExpectBands("spo2", ScoreSpo2Scale1,
              {{70, 3}, {91, 3}, {92, 2}, {93, 2}, {94, 1}, {95, 1}, {96, 0}, {100, 0}});
}

TEST(News2, Spo2Scale2BandsOnAirAndOxygen) {
  auto air = [](double v) { return ScoreSpo2Scale2(v, false); };
  auto o2 = [](double v) { return ScoreSpo2Scale2(v, true); };
  ExpectBands(
      "scale2 air", air,
      {{80, 3}, {83, 3}, {84, 2}, {85, 2}, {86, 1}, {87, 1}, {88, 0}, {92, 0}, {93, 0}, {100, 0}});
  ExpectBands("scale2 o2", o2,
              {{83, 3},
               {84, 2},
               {85, 2},
               {86, 1},
               {87, 1},
               {88, 0},
               {92, 0},
               {93, 1},
               {94, 1},
               {95, 2},
               {96, 2},
               {97, 3},
               {100, 3}});
}

TEST(News2, SystolicPulseTemperatureBands) {
  ExpectBands(
      "sbp", ScoreSystolic,
      {{60, 3}, {90, 3}, {91, 2}, {100, 2}, {101, 1}, {110, 1}, {111, 0}, {219, 0}, {220, 3}});
  ExpectBands("pulse", ScorePulse,
              {{30, 3},
               {40, 3},
               {41, 1},
               {50, 1},
               {51, 0},
               {90, 0},
               {91, 1},
               {110, 1},
               {111, 2},
               {130, 2},
               {131, 3}});
  ExpectBands("temp", ScoreTemperature,
              {{34.0, 3},
               {35.0, 3},
               {35.1, 1},
               {36.0, 1},
               {36.1, 0},
               {38.0, 0},
               {38.1, 1},
               {39.0, 1},
               {39.1, 2},
               {41.0, 2}});
}

TEST(News2, ReadsValuesAsTheChartDoes) {
  EXPECT_EQ(ScoreRespiration(20.4), 0);   // reads as 20
  EXPECT_EQ(ScoreRespiration(20.5), 2);   // reads as 21
  EXPECT_EQ(ScoreTemperature(38.04), 0);  // reads as 38.0
  EXPECT_EQ(ScoreTemperature(38.06), 1);  // reads as 38.1
  EXPECT_EQ(ScoreSpo2Scale1(95.6), 0);    // reads as 96
}

TEST(News2, AirOxygenAndAcvpu) {
  EXPECT_EQ(ScoreAirOrOxygen(false), 0);
  EXPECT_EQ(ScoreAirOrOxygen(true), 2);
  EXPECT_EQ(ScoreConsciousness(Consciousness::kAlert), 0);
  for (Consciousness c : {Consciousness::kNewConfusion, Consciousness::kVoice, Consciousness::kPain,
                          Consciousness::kUnresponsive})
    EXPECT_EQ(ScoreConsciousness(c), 3);
}

News2Input Normal() {
  News2Input in;
  in.respiration_rate = 16;
  in.spo2 = 97;
  in.on_oxygen = false;
  in.systolic_bp = 125;
  in.pulse = 72;
  in.consciousness = Consciousness::kAlert;
  in.temperature = 36.8;
  return in;
}

TEST(News2, AggregateRiskMonitoringAndResponse) {
  News2Result r = ComputeNews2(Normal());
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.total, 0);
  EXPECT_EQ(r.risk, Risk::kLow);
  EXPECT_EQ(r.monitoring, "minimum 12-hourly");

  News2Input in = Normal();
  in.pulse = 95;          // 1
  in.temperature = 38.3;  // 1
  r = ComputeNews2(in);
  EXPECT_EQ(r.total, 2);
  EXPECT_EQ(r.risk, Risk::kLow);
  EXPECT_EQ(r.monitoring, "minimum 4-6-hourly");

  in = Normal();
  in.consciousness = Consciousness::kNewConfusion;  // a single 3, total 3
  r = ComputeNews2(in);
  EXPECT_EQ(r.total, 3);
  EXPECT_TRUE(r.single_parameter_3);
  EXPECT_EQ(r.risk, Risk::kLowMedium);
  EXPECT_EQ(r.monitoring, "minimum 1-hourly");

  in = Normal();
  in.respiration_rate = 22;  // 2
  in.spo2 = 94;              // 1
  in.on_oxygen = true;       // 2
  r = ComputeNews2(in);
  EXPECT_EQ(r.total, 5);
  EXPECT_EQ(r.risk, Risk::kMedium);

  in.pulse = 115;  // +2 = 7
  r = ComputeNews2(in);
  EXPECT_EQ(r.total, 7);
  EXPECT_EQ(r.risk, Risk::kHigh);
  EXPECT_EQ(r.monitoring, "continuous monitoring of vital signs");
  EXPECT_EQ(r.scores[kRespiration], 2);
  EXPECT_EQ(r.scores[kAirOrOxygen], 2);
  EXPECT_EQ(r.scores[kPulse], 2);
}

TEST(News2, SepsisCourseEscalates) {
  News2Input in = Normal();
  in.respiration_rate = 26;  // 3
  in.spo2 = 93;              // 2
  in.systolic_bp = 98;       // 2
  in.pulse = 128;            // 2
  in.temperature = 39.4;     // 2
  EXPECT_EQ(ComputeNews2(in).total, 11);
  EXPECT_EQ(ComputeNews2(in).risk, Risk::kHigh);
}

TEST(News2, Scale2UsesAirOxygenAndFlagsOverOxygenation) {
  News2Input in = Normal();
  in.scale = Spo2Scale::kScale2;
  in.spo2 = 90;
  EXPECT_EQ(ComputeNews2(in).scores[kSpo2], 0);
  in.spo2 = 97;
  in.on_oxygen = true;
  News2Result r = ComputeNews2(in);
  EXPECT_EQ(r.scores[kSpo2], 3);
  EXPECT_EQ(r.scores[kAirOrOxygen], 2);
  EXPECT_EQ(r.total, 5);
}

TEST(News2, MissingParametersMakeTheScoreIncomplete) {
  News2Input in = Normal();
  in.temperature.reset();
  News2Result r = ComputeNews2(in);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.missing[kTemperature]);
  EXPECT_EQ(r.total, 0);
  in = Normal();
  in.scale = Spo2Scale::kScale2;
  in.on_oxygen.reset();  // scale 2 cannot be read without air/oxygen
  r = ComputeNews2(in);
  EXPECT_TRUE(r.missing[kSpo2]);
  EXPECT_TRUE(r.missing[kAirOrOxygen]);
}

}  // namespace
}  // namespace lj::clinical
