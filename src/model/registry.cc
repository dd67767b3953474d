// ModelRegistry: loading documents (all-or-nothing per call), @id uniqueness, Resolve(), lookups;
// and the lookup helpers of Interface.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/internal/json_reader.h"
#include "model/internal/loader.h"
#include "model/internal/resolver.h"
#include "model/model.h"

namespace lj::model {

using internal::ParsedDocument;
using internal::Ref;

int Interface::FindTelemetry(std::string_view name) const {
  auto it = telemetry_index.find(name);
  return it == telemetry_index.end() ? -1 : it->second;
}

const Property* Interface::FindProperty(std::string_view name) const {
  for (const Property& p : properties) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const Relationship* Interface::FindRelationship(std::string_view name) const {
  for (const Relationship& r : relationships) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

bool Interface::IsA(std::string_view dtmi) const {
  return id == dtmi || std::find(ancestors.begin(), ancestors.end(), dtmi) != ancestors.end();
}

struct ModelRegistry::Impl {
  // Documents parsed by one Load* call, committed together or not at all.
  struct Staging {
    std::vector<internal::RawInterface> interfaces;
    std::map<std::string, std::string, std::less<>> ids;  // @id -> source name
  };

  std::map<std::string, std::string, std::less<>> ids;  // every @id -> source name
  std::vector<internal::RawInterface> pending;          // loaded, not yet resolved
  internal::ResolvedSet resolved;

  Status Stage(std::string_view text, std::string_view name_view, Staging* staging) {
    std::string name(name_view);
    nlohmann::json doc;
    LJ_RETURN_IF_ERROR(internal::ReadJson(text, name, &doc));
    ParsedDocument parsed;
    LJ_RETURN_IF_ERROR(internal::ParseDocument(doc, name, &parsed));
    std::map<std::string, std::string, std::less<>> local;  // @id -> pointer in this document
    for (const Ref& ref : parsed.ids) {
      const std::string* other = nullptr;
      if (auto it = ids.find(ref.dtmi); it != ids.end()) other = &it->second;
      if (auto it = staging->ids.find(ref.dtmi); it != staging->ids.end()) other = &it->second;
      if (other != nullptr) {
        return internal::ModelError(
            ErrorCode::kModelDuplicate, name, ref.pointer,
            fmt::format("duplicate @id '{}' (already defined in {})", ref.dtmi, *other));
      }
      if (auto [it, fresh] = local.emplace(ref.dtmi, ref.pointer); !fresh) {
        return internal::ModelError(
            ErrorCode::kModelDuplicate, name, ref.pointer,
            fmt::format("duplicate @id '{}' (also at {})", ref.dtmi, it->second));
      }
    }
    for (auto& [id, pointer] : local) staging->ids.emplace(id, name);
    for (auto& raw : parsed.interfaces) staging->interfaces.push_back(std::move(raw));
    return Status::Ok();
  }

  void Commit(Staging& staging) {
    ids.merge(staging.ids);
    for (auto& raw : staging.interfaces) pending.push_back(std::move(raw));
  }
};

ModelRegistry::ModelRegistry() : impl_(std::make_unique<Impl>()) {}
ModelRegistry::~ModelRegistry() = default;

Status ModelRegistry::LoadJson(std::string_view text, std::string_view source_name) {
  try {
    Impl::Staging staging;
    LJ_RETURN_IF_ERROR(impl_->Stage(text, source_name, &staging));
    impl_->Commit(staging);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal,
                  fmt::format("{}: unexpected error while loading: {}", source_name, e.what()));
  }
}

namespace {

Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(ErrorCode::kIo, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status(ErrorCode::kIo, fmt::format("{}: read failed", path));
  *out = std::move(buf).str();
  return Status::Ok();
}

}  // namespace

Status ModelRegistry::LoadFile(const std::string& path) {
  std::string text;
  LJ_RETURN_IF_ERROR(ReadFile(path, &text));
  return LoadJson(text, path);
}

Status ModelRegistry::LoadDirectory(const std::string& dir) {
  try {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<std::string> files;
    fs::recursive_directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".json") {
        files.push_back(it->path().string());
      }
    }
    if (ec) {
      return Status(ErrorCode::kIo, fmt::format("{}: cannot list: {}", dir, ec.message()));
    }
    std::sort(files.begin(), files.end());
    Impl::Staging staging;
    for (const std::string& path : files) {
      std::string text;
      LJ_RETURN_IF_ERROR(ReadFile(path, &text));
      LJ_RETURN_IF_ERROR(impl_->Stage(text, path, &staging));
    }
    impl_->Commit(staging);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal,
                  fmt::format("{}: unexpected error while loading: {}", dir, e.what()));
  }
}

Status ModelRegistry::Resolve() {
  try {
    LJ_RETURN_IF_ERROR(internal::ResolveInterfaces(impl_->pending, &impl_->resolved));
    impl_->pending.clear();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal,
                  fmt::format("unexpected error while resolving models: {}", e.what()));
  }
}

bool ModelRegistry::Defines(std::string_view dtmi) const { return impl_->ids.count(dtmi) > 0; }

const Interface* ModelRegistry::Find(std::string_view dtmi) const {
  auto it = impl_->resolved.entries.find(dtmi);
  return it == impl_->resolved.entries.end() ? nullptr : it->second.iface.get();
}

std::vector<const Interface*> ModelRegistry::All() const {
  std::vector<const Interface*> out;
  out.reserve(impl_->resolved.entries.size());
  for (const auto& [id, entry] : impl_->resolved.entries) out.push_back(entry.iface.get());
  return out;
}

std::vector<const Interface*> ModelRegistry::DerivedFrom(std::string_view dtmi) const {
  std::vector<const Interface*> out;
  for (const auto& [id, entry] : impl_->resolved.entries) {
    if (entry.iface->IsA(dtmi)) out.push_back(entry.iface.get());
  }
  return out;
}

}  // namespace lj::model
