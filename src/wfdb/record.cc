// Reading a WFDB record (header + signal files) and annotation files from disk.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "wfdb/wfdb.h"

namespace lj::wfdb {
namespace {

namespace fs = std::filesystem;

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status(ErrorCode::kNotFound, path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::kIo, path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status(ErrorCode::kIo, path + ": read error");
  return ss.str();
}

// Decodes one signal file holding signals [first, last) of the header into rec->samples.
Status ReadSignalFile(const std::string& dir, Header& h, int first, int last, Record* rec) {
  const SignalSpec& s0 = h.signals[static_cast<size_t>(first)];
  std::string path = (fs::path(dir) / s0.file_name).string();
  Result<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  if (s0.byte_offset > static_cast<int64_t>(bytes->size())) {
    return Status(ErrorCode::kParseError, path + ": byte offset " + std::to_string(s0.byte_offset) +
                                              " past the end of the file");
  }
  std::string_view data(*bytes);
  data.remove_prefix(static_cast<size_t>(s0.byte_offset));
  int columns = 0;
  for (int s = first; s < last; ++s) {
    const SignalSpec& sig = h.signals[static_cast<size_t>(s)];
    if (sig.format != s0.format) {
      return Status(ErrorCode::kUnsupported, path + ": signals in one file with different formats");
    }
    columns += sig.samples_per_frame;
  }
  // Format 212 files may end in a padding sample; trim to whole frames of the header's length.
  Result<std::vector<std::vector<int32_t>>> cols = DecodeSignals(data, s0.format, columns, path);
  if (!cols.ok()) return cols.status();
  size_t frames = (*cols)[0].size();
  if (h.num_samples == 0) h.num_samples = static_cast<int64_t>(frames);
  size_t want = static_cast<size_t>(h.num_samples);
  if (frames < want) {
    return Status(ErrorCode::kParseError, path + ": " + std::to_string(frames) +
                                              " frames, the header says " + std::to_string(want));
  }
  int col = 0;
  for (int s = first; s < last; ++s) {
    const SignalSpec& sig = h.signals[static_cast<size_t>(s)];
    auto& out = rec->samples[static_cast<size_t>(s)];
    size_t spf = static_cast<size_t>(sig.samples_per_frame);
    out.resize(want * spf);
    for (size_t f = 0; f < want; ++f) {
      for (size_t k = 0; k < spf; ++k) out[f * spf + k] = (*cols)[static_cast<size_t>(col) + k][f];
    }
    col += sig.samples_per_frame;
    if (sig.has_initial_value && !out.empty() && out[0] != sig.initial_value) {
      return Status(ErrorCode::kParseError, path + ": signal " + std::to_string(s) +
                                                " first sample " + std::to_string(out[0]) +
                                                " != header initial value " +
                                                std::to_string(sig.initial_value));
    }
    if (sig.has_checksum && Checksum(out) != sig.checksum) {
      return Status(ErrorCode::kParseError, path + ": signal " + std::to_string(s) + " checksum " +
                                                std::to_string(Checksum(out)) +
                                                " != header checksum " +
                                                std::to_string(sig.checksum));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Record> ReadRecord(const std::string& path) {
  std::string hea_path = path + ".hea";
  Result<std::string> text = ReadFile(hea_path);
  if (!text.ok()) return text.status();
  Result<Header> h = ParseHeader(*text, hea_path);
  if (!h.ok()) return h.status();
  Record rec;
  rec.header = std::move(h).value();
  Header& hd = rec.header;
  rec.samples.resize(hd.signals.size());
  std::string dir = fs::path(path).parent_path().string();
  int n = static_cast<int>(hd.signals.size());
  for (int first = 0; first < n;) {
    int last = first + 1;
    while (last < n && hd.signals[static_cast<size_t>(last)].file_name ==
                           hd.signals[static_cast<size_t>(first)].file_name) {
      ++last;
    }
    if (hd.signals[static_cast<size_t>(first)].file_name == "~") {
      return Status(ErrorCode::kUnsupported, hea_path + ": null signal file '~'");
    }
    LJ_RETURN_IF_ERROR(ReadSignalFile(dir, hd, first, last, &rec));
    first = last;
  }
  return rec;
}

Result<std::vector<Annotation>> ReadAnnotations(const std::string& path,
                                                std::string_view annotator) {
  std::string file = path + "." + std::string(annotator);
  Result<std::string> bytes = ReadFile(file);
  if (!bytes.ok()) return bytes.status();
  return ParseAnnotations(*bytes, file);
}

}  // namespace lj::wfdb
