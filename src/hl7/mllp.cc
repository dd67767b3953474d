#include "hl7/mllp.h"

#include <algorithm>

namespace lj::hl7 {

std::string MllpFrame(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 3);
  out += kMllpStart;
  out.append(payload);
  out += kMllpEnd;
  out += kMllpCr;
  return out;
}

void MllpDeframer::Emit(const std::function<void(const MllpFrameEvent&)>& on_frame) {
  MllpFrameEvent ev;
  ev.payload = buf_;
  ev.total_bytes = frame_bytes_;
  ev.oversize = frame_bytes_ > max_;
  if (ev.oversize) ++oversize_;
  on_frame(ev);
  buf_.clear();
  frame_bytes_ = 0;
}

void MllpDeframer::Feed(std::string_view data,
                        const std::function<void(const MllpFrameEvent&)>& on_frame) {
  size_t i = 0;
  while (i < data.size()) {
    switch (state_) {
      case State::kAfterEnd:
        state_ = State::kIdle;
        if (data[i] == kMllpCr) ++i;  // the expected <CR>; anything else is looked at as idle
        break;
      case State::kIdle: {
        if (data[i] == kMllpStart) {
          state_ = State::kInFrame;
          in_garbage_ = false;
          ++i;
          break;
        }
        // Skip to the next <VT>: everything before it is garbage. A lone <CR>/<LF> between
        // frames (some senders add one) is not counted.
        size_t next = data.find(kMllpStart, i);
        if (next == std::string_view::npos) next = data.size();
        for (size_t k = i; k < next; ++k) {
          if (data[k] == '\r' || data[k] == '\n') continue;
          ++garbage_bytes_;
          if (!in_garbage_) {
            in_garbage_ = true;
            ++garbage_runs_;
          }
        }
        i = next;
        break;
      }
      case State::kInFrame: {
        size_t stop = data.find_first_of(std::string_view("\x0B\x1C", 2), i);
        size_t end = stop == std::string_view::npos ? data.size() : stop;
        size_t n = end - i;
        if (buf_.size() < max_) buf_.append(data.substr(i, std::min(n, max_ - buf_.size())));
        frame_bytes_ += n;
        i = end;
        if (stop == std::string_view::npos) break;
        ++i;
        if (data[stop] == kMllpStart) {  // a new frame before the end of this one
          ++truncated_;
          buf_.clear();
          frame_bytes_ = 0;
        } else {
          // The frame is complete at <FS>: answer without waiting for the <CR>.
          state_ = State::kAfterEnd;
          Emit(on_frame);
        }
        break;
      }
    }
  }
}

}  // namespace lj::hl7
