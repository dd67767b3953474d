// Internal to src/fhir: fhir.db, the service's own small SQLite store: encounters (one row per
// bed assignment) and imported resources (Condition, AllergyIntolerance, MedicationStatement).
// Contract: not thread-safe; FhirService serialises every call with its mutex. Errors are
// kStorage with SQLite's message.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

struct sqlite3;

namespace lj::fhir {

struct EncounterRow {
  int64_t id = 0;
  std::string patient;  // twin id
  std::string bed;      // twin id
  int64_t start_ns = 0;
  std::optional<int64_t> end_ns;  // empty while in progress
};

struct ResourceRow {
  std::string type;
  std::string id;
  std::string patient;  // twin id
  std::string json;
};

class Db {
 public:
  static Result<std::unique_ptr<Db>> Open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Result<std::vector<EncounterRow>> Encounters();
  Result<int64_t> StartEncounter(const std::string& patient, const std::string& bed,
                                 int64_t start_ns);
  Status FinishEncounter(int64_t id, int64_t end_ns);

  Status Begin();
  Status Commit();
  Status Rollback();
  Status PutResource(const ResourceRow& row, int64_t updated_ns);
  Result<std::optional<ResourceRow>> GetResource(const std::string& type, const std::string& id);
  Result<std::vector<ResourceRow>> ResourcesOf(const std::string& type, const std::string& patient);
  // Next value of a named counter (resource ids), starting at 1.
  Result<int64_t> NextId(const std::string& name);

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  Status Exec(const char* sql);
  Status Error(const char* what) const;
  sqlite3* db_;
};

}  // namespace lj::fhir
