// The real frames a replica fanned out recently, for the projectors' `shown` messages
// (docs/projection.md "Clock offset and `shown`"): a fixed ring indexed by seq, no node or
// string per frame (the nonce kept raw, encoded again only when shown). A `shown` counts
// only within `shown_window_ms` of the frame's send time, so the ring needs the frames of
// one window and a little slack, not a fixed 64: at FRAME_INTERVAL_MS 500 that is 4 slots
// (192 bytes per session instead of 3 KiB).
#pragma once

#include "asistencia/application/attendance/projection_ports.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace asistencia::transport::projection {

// How long after a frame's send time its `shown` is still applied.
inline constexpr std::int64_t shown_window_ms = 1000;

struct frame_info {
    std::int64_t seq = 0; // 0: empty slot
    std::int64_t sent_at_ms = 0;
    std::int64_t user_id = 0;
    std::int32_t round = 0;
    bool shown = false;
    std::array<std::uint8_t, 16> nonce{};
};

class recent_frames_ring {
public:
    // The frames of one shown window at this interval, plus 2: a tick delayed and the next one
    // on time, or a takeover's first frames, still fit. At least 4 slots.
    static std::size_t capacity_for(std::chrono::milliseconds frame_interval);

    explicit recent_frames_ring(std::size_t capacity);

    void clear();
    // False when the nonce is not the 16 bytes record_showing stores (then it is not kept).
    bool put(std::int64_t seq, const application::attendance::frame_round& r, std::int64_t sent_at_ms);
    // The frame of this seq if its slot still holds it (not overwritten by seq + capacity).
    frame_info* find(std::int64_t seq);
    std::size_t capacity() const noexcept { return slots_.size(); }
    static application::attendance::frame_round round_of(const frame_info& f);

private:
    std::size_t index(std::int64_t seq) const { return static_cast<std::size_t>(seq) % slots_.size(); }
    std::vector<frame_info> slots_;
};

} // namespace asistencia::transport::projection
