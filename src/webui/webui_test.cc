#include "webui/webui.h"

#include <gtest/gtest.h>

namespace lj::webui {
namespace {

TEST(WebUi, EveryAssetHasAPathAndAContentType) {
  for (const Asset& a : Assets()) {
    EXPECT_FALSE(a.path.empty());
    EXPECT_FALSE(a.content_type.empty()) << a.path;
    EXPECT_EQ(FindAsset(a.path), &a);
  }
}

TEST(WebUi, IndexIsHtmlWhenTheClientIsBuiltIn) {
  if (!HasClient()) GTEST_SKIP() << "built without web/dist";
  const Asset* index = FindAsset("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->data.find("<html"), std::string_view::npos);
}

TEST(WebUi, UnknownPathIsNull) { EXPECT_EQ(FindAsset("no/such/file.js"), nullptr); }

}  // namespace
}  // namespace lj::webui
