// The twin graph: twins (id, model, properties) and directed, named relationships between them,
// persisted in SQLite in the data directory and validated against the ModelRegistry.
//
// Contract:
//   - Every mutation is one SQLite transaction; after it commits, listeners are called on the
//     calling thread, in commit order, while the graph's lock is held: listeners must be quick
//     and must not call back into the graph.
//   - Properties are validated against the twin's model on create, replace and patch; a patch is
//     RFC 6902 JSON Patch applied to the properties document (as Azure Digital Twins does) and
//     is atomic: all operations apply or none.
//   - A twin with relationships (in or out) cannot be deleted (kTwinHasRelationships), as in ADT.
//   - Relationship names must be declared by the source's model, and the target must be of the
//     declared target model (or derived from it).
// Thread-safety: all methods are safe to call concurrently (serialised by an internal mutex).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/model.h"

namespace lj::graph {

struct Twin {
  std::string id;
  std::string model;            // DTMI
  nlohmann::json properties;    // object
  uint64_t etag = 0;            // increments on every change
  int64_t updated_ns = 0;
};

struct Relationship {
  std::string id;               // unique per source twin
  std::string source;
  std::string name;
  std::string target;
  nlohmann::json properties;    // object
};

class GraphListener {
 public:
  virtual ~GraphListener() = default;
  virtual void OnTwinUpserted(const Twin& twin, bool created) = 0;
  virtual void OnTwinDeleted(const std::string& id) = 0;
  virtual void OnRelationshipsChanged(const std::string& source) = 0;
};

class TwinGraph {
 public:
  // Opens (creating if needed) `<path>` as the SQLite database. `models` must outlive the graph.
  static Result<std::unique_ptr<TwinGraph>> Open(const std::string& path,
                                                 const model::ModelRegistry& models);
  ~TwinGraph();

  void AddListener(GraphListener* listener);

  // Creates or replaces a twin. `if_none_match` = true makes it create-only (kAlreadyExists).
  Result<Twin> PutTwin(const std::string& id, const std::string& model,
                       const nlohmann::json& properties, bool if_none_match = false);
  Result<Twin> GetTwin(const std::string& id) const;
  Result<Twin> PatchTwin(const std::string& id, const nlohmann::json& json_patch);
  Status DeleteTwin(const std::string& id);
  // All twins whose model is `model` or derives from it (include_derived), sorted by id.
  Result<std::vector<Twin>> ListTwins(const std::string& model = "", bool include_derived = true) const;
  size_t TwinCount() const;

  Result<Relationship> PutRelationship(const std::string& source, const std::string& rel_id,
                                       const std::string& name, const std::string& target,
                                       const nlohmann::json& properties = nlohmann::json::object());
  Result<Relationship> GetRelationship(const std::string& source, const std::string& rel_id) const;
  Result<std::vector<Relationship>> ListRelationships(const std::string& source) const;
  Result<std::vector<Relationship>> IncomingRelationships(const std::string& target) const;
  Status DeleteRelationship(const std::string& source, const std::string& rel_id);

  // Breadth-first walk of outgoing relationships from `root` (included first), following only
  // `names` (empty = all), to at most `max_depth` hops. Each twin appears once (cycles are safe).
  Result<std::vector<std::string>> Traverse(const std::string& root,
                                            const std::vector<std::string>& names = {},
                                            int max_depth = 16) const;

 private:
  struct Impl;
  explicit TwinGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lj::graph
