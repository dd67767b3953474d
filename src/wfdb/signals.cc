// WFDB signal file formats (https://physionet.org/physiotools/wag/signal-5.htm):
//   16:  16-bit two's complement, little-endian.
//   212: pairs of 12-bit two's complement samples in 3 bytes: s0 = b0 | (b1 & 0x0f) << 8,
//        s1 = b2 | (b1 & 0xf0) << 4. Samples are packed across the interleaved stream.
//   80:  8-bit offset binary (stored byte - 128).
#include <cstdint>
#include <string>
#include <vector>

#include "wfdb/wfdb.h"

namespace lj::wfdb {
namespace {

constexpr int kMaxSignalsPerFile = 1 << 16;

int32_t SignExtend12(uint32_t v) { return (v & 0x800) ? static_cast<int32_t>(v) - 0x1000 : v; }

Status Err(std::string_view file, std::string what) {
  return Status(ErrorCode::kParseError, std::string(file) + ": " + what);
}

}  // namespace

int32_t Checksum(const std::vector<int32_t>& samples) {
  uint32_t sum = 0;
  for (int32_t s : samples) sum += static_cast<uint32_t>(s);
  return static_cast<int16_t>(static_cast<uint16_t>(sum & 0xffff));
}

Result<std::vector<std::vector<int32_t>>> DecodeSignals(std::string_view data, int format,
                                                        int num_signals,
                                                        std::string_view file_name) {
  if (num_signals < 1 || num_signals > kMaxSignalsPerFile) {
    return Status(ErrorCode::kInvalidArgument, std::string(file_name) + ": number of signals " +
                                                   std::to_string(num_signals) + " out of range");
  }
  const auto* b = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  size_t nsig = static_cast<size_t>(num_signals);
  std::vector<int32_t> values;
  switch (format) {
    case 16:
      if (n % 2 != 0)
        return Err(file_name, "format 16: odd number of bytes (" + std::to_string(n) + ")");
      values.resize(n / 2);
      for (size_t i = 0; i < values.size(); ++i) {
        values[i] = static_cast<int16_t>(static_cast<uint16_t>(b[2 * i] | (b[2 * i + 1] << 8)));
      }
      break;
    case 80:
      values.resize(n);
      for (size_t i = 0; i < n; ++i) values[i] = static_cast<int32_t>(b[i]) - 128;
      break;
    case 212: {
      if (n % 3 == 1) {
        return Err(file_name, "format 212: " + std::to_string(n) + " bytes end inside a sample");
      }
      values.reserve(n / 3 * 2 + 1);
      size_t i = 0;
      for (; i + 3 <= n; i += 3) {
        values.push_back(SignExtend12(b[i] | ((b[i + 1] & 0x0fu) << 8)));
        values.push_back(SignExtend12(b[i + 2] | ((b[i + 1] & 0xf0u) << 4)));
      }
      if (n - i == 2) values.push_back(SignExtend12(b[i] | ((b[i + 1] & 0x0fu) << 8)));
      // An odd number of samples is padded to a whole 3-byte group by some writers.
      if (n % 3 == 0 && values.size() % nsig == 1) values.pop_back();
      break;
    }
    default:
      return Status(ErrorCode::kUnsupported, std::string(file_name) + ": signal format " +
                                                 std::to_string(format) +
                                                 " is not supported (16, 212, 80)");
  }
  if (values.size() % nsig != 0) {
    return Err(file_name, "trailing partial frame: " + std::to_string(values.size()) +
                              " samples is not a multiple of " + std::to_string(nsig) + " signals");
  }
  size_t frames = values.size() / nsig;
  std::vector<std::vector<int32_t>> out(nsig);
  for (size_t s = 0; s < nsig; ++s) {
    out[s].resize(frames);
    for (size_t f = 0; f < frames; ++f) out[s][f] = values[f * nsig + s];
  }
  return out;
}

Result<std::string> EncodeSignals(const std::vector<std::vector<int32_t>>& signals, int format) {
  if (signals.empty()) return std::string();
  size_t frames = signals[0].size();
  for (const auto& s : signals) {
    if (s.size() != frames) {
      return Status(ErrorCode::kInvalidArgument, "EncodeSignals: signals differ in length");
    }
  }
  int32_t lo = format == 16 ? -32768 : format == 212 ? -2048 : -128;
  int32_t hi = format == 16 ? 32767 : format == 212 ? 2047 : 127;
  if (format != 16 && format != 212 && format != 80) {
    return Status(ErrorCode::kUnsupported,
                  "EncodeSignals: format " + std::to_string(format) + " is not supported");
  }
  std::vector<int32_t> values;
  values.reserve(frames * signals.size());
  for (size_t f = 0; f < frames; ++f) {
    for (const auto& s : signals) {
      if (s[f] < lo || s[f] > hi) {
        return Status(ErrorCode::kInvalidArgument, "EncodeSignals: sample " + std::to_string(s[f]) +
                                                       " outside format " + std::to_string(format) +
                                                       " range");
      }
      values.push_back(s[f]);
    }
  }
  std::string out;
  if (format == 16) {
    for (int32_t v : values) {
      out.push_back(static_cast<char>(v & 0xff));
      out.push_back(static_cast<char>((v >> 8) & 0xff));
    }
  } else if (format == 80) {
    for (int32_t v : values) out.push_back(static_cast<char>(v + 128));
  } else {
    for (size_t i = 0; i < values.size(); i += 2) {
      uint32_t a = static_cast<uint32_t>(values[i]) & 0xfff;
      uint32_t c = i + 1 < values.size() ? static_cast<uint32_t>(values[i + 1]) & 0xfff : 0;
      out.push_back(static_cast<char>(a & 0xff));
      out.push_back(static_cast<char>(((a >> 8) & 0x0f) | ((c >> 4) & 0xf0)));
      if (i + 1 < values.size()) out.push_back(static_cast<char>(c & 0xff));
    }
  }
  return out;
}

}  // namespace lj::wfdb
