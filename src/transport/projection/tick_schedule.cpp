// The drivers' shared tick grid (tick_schedule.hpp).
#include "asistencia/transport/projection/tick_schedule.hpp"

#include <algorithm>

namespace asistencia::transport::projection {

namespace {

std::chrono::milliseconds at_least_1ms(std::chrono::milliseconds d) {
    return std::max(d, std::chrono::milliseconds(1));
}

} // namespace

tick_slots::tick_slots(std::chrono::milliseconds interval, std::size_t per_slot)
    : step_(0), per_slot_(std::max<std::size_t>(per_slot, 1)) {
    const auto ms = at_least_1ms(interval);
    const auto slots = static_cast<std::size_t>(std::max<std::int64_t>(ms / slot_width, 1));
    step_ = std::chrono::milliseconds(ms.count() / static_cast<std::int64_t>(slots));
    occupancy_.assign(slots, 0);
}

std::size_t tick_slots::take() {
    auto slot = static_cast<std::size_t>(
        std::find_if(occupancy_.begin(), occupancy_.end(), [&](std::size_t n) { return n < per_slot_; }) -
        occupancy_.begin());
    if (slot == occupancy_.size())
        slot = static_cast<std::size_t>(std::min_element(occupancy_.begin(), occupancy_.end()) - occupancy_.begin());
    ++occupancy_[slot];
    return slot;
}

void tick_slots::give_back(std::size_t slot) noexcept {
    if (slot < occupancy_.size() && occupancy_[slot] > 0) --occupancy_[slot];
}

std::chrono::milliseconds tick_slots::phase_of(std::size_t slot) const {
    return step_ * static_cast<std::int64_t>(slot % occupancy_.size());
}

tick_schedule::tick_schedule(std::chrono::milliseconds interval, std::chrono::milliseconds phase)
    : interval_(at_least_1ms(interval)), phase_(phase) {}

tick_schedule::clock::time_point tick_schedule::first_grid_point_at_or_after(clock::time_point t) const {
    const auto since_phase = t.time_since_epoch() - phase_;
    auto periods = since_phase / interval_;
    if (since_phase - periods * interval_ > clock::duration::zero()) ++periods;
    return clock::time_point(periods * interval_ + phase_);
}

tick_schedule::clock::time_point tick_schedule::next(clock::time_point now) {
    if (!due_) {
        due_ = first_grid_point_at_or_after(now + interval_ / 2);
    } else {
        *due_ += interval_;
        if (*due_ <= now) due_ = first_grid_point_at_or_after(now);
    }
    return *due_;
}

} // namespace asistencia::transport::projection
