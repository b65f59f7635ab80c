// The ring of recent frames a `shown` may refer to (transport/projection/recent_frames.hpp):
// sized to the shown window at the frame interval, so a seq older than the ring is not
// found even where the 1 s window alone would still take it.
#include "asistencia/transport/projection/recent_frames.hpp"

#include "asistencia/domain/encoding/base64.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <span>

using namespace std::chrono_literals;
using asistencia::application::attendance::frame_round;
using asistencia::transport::projection::recent_frames_ring;

namespace {

frame_round round_with_nonce(std::uint8_t fill, std::int64_t user = 7, int round = 2) {
    std::array<std::uint8_t, 16> raw{};
    raw.fill(fill);
    return frame_round{user, round, asistencia::domain::encoding::base64url_encode(std::span<const std::uint8_t>(raw))};
}

} // namespace

TEST(RecentFrames, CapacityCoversOneShownWindowPlusSlack) {
    EXPECT_EQ(recent_frames_ring::capacity_for(500ms), 4u);  // 2 frames per second + 2
    EXPECT_EQ(recent_frames_ring::capacity_for(100ms), 12u); // FRAME_INTERVAL_MS's minimum
    EXPECT_EQ(recent_frames_ring::capacity_for(300ms), 6u);  // ceil(1000 / 300) + 2
    EXPECT_EQ(recent_frames_ring::capacity_for(5000ms), 4u); // never fewer than 4
}

TEST(RecentFrames, KeepsTheLastCapacityFramesAndRoundTripsTheirNonce) {
    recent_frames_ring ring(recent_frames_ring::capacity_for(500ms));
    for (std::int64_t seq = 1; seq <= 6; ++seq) {
        ASSERT_TRUE(ring.put(seq, round_with_nonce(static_cast<std::uint8_t>(seq)), 1000 * seq));
    }
    // 6 frames into 4 slots: seqs 1 and 2 were overwritten by 5 and 6.
    EXPECT_EQ(ring.find(1), nullptr);
    EXPECT_EQ(ring.find(2), nullptr);
    for (std::int64_t seq = 3; seq <= 6; ++seq) {
        const auto* f = ring.find(seq);
        ASSERT_NE(f, nullptr) << seq;
        EXPECT_EQ(f->sent_at_ms, 1000 * seq);
        EXPECT_EQ(f->user_id, 7);
        EXPECT_EQ(f->round, 2);
        EXPECT_FALSE(f->shown);
        EXPECT_EQ(recent_frames_ring::round_of(*f).nonce, round_with_nonce(static_cast<std::uint8_t>(seq)).nonce);
    }
    EXPECT_EQ(ring.find(7), nullptr) << "not sent yet";
    EXPECT_EQ(ring.find(0), nullptr);
    EXPECT_EQ(ring.find(-3), nullptr);
}

TEST(RecentFrames, MalformedNoncesAreNotKeptAndClearForgetsAll) {
    recent_frames_ring ring(4);
    EXPECT_FALSE(ring.put(1, frame_round{7, 2, "not base64url!"}, 1));
    EXPECT_FALSE(ring.put(2, frame_round{7, 2, "AAAA"}, 1)) << "3 bytes, not 16";
    EXPECT_EQ(ring.find(1), nullptr);
    EXPECT_EQ(ring.find(2), nullptr);
    ASSERT_TRUE(ring.put(3, round_with_nonce(1), 1));
    ring.clear();
    EXPECT_EQ(ring.find(3), nullptr);
}
