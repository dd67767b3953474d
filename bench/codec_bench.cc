// Column codec benchmark (doc/design/codecs.md): bytes/sample of every integer codec on the
// MIT-BIH Arrhythmia records at several chunk sizes, encode/decode throughput, and bytes/sample
// of the double codecs on a synthetic 1 Hz vital-signs workload.
//
//   codec_bench [--mitdb DIR] [--records 100,101,...] [--chunks 4096,8192,16384,32768]
//               [--scale 5] [--quiet]
// --scale multiplies every ADC sample (5 = MIT-BIH in µV) to show the GCD path.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "history/codec/codec.h"
#include "wfdb/wfdb.h"

namespace codec = lj::history::codec;
using Clock = std::chrono::steady_clock;

namespace {

struct Totals {
  size_t bytes = 0;
  size_t samples = 0;
  double encode_s = 0, decode_s = 0;
};

std::vector<int> ParseList(const std::string& s) {
  std::vector<int> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(std::stoi(s.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

// Encodes `values` chunk by chunk with `c` (or the registry's choice when c is null), decodes
// and verifies every chunk; adds to `t`. Returns false on a mismatch.
bool RunColumn(const codec::Codec* c, const std::vector<int64_t>& values, size_t chunk, Totals* t,
               std::map<std::string, size_t>* chosen) {
  const auto& reg = codec::CodecRegistry::Default();
  std::vector<int64_t> back;
  for (size_t start = 0; start < values.size(); start += chunk) {
    std::span<const int64_t> part(values.data() + start, std::min(chunk, values.size() - start));
    std::string enc;
    auto t0 = Clock::now();
    const codec::Codec* used = c;
    if (used == nullptr) {
      used = &codec::EncodeColumn(reg, codec::ColumnView::Ints(part), &enc);
      if (chosen) ++(*chosen)[std::string(used->name())];
    } else {
      auto comp = used->NewCompressor(codec::ColumnType::kInt64);
      comp->Append(codec::ColumnView::Ints(part));
      comp->Finish(&enc);
    }
    auto t1 = Clock::now();
    lj::Status s = used->Decode(enc, codec::ColumnType::kInt64, part.size(), &back, nullptr);
    auto t2 = Clock::now();
    if (!s.ok() || !std::equal(back.begin(), back.end(), part.begin(), part.end())) {
      std::fprintf(stderr, "round trip FAILED (%s): %s\n", std::string(used->name()).c_str(),
                   s.ToString().c_str());
      return false;
    }
    t->bytes += enc.size();
    t->samples += part.size();
    t->encode_s += std::chrono::duration<double>(t1 - t0).count();
    t->decode_s += std::chrono::duration<double>(t2 - t1).count();
  }
  return true;
}

int RunMitdb(const std::string& dir, std::vector<int> records, const std::vector<int>& chunks,
             int scale, bool quiet) {
  if (records.empty()) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".hea") records.push_back(std::stoi(e.path().stem().string()));
    }
    std::sort(records.begin(), records.end());
  }
  const auto& reg = codec::CodecRegistry::Default();
  std::vector<const codec::Codec*> codecs;
  for (const auto& c : reg.codecs()) {
    if (c->Supports(codec::ColumnType::kInt64)) codecs.push_back(c.get());
  }
  codecs.push_back(nullptr);  // "chosen": what EncodeColumn picks per chunk
  auto label = [](const codec::Codec* c) {
    return c ? std::string(c->name()) : std::string("chosen");
  };
  std::map<std::pair<std::string, size_t>, Totals> total;
  std::map<std::string, size_t> chosen;
  std::printf(
      "MIT-BIH %s, scale x%d: bytes/sample per signal column (chunks compressed "
      "independently)\n",
      dir.c_str(), scale);
  for (int rec : records) {
    auto record = lj::wfdb::ReadRecord(dir + "/" + std::to_string(rec));
    if (!record.ok()) {
      std::fprintf(stderr, "%d: %s\n", rec, record.status().ToString().c_str());
      return 1;
    }
    for (size_t chunk : chunks) {
      if (!quiet) std::printf("%d chunk=%-6zu", rec, chunk);
      for (const codec::Codec* c : codecs) {
        Totals t;
        for (const auto& sig : record->samples) {
          std::vector<int64_t> v(sig.begin(), sig.end());
          for (auto& x : v) x *= scale;
          if (!RunColumn(c, v, chunk, &t, c ? nullptr : &chosen)) return 1;
        }
        Totals& tt = total[{label(c), chunk}];
        tt.bytes += t.bytes;
        tt.samples += t.samples;
        tt.encode_s += t.encode_s;
        tt.decode_s += t.decode_s;
        if (!quiet) {
          std::printf(" %s=%.3f", label(c).c_str(),
                      static_cast<double>(t.bytes) / static_cast<double>(t.samples));
        }
      }
      if (!quiet) std::printf("\n");
    }
  }
  std::printf("\nTOTAL over %zu records:\n%-16s %7s %10s %14s %14s\n", records.size(), "codec",
              "chunk", "B/sample", "encode val/s", "decode val/s");
  for (const auto& [key, t] : total) {
    std::printf("%-16s %7zu %10.4f %14.3g %14.3g\n", key.first.c_str(), key.second,
                static_cast<double>(t.bytes) / static_cast<double>(t.samples),
                static_cast<double>(t.samples) / t.encode_s,
                static_cast<double>(t.samples) / t.decode_s);
  }
  std::printf("chosen codec per chunk:");
  for (const auto& [name, n] : chosen) std::printf(" %s=%zu", name.c_str(), n);
  std::printf("\n");
  return 0;
}

// Synthetic 1 Hz vitals for one patient-day (86,400 samples per series), quantised as monitors
// report them: HR and RR integers (bpm, /min), SpO2 integer %, NIBP integer mmHg held between
// 15-minute cuff cycles, temperature to 0.1 °C. Random walks with mean reversion, occasional
// artefacts (SpO2 dips, HR spikes).
std::map<std::string, std::vector<double>> MakeVitals(size_t n) {
  std::mt19937_64 rng(2026);
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  std::map<std::string, std::vector<double>> out;
  double hr = 78, rr = 16, spo2 = 97, sys = 124, dia = 78, temp = 36.8;
  double sys_shown = sys, dia_shown = dia;
  for (size_t i = 0; i < n; ++i) {
    hr += 0.02 * (78 - hr) + 0.6 * z(rng);
    if (u(rng) < 0.001) hr += 25 * u(rng);  // arousal / artefact
    rr += 0.02 * (16 - rr) + 0.25 * z(rng);
    spo2 += 0.05 * (97.3 - spo2) + 0.3 * z(rng);
    if (u(rng) < 0.0005) spo2 -= 6 * u(rng);  // desaturation / probe artefact
    sys += 0.001 * (124 - sys) + 0.05 * z(rng);
    dia += 0.001 * (78 - dia) + 0.03 * z(rng);
    temp += 0.0005 * (36.8 - temp) + 0.002 * z(rng);
    if (i % 900 == 0) {
      sys_shown = std::round(sys + 3 * z(rng));
      dia_shown = std::round(dia + 2 * z(rng));
    }
    out["hr"].push_back(std::round(hr));
    out["rr"].push_back(std::round(rr));
    out["spo2"].push_back(std::min(100.0, std::round(spo2)));
    out["nibp_sys"].push_back(sys_shown);
    out["nibp_dia"].push_back(dia_shown);
    out["temp"].push_back(std::round(temp * 10) / 10);
  }
  return out;
}

void RunVitals(const std::vector<int>& chunks) {
  const auto& reg = codec::CodecRegistry::Default();
  auto vitals = MakeVitals(86400);
  std::printf("\nSynthetic 1 Hz vitals, 86,400 samples per series: bytes/sample\n");
  for (size_t chunk : chunks) {
    std::printf("chunk=%-6zu", chunk);
    size_t all_bytes = 0, all_n = 0;
    for (const auto& [name, values] : vitals) {
      size_t bytes = 0;
      std::string picked;
      std::vector<double> back;
      for (size_t start = 0; start < values.size(); start += chunk) {
        std::span<const double> part(values.data() + start, std::min(chunk, values.size() - start));
        std::string enc;
        const codec::Codec& used = codec::EncodeColumn(reg, codec::ColumnView::Doubles(part), &enc);
        picked = std::string(used.name());
        lj::Status s = used.Decode(enc, codec::ColumnType::kDouble, part.size(), nullptr, &back);
        if (!s.ok() || !std::equal(back.begin(), back.end(), part.begin(), part.end())) {
          std::fprintf(stderr, "vitals round trip FAILED (%s, chunk at %zu): %s\n", name.c_str(),
                       start, s.ToString().c_str());
          std::exit(1);
        }
        bytes += enc.size();
      }
      all_bytes += bytes;
      all_n += values.size();
      std::printf(" %s=%.3f(%s)", name.c_str(),
                  static_cast<double>(bytes) / static_cast<double>(values.size()), picked.c_str());
    }
    std::printf(" all=%.3f\n", static_cast<double>(all_bytes) / static_cast<double>(all_n));
  }
  // Timestamps of the same workload: 1 Hz with ±20 ms jitter, ns.
  std::mt19937_64 rng(7);
  std::vector<int64_t> ts;
  int64_t t = 1'790'000'000'000'000'000;
  for (int i = 0; i < 86400; ++i)
    ts.push_back(t += 1'000'000'000 + (rng() % 40'000'000) - 20'000'000);
  std::vector<int64_t> regular;
  for (int i = 0; i < 86400; ++i)
    regular.push_back(1'790'000'000'000'000'000 + i * 1'000'000'000LL);
  for (auto* col : {&regular, &ts}) {
    size_t bytes = 0;
    std::string picked;
    for (size_t start = 0; start < col->size(); start += 4096) {
      std::span<const int64_t> part(col->data() + start,
                                    std::min<size_t>(4096, col->size() - start));
      std::string enc;
      picked = std::string(codec::EncodeColumn(reg, codec::ColumnView::Ints(part), &enc).name());
      bytes += enc.size();
    }
    std::printf("timestamps %s, chunk 4096: %.4f B/sample (%s)\n",
                col == &regular ? "regular 1 s" : "1 s ± 20 ms jitter",
                static_cast<double>(bytes) / static_cast<double>(col->size()), picked.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  std::string records, chunks = "4096,8192,16384,32768";
  int scale = 1;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--mitdb")
      dir = next();
    else if (a == "--records")
      records = next();
    else if (a == "--chunks")
      chunks = next();
    else if (a == "--scale")
      scale = std::stoi(next());
    else if (a == "--quiet")
      quiet = true;
    else {
      std::fprintf(stderr,
                   "usage: codec_bench [--mitdb DIR] [--records 100,101] [--chunks "
                   "4096,8192] [--scale 5] [--quiet]\n");
      return 2;
    }
  }
  std::vector<int> chunk_list = ParseList(chunks);
  if (!dir.empty()) {
    int rc = RunMitdb(dir, ParseList(records), chunk_list, scale, quiet);
    if (rc != 0) return rc;
  }
  RunVitals(chunk_list);
  return 0;
}
