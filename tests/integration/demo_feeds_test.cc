// The ward demo with external feeds, as the README has users try it: `lingjing demo --hl7 PORT`
// makes the HL7 feed's own service token and stores an ORU^R01 of a simulated monitor (the
// simulator leaves that monitor to the feed meanwhile); a configuration that cannot start fails
// before any port is opened.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "harness.h"

namespace lj::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// One MLLP exchange on 127.0.0.1:port: sends `msg` framed (VT msg FS CR), returns the ACK's
// text ("" when the connection failed or no frame came back within 20 s).
std::string MllpExchange(uint16_t port, const std::string& msg) {
  const int fd = ConnectTcp(port);
  if (fd < 0) return "";
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string ack;
  if (SendAll(fd, "\x0b" + msg + "\x1c\x0d")) {
    char buf[4096];
    while (ack.find("\x1c\x0d") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      ack.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return ack;
}

// HL7 DTM (UTC, "+0000") of a time in whole seconds.
std::string Dtm(int64_t unix_s) {
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y%m%d%H%M%S+0000", &tm);
  return b;
}

TEST(DemoFeeds, Hl7FeedGetsItsOwnServiceTokenAndItsVitalsAreStored) {
  const uint16_t hl7 = FreePort();
  auto s = Server::Start("demo", {"--hl7", std::to_string(hl7)});
  ASSERT_TRUE(s);
  ASSERT_TRUE(WaitFor(
      [&] { return s->process->Log().find("HL7 v2 (MLLP) on") != std::string::npos; }, 10s));
  EXPECT_NE(s->process->Log().find("as service token 'hl7-demo-feed'"), std::string::npos)
      << s->process->Log();

  HttpResult patient = s->Get("/api/v1/twins/patient-a01");
  ASSERT_EQ(patient.status, 200) << patient.body;
  const std::string mrn = patient.json()["mrn"].get<std::string>();
  // A heart rate the simulator never sends, one second ahead (the simulator writes only the past).
  const int64_t t_s = std::time(nullptr) + 1;
  const std::string msg = "MSH|^~\\&|MON|GENERAL|LINGJING|WARD-A|" + Dtm(t_s) +
                          "||ORU^R01^ORU_R01|IT-1|P|2.6\r"
                          "PID|||" +
                          mrn +
                          "^^^GENERAL^MR\r"
                          "OBR|1|||182777000^monitoring of patient^SNOMED-CT|||" +
                          Dtm(t_s) +
                          "\r"
                          "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|213|"
                          "264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||" +
                          Dtm(t_s) + "\r";
  const std::string ack = MllpExchange(hl7, msg);
  ASSERT_NE(ack.find("MSA|AA|IT-1"), std::string::npos) << ack << "\n" << s->process->Log();

  const int64_t from_ms = (t_s - 5) * 1000, to_ms = (t_s + 5) * 1000;
  HttpResult h =
      s->Get("/api/v1/twins/monitor-a01/telemetry/hr/history?from=" + std::to_string(from_ms) +
             "&to=" + std::to_string(to_ms));
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_NE(h.body.find("213"), std::string::npos) << h.body;
  // An AA, counted as such: the sample was stored, not refused for overlapping the simulation.
  EXPECT_EQ(s->Metric("lj_hl7_messages_total{type=\"ORU^R01\",ack=\"AA\"}"), 1);
}

TEST(DemoFeeds, Hl7WithoutItsTokenFailsBeforeOpeningAnyPort) {
  const uint16_t http = FreePort(), hl7 = FreePort();
  const std::string dir = MakeTempDir("lj-it-hl7cfg");
  std::string out;
  const int rc = RunCommand({LingjingBinary(), "serve", "--port", std::to_string(http), "--data",
                             dir, "--hl7", std::to_string(hl7)},
                            &out);
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("[hl7] token"), std::string::npos) << out;
  EXPECT_EQ(out.find("http listening"), std::string::npos) << out;
  EXPECT_EQ(out.find("mllp listening"), std::string::npos) << out;
}

}  // namespace
}  // namespace lj::it
