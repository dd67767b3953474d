// Observations from history: values, units and codes, the BP panel, encounter scoping, search
// parameter edge cases, paging, read by id, $lastn; every Observation through the profile check.
#include <gtest/gtest.h>

#include <set>

#include "fhir/test_util.h"
#include "fhir/vitals_checker.h"

namespace lj::fhir::testing {
namespace {

class ObservationTest : public FhirTest {
 protected:
  // Searches Observations, checks every resource against the vital-signs profile.
  std::vector<Json> Obs(const Params& p, Json* bundle_out = nullptr) {
    FhirResult r = Search("Observation", p);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    for (const Json& o : Resources(r.body)) {
      std::vector<std::string> v = CheckVitalSigns(o);
      EXPECT_TRUE(v.empty()) << o.dump() << "\n" << ::testing::PrintToString(v);
    }
    if (bundle_out) *bundle_out = r.body;
    return Resources(r.body);
  }
};

TEST_F(ObservationTest, HeartRateValuesUnitsAndCodes) {
  Admit("bed-1", "patient-1", kT0);
  for (int i = 0; i < 5; ++i) Vital("monitor-1", "hr", kT0 + i * kSecond, 70 + i);
  Json bundle;
  std::vector<Json> obs = Obs({{"patient", "patient-1"}, {"code", "8867-4"}}, &bundle);
  ASSERT_EQ(obs.size(), 5u);
  EXPECT_EQ(bundle["type"], "searchset");
  EXPECT_EQ(bundle["total"], 5);
  // Default order: newest first.
  EXPECT_EQ(obs[0]["valueQuantity"]["value"], 74);
  EXPECT_EQ(obs[4]["valueQuantity"]["value"], 70);
  EXPECT_EQ(obs[4]["effectiveDateTime"], "2026-01-01T10:00:00.000Z");
  EXPECT_EQ(obs[0]["valueQuantity"]["code"], "/min");
  EXPECT_EQ(obs[0]["valueQuantity"]["system"], "http://unitsofmeasure.org");
  EXPECT_EQ(obs[0]["code"]["coding"][0]["code"], "8867-4");
  EXPECT_EQ(obs[0]["subject"]["reference"], "Patient/patient-1");
  EXPECT_EQ(obs[0]["status"], "final");
}

TEST_F(ObservationTest, EveryVitalMapsToItsLoincAndUcum) {
  Admit("bed-1", "patient-1", kT0);
  Vital("monitor-1", "rr", kT0, 18);
  Vital("monitor-1", "spo2", kT0, 96);
  Vital("monitor-1", "temp", kT0, 37.25);
  Vital("monitor-1", "ecgLeadsOff", kT0, 0);  // not a vital sign: never an Observation
  std::map<std::string, std::string> unit_by_code;
  for (const Json& o : Obs({{"patient", "patient-1"}}))
    unit_by_code[o["code"]["coding"][0]["code"]] = o["valueQuantity"]["code"];
  EXPECT_EQ(unit_by_code, (std::map<std::string, std::string>{
                              {"9279-1", "/min"}, {"2708-6", "%"}, {"8310-5", "Cel"}}));
}

TEST_F(ObservationTest, SpO2AnswersBothLoincCodesAndHonoursTheSystem) {
  Admit("bed-1", "patient-1", kT0);
  Vital("monitor-1", "spo2", kT0, 95);
  EXPECT_EQ(Obs({{"patient", "patient-1"}, {"code", "59408-5"}}).size(), 1u);
  EXPECT_EQ(Obs({{"patient", "patient-1"}, {"code", "http://loinc.org|2708-6"}}).size(), 1u);
  EXPECT_EQ(Obs({{"patient", "patient-1"}, {"code", "http://snomed.info/sct|2708-6"}}).size(), 0u);
  EXPECT_EQ(Obs({{"patient", "patient-1"}, {"code", "8867-4,59408-5"}}).size(), 1u);
  EXPECT_EQ(Obs({{"patient", "patient-1"}, {"category", "laboratory"}}).size(), 0u);
  EXPECT_EQ(
      Obs({{"patient", "patient-1"},
           {"category", "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"}})
          .size(),
      1u);
}

TEST_F(ObservationTest, BloodPressurePanelHasComponents) {
  Admit("bed-1", "patient-1", kT0);
  Vital("monitor-1", "nibpSys", kT0, 121);
  Vital("monitor-1", "nibpDia", kT0, 79);
  Vital("monitor-1", "nibpMean", kT0, 93);
  Vital("monitor-1", "nibpSys", kT0 + 60 * kSecond, 130);  // no diastolic at this time
  std::vector<Json> obs = Obs({{"patient", "patient-1"}, {"code", "85354-9"}, {"_sort", "date"}});
  ASSERT_EQ(obs.size(), 2u);
  const Json& bp = obs[0];
  EXPECT_FALSE(bp.contains("valueQuantity"));
  std::map<std::string, double> comp;
  for (const Json& c : bp["component"]) {
    comp[c["code"]["coding"][0]["code"]] = c["valueQuantity"]["value"];
    EXPECT_EQ(c["valueQuantity"]["code"], "mm[Hg]");
  }
  EXPECT_EQ(comp, (std::map<std::string, double>{{"8480-6", 121}, {"8462-4", 79}, {"8478-0", 93}}));
  // The second reading lacks the diastolic: reported absent (vs-3), not invented.
  ASSERT_EQ(obs[1]["component"].size(), 2u);
  EXPECT_EQ(obs[1]["component"][1]["code"]["coding"][0]["code"], "8462-4");
  EXPECT_TRUE(obs[1]["component"][1].contains("dataAbsentReason"));
}

TEST_F(ObservationTest, OnlySamplesWithinTheEncounterBelongToThePatient) {
  Vital("monitor-1", "hr", kT0 - kSecond, 50);  // before admission
  Admit("bed-1", "patient-1", kT0);
  Vital("monitor-1", "hr", kT0, 60);
  Vital("monitor-1", "hr", kT0 + 9 * kSecond, 61);
  Discharge("bed-1", kT0 + 10 * kSecond);
  Vital("monitor-1", "hr", kT0 + 10 * kSecond, 62);  // after discharge
  Admit("bed-1", "patient-2", kT0 + 20 * kSecond);
  Vital("monitor-1", "hr", kT0 + 21 * kSecond, 63);
  Vital("monitor-2", "hr", kT0 + 5 * kSecond, 99);  // another bed
  std::vector<Json> p1 = Obs({{"patient", "patient-1"}, {"_sort", "date"}});
  ASSERT_EQ(p1.size(), 2u);
  EXPECT_EQ(p1[0]["valueQuantity"]["value"], 60);
  EXPECT_EQ(p1[1]["valueQuantity"]["value"], 61);
  std::vector<Json> p2 = Obs({{"subject", "Patient/patient-2"}});
  ASSERT_EQ(p2.size(), 1u);
  EXPECT_EQ(p2[0]["valueQuantity"]["value"], 63);
  EXPECT_NE(p1[0]["encounter"], p2[0]["encounter"]);
}

// Charted readings (the patient twin's own series) are the patient's at any time: before, during
// and after a stay; they name no device, and the encounter only when they fall within one. The
// unbounded search (no date) and $lastn over them must not overflow (UBSan).
TEST_F(ObservationTest, ChartedReadingsAreThePatientsAtAnyTimeWithoutADevice) {
  Vital("patient-1", "rr", kT0 - 100 * kSecond, 14);  // before admission
  Admit("bed-1", "patient-1", kT0);
  Vital("patient-1", "rr", kT0 + kSecond, 18);
  Vital("monitor-1", "rr", kT0 + 2 * kSecond, 16);
  std::vector<Json> all = Obs({{"patient", "patient-1"}, {"_sort", "date"}});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["valueQuantity"]["value"], 14);
  EXPECT_FALSE(all[0].contains("device"));
  EXPECT_FALSE(all[0].contains("encounter"));
  EXPECT_EQ(all[1]["valueQuantity"]["value"], 18);
  EXPECT_FALSE(all[1].contains("device"));
  EXPECT_TRUE(all[1].contains("encounter"));
  EXPECT_EQ(all[2]["device"]["identifier"]["value"], "monitor-1");
  EXPECT_EQ(Obs({{"patient", "patient-1"}}).size(), 3u);  // newest first, unbounded
  FhirResult read = service_->Read("Observation", all[0]["id"].get<std::string>());
  ASSERT_EQ(read.status, 200) << read.body.dump();
  EXPECT_EQ(read.body, all[0]);
  FhirResult last = service_->LastN({{"patient", "patient-1"}, {"max", "2"}});
  ASSERT_EQ(last.status, 200) << last.body.dump();
  ASSERT_EQ(Resources(last.body).size(), 2u);
  EXPECT_EQ(Resources(last.body)[0]["valueQuantity"]["value"], 16);
  // Another patient sees none of them.
  EXPECT_TRUE(Obs({{"patient", "patient-2"}}).empty());
}

TEST_F(ObservationTest, DatePrefixesAndPrecision) {
  Admit("bed-1", "patient-1", kT0 - 3600 * kSecond);
  for (int i = 0; i < 5; ++i) Vital("monitor-1", "hr", kT0 + i * kSecond, 60 + i);  // 10:00:00..04
  auto n = [&](Params p) {
    p.emplace_back("patient", "patient-1");
    return Obs(p).size();
  };
  EXPECT_EQ(n({{"date", "2026-01-01T10:00:01Z"}}), 1u);  // eq at second precision
  EXPECT_EQ(n({{"date", "eq2026-01-01T10:00Z"}}), 5u);   // minute precision covers all
  EXPECT_EQ(n({{"date", "2026-01-01"}}), 5u);
  EXPECT_EQ(n({{"date", "2025"}}), 0u);
  EXPECT_EQ(n({{"date", "ge2026-01-01T10:00:02Z"}}), 3u);
  EXPECT_EQ(n({{"date", "gt2026-01-01T10:00:02Z"}}), 2u);
  EXPECT_EQ(n({{"date", "le2026-01-01T10:00:02Z"}}), 3u);
  EXPECT_EQ(n({{"date", "lt2026-01-01T10:00:02Z"}}), 2u);
  EXPECT_EQ(n({{"date", "ge2026-01-01T10:00:01Z"}, {"date", "lt2026-01-01T10:00:03Z"}}), 2u);
  EXPECT_EQ(n({{"date", "ge2026-01-01T11:00:01+01:00"}}), 4u);  // offsets
  EXPECT_EQ(n({{"date", "gt2026-01-01T10:00:01.5Z"}}), 3u);     // fractional precision
  EXPECT_EQ(n({{"date", "ge2026-01-01T10:00:03Z"}, {"date", "lt2026-01-01T10:00:01Z"}}), 0u);

  for (const char* bad : {"2026-13-01", "2026-02-30", "yesterday", "2026-01-01T25:00Z", "20260101",
                          "2026-01-01T10:00:00.Z", "ge", "2026-01-01T10:00:00+15:00"}) {
    FhirResult r = Search("Observation", {{"patient", "patient-1"}, {"date", bad}});
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.body["resourceType"], "OperationOutcome") << bad;
    EXPECT_EQ(r.body["issue"][0]["code"], "invalid") << bad;
  }
  FhirResult sa = Search("Observation", {{"patient", "patient-1"}, {"date", "sa2026-01-01"}});
  EXPECT_EQ(sa.status, 400);
  EXPECT_EQ(sa.body["issue"][0]["code"], "not-supported");
}

TEST_F(ObservationTest, PagingVisitsEverySampleOnceInOrder) {
  Admit("bed-1", "patient-1", kT0);
  for (int i = 0; i < 7; ++i) {
    Vital("monitor-1", "hr", kT0 + i * kSecond, 60 + i);
    Vital("monitor-1", "rr", kT0 + i * kSecond, 10 + i);  // same times, other series: ties
  }
  for (const char* sort : {"date", "-date"}) {
    Params p = {{"patient", "patient-1"}, {"_count", "3"}, {"_sort", sort}};
    std::vector<std::string> ids;
    std::vector<std::string> times;
    int pages = 0;
    while (true) {
      Json bundle;
      std::vector<Json> page = Obs(p, &bundle);
      EXPECT_EQ(bundle["total"], 14);
      EXPECT_LE(page.size(), 3u);
      for (const Json& o : page) {
        ids.push_back(o["id"]);
        times.push_back(o["effectiveDateTime"]);
      }
      ++pages;
      std::optional<Params> next = LinkParams(bundle);
      if (!next) break;
      ASSERT_LT(pages, 10);
      p = *next;
    }
    EXPECT_EQ(pages, 5) << sort;
    std::set<std::string> unique(ids.begin(), ids.end());
    EXPECT_EQ(unique.size(), 14u) << sort;
    std::vector<std::string> sorted = times;
    if (std::string(sort) == "date") {
      std::sort(sorted.begin(), sorted.end());
    } else {
      std::sort(sorted.rbegin(), sorted.rend());
    }
    EXPECT_EQ(times, sorted) << sort;
  }
  EXPECT_EQ(Obs({{"patient", "patient-1"}, {"_count", "0"}}).size(), 0u);
  FhirResult bad = Search("Observation", {{"patient", "patient-1"}, {"_cursor", "!!"}});
  EXPECT_EQ(bad.status, 400);
  FhirResult bad2 = Search("Observation", {{"patient", "patient-1"}, {"_count", "-1"}});
  EXPECT_EQ(bad2.status, 400);
}

TEST_F(ObservationTest, ReadByIdRoundTrips) {
  Admit("bed-1", "patient-1", kT0);
  Vital("monitor-1", "temp", kT0 + 1234567, 38.5);
  std::vector<Json> obs = Obs({{"patient", "patient-1"}});
  ASSERT_EQ(obs.size(), 1u);
  FhirResult r = service_->Read("Observation", obs[0]["id"].get<std::string>());
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body, obs[0]);
  for (const char* bad : {"x", "1-", "-1", "99-1767261600000", "1-99999999999999999999", "1-1x"}) {
    FhirResult nf = service_->Read("Observation", bad);
    EXPECT_EQ(nf.status, 404) << bad;
    EXPECT_EQ(nf.body["issue"][0]["code"], "not-found") << bad;
  }
}

// Readings that share a timestamp (a device sending seconds, a batch of three) are distinct
// Observations with distinct, stable ids; each reads back by its id; pages never split or lose
// them; a BP panel pairs the k-th systolic of that instant with the k-th diastolic.
TEST_F(ObservationTest, ReadingsThatShareATimestampHaveDistinctIdsAndPanelsPairInOrder) {
  Admit("bed-1", "patient-1", kT0);
  const int64_t t = kT0 + 10 * kSecond;
  for (double v : {70.0, 71.0, 72.0}) Vital("monitor-1", "hr", t, v);
  const int64_t tb = kT0 + 20 * kSecond;
  Vital("monitor-1", "nibpSys", tb, 120);
  Vital("monitor-1", "nibpDia", tb, 80);
  Vital("monitor-1", "nibpSys", tb, 140);
  Vital("monitor-1", "nibpDia", tb, 90);

  std::vector<Json> hr = Obs({{"patient", "patient-1"}, {"code", "8867-4"}, {"_sort", "date"}});
  ASSERT_EQ(hr.size(), 3u);
  std::set<std::string> ids;
  for (size_t i = 0; i < hr.size(); ++i) {
    ids.insert(hr[i]["id"].get<std::string>());
    EXPECT_EQ(hr[i]["valueQuantity"]["value"], 70.0 + static_cast<double>(i));
    FhirResult r = service_->Read("Observation", hr[i]["id"].get<std::string>());
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body, hr[i]);
  }
  EXPECT_EQ(ids.size(), 3u);
  // The same ids on a second search (stable), and page by page, one per page, both directions.
  for (const char* sort : {"date", "-date"}) {
    Params p = {{"patient", "patient-1"}, {"code", "8867-4"}, {"_count", "1"}, {"_sort", sort}};
    std::vector<std::string> paged;
    for (int pages = 0; pages < 10; ++pages) {
      Json bundle;
      for (const Json& o : Obs(p, &bundle)) paged.push_back(o["id"]);
      std::optional<Params> next = LinkParams(bundle);
      if (!next) break;
      p = *next;
    }
    EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()), ids) << sort;
    EXPECT_EQ(paged.size(), 3u) << sort;
  }
  // An id of the older form (<series>-<epoch ms>) still reads: the first sample of that ms.
  const std::string id0 = hr[0]["id"].get<std::string>();
  const std::string legacy = id0.substr(0, id0.find('-')) + "-" + std::to_string(t / 1'000'000);
  FhirResult old = service_->Read("Observation", legacy);
  ASSERT_EQ(old.status, 200) << old.body.dump();
  EXPECT_EQ(old.body["valueQuantity"]["value"], 70.0);

  std::vector<Json> bp = Obs({{"patient", "patient-1"}, {"code", "85354-9"}, {"_sort", "date"}});
  ASSERT_EQ(bp.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    std::map<std::string, double> comp;
    for (const Json& c : bp[i]["component"])
      if (c.contains("valueQuantity"))
        comp[c["code"]["coding"][0]["code"].get<std::string>()] = c["valueQuantity"]["value"];
    EXPECT_EQ(comp["8480-6"], i == 0 ? 120 : 140);
    EXPECT_EQ(comp["8462-4"], i == 0 ? 80 : 90) << "the diastolic of the same reading";
  }
  EXPECT_NE(bp[0]["id"], bp[1]["id"]);
}

TEST_F(ObservationTest, LastNReturnsTheNewestPerCode) {
  Admit("bed-1", "patient-1", kT0);
  for (int i = 0; i < 5; ++i) {
    Vital("monitor-1", "hr", kT0 + i * kSecond, 60 + i);
    Vital("monitor-1", "spo2", kT0 + i * kSecond, 90 + i);
  }
  FhirResult r =
      service_->LastN({{"patient", "patient-1"}, {"category", "vital-signs"}, {"max", "2"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  std::map<std::string, std::vector<double>> by_code;
  for (const Json& o : Resources(r.body)) {
    EXPECT_TRUE(CheckVitalSigns(o).empty()) << o.dump();
    by_code[o["code"]["coding"][0]["code"]].push_back(o["valueQuantity"]["value"]);
  }
  EXPECT_EQ(by_code, (std::map<std::string, std::vector<double>>{{"8867-4", {64, 63}},
                                                                 {"2708-6", {94, 93}}}));
  FhirResult one = service_->LastN({{"patient", "patient-1"}, {"code", "8867-4"}});
  ASSERT_EQ(Resources(one.body).size(), 1u);
  EXPECT_EQ(Resources(one.body)[0]["valueQuantity"]["value"], 64);
  EXPECT_EQ(service_->LastN({{"patient", "patient-1"}, {"max", "0"}}).status, 400);
  EXPECT_EQ(service_->LastN({{"code", "8867-4"}}).status, 400);
}

TEST_F(ObservationTest, BadSearchesAnswerOperationOutcomes) {
  FhirResult no_patient = Search("Observation", {{"code", "8867-4"}});
  EXPECT_EQ(no_patient.status, 400);
  EXPECT_EQ(no_patient.body["resourceType"], "OperationOutcome");
  // An unknown patient is no error: an empty searchset (RoutesTest checks every type).
  FhirResult unknown = Search("Observation", {{"patient", "nobody"}});
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(unknown.body["total"], 0);
  FhirResult param = Search("Observation", {{"patient", "patient-1"}, {"value-quantity", "5"}});
  EXPECT_EQ(param.status, 400);
  EXPECT_EQ(param.body["issue"][0]["code"], "not-supported");
  FhirResult sort = Search("Observation", {{"patient", "patient-1"}, {"_sort", "value"}});
  EXPECT_EQ(sort.status, 400);
}

}  // namespace
}  // namespace lj::fhir::testing
