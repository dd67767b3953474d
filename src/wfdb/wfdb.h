// WFDB reader: PhysioNet WFDB records (https://physionet.org/physiotools/wag/): the header
// file (.hea), signal files in formats 16 and 212 (and 80 for convenience), and annotation
// files in MIT format (.atr and other annotators). Used by `lingjing import wfdb`,
// `lingjing replay`, the ECG evaluation (EC57 scorer) and the benchmarks.
//
// Contract: every parse function rejects malformed input with kParseError and a reason naming
// the file and where ("100.hea:2: ..."); it never crashes or allocates without bound on hostile
// input (the parsers are fuzzed). Samples are the stored ADC integers; physical value =
// (adc - baseline) / gain. Thread-safety: plain functions and values.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lj::wfdb {

struct SignalSpec {
  std::string file_name;  // signal file, relative to the header's directory
  int format = 0;         // 16, 212 or 80
  double gain = 200;      // ADC units per physical unit (WFDB default 200)
  int32_t baseline = 0;   // ADC value of physical zero (defaults to adc_zero)
  std::string units = "mV";
  int adc_resolution = 0;  // bits
  int32_t adc_zero = 0;
  int32_t initial_value = 0;
  int32_t checksum = 0;
  int64_t byte_offset = 0;
  std::string description;    // e.g. "MLII", "V5"
  int samples_per_frame = 1;  // "212x4": 4 samples of this signal per frame
  int skew = 0;               // "212:4" (recorded, not applied)
  int block_size = 0;
  bool has_checksum = false;       // the checksum field was present in the header
  bool has_initial_value = false;  // the initial value field was present in the header
};

struct Header {
  std::string record_name;
  int num_signals = 0;
  double frequency_hz = 250;  // sampling frequency (WFDB default 250)
  int64_t num_samples = 0;    // per signal; 0 when unknown
  std::string base_time;      // "HH:MM:SS" if given
  std::string base_date;      // "DD/MM/YYYY" if given
  std::vector<SignalSpec> signals;
  std::vector<std::string> comments;  // lines after '#', without it
};

Result<Header> ParseHeader(std::string_view text, std::string_view file_name = "header");

// WFDB checksum of one signal: the 16-bit two's complement sum of its samples.
int32_t Checksum(const std::vector<int32_t>& samples);
// Encodes interleaved signals (the inverse of DecodeSignals; all signals the same length).
// Samples outside the format's range are an error (kInvalidArgument). For tests and export.
Result<std::string> EncodeSignals(const std::vector<std::vector<int32_t>>& signals, int format);

// Decodes a signal file's bytes: `num_signals` interleaved signals of one format. Returns
// samples per signal (out[s][i]). A trailing partial frame is an error.
Result<std::vector<std::vector<int32_t>>> DecodeSignals(std::string_view data, int format,
                                                        int num_signals,
                                                        std::string_view file_name = "signals");

struct Annotation {
  int64_t sample = 0;  // sample index (time) of the annotation
  int code = 0;        // WFDB annotation code (1 NORMAL, 5 PVC, ... see ecgcodes.h numbering)
  int subtype = 0;
  int channel = 0;
  int num = 0;
  std::string aux;  // e.g. rhythm "(AFIB"
};

// MIT-format annotation file (binary), e.g. 100.atr.
Result<std::vector<Annotation>> ParseAnnotations(std::string_view data,
                                                 std::string_view file_name = "annotations");
// The MIT-format bytes of `annotations` (sorted by sample, codes 1..49, aux at most 255 bytes),
// as WFDB's wrann writes them: an interval word per annotation (SKIP for intervals over 1023),
// NUM/CHN when num/channel change, SUB for a non-zero subtype, AUX for text, then the end word.
// ParseAnnotations(EncodeAnnotations(a)) == a. kInvalidArgument for unsorted input, a code out
// of range or a longer aux.
Result<std::string> EncodeAnnotations(const std::vector<Annotation>& annotations);
// Mnemonic of an annotation code ("N", "V", "A", "+", "~", ...); "?" when unknown.
std::string_view AnnotationMnemonic(int code);
// True for beat annotations (QRS complexes) in the sense of ANSI/AAMI EC57 (N, L, R, B, A, a,
// J, S, V, r, F, e, j, n, E, /, f, Q, ?).
bool IsBeat(int code);

// A whole record loaded from disk: `path` is the record path without extension
// ("../shared/data/mitdb/100"). Only the signal files the header names are read. The first
// sample and the checksum of each signal are verified against the header when it states them
// and the record is read in full (kParseError on mismatch). A signal with samples_per_frame k
// has k * num_samples samples. Multi-segment records are kUnsupported.
struct Record {
  Header header;
  std::vector<std::vector<int32_t>> samples;  // [signal][i]
};
Result<Record> ReadRecord(const std::string& path);
Result<std::vector<Annotation>> ReadAnnotations(const std::string& path,
                                                std::string_view annotator = "atr");

}  // namespace lj::wfdb
