// Bundle import round trips, all-or-nothing transactions, batches, OperationOutcomes; Patient and
// Encounter read/search; the profile checker itself.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fhir/test_util.h"
#include "fhir/vitals_checker.h"

namespace lj::fhir::testing {
namespace {

Json PatientEntry(const std::string& mrn, const std::string& full_url = "urn:uuid:p1") {
  return {{"fullUrl", full_url},
          {"resource",
           {{"resourceType", "Patient"},
            {"identifier", Json::array({{{"system", "urn:lingjing:mrn"}, {"value", mrn}}})},
            {"name", Json::array({{{"family", "Hopper"}, {"given", Json::array({"Grace"})}}})},
            {"gender", "female"},
            {"birthDate", "1906-12-09"}}},
          {"request", {{"method", "POST"}, {"url", "Patient"}}}};
}

Json ConditionEntry(const std::string& subject, const std::string& text) {
  return {{"resource",
           {{"resourceType", "Condition"},
            {"subject", {{"reference", subject}}},
            {"clinicalStatus",
             {{"coding",
               Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/condition-clinical"},
                             {"code", "active"}}})}}},
            {"code", {{"text", text}}}}},
          {"request", {{"method", "POST"}, {"url", "Condition"}}}};
}

Json AllergyEntry(const std::string& patient, const std::string& text) {
  return {{"resource",
           {{"resourceType", "AllergyIntolerance"},
            {"patient", {{"reference", patient}}},
            {"code",
             {{"coding", Json::array({{{"system", "http://snomed.info/sct"},
                                       {"code", "764146007"},
                                       {"display", text}}})}}}}},
          {"request", {{"method", "POST"}, {"url", "AllergyIntolerance"}}}};
}

Json MedicationEntry(const std::string& subject, const std::string& text) {
  return {{"resource",
           {{"resourceType", "MedicationStatement"},
            {"status", "active"},
            {"subject", {{"reference", subject}}},
            {"medicationCodeableConcept", {{"text", text}}}}},
          {"request", {{"method", "POST"}, {"url", "MedicationStatement"}}}};
}

Json Bundle(const std::string& type, const std::vector<Json>& entries) {
  Json list = Json::array();
  for (const Json& e : entries) list.push_back(e);
  return {{"resourceType", "Bundle"}, {"type", type}, {"entry", list}};
}

class ImportTest : public FhirTest {
 protected:
  FhirResult Post(const Json& bundle) { return service_->Transaction(bundle.dump()); }
  size_t Count(const std::string& type, const std::string& patient) {
    FhirResult r = Search(type, {{"patient", patient}});
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return Resources(r.body).size();
  }
};

TEST_F(ImportTest, TransactionCreatesPatientAndRecordRoundTrip) {
  FhirResult r = Post(Bundle(
      "transaction", {PatientEntry("55500001"), ConditionEntry("urn:uuid:p1", "Heart failure"),
                      AllergyEntry("urn:uuid:p1", "Penicillin"),
                      MedicationEntry("urn:uuid:p1", "Furosemide 40 mg")}));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["type"], "transaction-response");
  ASSERT_EQ(r.body["entry"].size(), 4u);
  EXPECT_EQ(r.body["entry"][0]["response"]["status"], "201 Created");
  EXPECT_EQ(r.body["entry"][0]["response"]["location"], "Patient/patient-55500001");

  FhirResult p = service_->Read("Patient", "patient-55500001");
  ASSERT_EQ(p.status, 200) << p.body.dump();
  EXPECT_EQ(p.body["identifier"][0]["value"], "55500001");
  EXPECT_EQ(p.body["name"][0]["family"], "Hopper");
  EXPECT_EQ(p.body["gender"], "female");
  EXPECT_EQ(p.body["birthDate"], "1906-12-09");

  for (const char* type : {"Condition", "AllergyIntolerance", "MedicationStatement"})
    EXPECT_EQ(Count(type, "patient-55500001"), 1u) << type;
  FhirResult c = Search("Condition", {{"subject", "Patient/patient-55500001"}});
  Json cond = Resources(c.body).at(0);
  EXPECT_EQ(cond["subject"]["reference"], "Patient/patient-55500001");
  EXPECT_EQ(cond["code"]["text"], "Heart failure");
  FhirResult read = service_->Read("Condition", cond["id"].get<std::string>());
  EXPECT_EQ(read.body, cond);

  auto twin = graph_->GetTwin("patient-55500001");
  ASSERT_TRUE(twin.ok());
  EXPECT_EQ(twin->properties["problems"], Json::array({"Heart failure"}));
  EXPECT_EQ(twin->properties["allergies"], Json::array({"Penicillin"}));
  EXPECT_EQ(twin->properties["medications"], Json::array({"Furosemide 40 mg"}));
}

TEST_F(ImportTest, MatchesAnExistingPatientByMrnAndMergesTheRecord) {
  Json bundle = Bundle("transaction", {PatientEntry("41000001"),
                                       ConditionEntry("urn:uuid:p1", "Atrial fibrillation"),
                                       ConditionEntry("Patient/patient-1", "Pneumonia")});
  FhirResult r = Post(bundle);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["entry"][0]["response"]["status"], "200 OK");
  EXPECT_EQ(r.body["entry"][0]["response"]["location"], "Patient/patient-1");
  auto twin = graph_->GetTwin("patient-1");
  ASSERT_TRUE(twin.ok());
  EXPECT_EQ(twin->properties["problems"], Json::array({"Pneumonia", "Atrial fibrillation"}));
  EXPECT_EQ(twin->properties["name"], "Grace Hopper");
  EXPECT_FALSE(graph_->GetTwin("patient-41000001").ok());
  EXPECT_EQ(Count("Condition", "patient-1"), 2u);
}

// The sender's identifier system is kept and read back; the same MRN value of another issuer is
// another patient, never merged into the first.
TEST_F(ImportTest, KeepsTheSendersIdentifierSystemAndNeverMergesAnotherIssuersMrn) {
  Json entry = PatientEntry("77700001");
  entry["resource"]["identifier"] = Json::array(
      {{{"use", "usual"},
        {"type",
         {{"coding", Json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v2-0203"},
                                   {"code", "MR"}}})}}},
        {"system", "urn:oid:1.2.36.146.595.217.0.1"},
        {"value", "77700001"}}});
  FhirResult r = Post(Bundle("transaction", {entry}));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  FhirResult p = service_->Read("Patient", "patient-77700001");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.body["identifier"][0]["system"], "urn:oid:1.2.36.146.595.217.0.1");
  EXPECT_EQ(p.body["identifier"][0]["value"], "77700001");
  EXPECT_EQ(
      Resources(Search("Patient", {{"identifier", "urn:oid:1.2.36.146.595.217.0.1|77700001"}}).body)
          .size(),
      1u);
  EXPECT_TRUE(
      Resources(Search("Patient", {{"identifier", "urn:lingjing:mrn|77700001"}}).body).empty());
  // Patients without a system of their own (HL7 ADT, older imports) keep the server's.
  EXPECT_EQ(service_->Read("Patient", "patient-1").body["identifier"][0]["system"],
            "urn:lingjing:mrn");
  // The same value from the server's own namespace: another patient, refused rather than merged
  // into patient-77700001 (whose id it would take).
  FhirResult other = Post(Bundle("transaction", {PatientEntry("77700001")}));
  EXPECT_EQ(other.status, 409) << other.body.dump();
  EXPECT_NE(other.body["issue"][0]["diagnostics"].get<std::string>().find("of system"),
            std::string::npos);
  // With an id of its own it is created beside the first.
  Json put = PatientEntry("77700001");
  put["request"] = {{"method", "PUT"}, {"url", "Patient/patient-77700001-b"}};
  FhirResult created = Post(Bundle("transaction", {put}));
  ASSERT_EQ(created.status, 200) << created.body.dump();
  EXPECT_EQ(service_->Read("Patient", "patient-77700001").body["identifier"][0]["system"],
            "urn:oid:1.2.36.146.595.217.0.1");
  EXPECT_EQ(service_->Read("Patient", "patient-77700001-b").body["identifier"][0]["system"],
            "urn:lingjing:mrn");
}

TEST_F(ImportTest, InvalidEntryRejectsTheWholeTransaction) {
  Json bad = ConditionEntry("urn:uuid:p1", "Sepsis");
  bad["resource"].erase("subject");
  FhirResult r = Post(Bundle(
      "transaction", {PatientEntry("55500002"), ConditionEntry("urn:uuid:p1", "Asthma"), bad}));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body["resourceType"], "OperationOutcome");
  EXPECT_EQ(r.body["issue"][0]["severity"], "error");
  EXPECT_EQ(r.body["issue"][0]["expression"][0], "Bundle.entry[2].resource.subject");
  EXPECT_FALSE(graph_->GetTwin("patient-55500002").ok());
  EXPECT_EQ(Count("Condition", "patient-55500002"), 0u);
}

TEST_F(ImportTest, OperationOutcomesForBadInput) {
  struct Case {
    std::string body;
    int status;
    const char* code;
  };
  Json unresolved = Bundle("transaction", {ConditionEntry("Patient/nobody", "x")});
  Json gender = Bundle("transaction", {PatientEntry("55500003")});
  gender["entry"][0]["resource"]["gender"] = "yes";
  Json wrong_type = Bundle("transaction", {PatientEntry("55500004")});
  wrong_type["entry"][0]["resource"]["identifier"][0]["system"] = 5;
  Json observation =
      Bundle("transaction", {{{"resource", {{"resourceType", "Observation"}}},
                              {"request", {{"method", "POST"}, {"url", "Observation"}}}}});
  Json no_request = Bundle("transaction", {PatientEntry("55500005")});
  no_request["entry"][0].erase("request");
  Json del = Bundle("transaction", {PatientEntry("55500006")});
  del["entry"][0]["request"]["method"] = "DELETE";
  std::vector<Case> cases = {
      {"not json", 400, "structure"},
      {"[]", 400, "invalid"},
      {R"({"resourceType":"Patient"})", 400, "invalid"},
      {Bundle("collection", {}).dump(), 400, "invalid"},
      {R"({"resourceType":"Bundle","type":"transaction","entry":{}})", 400, "invalid"},
      {unresolved.dump(), 404, "not-found"},
      {gender.dump(), 422, "processing"},
      {wrong_type.dump(), 400, "invalid"},
      {observation.dump(), 422, "processing"},
      {no_request.dump(), 400, "invalid"},
      {del.dump(), 400, "not-supported"},
      {std::string(100, '[') + std::string(100, ']'), 400, "invalid"},
  };
  for (const Case& c : cases) {
    FhirResult r = service_->Transaction(c.body);
    EXPECT_EQ(r.status, c.status) << c.body << "\n" << r.body.dump();
    EXPECT_EQ(r.body["resourceType"], "OperationOutcome") << c.body;
    EXPECT_EQ(r.body["issue"][0]["code"], c.code) << c.body << "\n" << r.body.dump();
  }
  EXPECT_EQ(graph_->ListTwins("dtmi:lingjing:ward:Patient;1")->size(), 2u);
}

TEST_F(ImportTest, BatchAppliesEntriesIndependently) {
  Json bad = MedicationEntry("urn:uuid:p1", "Aspirin");
  bad["resource"]["status"] = "sometimes";
  FhirResult r = Post(Bundle(
      "batch", {PatientEntry("55500007"), MedicationEntry("urn:uuid:p1", "Bisoprolol"), bad}));
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["type"], "batch-response");
  EXPECT_EQ(r.body["entry"][0]["response"]["status"], "201 Created");
  EXPECT_EQ(r.body["entry"][1]["response"]["status"], "201 Created");
  EXPECT_EQ(r.body["entry"][2]["response"]["status"], "422");
  EXPECT_EQ(r.body["entry"][2]["response"]["outcome"]["resourceType"], "OperationOutcome");
  EXPECT_EQ(Count("MedicationStatement", "patient-55500007"), 1u);
}

TEST_F(ImportTest, PutKeepsTheIdAndUpdates) {
  Json e = ConditionEntry("Patient/patient-2", "Delirium");
  e["request"] = {{"method", "PUT"}, {"url", "Condition/delirium-1"}};
  ASSERT_EQ(Post(Bundle("transaction", {e})).body["entry"][0]["response"]["status"], "201 Created");
  e["resource"]["code"]["text"] = "Delirium, resolved";
  e["resource"]["clinicalStatus"]["coding"][0]["code"] = "resolved";
  FhirResult r = Post(Bundle("transaction", {e}));
  EXPECT_EQ(r.body["entry"][0]["response"]["status"], "200 OK");
  FhirResult c = service_->Read("Condition", "delirium-1");
  EXPECT_EQ(c.body["code"]["text"], "Delirium, resolved");
  // Only active problems are summarised on the twin.
  EXPECT_EQ(graph_->GetTwin("patient-2")->properties["problems"], Json::array({"Delirium"}));
}

TEST_F(ImportTest, PatientReadAndSearch) {
  FhirResult p = service_->Read("Patient", "patient-1");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.body["name"][0]["given"], Json::array({"Ada", "King"}));
  EXPECT_EQ(p.body["name"][0]["family"], "Lovelace");
  EXPECT_EQ(service_->Read("Patient", "bed-1").status, 404);  // not a patient twin
  auto ids = [&](const Params& q) {
    std::vector<std::string> out;
    for (const Json& r : Resources(Search("Patient", q).body)) out.push_back(r["id"]);
    return out;
  };
  EXPECT_EQ(ids({{"identifier", "urn:lingjing:mrn|41000002"}}),
            std::vector<std::string>{"patient-2"});
  EXPECT_EQ(ids({{"identifier", "41000001"}}), std::vector<std::string>{"patient-1"});
  EXPECT_EQ(ids({{"identifier", "other|41000001"}}), std::vector<std::string>{});
  EXPECT_EQ(ids({{"name", "lovel"}}), std::vector<std::string>{"patient-1"});
  EXPECT_EQ(ids({{"name", "king"}}), std::vector<std::string>{"patient-1"});
  EXPECT_EQ(ids({{"name", "ing"}}), std::vector<std::string>{});
  EXPECT_EQ(ids({{"_id", "patient-2,patient-1"}}),
            (std::vector<std::string>{"patient-1", "patient-2"}));
  EXPECT_EQ(ids({{"_count", "1"}}).size(), 1u);
  EXPECT_EQ(Search("Patient", {{"telecom", "x"}}).status, 400);
}

TEST_F(ImportTest, EncountersFollowBedAssignmentsAndPersist) {
  Admit("bed-1", "patient-1", kT0);
  Discharge("bed-1", kT0 + 3600 * kSecond);
  Admit("bed-2", "patient-1", kT0 + 3600 * kSecond);
  FhirResult r = Search("Encounter", {{"patient", "patient-1"}});
  std::vector<Json> enc = Resources(r.body);
  ASSERT_EQ(enc.size(), 2u);
  EXPECT_EQ(enc[0]["status"], "in-progress");
  EXPECT_EQ(enc[1]["status"], "finished");
  EXPECT_EQ(enc[1]["period"]["start"], "2026-01-01T10:00:00.000Z");
  EXPECT_EQ(enc[1]["period"]["end"], "2026-01-01T11:00:00.000Z");
  EXPECT_EQ(enc[0]["class"]["code"], "IMP");
  std::vector<std::string> where;
  for (const Json& l : enc[0]["location"]) where.push_back(l["location"]["display"]);
  EXPECT_EQ(where, (std::vector<std::string>{"A02", "Room A01", "Ward 7"}));
  EXPECT_EQ(Resources(Search("Encounter", {{"status", "finished"}}).body).size(), 1u);
  // Restart: the finished encounter survives; the open one is still open.
  service_.reset();
  OpenService();
  EXPECT_EQ(Resources(Search("Encounter", {{"patient", "patient-1"}}).body).size(), 2u);
  EXPECT_EQ(Resources(Search("Encounter", {{"status", "in-progress"}}).body).size(), 1u);
  EXPECT_EQ(service_->Read("Encounter", enc[1]["id"].get<std::string>()).body, enc[1]);
}

// Graph writers (listener callbacks under the graph lock) and FHIR readers (graph calls under
// the service lock) at once: must neither deadlock nor lose a bed change.
TEST_F(ImportTest, ConcurrentBedChangesAndSearches) {
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      EXPECT_EQ(Search("Encounter", {{"patient", "patient-1"}}).status, 200);
      EXPECT_EQ(service_->Read("Patient", "patient-1").status, 200);
    }
  });
  for (int i = 0; i < 20; ++i) {
    now_ = kT0 + i * kSecond;
    ASSERT_TRUE(graph_->PutRelationship("bed-1", "occupiedBy", "occupiedBy", "patient-1").ok());
    ASSERT_TRUE(graph_->DeleteRelationship("bed-1", "occupiedBy").ok());
  }
  stop = true;
  reader.join();
  service_->Sync();
  std::vector<Json> enc =
      Resources(Search("Encounter", {{"patient", "patient-1"}, {"_count", "100"}}).body);
  // Every admission is an encounter unless an admit and its discharge were applied together
  // (the worker saw the bed already empty); none is left open.
  EXPECT_LE(enc.size(), 20u);
  for (const Json& e : enc) EXPECT_EQ(e["status"], "finished");
}

TEST_F(ImportTest, MetadataIsACapabilityStatement) {
  FhirResult m = service_->Metadata();
  EXPECT_EQ(m.body["resourceType"], "CapabilityStatement");
  EXPECT_EQ(m.body["fhirVersion"], "4.0.1");
  EXPECT_EQ(m.body["rest"][0]["resource"].size(), SupportedTypes().size());
}

TEST(VitalsChecker, RejectsWhatTheProfileForbids) {
  Json good = {
      {"resourceType", "Observation"},
      {"id", "1-2"},
      {"status", "final"},
      {"category",
       Json::array({{{"coding",
                      Json::array({{{"system",
                                     "http://terminology.hl7.org/CodeSystem/observation-category"},
                                    {"code", "vital-signs"}}})}}})},
      {"code", {{"coding", Json::array({{{"system", "http://loinc.org"}, {"code", "8867-4"}}})}}},
      {"subject", {{"reference", "Patient/p"}}},
      {"effectiveDateTime", "2026-01-01T10:00:00Z"},
      {"valueQuantity",
       {{"value", 70},
        {"unit", "/min"},
        {"system", "http://unitsofmeasure.org"},
        {"code", "/min"}}}};
  EXPECT_TRUE(CheckVitalSigns(good).empty());
  auto broken = [&](auto mutate) {
    Json j = good;
    mutate(j);
    return CheckVitalSigns(j).size();
  };
  EXPECT_GT(broken([](Json& j) { j.erase("status"); }), 0u);
  EXPECT_GT(broken([](Json& j) { j.erase("category"); }), 0u);
  EXPECT_GT(broken([](Json& j) { j["subject"]["reference"] = "Device/x"; }), 0u);
  EXPECT_GT(broken([](Json& j) { j["effectiveDateTime"] = "2026"; }), 0u);  // vs-1
  EXPECT_GT(broken([](Json& j) { j.erase("valueQuantity"); }), 0u);         // vs-2
  EXPECT_GT(broken([](Json& j) { j["valueQuantity"]["code"] = "bpm"; }), 0u);
  EXPECT_GT(broken([](Json& j) { j["valueQuantity"].erase("system"); }), 0u);
  EXPECT_GT(broken([](Json& j) { j["effective"] = "x"; }), 0u);
  EXPECT_GT(broken([](Json& j) {
              j["code"]["coding"][0]["code"] = "85354-9";
              j.erase("valueQuantity");
              j["component"] = Json::array({{{"code", {{"text", "x"}}}}});  // vs-3, no slices
            }),
            1u);
}

}  // namespace
}  // namespace lj::fhir::testing
