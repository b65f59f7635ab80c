// The ring of recent frames for `shown` (recent_frames.hpp).
#include "asistencia/transport/projection/recent_frames.hpp"

#include "asistencia/domain/encoding/base64.hpp"

#include <algorithm>

namespace asistencia::transport::projection {

namespace att = application::attendance;

std::size_t recent_frames_ring::capacity_for(std::chrono::milliseconds frame_interval) {
    const auto interval = std::max<std::int64_t>(frame_interval.count(), 1);
    const auto per_window = static_cast<std::size_t>((shown_window_ms + interval - 1) / interval);
    return std::max<std::size_t>(per_window + 2, 4);
}

recent_frames_ring::recent_frames_ring(std::size_t capacity) : slots_(std::max<std::size_t>(capacity, 1)) {}

void recent_frames_ring::clear() { std::fill(slots_.begin(), slots_.end(), frame_info{}); }

bool recent_frames_ring::put(std::int64_t seq, const att::frame_round& r, std::int64_t sent_at_ms) {
    if (seq <= 0) return false;
    const auto raw = domain::encoding::base64url_decode(r.nonce);
    if (!raw || raw->size() != 16) return false;
    auto& slot = slots_[index(seq)];
    slot = frame_info{seq, sent_at_ms, r.user_id, r.round, false, {}};
    std::copy(raw->begin(), raw->end(), slot.nonce.begin());
    return true;
}

frame_info* recent_frames_ring::find(std::int64_t seq) {
    if (seq <= 0) return nullptr;
    auto& slot = slots_[index(seq)];
    return slot.seq == seq ? &slot : nullptr;
}

att::frame_round recent_frames_ring::round_of(const frame_info& f) {
    return att::frame_round{f.user_id, f.round, domain::encoding::base64url_encode(f.nonce)};
}

} // namespace asistencia::transport::projection
