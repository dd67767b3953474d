// Concurrent writers and readers on one TwinGraph, and the on-disk schema.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "graph/graph_test_util.h"
#include "graph/twin_graph.h"

namespace lj::graph::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

class CountingListener : public GraphListener {
 public:
  void OnTwinUpserted(const Twin&, bool created) override { (created ? created_ : updated_)++; }
  void OnTwinDeleted(const std::string&) override {}
  void OnRelationshipsChanged(const std::string&) override { rels_++; }
  // Plain ints: listeners run under the graph's lock, so no atomics are needed.
  int created_ = 0, updated_ = 0, rels_ = 0;
};

TEST_F(GraphTest, ConcurrentWritersFromFourThreads) {
  constexpr int kThreads = 4;
  constexpr int kRoomsPerThread = 25;
  CountingListener counts;
  graph_->AddListener(&counts);
  MustPut("ward-a", kWard);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRoomsPerThread; ++i) {
        const std::string room = "room-" + std::to_string(t) + "-" + std::to_string(i);
        const std::string bed = "bed-" + std::to_string(t) + "-" + std::to_string(i);
        bool ok = graph_->PutTwin(room, kRoom, {{"number", t * 100 + i}}).ok() &&
                  graph_->PutTwin(bed, kBed, json::object()).ok() &&
                  graph_->PutRelationship("ward-a", room, "contains", room).ok() &&
                  graph_->PutRelationship(room, "b", "contains", bed).ok() &&
                  graph_
                      ->PatchTwin(room, json::parse(R"([{"op":"replace","path":"/number",
                      "value":7}])"))
                      .ok() &&
                  graph_->GetTwin(bed).ok() && graph_->Traverse("ward-a", {}, 1).ok();
        if (!ok) failures++;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const size_t n = kThreads * kRoomsPerThread;
  EXPECT_EQ(graph_->TwinCount(), 1 + 2 * n);
  EXPECT_EQ(graph_->ListTwins(kRoom)->size(), n);
  EXPECT_EQ(graph_->ListRelationships("ward-a")->size(), n);
  EXPECT_EQ(graph_->Traverse("ward-a")->size(), 1 + 2 * n);
  auto rooms = graph_->ListTwins(kRoom);  // keep the Result alive: range-for won't
  ASSERT_TRUE(rooms.ok());
  for (const Twin& room : *rooms) {
    EXPECT_EQ(room.etag, 2u) << room.id;
    EXPECT_EQ(room.properties, json({{"number", 7}})) << room.id;
  }
  EXPECT_EQ(counts.created_, static_cast<int>(1 + 2 * n));
  EXPECT_EQ(counts.updated_, static_cast<int>(n));
  EXPECT_EQ(counts.rels_, static_cast<int>(2 * n));
  Reopen();
  EXPECT_EQ(graph_->TwinCount(), 1 + 2 * n);
}

// Reads one value from the database file with the SQLite C API, bypassing TwinGraph.
std::string QueryText(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST_F(GraphTest, SchemaIsVersionedAndInWalMode) {
  const std::string path = dir_.File("twins.db");
  EXPECT_EQ(QueryText(path, "PRAGMA user_version"), "1");
  EXPECT_EQ(QueryText(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(path, "SELECT group_concat(version) FROM schema_version"), "1");
  EXPECT_EQ(QueryText(path,
                      "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                      "('twins_by_model', 'relationships_by_target', "
                      "'relationships_by_source_name')"),
            "3");
}

TEST_F(GraphTest, RefusesNewerSchemaAndGarbage) {
  graph_.reset();
  const std::string path = dir_.File("twins.db");
  QueryText(path, "PRAGMA user_version = 99");
  auto newer = TwinGraph::Open(path, models_);
  EXPECT_EQ(newer.status().code(), ErrorCode::kStorage);
  EXPECT_THAT(newer.status().message(), HasSubstr("schema version 99, newer than the 1"));

  const std::string junk = dir_.File("junk.db");
  std::ofstream(junk) << std::string(4096, 'x');
  EXPECT_EQ(TwinGraph::Open(junk, models_).status().code(), ErrorCode::kStorage);
}

}  // namespace
}  // namespace lj::graph::testing
