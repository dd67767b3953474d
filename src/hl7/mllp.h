// MLLP (Minimal Lower Layer Protocol, HL7 v2 Transport Specification, release 2) framing:
// every message travels as <VT> message <FS><CR> (0x0B ... 0x1C 0x0D).
//
// MllpDeframer is a streaming deframer: feed it whatever each read returned and it reports every
// complete frame, however the frames were split across reads or packed into one read.
// Rules (doc/protocols/hl7-mllp.md, "Framing"):
//   - Bytes outside a frame (before <VT>) are garbage: skipped and counted; one run of garbage
//     is one framing error.
//   - A <VT> inside a frame means the previous frame was cut short: it is dropped (framing error
//     "truncated") and a new frame starts.
//   - <FS> ends the frame (it is reported at once); the <CR> after it is consumed when it comes.
//     A missing <CR> is tolerated: the byte after <FS> is treated as outside the frame.
//   - A frame whose payload exceeds max_message_bytes is oversize: the first max_message_bytes
//     are kept (so the MSH can still be read for the reject), the rest is discarded until <FS>,
//     and the frame is reported with oversize = true. Memory is bounded by max_message_bytes.
// Thread-safety: one deframer per connection, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lj::hl7 {

inline constexpr char kMllpStart = 0x0B;  // <VT>
inline constexpr char kMllpEnd = 0x1C;    // <FS>
inline constexpr char kMllpCr = 0x0D;     // <CR>

// <VT> payload <FS><CR>.
std::string MllpFrame(std::string_view payload);

struct MllpFrameEvent {
  std::string_view payload;  // valid only during the callback
  bool oversize = false;     // payload holds only the first max_message_bytes
  size_t total_bytes = 0;    // the frame's full payload size (including discarded bytes)
};

class MllpDeframer {
 public:
  explicit MllpDeframer(size_t max_message_bytes) : max_(max_message_bytes) {}

  // Consumes `data`, calling on_frame for every frame completed by it, in order.
  void Feed(std::string_view data, const std::function<void(const MllpFrameEvent&)>& on_frame);

  uint64_t garbage_bytes() const { return garbage_bytes_; }
  uint64_t garbage_runs() const { return garbage_runs_; }
  uint64_t truncated_frames() const { return truncated_; }
  uint64_t oversize_frames() const { return oversize_; }
  size_t buffered_bytes() const { return buf_.size(); }
  bool in_frame() const { return state_ == State::kInFrame; }

 private:
  enum class State { kIdle, kInFrame, kAfterEnd };
  void Emit(const std::function<void(const MllpFrameEvent&)>& on_frame);

  size_t max_;
  State state_ = State::kIdle;
  std::string buf_;
  size_t frame_bytes_ = 0;
  bool in_garbage_ = false;
  uint64_t garbage_bytes_ = 0, garbage_runs_ = 0, truncated_ = 0, oversize_ = 0;
};

}  // namespace lj::hl7
