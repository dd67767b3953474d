// TwinGraph: relationship operations, relationship rules and traversal.
#include <map>
#include <unordered_set>
#include <utility>

#include "graph/graph_impl.h"
#include "graph/validation.h"

namespace lj::graph {
namespace {

constexpr const char* kRelColumns =
    "SELECT source, id, name, target, properties FROM relationships ";
const std::string kSelectOutgoing = std::string(kRelColumns) + "WHERE source = ? ORDER BY id";
const std::string kSelectIncoming =
    std::string(kRelColumns) + "WHERE target = ? ORDER BY source, id";

std::string RelContext(std::string_view source, std::string_view id) {
  return "relationship '" + std::string(id) + "' of twin '" + std::string(source) + "'";
}

Result<Relationship> ReadRelationshipRow(const Stmt& row) {
  Relationship r;
  r.source = row.Text(0);
  r.id = row.Text(1);
  r.name = row.Text(2);
  r.target = row.Text(3);
  Result<nlohmann::json> props = ParseStoredJson(row.Text(4), RelContext(r.source, r.id));
  if (!props.ok()) return props.status();
  r.properties = std::move(*props);
  return r;
}

Status NoTwin(std::string_view role, std::string_view id) {
  return Status(ErrorCode::kNotFound, "no " + std::string(role) + "twin '" + std::string(id) + "'");
}

}  // namespace

// ---- Impl helpers ----

Result<std::optional<Relationship>> TwinGraph::Impl::LoadRelationship(std::string_view source,
                                                                      std::string_view id) const {
  Result<Stmt> stmt = store->Prepare(std::string(kRelColumns) + "WHERE source = ? AND id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, source).Bind(2, id);
  Result<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Relationship>();
  Result<Relationship> rel = ReadRelationshipRow(*stmt);
  if (!rel.ok()) return rel.status();
  return std::optional<Relationship>(std::move(*rel));
}

Result<std::vector<Relationship>> TwinGraph::Impl::QueryRelationships(std::string_view sql,
                                                                      std::string_view key) const {
  Result<Stmt> stmt = store->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, key);
  std::vector<Relationship> out;
  for (;;) {
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    Result<Relationship> rel = ReadRelationshipRow(*stmt);
    if (!rel.ok()) return rel.status();
    out.push_back(std::move(*rel));
  }
}

Result<int64_t> TwinGraph::Impl::Count(std::string_view sql,
                                       std::initializer_list<std::string_view> params) const {
  Result<Stmt> stmt = store->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  int index = 1;
  for (std::string_view p : params) stmt->Bind(index++, p);
  Result<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? stmt->Int(0) : 0;
}

Status TwinGraph::Impl::CheckRelationship(const Relationship& rel,
                                          const model::Interface& source_model,
                                          const std::string& target_model) const {
  const std::string context = RelContext(rel.source, rel.id);
  const model::Relationship* decl = source_model.FindRelationship(rel.name);
  if (decl == nullptr) {
    return Status(
        ErrorCode::kRelationshipInvalid,
        context + ": model '" + source_model.id + "' declares no relationship '" + rel.name + "'");
  }
  if (!decl->target.empty()) {
    const model::Interface* target = models.Find(target_model);
    if (target == nullptr || !target->IsA(decl->target)) {
      return Status(ErrorCode::kRelationshipInvalid,
                    context + ": '" + rel.name + "' must target a '" + decl->target +
                        "', but twin '" + rel.target + "' is a '" + target_model + "'");
    }
  }
  return ValidateProperties(decl->properties, rel.properties, ErrorCode::kRelationshipInvalid,
                            context, "relationship '" + rel.name + "' of " + source_model.id);
}

Status TwinGraph::Impl::CheckMultiplicity(const model::Relationship& decl,
                                          const Relationship& rel) const {
  if (decl.max_multiplicity < 0) return Status::Ok();
  Result<int64_t> others =
      Count("SELECT COUNT(*) FROM relationships WHERE source = ? AND name = ? AND id <> ?",
            {rel.source, rel.name, rel.id});
  if (!others.ok()) return others.status();
  if (*others >= decl.max_multiplicity) {
    return Status(ErrorCode::kRelationshipInvalid, RelContext(rel.source, rel.id) + ": twin '" +
                                                       rel.source + "' already has " +
                                                       std::to_string(*others) + " '" + rel.name +
                                                       "' relationship(s); maxMultiplicity is " +
                                                       std::to_string(decl.max_multiplicity));
  }
  return Status::Ok();
}

Status TwinGraph::Impl::CheckRelationshipsFit(const Twin& twin,
                                              const model::Interface& model) const {
  const std::string prefix = "cannot change twin '" + twin.id + "' to model '" + model.id + "': ";
  auto fail = [&](const Status& s) {
    return Status(ErrorCode::kTwinInvalid, prefix + s.message());
  };

  Result<std::vector<Relationship>> outgoing = QueryRelationships(kSelectOutgoing, twin.id);
  if (!outgoing.ok()) return outgoing.status();
  std::map<std::string, int> per_name;
  for (const Relationship& rel : *outgoing) {
    std::string target_model = model.id;  // a self-relationship follows the twin's new model
    if (rel.target != twin.id) {
      Result<std::optional<Twin>> target = LoadTwin(rel.target);
      if (!target.ok()) return target.status();
      if (target->has_value()) target_model = (*target)->model;
    }
    Status s = CheckRelationship(rel, model, target_model);
    if (!s.ok()) return fail(s);
    const model::Relationship* decl = model.FindRelationship(rel.name);
    if (decl->max_multiplicity >= 0 && ++per_name[rel.name] > decl->max_multiplicity) {
      return fail(Status(ErrorCode::kRelationshipInvalid,
                         "it has more '" + rel.name + "' relationships than maxMultiplicity " +
                             std::to_string(decl->max_multiplicity)));
    }
  }

  Result<std::vector<Relationship>> incoming = QueryRelationships(kSelectIncoming, twin.id);
  if (!incoming.ok()) return incoming.status();
  for (const Relationship& rel : *incoming) {
    if (rel.source == twin.id) continue;  // checked above
    Result<std::optional<Twin>> source = LoadTwin(rel.source);
    if (!source.ok()) return source.status();
    if (!source->has_value()) continue;
    const model::Interface* source_model = models.Find((*source)->model);
    if (source_model == nullptr) continue;  // an unloaded model declares nothing to check
    Status s = CheckRelationship(rel, *source_model, model.id);
    if (!s.ok()) return fail(s);
  }
  return Status::Ok();
}

// ---- TwinGraph ----

Result<Relationship> TwinGraph::PutRelationship(const std::string& source,
                                                const std::string& rel_id, const std::string& name,
                                                const std::string& target,
                                                const nlohmann::json& properties) {
  LJ_RETURN_IF_ERROR(ValidateId(rel_id, "relationship id"));
  Relationship rel{rel_id, source, name, target, properties};

  std::lock_guard lock(impl_->mu);
  Transaction txn(*impl_->store);
  LJ_RETURN_IF_ERROR(txn.Begin());
  Result<std::optional<Twin>> src = impl_->LoadTwin(source);
  if (!src.ok()) return src.status();
  if (!src->has_value()) return NoTwin("source ", source);
  Result<std::optional<Twin>> dst = impl_->LoadTwin(target);
  if (!dst.ok()) return dst.status();
  if (!dst->has_value()) return NoTwin("target ", target);
  const model::Interface* source_model = impl_->models.Find((*src)->model);
  if (source_model == nullptr) {
    return Status(ErrorCode::kRelationshipInvalid,
                  RelContext(source, rel_id) + ": model '" + (*src)->model + "' is not loaded");
  }
  LJ_RETURN_IF_ERROR(impl_->CheckRelationship(rel, *source_model, (*dst)->model));
  LJ_RETURN_IF_ERROR(impl_->CheckMultiplicity(*source_model->FindRelationship(name), rel));

  Result<Stmt> put = impl_->store->Prepare(
      "INSERT INTO relationships(source, id, name, target, properties) VALUES(?, ?, ?, ?, ?) "
      "ON CONFLICT(source, id) DO UPDATE SET name = excluded.name, target = excluded.target, "
      "properties = excluded.properties");
  if (!put.ok()) return put.status();
  LJ_RETURN_IF_ERROR(put->Bind(1, source)
                         .Bind(2, rel_id)
                         .Bind(3, name)
                         .Bind(4, target)
                         .Bind(5, properties.dump())
                         .Run());
  LJ_RETURN_IF_ERROR(txn.Commit());
  for (GraphListener* l : impl_->listeners) l->OnRelationshipsChanged(source);
  return rel;
}

Result<Relationship> TwinGraph::GetRelationship(const std::string& source,
                                                const std::string& rel_id) const {
  std::lock_guard lock(impl_->mu);
  Result<std::optional<Relationship>> rel = impl_->LoadRelationship(source, rel_id);
  if (!rel.ok()) return rel.status();
  if (!rel->has_value()) {
    return Status(ErrorCode::kNotFound,
                  "no relationship '" + rel_id + "' on twin '" + source + "'");
  }
  return std::move(**rel);
}

Result<std::vector<Relationship>> TwinGraph::ListRelationships(const std::string& source) const {
  std::lock_guard lock(impl_->mu);
  Result<std::optional<Twin>> twin = impl_->LoadTwin(source);
  if (!twin.ok()) return twin.status();
  if (!twin->has_value()) return NoTwin("", source);
  return impl_->QueryRelationships(kSelectOutgoing, source);
}

Result<std::vector<Relationship>> TwinGraph::IncomingRelationships(
    const std::string& target) const {
  std::lock_guard lock(impl_->mu);
  Result<std::optional<Twin>> twin = impl_->LoadTwin(target);
  if (!twin.ok()) return twin.status();
  if (!twin->has_value()) return NoTwin("", target);
  return impl_->QueryRelationships(kSelectIncoming, target);
}

Status TwinGraph::DeleteRelationship(const std::string& source, const std::string& rel_id) {
  std::lock_guard lock(impl_->mu);
  Transaction txn(*impl_->store);
  LJ_RETURN_IF_ERROR(txn.Begin());
  Result<Stmt> del = impl_->store->Prepare("DELETE FROM relationships WHERE source = ? AND id = ?");
  if (!del.ok()) return del.status();
  LJ_RETURN_IF_ERROR(del->Bind(1, source).Bind(2, rel_id).Run());
  if (impl_->store->Changes() == 0) {
    return Status(ErrorCode::kNotFound,
                  "no relationship '" + rel_id + "' on twin '" + source + "'");
  }
  LJ_RETURN_IF_ERROR(txn.Commit());
  for (GraphListener* l : impl_->listeners) l->OnRelationshipsChanged(source);
  return Status::Ok();
}

Result<std::vector<std::string>> TwinGraph::Traverse(const std::string& root,
                                                     const std::vector<std::string>& names,
                                                     int max_depth) const {
  if (max_depth < 0) {
    return Status(ErrorCode::kInvalidArgument,
                  "max_depth must be >= 0, got " + std::to_string(max_depth));
  }
  const std::unordered_set<std::string> follow(names.begin(), names.end());
  std::lock_guard lock(impl_->mu);
  Result<std::optional<Twin>> twin = impl_->LoadTwin(root);
  if (!twin.ok()) return twin.status();
  if (!twin->has_value()) return NoTwin("", root);

  std::vector<std::string> order{root};
  std::unordered_set<std::string> seen{root};
  size_t level_begin = 0;
  for (int depth = 1; depth <= max_depth && level_begin < order.size(); ++depth) {
    const size_t level_end = order.size();
    for (size_t i = level_begin; i < level_end; ++i) {
      Result<Stmt> stmt = impl_->store->Prepare(
          "SELECT name, target FROM relationships WHERE source = ? ORDER BY id");
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, order[i]);
      for (;;) {
        Result<bool> row = stmt->Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        if (!follow.empty() && follow.count(stmt->Text(0)) == 0) continue;
        std::string next = stmt->Text(1);
        if (seen.insert(next).second) order.push_back(std::move(next));
      }
    }
    level_begin = level_end;
  }
  return order;
}

}  // namespace lj::graph
