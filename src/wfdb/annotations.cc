// MIT-format annotation files (https://physionet.org/physiotools/wag/annot-5.htm): a sequence
// of 16-bit little-endian words, A = word >> 10 (code), I = word & 0x3ff.
//   A = 0, I = 0: end of file.       A in 1..49: annotation `A` at time previous + I.
//   SKIP (59): I = 0, then a 32-bit signed interval (high 16-bit word first) added to the time.
//   NUM (60), SUB (61), CHN (62): I sets num / subtype / channel of the preceding annotation;
//   num and channel carry over to later annotations, subtype does not.
//   AUX (63): I bytes of text for the preceding annotation, padded to an even length.
#include <array>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "wfdb/wfdb.h"

namespace lj::wfdb {
namespace {

constexpr int kSkip = 59, kNum = 60, kSub = 61, kChn = 62, kAux = 63;
constexpr int kMaxCode = 49;

// Mnemonics per the WFDB ecgcodes numbering (index = code).
constexpr std::array<std::string_view, 50> kMnemonics = {
    "",  "N", "L", "R", "a", "V",  "F", "J", "A", "S", "E", "j", "/", "Q", "~", "?", "|",
    "?", "s", "T", "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]",
    "e", "n", "@", "x", "f", "(",  ")", "r", "?", "?", "?", "?", "?", "?", "?", "?"};

}  // namespace

std::string_view AnnotationMnemonic(int code) {
  if (code < 1 || code > 41 || code == 15 || code == 17) return "?";
  return kMnemonics[static_cast<size_t>(code)];
}

bool IsBeat(int code) {
  switch (code) {
    case 1:
    case 2:
    case 3:
    case 25:
    case 8:
    case 4:
    case 7:
    case 9:
    case 5:
    case 41:
    case 6:
    case 34:
    case 11:
    case 35:
    case 10:
    case 12:
    case 38:
    case 13:
    case 30:
      return true;
    default:
      return false;
  }
}

Result<std::vector<Annotation>> ParseAnnotations(std::string_view data,
                                                 std::string_view file_name) {
  const auto* b = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  auto error = [&](size_t at, const std::string& what) {
    return Status(ErrorCode::kParseError,
                  std::string(file_name) + ": byte " + std::to_string(at) + ": " + what);
  };
  std::vector<Annotation> out;
  int64_t time = 0;
  int num = 0, chan = 0;
  size_t pos = 0;
  while (pos < n) {
    if (pos + 2 > n) return error(pos, "odd trailing byte");
    size_t at = pos;
    unsigned word = b[pos] | (b[pos + 1] << 8);
    pos += 2;
    int a = static_cast<int>(word >> 10);
    int i = static_cast<int>(word & 0x3ff);
    if (a == 0 && i == 0) break;  // end of file
    if (a >= 1 && a <= kMaxCode) {
      time += i;
      Annotation ann;
      ann.sample = time;
      ann.code = a;
      ann.num = num;
      ann.channel = chan;
      out.push_back(std::move(ann));
      continue;
    }
    if (a == kSkip) {
      if (pos + 4 > n) return error(at, "SKIP without its 4-byte interval");
      uint32_t hi = b[pos] | (b[pos + 1] << 8);
      uint32_t lo = b[pos + 2] | (b[pos + 3] << 8);
      pos += 4;
      time += static_cast<int32_t>((hi << 16) | lo);
      if (time < 0) return error(at, "SKIP moves the time before sample 0");
      continue;
    }
    if (a == kNum || a == kSub || a == kChn || a == kAux) {
      if (out.empty()) {
        return error(at, "pseudo-annotation " + std::to_string(a) + " before any annotation");
      }
      Annotation& last = out.back();
      if (a == kNum) last.num = num = i;
      if (a == kSub) last.subtype = i;
      if (a == kChn) last.channel = chan = i;
      if (a == kAux) {
        size_t padded = static_cast<size_t>(i) + (i & 1);
        if (pos + padded > n) {
          return error(at, "AUX of " + std::to_string(i) + " bytes runs past the end");
        }
        last.aux.assign(data.substr(pos, static_cast<size_t>(i)));
        pos += padded;
      }
      continue;
    }
    if (a == 0) return error(at, "annotation code 0 (NOTQRS) with interval " + std::to_string(i));
    return error(at, "reserved annotation code " + std::to_string(a));
  }
  return out;
}

Result<std::string> EncodeAnnotations(const std::vector<Annotation>& annotations) {
  std::string out;
  auto word = [&](unsigned a, unsigned i) {
    const unsigned w = (a << 10) | (i & 0x3ff);
    out.push_back(static_cast<char>(w & 0xff));
    out.push_back(static_cast<char>(w >> 8));
  };
  auto invalid = [](size_t k, const std::string& what) {
    return Status(ErrorCode::kInvalidArgument, "annotation " + std::to_string(k) + ": " + what);
  };
  int64_t time = 0;
  int num = 0, chan = 0;
  for (size_t k = 0; k < annotations.size(); ++k) {
    const Annotation& a = annotations[k];
    if (a.code < 1 || a.code > kMaxCode) return invalid(k, "code out of 1..49");
    if (a.sample < time) return invalid(k, "not sorted by sample");
    if (a.aux.size() > 255) return invalid(k, "aux longer than 255 bytes");
    if (a.num < 0 || a.num > 1023 || a.channel < 0 || a.channel > 1023 || a.subtype < 0 ||
        a.subtype > 1023)
      return invalid(k, "num, chan or subtype out of 0..1023");
    int64_t delta = a.sample - time;
    if (delta > 1023) {
      if (delta > INT32_MAX) return invalid(k, "interval beyond 2^31 samples");
      const auto d = static_cast<uint32_t>(delta);
      word(kSkip, 0);
      out.push_back(static_cast<char>((d >> 16) & 0xff));
      out.push_back(static_cast<char>(d >> 24));
      out.push_back(static_cast<char>(d & 0xff));
      out.push_back(static_cast<char>((d >> 8) & 0xff));
      delta = 0;
    }
    word(static_cast<unsigned>(a.code), static_cast<unsigned>(delta));
    time = a.sample;
    if (a.num != num) word(kNum, static_cast<unsigned>(num = a.num));
    if (a.subtype != 0) word(kSub, static_cast<unsigned>(a.subtype));
    if (a.channel != chan) word(kChn, static_cast<unsigned>(chan = a.channel));
    if (!a.aux.empty()) {
      word(kAux, static_cast<unsigned>(a.aux.size()));
      out += a.aux;
      if (a.aux.size() & 1) out.push_back('\0');
    }
  }
  word(0, 0);
  return out;
}

}  // namespace lj::wfdb
