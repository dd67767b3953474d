#include "metrics/metrics.h"

#include <gtest/gtest.h>

namespace lj::metrics {
namespace {

TEST(Metrics, RendersPrometheusTextWithLabels) {
  Registry r;
  r.GetCounter("lj_ingest_samples_total", "Samples accepted.", {{"protocol", "mqtt"}}).Inc(3);
  r.GetCounter("lj_ingest_samples_total", "Samples accepted.", {{"protocol", "mqtt"}}).Inc(2);
  Gauge& g = r.GetGauge("lj_clients", "Connected clients.");
  r.AddCollector([&g] { g.Set(4); });
  std::string text = r.RenderPrometheus();
  EXPECT_NE(text.find("# TYPE lj_ingest_samples_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("lj_ingest_samples_total{protocol=\"mqtt\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("lj_clients 4\n"), std::string::npos);
}

TEST(Metrics, EscapesLabelValues) {
  Registry r;
  r.GetCounter("x_total", "x", {{"reason", "a\"b\\c"}}).Inc();
  EXPECT_NE(r.RenderPrometheus().find("x_total{reason=\"a\\\"b\\\\c\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace lj::metrics
