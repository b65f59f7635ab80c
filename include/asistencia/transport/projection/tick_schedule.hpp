// When a session's driver ticks (docs/projection.md "Ticks on a shared grid").
// The interval is cut into slots of `slot_width`; each driver takes one slot for its life and
// ticks at exactly `slot phase + k x interval` on the steady clock. The sessions of one slot
// wake in one timer run, so their Valkey commands leave in one write and their replies come
// back in one read (hiredis sends what was queued before the loop polls again), and the
// process wakes once for them instead of once per session. On a virtual machine each
// wake-up from idle costs more than the batch's extra work (docs/performance.md "Fourth
// round"), so slots are filled up to `per_slot` sessions before the next one is opened:
// few, full slots, each a burst of a few milliseconds of frame work.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace asistencia::transport::projection {

// The slots of one replica. One thread (the io_context's): no locks.
class tick_slots {
public:
    static constexpr std::chrono::milliseconds slot_width{20};
    // About 4 ms of frame work per slot at today's ~130 us per frame.
    static constexpr std::size_t default_per_slot = 32;

    explicit tick_slots(std::chrono::milliseconds interval, std::size_t per_slot = default_per_slot);

    // A slot for a new driver: the first one not full, else the least occupied.
    std::size_t take();
    void give_back(std::size_t slot) noexcept;

    std::chrono::milliseconds phase_of(std::size_t slot) const;
    std::size_t count() const noexcept { return occupancy_.size(); }
    std::size_t occupancy(std::size_t slot) const { return occupancy_.at(slot); }

private:
    std::chrono::milliseconds step_;
    std::size_t per_slot_;
    std::vector<std::size_t> occupancy_;
};

// One driver's deadlines on its slot's phase.
class tick_schedule {
public:
    using clock = std::chrono::steady_clock;

    tick_schedule(std::chrono::milliseconds interval, std::chrono::milliseconds phase);

    // The deadline of the tick after the one that started now. The first is the phase's
    // first grid point at least half an interval ahead (the driver's first tick runs at
    // once); then every interval, and a tick that ran more than an interval late skips to
    // the next grid point instead of catching up with a burst.
    clock::time_point next(clock::time_point now);

private:
    clock::time_point first_grid_point_at_or_after(clock::time_point t) const;

    clock::duration interval_;
    clock::duration phase_;
    std::optional<clock::time_point> due_;
};

} // namespace asistencia::transport::projection
