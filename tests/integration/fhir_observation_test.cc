// POST /fhir/Observation against the real binary (a demo ward): the official FHIR R4 vital-signs
// examples (tests/data/fhir-r4-vital-signs, SOURCES.md) are refused as published with a precise
// OperationOutcome, and — on a patient of the ward, at a recent instant — recorded and read back
// equal in meaning; a device's reading goes to its series, and a device token writes only its own.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "harness.h"

namespace lj::it {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kFixtures = std::string(LJ_SOURCE_DIR) + "/tests/data/fhir-r4-vital-signs/";

json Fixture(const std::string& name) {
  std::ifstream in(kFixtures + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

// A UTC instant `ago` before now, to the millisecond, as the server writes instants.
std::string IsoAgo(std::chrono::milliseconds ago) {
  const auto t = std::chrono::system_clock::now() - ago;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

HttpResult PostObservation(const Server& s, const json& obs, const std::string& prefer = "") {
  if (prefer.empty())
    return HttpRequest(s.port, "POST", "/fhir/Observation", obs.dump(), "application/fhir+json");
  // With a Prefer header: through curl, as the harness's requests carry no extra headers.
  std::string out;
  RunCommand({"curl", "-s", "-i", "-X", "POST", "-H", "Content-Type: application/fhir+json", "-H",
              "Prefer: " + prefer, "-H", "Cookie: " + SessionCookieFor(s.port), "--data-binary",
              obs.dump(), "http://127.0.0.1:" + std::to_string(s.port) + "/fhir/Observation"},
             &out);
  HttpResult r;
  if (out.size() > 12) r.status = std::atoi(out.c_str() + 9);
  const size_t body = out.find("\r\n\r\n");
  if (body != std::string::npos) r.body = out.substr(body + 4);
  const size_t loc = out.find("Location: ");
  if (loc != std::string::npos)
    r.body += "\nLOCATION " + out.substr(loc + 10, out.find('\r', loc) - loc - 10);
  return r;
}

std::string Expression(const HttpResult& r) {
  const json oo = r.json();
  if (oo.value("resourceType", "") != "OperationOutcome" || !oo.contains("issue")) return "";
  return oo["issue"][0].value("expression", json::array({""}))[0].get<std::string>();
}

std::vector<std::string> LoincCodes(const json& concept_json) {
  std::vector<std::string> out;
  for (const json& c : concept_json.value("coding", json::array()))
    if (c.value("system", "") == "http://loinc.org") out.push_back(c.value("code", ""));
  return out;
}

// The reading of `sent` as read back in `got`: code, value and unit, subject, time, components.
void ExpectSameReading(const json& sent, const json& got) {
  SCOPED_TRACE(got.dump());
  EXPECT_EQ(got["resourceType"], "Observation");
  EXPECT_EQ(got["status"], "final");
  for (const std::string& code : LoincCodes(sent["code"])) {
    const std::vector<std::string> back = LoincCodes(got["code"]);
    EXPECT_NE(std::find(back.begin(), back.end(), code), back.end()) << code;
  }
  EXPECT_EQ(got["subject"]["reference"], sent["subject"]["reference"]);
  EXPECT_EQ(got["effectiveDateTime"], sent["effectiveDateTime"]);
  auto same_quantity = [](const json& a, const json& b) {
    EXPECT_DOUBLE_EQ(a["value"].get<double>(), b["value"].get<double>());
    EXPECT_EQ(a["system"], b["system"]);
    EXPECT_EQ(a["code"], b["code"]);
  };
  if (sent.contains("valueQuantity")) same_quantity(sent["valueQuantity"], got["valueQuantity"]);
  for (const json& c : sent.value("component", json::array())) {
    const std::string code = LoincCodes(c["code"]).at(0);
    bool found = false;
    for (const json& g : got.value("component", json::array()))
      if (LoincCodes(g["code"]) == std::vector<std::string>{code}) {
        same_quantity(c["valueQuantity"], g["valueQuantity"]);
        found = true;
      }
    EXPECT_TRUE(found) << "component " << code;
  }
}

TEST(FhirObservation, OfficialExamplesAreRefusedAsPublishedAndRoundTripOnAWardPatient) {
  auto s = Server::Start("demo", {"--beds", "2"});
  ASSERT_TRUE(s);
  // What each example becomes: recorded (""), or refused at this element.
  const std::map<std::string, std::pair<std::string, std::string>> kExpected = {
      // file: {refused as published at, refused on a ward patient at ("" = recorded)}
      {"observation-example-heart-rate.json", {"Observation.subject.reference", ""}},
      {"observation-example-respiratory-rate.json", {"Observation.subject.reference", ""}},
      {"observation-example-body-temperature.json", {"Observation.subject.reference", ""}},
      {"observation-example-bloodpressure.json", {"Observation.subject.reference", ""}},
      {"observation-example-satO2.json",
       {"Observation.subject.reference", "Observation.device.reference"}},
      {"observation-example-body-height.json", {"Observation.code", "Observation.code"}},
      {"observation-example-bmi.json", {"Observation.code", "Observation.code"}},
  };
  int n = 0;
  for (const auto& [file, expected] : kExpected) {
    SCOPED_TRACE(file);
    json obs = Fixture(file);
    HttpResult as_published = PostObservation(*s, obs);
    EXPECT_EQ(as_published.status, 422) << as_published.body;
    EXPECT_EQ(Expression(as_published), expected.first) << as_published.body;

    // The two elements a ward cannot take as published: whose reading, and when.
    obs["subject"]["reference"] = "Patient/patient-a01";
    obs["effectiveDateTime"] = IsoAgo(std::chrono::milliseconds(20'000 - 100 * n++));
    HttpResult r = PostObservation(*s, obs);
    if (!expected.second.empty()) {
      EXPECT_EQ(r.status, 422) << r.body;
      EXPECT_EQ(Expression(r), expected.second) << r.body;
      EXPECT_EQ(r.json()["issue"][0]["severity"], "error");
      continue;
    }
    ASSERT_EQ(r.status, 201) << r.body;
    const json created = r.json();
    ExpectSameReading(obs, created);
    EXPECT_FALSE(created.contains("device")) << "a charted reading names no device";
    HttpResult back = s->Get("/fhir/Observation/" + created["id"].get<std::string>());
    ASSERT_EQ(back.status, 200) << back.body;
    ExpectSameReading(obs, back.json());
    // And it is found by search, among the patient's readings of that code.
    const std::string code = LoincCodes(obs["code"]).at(0);
    HttpResult found = s->Get("/fhir/Observation?patient=patient-a01&code=" + code + "&_count=500");
    ASSERT_EQ(found.status, 200);
    bool in = false;
    for (const json& e : found.json().value("entry", json::array()))
      in = in || e["resource"]["id"] == created["id"];
    EXPECT_TRUE(in) << found.body.substr(0, 400);
  }

  // With Prefer: return=OperationOutcome the answer names what a reading does not keep.
  json bp = Fixture("observation-example-bloodpressure.json");
  bp["subject"]["reference"] = "Patient/patient-a01";
  bp["effectiveDateTime"] = IsoAgo(1000ms);
  HttpResult oo = PostObservation(*s, bp, "return=OperationOutcome");
  ASSERT_EQ(oo.status, 201) << oo.body;
  const std::string body = oo.body.substr(0, oo.body.find("\nLOCATION "));
  std::set<std::string> not_kept;
  const json outcome = json::parse(body);
  for (const json& i : outcome["issue"]) not_kept.insert(i["expression"][0]);
  EXPECT_EQ(not_kept, (std::set<std::string>{"Observation.identifier", "Observation.basedOn",
                                             "Observation.performer", "Observation.interpretation",
                                             "Observation.bodySite"}));
  EXPECT_NE(oo.body.find("\nLOCATION Observation/"), std::string::npos) << oo.body;
}

TEST(FhirObservation, ReadingsAreCheckedAgainstTheProfileWithPreciseOutcomes) {
  auto s = Server::Start("demo", {"--beds", "2"});
  ASSERT_TRUE(s);
  const json hr = [] {
    json o = Fixture("observation-example-heart-rate.json");
    o["subject"]["reference"] = "Patient/patient-a01";
    o["effectiveDateTime"] = IsoAgo(5000ms);
    return o;
  }();
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    int status;
    std::string expression;
  };
  const std::vector<Case> cases = {
      {"a date without a time", [](json& o) { o["effectiveDateTime"] = "2026-12-01"; }, 422,
       "Observation.effectiveDateTime"},
      {"no effective time", [](json& o) { o.erase("effectiveDateTime"); }, 422,
       "Observation.effective[x]"},
      {"preliminary", [](json& o) { o["status"] = "preliminary"; }, 422, "Observation.status"},
      {"no vital-signs category", [](json& o) { o.erase("category"); }, 422,
       "Observation.category"},
      {"a unit of another quantity", [](json& o) { o["valueQuantity"]["code"] = "mm[Hg]"; }, 422,
       "Observation.valueQuantity.code"},
      {"an impossible value", [](json& o) { o["valueQuantity"]["value"] = 4000; }, 422,
       "Observation.valueQuantity.value"},
      {"no value", [](json& o) { o.erase("valueQuantity"); }, 422, "Observation.valueQuantity"},
      {"another patient's device",
       [](json& o) {
         o["device"] = {{"reference", "Device/monitor-a02"}};
       },
       422, "Observation.device"},
      {"not an Observation", [](json& o) { o["resourceType"] = "Patient"; }, 400,
       "Observation.resourceType"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    json o = hr;
    c.change(o);
    HttpResult r = PostObservation(*s, o);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(Expression(r), c.expression) << r.body;
  }
  HttpResult bad = HttpRequest(s->port, "POST", "/fhir/Observation",
                               "{\"resourceType\":", "application/fhir+json");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.json()["resourceType"], "OperationOutcome");
  // Temperatures in Fahrenheit are recorded in Celsius.
  json temp = Fixture("observation-example-body-temperature.json");
  temp["subject"]["reference"] = "Patient/patient-a01";
  temp["effectiveDateTime"] = IsoAgo(4000ms);
  temp["valueQuantity"] = {
      {"value", 98.6}, {"unit", "F"}, {"system", "http://unitsofmeasure.org"}, {"code", "[degF]"}};
  HttpResult f = PostObservation(*s, temp);
  ASSERT_EQ(f.status, 201) << f.body;
  EXPECT_NEAR(f.json()["valueQuantity"]["value"].get<double>(), 37.0, 0.01);
  EXPECT_EQ(f.json()["valueQuantity"]["code"], "Cel");
  EXPECT_EQ(s->Get("/healthz").status, 200);
}

TEST(FhirObservation, ADevicesReadingGoesToItsSeriesAndADeviceTokenWritesOnlyItsOwn) {
  auto s = Server::Start("demo", {"--beds", "2"});
  ASSERT_TRUE(s);
  json hr = Fixture("observation-example-heart-rate.json");
  hr["subject"]["reference"] = "Patient/patient-a01";
  hr["device"] = {{"reference", "Device/monitor-a01"}};
  hr["effectiveDateTime"] = IsoAgo(0ms);
  HttpResult r = PostObservation(*s, hr);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["device"]["identifier"]["value"], "monitor-a01");
  EXPECT_TRUE(r.json().contains("encounter"));
  HttpResult back = s->Get("/fhir/Observation/" + r.json()["id"].get<std::string>());
  ASSERT_EQ(back.status, 200) << back.body;
  ExpectSameReading(hr, back.json());
  // A reading older than the device's newest is refused by the history's time order, and said.
  hr["effectiveDateTime"] = IsoAgo(10s);
  HttpResult old = PostObservation(*s, hr);
  EXPECT_GE(old.status, 400) << old.body;
  EXPECT_EQ(old.json()["resourceType"], "OperationOutcome") << old.body;

  // A device token: its own device only; a charted reading (the patient twin) is not its own.
  std::string out;
  ASSERT_EQ(RunCommand({LingjingBinary(), "token", "create", "--kind", "device", "--name", "gw",
                        "--twin", "monitor-a01", "--data", s->data_dir},
                       &out),
            0)
      << out;
  const std::string token = out.substr(out.find("ljd_"), 47);
  auto post_as_device = [&](const json& obs) {
    std::string o;
    RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H",
                "Authorization: Bearer " + token, "-H", "Content-Type: application/fhir+json",
                "--data-binary", obs.dump(),
                "http://127.0.0.1:" + std::to_string(s->port) + "/fhir/Observation"},
               &o);
    return std::atoi(o.c_str());
  };
  hr["effectiveDateTime"] = IsoAgo(0ms);
  EXPECT_EQ(post_as_device(hr), 201);
  json charted = hr;
  charted.erase("device");
  EXPECT_EQ(post_as_device(charted), 403);
  json other = hr;
  other["subject"]["reference"] = "Patient/patient-a02";
  other["device"] = {{"reference", "Device/monitor-a02"}};
  EXPECT_EQ(post_as_device(other), 403);
}

}  // namespace
}  // namespace lj::it
