#include "wfdb/wfdb.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace lj::wfdb {
namespace {

const std::string kMitdb = std::string(LJ_SHARED_DIR) + "/data/mitdb";
const std::string kSamples = std::string(LJ_SHARED_DIR) + "/data/wfdb-samples";

#define SKIP_WITHOUT(dir)                                                              \
  if (!std::filesystem::exists(dir)) {                                                 \
    GTEST_SKIP() << dir << " not found: put the PhysioNet data beside the repository"; \
  }

TEST(WfdbHeader, ParsesMitdbStyleHeader) {
  Result<Header> h = ParseHeader(
      "100 2 360 650000\n"
      "100.dat 212 200 11 1024 995 -22131 0 MLII\n"
      "100.dat 212 200 11 1024 1011 20052 0 V5\n"
      "# 69 M 1085 1629 x1\n",
      "100.hea");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->record_name, "100");
  EXPECT_EQ(h->num_signals, 2);
  EXPECT_EQ(h->frequency_hz, 360);
  EXPECT_EQ(h->num_samples, 650000);
  ASSERT_EQ(h->signals.size(), 2u);
  const SignalSpec& s = h->signals[0];
  EXPECT_EQ(s.file_name, "100.dat");
  EXPECT_EQ(s.format, 212);
  EXPECT_EQ(s.gain, 200);
  EXPECT_EQ(s.adc_resolution, 11);
  EXPECT_EQ(s.adc_zero, 1024);
  EXPECT_EQ(s.baseline, 1024);  // defaults to adc zero
  EXPECT_EQ(s.initial_value, 995);
  EXPECT_EQ(s.checksum, -22131);
  EXPECT_TRUE(s.has_checksum);
  EXPECT_EQ(s.description, "MLII");
  EXPECT_EQ(h->signals[1].description, "V5");
  ASSERT_EQ(h->comments.size(), 1u);
  EXPECT_EQ(h->comments[0], " 69 M 1085 1629 x1");
}

TEST(WfdbHeader, GainBaselineUnitsOffsetAndDefaults) {
  Result<Header> h = ParseHeader(
      "# leading comment\n\r\n"
      "rec 3 125/1000(0) 10 12:00:00 01/02/2003\r\n"
      "a.dat 16+24 1.052e+04(-5)/mmHg 16 0 9127 -301 0 arterial pressure  \n"
      "a.dat 16\n"
      "b.dat 212x4:2 0\n");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->frequency_hz, 125);
  EXPECT_EQ(h->base_time, "12:00:00");
  EXPECT_EQ(h->base_date, "01/02/2003");
  const SignalSpec& a = h->signals[0];
  EXPECT_EQ(a.byte_offset, 24);
  EXPECT_DOUBLE_EQ(a.gain, 10520);
  EXPECT_EQ(a.baseline, -5);
  EXPECT_EQ(a.units, "mmHg");
  EXPECT_EQ(a.description, "arterial pressure");
  const SignalSpec& d = h->signals[1];  // everything defaulted
  EXPECT_EQ(d.gain, 200);
  EXPECT_EQ(d.units, "mV");
  EXPECT_EQ(d.adc_resolution, 16);
  EXPECT_FALSE(d.has_checksum);
  EXPECT_FALSE(d.has_initial_value);
  const SignalSpec& b = h->signals[2];
  EXPECT_EQ(b.samples_per_frame, 4);
  EXPECT_EQ(b.skew, 2);
  EXPECT_EQ(b.gain, 200);  // gain 0 = uncalibrated = default
  EXPECT_EQ(b.adc_resolution, 12);
}

TEST(WfdbHeader, DefaultFrequency) {
  Result<Header> h = ParseHeader("x 0\n");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->frequency_hz, 250);
  EXPECT_EQ(h->num_samples, 0);
}

void ExpectError(std::string_view text, std::string_view reason,
                 ErrorCode code = ErrorCode::kParseError) {
  Result<Header> h = ParseHeader(text, "t.hea");
  ASSERT_FALSE(h.ok()) << text;
  EXPECT_EQ(h.status().code(), code) << h.status().ToString();
  EXPECT_NE(h.status().message().find(reason), std::string::npos) << h.status().message();
}

TEST(WfdbHeader, PreciseErrors) {
  ExpectError("", "t.hea: no record line");
  ExpectError("# only\n", "no record line");
  ExpectError("r two\n", "t.hea:1: number of signals: expected an integer, got 'two'");
  ExpectError("r -1\n", "number of signals -1 outside");
  ExpectError("r 1 abc\n", "sampling frequency: expected a positive number, got 'abc'");
  ExpectError("r 1 0\n", "sampling frequency");
  ExpectError("r 1 360 -5\n", "number of samples");
  ExpectError("r 1 360\n", "declares 1 signals, found 0");
  ExpectError("r 1 360\nf.dat 212\nf.dat 212\n", "t.hea:3: more signal lines than the 1");
  ExpectError("r 1 360\nf.dat\n", "t.hea:2: signal line needs");
  ExpectError("r 1 360\nf.dat 311\n", "signal format 311 is not supported",
              ErrorCode::kUnsupported);
  ExpectError("r 1 360\nf.dat 212x0\n", "bad 'x' value '0'");
  ExpectError("r 1 360\nf.dat 16+-3\n", "bad '+' value");
  ExpectError("r 1 360\nf.dat 16 200(12/mV\n", "unterminated baseline");
  ExpectError("r 1 360\nf.dat 16 abc\n", "gain: expected a non-negative number");
  ExpectError("r 1 360\nf.dat 16 200/\n", "empty units");
  ExpectError("r 1 360\nf.dat 16 200 12 0 0 x\n", "checksum: expected an integer, got 'x'");
  ExpectError("r/2 1 360\n", "multi-segment", ErrorCode::kUnsupported);
}

TEST(WfdbSignals, RoundTrips) {
  std::mt19937 rng(7);
  for (int format : {16, 212, 80}) {
    int lim = format == 16 ? 32767 : format == 212 ? 2047 : 127;
    std::uniform_int_distribution<int32_t> dist(-lim - 1, lim);
    for (int nsig : {1, 2, 3}) {
      for (size_t frames : {0, 1, 5, 100}) {
        std::vector<std::vector<int32_t>> sigs(static_cast<size_t>(nsig));
        for (auto& s : sigs) {
          for (size_t i = 0; i < frames; ++i) s.push_back(dist(rng));
          if (frames > 1) {
            s[0] = -lim - 1;
            s[1] = lim;
          }
        }
        Result<std::string> enc = EncodeSignals(sigs, format);
        ASSERT_TRUE(enc.ok());
        Result<std::vector<std::vector<int32_t>>> dec = DecodeSignals(*enc, format, nsig);
        ASSERT_TRUE(dec.ok()) << dec.status().ToString();
        EXPECT_EQ(*dec, sigs) << "format " << format << " nsig " << nsig << " frames " << frames;
      }
    }
  }
}

TEST(WfdbSignals, Format212Layout) {
  // Samples 0x123 and -1 (0xfff): b0 = 0x23, b1 = 0xf1, b2 = 0xff.
  Result<std::vector<std::vector<int32_t>>> d = DecodeSignals("\x23\xf1\xff", 212, 2);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)[0][0], 0x123);
  EXPECT_EQ((*d)[1][0], -1);
  // A padded final group (3 samples of one signal pair) drops the padding.
  Result<std::string> enc = EncodeSignals({{1, 2, 3}}, 212);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->size(), 5u);
}

TEST(WfdbSignals, Errors) {
  EXPECT_FALSE(DecodeSignals("\x01", 16, 1).ok());
  EXPECT_FALSE(DecodeSignals("\x01\x02\x03\x04", 212, 1).ok());  // ends inside a sample
  EXPECT_FALSE(DecodeSignals("\x01\x02\x03", 80, 2).ok());       // partial frame
  EXPECT_EQ(DecodeSignals("ab", 311, 1).status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(DecodeSignals("ab", 16, 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(EncodeSignals({{4096}}, 212).ok());
  EXPECT_EQ(Checksum({32767, 1}), -32768);
}

std::string Word(int a, int i) {
  unsigned w = static_cast<unsigned>(a << 10 | i);
  return std::string{static_cast<char>(w & 0xff), static_cast<char>(w >> 8)};
}

TEST(WfdbAnnotations, PseudoAnnotations) {
  std::string f;
  f += Word(28, 18) + Word(63, 3) + "(N" + std::string(1, '\0') +
       std::string(1, '\0');                                    // '+' aux "(N\0"
  f += Word(1, 100) + Word(61, 2) + Word(62, 1) + Word(60, 7);  // N, sub 2, chan 1, num 7
  f += Word(59, 0) + std::string("\x01\x00\x02\x00", 4);        // SKIP 65538
  f += Word(5, 10);                                             // V inherits chan, num
  f += Word(0, 0) + "garbage after EOF";
  Result<std::vector<Annotation>> r = ParseAnnotations(f, "t.atr");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].sample, 18);
  EXPECT_EQ((*r)[0].code, 28);
  EXPECT_EQ((*r)[0].aux, std::string("(N\0", 3));
  EXPECT_EQ((*r)[1].sample, 118);
  EXPECT_EQ((*r)[1].subtype, 2);
  EXPECT_EQ((*r)[1].channel, 1);
  EXPECT_EQ((*r)[1].num, 7);
  EXPECT_EQ((*r)[2].sample, 118 + 65538 + 10);
  EXPECT_EQ((*r)[2].subtype, 0);
  EXPECT_EQ((*r)[2].channel, 1);
  EXPECT_EQ((*r)[2].num, 7);
  EXPECT_EQ(AnnotationMnemonic(5), "V");
  EXPECT_EQ(AnnotationMnemonic(28), "+");
  EXPECT_EQ(AnnotationMnemonic(99), "?");
  EXPECT_TRUE(IsBeat(1));
  EXPECT_TRUE(IsBeat(30));
  EXPECT_FALSE(IsBeat(28));
  EXPECT_FALSE(IsBeat(14));
}

TEST(WfdbAnnotations, Errors) {
  auto err = [](const std::string& f) {
    Result<std::vector<Annotation>> r = ParseAnnotations(f, "t.atr");
    EXPECT_FALSE(r.ok());
    return r.status().message();
  };
  EXPECT_EQ(err(Word(1, 1) + "x"), "t.atr: byte 2: odd trailing byte");
  EXPECT_EQ(err(Word(61, 1)), "t.atr: byte 0: pseudo-annotation 61 before any annotation");
  EXPECT_EQ(err(Word(1, 1) + Word(59, 0) + "ab"),
            "t.atr: byte 2: SKIP without its 4-byte interval");
  EXPECT_EQ(err(Word(1, 1) + Word(63, 5) + "abc"),
            "t.atr: byte 2: AUX of 5 bytes runs past the end");
  EXPECT_EQ(err(Word(55, 1)), "t.atr: byte 0: reserved annotation code 55");
  EXPECT_EQ(err(Word(59, 0) + std::string("\xff\xff\xff\x00", 4)),
            "t.atr: byte 0: SKIP moves the time before sample 0");
  EXPECT_TRUE(ParseAnnotations("").ok());
}

bool SameAnnotations(const std::vector<Annotation>& a, const std::vector<Annotation>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].sample != b[i].sample || a[i].code != b[i].code || a[i].subtype != b[i].subtype ||
        a[i].channel != b[i].channel || a[i].num != b[i].num || a[i].aux != b[i].aux)
      return false;
  }
  return true;
}

// The writer's bytes read back as what was written: intervals over 1023 (SKIP), num and channel
// changes, subtypes, odd and even aux, an annotation at sample 0 and two at one sample.
TEST(WfdbAnnotations, EncodeRoundTrips) {
  std::vector<Annotation> in = {{0, 28, 0, 0, 0, "(N"},
                                {0, 1, 0, 0, 0, ""},
                                {1023, 1, 0, 0, 0, ""},
                                {2047, 5, 3, 1, 7, ""},
                                {2047 + 70000, 1, 0, 1, 7, "(AFIB"},
                                {int64_t{1} << 31, 14, 0, 0, 2, ""}};
  Result<std::string> bytes = EncodeAnnotations(in);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Result<std::vector<Annotation>> back = ParseAnnotations(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(SameAnnotations(in, *back));
  // Random annotation streams.
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<Annotation> r;
    int64_t t = 0;
    for (int k = 0; k < 200; ++k) {
      t += rng() % 3 == 0 ? rng() % 100000 : rng() % 400;
      Annotation a;
      a.sample = t;
      a.code = 1 + static_cast<int>(rng() % 49);
      a.num = static_cast<int>(rng() % 4);
      a.channel = static_cast<int>(rng() % 2);
      a.subtype = rng() % 5 == 0 ? static_cast<int>(rng() % 8) : 0;
      if (rng() % 7 == 0) a.aux = std::string(1 + rng() % 20, 'x');
      r.push_back(a);
    }
    Result<std::string> b = EncodeAnnotations(r);
    ASSERT_TRUE(b.ok());
    Result<std::vector<Annotation>> p = ParseAnnotations(*b);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(SameAnnotations(r, *p)) << "round " << round;
  }
  EXPECT_FALSE(EncodeAnnotations({{10, 1, 0, 0, 0, ""}, {5, 1, 0, 0, 0, ""}}).ok());  // unsorted
  EXPECT_FALSE(EncodeAnnotations({{10, 0, 0, 0, 0, ""}}).ok());                       // code 0
  EXPECT_FALSE(EncodeAnnotations({{10, 1, 0, 0, 0, std::string(256, 'a')}}).ok());
  Result<std::string> empty = EncodeAnnotations({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, std::string(2, '\0'));
}

// A reference annotation file re-encoded reads back equal.
TEST(WfdbAnnotations, Mitdb100ReencodesToTheSameAnnotations) {
  SKIP_WITHOUT(kMitdb);
  Result<std::vector<Annotation>> ann = ReadAnnotations(kMitdb + "/100");
  ASSERT_TRUE(ann.ok()) << ann.status().ToString();
  Result<std::string> bytes = EncodeAnnotations(*ann);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Result<std::vector<Annotation>> back = ParseAnnotations(*bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(SameAnnotations(*ann, *back));
}

TEST(WfdbRecord, Mitdb100ChecksumsAndBeats) {
  SKIP_WITHOUT(kMitdb);
  Result<Record> rec = ReadRecord(kMitdb + "/100");  // verifies initial values and checksums
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_EQ(rec->samples.size(), 2u);
  EXPECT_EQ(rec->samples[0].size(), 650000u);
  EXPECT_EQ(rec->samples[0][0], 995);
  EXPECT_EQ(Checksum(rec->samples[0]), -22131);
  EXPECT_EQ(Checksum(rec->samples[1]), 20052);
  Result<std::vector<Annotation>> ann = ReadAnnotations(kMitdb + "/100");
  ASSERT_TRUE(ann.ok()) << ann.status().ToString();
  int beats = 0;
  for (const Annotation& a : *ann) beats += IsBeat(a.code);
  EXPECT_EQ(beats, 2273);
  EXPECT_EQ(ann->front().aux.substr(0, 2), "(N");
}

TEST(WfdbRecord, Format16WithByteOffset) {
  SKIP_WITHOUT(kSamples);
  Result<Record> rec = ReadRecord(kSamples + "/a103l");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->header.signals[2].description, "PLETH");
  EXPECT_EQ(rec->samples[0].size(), 82500u);
  EXPECT_EQ(rec->samples[0][0], -171);
}

TEST(WfdbRecord, SamplesPerFrame) {
  SKIP_WITHOUT(kSamples);
  Result<Record> rec = ReadRecord(kSamples + "/03700181");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->samples[0].size(), 4 * rec->samples[1].size());
}

TEST(WfdbRecord, MissingFiles) {
  EXPECT_EQ(ReadRecord("/nonexistent/100").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(ReadAnnotations("/nonexistent/100").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace lj::wfdb
