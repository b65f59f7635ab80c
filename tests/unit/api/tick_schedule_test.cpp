// The drivers' shared tick grid (transport/projection/tick_schedule.hpp): slots filled up to
// their size before the next one opens, each driver's ticks exactly one interval apart on its
// slot's phase, and the drivers of one slot on the same deadlines (what lets their Valkey
// commands share a write and the process wake once for them).
#include "asistencia/transport/projection/tick_schedule.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace std::chrono_literals;
using asistencia::transport::projection::tick_schedule;
using asistencia::transport::projection::tick_slots;
using time_point = tick_schedule::clock::time_point;

namespace {

time_point at(std::chrono::milliseconds ms) { return time_point(ms); }

std::chrono::milliseconds ms_of(time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
}

} // namespace

TEST(TickSlots, TheIntervalIsCutInSlotWidthPhases) {
    const tick_slots s(500ms);
    EXPECT_EQ(s.count(), 25u); // 500 / 20
    EXPECT_EQ(s.phase_of(0), 0ms);
    EXPECT_EQ(s.phase_of(3), 60ms);
    EXPECT_EQ(s.phase_of(24), 480ms);
    // An interval shorter than a slot has one; the 100 ms minimum of FRAME_INTERVAL_MS five.
    EXPECT_EQ(tick_slots(10ms).count(), 1u);
    EXPECT_EQ(tick_slots(100ms).count(), 5u);
    EXPECT_EQ(tick_slots(100ms).phase_of(2), 40ms);
}

TEST(TickSlots, FillsASlotBeforeOpeningTheNextThenSpreadsOverTheLeastOccupied) {
    tick_slots s(100ms, 3); // 5 slots of 3
    std::vector<std::size_t> taken;
    for (int i = 0; i < 7; ++i) taken.push_back(s.take());
    EXPECT_EQ(taken, (std::vector<std::size_t>{0, 0, 0, 1, 1, 1, 2}));
    // A driver that ends frees its place, and the next driver takes it.
    s.give_back(1);
    EXPECT_EQ(s.occupancy(1), 2u);
    EXPECT_EQ(s.take(), 1u);
    // All full (15 drivers): the 16th and later go to the least occupied, in slot order.
    for (int i = 0; i < 8; ++i) s.take();
    for (std::size_t slot = 0; slot < s.count(); ++slot) ASSERT_EQ(s.occupancy(slot), 3u);
    EXPECT_EQ(s.take(), 0u);
    EXPECT_EQ(s.take(), 1u);
    s.give_back(4);
    EXPECT_EQ(s.take(), 4u);
}

TEST(TickSlots, AGiveBackOfAnEmptyOrUnknownSlotChangesNothing) {
    tick_slots s(100ms, 3);
    EXPECT_EQ(s.take(), 0u);
    s.give_back(0);
    s.give_back(0);
    s.give_back(99);
    EXPECT_EQ(s.occupancy(0), 0u);
    EXPECT_EQ(s.take(), 0u);
}

TEST(TickSchedule, TicksAreExactlyOneIntervalApartOnThePhaseWhateverTheWakeUpDelay) {
    tick_schedule s(500ms, 60ms);
    // First tick at 10,007 ms: the next is the first grid point at least 250 ms later.
    EXPECT_EQ(ms_of(s.next(at(10'007ms))), 10'560ms);
    // Woken 4 ms late, then 30 ms late: the deadlines do not drift.
    EXPECT_EQ(ms_of(s.next(at(10'564ms))), 11'060ms);
    EXPECT_EQ(ms_of(s.next(at(11'090ms))), 11'560ms);
}

TEST(TickSchedule, ATickLateByMoreThanAnIntervalSkipsToTheNextGridPointWithoutABurst) {
    tick_schedule s(500ms, 60ms);
    ASSERT_EQ(ms_of(s.next(at(10'007ms))), 10'560ms);
    // That tick woke on time but took 1.3 s (a stuck dependency): 11,060 is past; no catch-up
    // ticks, the next is the phase's next grid point.
    EXPECT_EQ(ms_of(s.next(at(11'860ms))), 12'060ms);
    EXPECT_EQ(ms_of(s.next(at(12'061ms))), 12'560ms);
}

TEST(TickSchedule, DriversOfOneSlotShareEveryDeadline) {
    tick_schedule a(500ms, 60ms);
    tick_schedule b(500ms, 60ms);
    tick_schedule other(500ms, 80ms);
    // Started at different moments, a and b meet on the same grid points; the next slot is
    // 20 ms later.
    EXPECT_EQ(a.next(at(20'001ms)), at(20'560ms));
    EXPECT_EQ(b.next(at(20'222ms)), at(20'560ms));
    EXPECT_EQ(other.next(at(20'222ms)), at(20'580ms));
    EXPECT_EQ(a.next(at(20'561ms)), at(21'060ms));
    EXPECT_EQ(b.next(at(20'575ms)), at(21'060ms));
}
