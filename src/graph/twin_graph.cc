// TwinGraph: opening the database and the twin operations. Relationship operations and
// traversal live in relationships.cc.
#include "graph/twin_graph.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "common/time.h"
#include "graph/graph_impl.h"
#include "graph/validation.h"

namespace lj::graph {
namespace {

constexpr const char* kSelectTwin =
    "SELECT id, model, properties, etag, updated_ns FROM twins WHERE id = ?";

Status UnknownModel(std::string_view dtmi) {
  return Status(ErrorCode::kTwinInvalid, "unknown model '" + std::string(dtmi) + "'");
}

std::string TwinContext(std::string_view id) { return "twin '" + std::string(id) + "'"; }

// " (replace /temp)" for a patch operation, for error messages; "" when it is not an object.
std::string DescribeOp(const nlohmann::json& op) {
  if (!op.is_object()) return "";
  auto field = [&](const char* name) {
    auto it = op.find(name);
    return it != op.end() && it->is_string() ? it->get<std::string>() : std::string("?");
  };
  return " (" + field("op") + " " + field("path") + ")";
}

Result<Twin> ReadTwinRow(const Stmt& row) {
  Twin t;
  t.id = row.Text(0);
  t.model = row.Text(1);
  Result<nlohmann::json> props = ParseStoredJson(row.Text(2), TwinContext(t.id));
  if (!props.ok()) return props.status();
  t.properties = std::move(*props);
  t.etag = static_cast<uint64_t>(row.Int(3));
  t.updated_ns = row.Int(4);
  return t;
}

}  // namespace

Result<nlohmann::json> ParseStoredJson(const std::string& text, std::string_view what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status(ErrorCode::kStorage, "corrupt stored properties of " + std::string(what));
  }
  return j;
}

// ---- Impl helpers ----

Result<std::optional<Twin>> TwinGraph::Impl::LoadTwin(std::string_view id) const {
  Result<Stmt> stmt = store->Prepare(kSelectTwin);
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  Result<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Twin>();
  Result<Twin> twin = ReadTwinRow(*stmt);
  if (!twin.ok()) return twin.status();
  return std::optional<Twin>(std::move(*twin));
}

Status TwinGraph::Impl::UpsertTwin(const Twin& twin) const {
  // ON CONFLICT ... DO UPDATE keeps the row (INSERT OR REPLACE would delete it first, which the
  // relationships' foreign keys forbid).
  Result<Stmt> stmt = store->Prepare(
      "INSERT INTO twins(id, model, properties, etag, updated_ns) VALUES(?, ?, ?, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET model = excluded.model, properties = excluded.properties, "
      "etag = excluded.etag, updated_ns = excluded.updated_ns");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, twin.id)
      .Bind(2, twin.model)
      .Bind(3, twin.properties.dump())
      .Bind(4, static_cast<int64_t>(twin.etag))
      .Bind(5, twin.updated_ns)
      .Run();
}

Status TwinGraph::Impl::AppendTwins(std::string_view sql, std::string_view key,
                                    std::vector<Twin>& out) const {
  Result<Stmt> stmt = store->Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  if (!key.empty()) stmt->Bind(1, key);
  for (;;) {
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    Result<Twin> twin = ReadTwinRow(*stmt);
    if (!twin.ok()) return twin.status();
    out.push_back(std::move(*twin));
  }
}

// ---- TwinGraph ----

TwinGraph::TwinGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TwinGraph::~TwinGraph() = default;

Result<std::unique_ptr<TwinGraph>> TwinGraph::Open(const std::string& path,
                                                   const model::ModelRegistry& models) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  if (!store.ok()) return store.status();
  SqliteStore& db = **store;
  // journal_mode returns a row; Exec discards it. In-memory databases stay in "memory" mode.
  LJ_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL"));
  LJ_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = NORMAL"));
  LJ_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys = ON"));
  LJ_RETURN_IF_ERROR(MigrateSchema(db));
  Result<int64_t> twins = db.QueryInt("SELECT COUNT(*) FROM twins");
  if (!twins.ok()) return twins.status();
  LJ_LOG_INFO("twin graph opened", "path", path, "twins", *twins, "schema", kSchemaVersion);
  auto impl = std::make_unique<Impl>(models, std::move(*store));
  return std::unique_ptr<TwinGraph>(new TwinGraph(std::move(impl)));
}

void TwinGraph::AddListener(GraphListener* listener) {
  std::lock_guard lock(impl_->mu);
  impl_->listeners.push_back(listener);
}

Result<Twin> TwinGraph::PutTwin(const std::string& id, const std::string& model,
                                const nlohmann::json& properties, bool if_none_match) {
  LJ_RETURN_IF_ERROR(ValidateId(id, "twin id"));
  const model::Interface* iface = impl_->models.Find(model);
  if (iface == nullptr) return UnknownModel(model);
  LJ_RETURN_IF_ERROR(ValidateProperties(iface->properties, properties, ErrorCode::kTwinInvalid,
                                        TwinContext(id), iface->id));

  std::lock_guard lock(impl_->mu);
  Transaction txn(*impl_->store);
  LJ_RETURN_IF_ERROR(txn.Begin());
  Result<std::optional<Twin>> old = impl_->LoadTwin(id);
  if (!old.ok()) return old.status();
  const bool created = !old->has_value();
  if (!created && if_none_match) {
    return Status(ErrorCode::kAlreadyExists, "twin '" + id + "' already exists");
  }
  if (!created && (*old)->model != model) {
    LJ_RETURN_IF_ERROR(impl_->CheckRelationshipsFit(**old, *iface));
  }
  Twin twin{id, model, properties, created ? 1 : (*old)->etag + 1, NowNs()};
  LJ_RETURN_IF_ERROR(impl_->UpsertTwin(twin));
  LJ_RETURN_IF_ERROR(txn.Commit());
  for (GraphListener* l : impl_->listeners) l->OnTwinUpserted(twin, created);
  return twin;
}

Result<Twin> TwinGraph::GetTwin(const std::string& id) const {
  std::lock_guard lock(impl_->mu);
  Result<std::optional<Twin>> twin = impl_->LoadTwin(id);
  if (!twin.ok()) return twin.status();
  if (!twin->has_value()) return Status(ErrorCode::kNotFound, "no twin '" + id + "'");
  return std::move(**twin);
}

Result<Twin> TwinGraph::PatchTwin(const std::string& id, const nlohmann::json& json_patch) {
  if (!json_patch.is_array()) {
    return Status(ErrorCode::kPatchFailed, "twin '" + id +
                                               "': a JSON Patch must be an array of operations, "
                                               "got " +
                                               std::string(json_patch.type_name()));
  }
  for (size_t i = 0; i < json_patch.size(); ++i) {
    const nlohmann::json& op = json_patch[i];
    for (const char* field : {"path", "from"}) {
      if (!op.is_object() || !op.contains(field) || !op[field].is_string()) continue;
      const std::string& path = op[field].get_ref<const std::string&>();
      if (path.rfind("/$", 0) == 0) {
        return Status(ErrorCode::kPatchFailed,
                      "twin '" + id + "': patch operation " + std::to_string(i) + " touches '" +
                          path +
                          "'; the model and metadata cannot be patched (use PutTwin to "
                          "change a twin's model)");
      }
    }
  }

  std::lock_guard lock(impl_->mu);
  Transaction txn(*impl_->store);
  LJ_RETURN_IF_ERROR(txn.Begin());
  Result<std::optional<Twin>> loaded = impl_->LoadTwin(id);
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value()) return Status(ErrorCode::kNotFound, "no twin '" + id + "'");
  Twin twin = std::move(**loaded);
  const model::Interface* iface = impl_->models.Find(twin.model);
  if (iface == nullptr) return UnknownModel(twin.model);

  // Apply one operation at a time to a copy so a failure names its operation; the stored twin
  // is untouched unless every operation succeeds and the result validates.
  nlohmann::json props = twin.properties;
  for (size_t i = 0; i < json_patch.size(); ++i) {
    const nlohmann::json& op = json_patch[i];
    try {
      props = props.patch(nlohmann::json::array({op}));
    } catch (const nlohmann::json::exception& e) {
      return Status(ErrorCode::kPatchFailed, "twin '" + id + "': patch operation " +
                                                 std::to_string(i) + DescribeOp(op) +
                                                 " failed: " + e.what());
    }
  }
  LJ_RETURN_IF_ERROR(ValidateProperties(iface->properties, props, ErrorCode::kTwinInvalid,
                                        TwinContext(id) + " after patch", iface->id));
  twin.properties = std::move(props);
  twin.etag += 1;
  twin.updated_ns = NowNs();
  LJ_RETURN_IF_ERROR(impl_->UpsertTwin(twin));
  LJ_RETURN_IF_ERROR(txn.Commit());
  for (GraphListener* l : impl_->listeners) l->OnTwinUpserted(twin, /*created=*/false);
  return twin;
}

Status TwinGraph::DeleteTwin(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  Transaction txn(*impl_->store);
  LJ_RETURN_IF_ERROR(txn.Begin());
  Result<std::optional<Twin>> twin = impl_->LoadTwin(id);
  if (!twin.ok()) return twin.status();
  if (!twin->has_value()) return Status(ErrorCode::kNotFound, "no twin '" + id + "'");
  Result<int64_t> out = impl_->Count("SELECT COUNT(*) FROM relationships WHERE source = ?", {id});
  if (!out.ok()) return out.status();
  Result<int64_t> in = impl_->Count("SELECT COUNT(*) FROM relationships WHERE target = ?", {id});
  if (!in.ok()) return in.status();
  if (*out + *in > 0) {
    return Status(ErrorCode::kTwinHasRelationships,
                  "twin '" + id + "' has " + std::to_string(*out) + " outgoing and " +
                      std::to_string(*in) + " incoming relationship(s); delete them first");
  }
  Result<Stmt> del = impl_->store->Prepare("DELETE FROM twins WHERE id = ?");
  if (!del.ok()) return del.status();
  LJ_RETURN_IF_ERROR(del->Bind(1, id).Run());
  LJ_RETURN_IF_ERROR(txn.Commit());
  for (GraphListener* l : impl_->listeners) l->OnTwinDeleted(id);
  return Status::Ok();
}

Result<std::vector<Twin>> TwinGraph::ListTwins(const std::string& model,
                                               bool include_derived) const {
  std::vector<std::string> dtmis;
  if (!model.empty()) {
    if (include_derived && impl_->models.Find(model) != nullptr) {
      for (const model::Interface* i : impl_->models.DerivedFrom(model)) dtmis.push_back(i->id);
    }
    if (std::find(dtmis.begin(), dtmis.end(), model) == dtmis.end()) dtmis.push_back(model);
  }
  std::lock_guard lock(impl_->mu);
  std::vector<Twin> out;
  if (model.empty()) {
    LJ_RETURN_IF_ERROR(impl_->AppendTwins(
        "SELECT id, model, properties, etag, updated_ns FROM twins ORDER BY id", "", out));
    return out;
  }
  for (const std::string& dtmi : dtmis) {
    LJ_RETURN_IF_ERROR(impl_->AppendTwins(
        "SELECT id, model, properties, etag, updated_ns FROM twins WHERE model = ?", dtmi, out));
  }
  std::sort(out.begin(), out.end(), [](const Twin& a, const Twin& b) { return a.id < b.id; });
  return out;
}

size_t TwinGraph::TwinCount() const {
  std::lock_guard lock(impl_->mu);
  Result<int64_t> n = impl_->store->QueryInt("SELECT COUNT(*) FROM twins");
  if (!n.ok()) {
    LJ_LOG_ERROR("twin count failed", "error", n.status().ToString());
    return 0;
  }
  return static_cast<size_t>(*n);
}

}  // namespace lj::graph
