// `lingjing ecg detect`: the detector's beats written for external scorers (PhysioNet's bxb reads
// the WFDB annotation file), and the same beats as sample indices.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.h"
#include "wfdb/wfdb.h"

namespace lj::it {
namespace {

const std::string kMitdb = std::string(LJ_SHARED_DIR) + "/data/mitdb";

TEST(EcgCli, DetectWritesBeatsAsWfdbAnnotationsAndAsSampleIndices) {
  if (!std::filesystem::exists(kMitdb + "/100.hea"))
    GTEST_SKIP() << kMitdb << " not found: put the PhysioNet data beside the repository";
  const std::string dir = MakeTempDir("lj-it-ecg");
  std::string out;
  ASSERT_EQ(RunCommand({LingjingBinary(), "ecg", "detect", kMitdb + "/100", "--out",
                        dir + "/100.qrs", "--format", "wfdb"},
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("lead 0 (MLII)"), std::string::npos) << out;
  ASSERT_EQ(
      RunCommand({LingjingBinary(), "ecg", "detect", kMitdb + "/100", "--out", dir + "/100.txt"},
                 &out),
      0)
      << out;

  Result<std::vector<wfdb::Annotation>> qrs = wfdb::ReadAnnotations(dir + "/100", "qrs");
  ASSERT_TRUE(qrs.ok()) << qrs.status().ToString();
  std::vector<int64_t> from_wfdb;
  for (const wfdb::Annotation& a : *qrs) {
    EXPECT_EQ(a.code, 1);  // N
    from_wfdb.push_back(a.sample);
  }
  std::ifstream txt(dir + "/100.txt");
  std::vector<int64_t> from_text;
  for (int64_t s; txt >> s;) from_text.push_back(s);
  EXPECT_EQ(from_wfdb, from_text);
  ASSERT_FALSE(from_text.empty());
  EXPECT_TRUE(std::is_sorted(from_text.begin(), from_text.end()));

  // The beats are where the reference's are: nearly every reference beat has a detection within
  // 150 ms (the EC57 window; `ecg evaluate` gives the exact figures).
  Result<std::vector<wfdb::Annotation>> ref = wfdb::ReadAnnotations(kMitdb + "/100");
  ASSERT_TRUE(ref.ok());
  size_t beats = 0, matched = 0;
  for (const wfdb::Annotation& a : *ref) {
    if (!wfdb::IsBeat(a.code)) continue;
    ++beats;
    auto it = std::lower_bound(from_text.begin(), from_text.end(), a.sample - 54);  // 150 ms
    matched += it != from_text.end() && *it <= a.sample + 54;
  }
  EXPECT_GT(matched, beats * 99 / 100) << matched << " of " << beats;

  // A missing record and a bad format are refused with a reason.
  EXPECT_NE(
      RunCommand({LingjingBinary(), "ecg", "detect", kMitdb + "/nope", "--out", dir + "/x"}, &out),
      0);
  EXPECT_NE(RunCommand({LingjingBinary(), "ecg", "detect", kMitdb + "/100", "--out", dir + "/x",
                        "--format", "xml"},
                       &out),
            0);
}

}  // namespace
}  // namespace lj::it
