// The round state machine (domain/attendance/round): every row of the shared transition
// table (the Valkey integration test runs the same rows against the Lua scripts), plus the
// rules around it: a full class walked through, start states and the coarse reasons.
#include "asistencia/domain/attendance/round.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using namespace asistencia::domain::attendance;

std::string describe(const round_state& s) {
    return std::string(to_string(s.phase)) + " r" + std::to_string(s.round) + "/" + std::to_string(s.max_rounds) +
           " f" + std::to_string(s.failed_attempts);
}

TEST(round_table, every_row_holds) {
    for (const auto& c : transition_table()) {
        const auto step = apply(c.before, c.event, table_rules);
        EXPECT_EQ(step.next, c.after) << c.name << ": got " << describe(step.next) << ", want " << describe(c.after);
        EXPECT_EQ(step.effect, c.effect) << c.name << ": got " << to_string(step.effect) << ", want "
                                         << to_string(c.effect);
    }
}

TEST(round_table, covers_every_event_from_every_phase) {
    std::set<std::pair<round_phase, round_event_kind>> seen;
    for (const auto& c : transition_table()) seen.insert({c.before.phase, c.event.kind});
    for (const auto p : {round_phase::pending, round_phase::shown, round_phase::expired, round_phase::done}) {
        for (const auto k : {round_event_kind::show, round_event_kind::succeed, round_event_kind::fail,
                             round_event_kind::lapse, round_event_kind::reopen}) {
            if (p == round_phase::pending && k != round_event_kind::show && k != round_event_kind::lapse &&
                k != round_event_kind::fail)
                continue; // pending behaves as shown for answers (the shown rows cover it)
            EXPECT_TRUE(seen.count({p, k})) << to_string(p) << " x " << to_string(k) << " has no row";
        }
    }
}

TEST(round_table, stale_rows_change_nothing) {
    for (const auto& c : transition_table()) {
        if (c.effect == round_effect::stale) {
            EXPECT_EQ(c.before, c.after) << c.name;
        }
    }
}

TEST(round_machine, pending_behaves_as_shown_for_answers) {
    const round_rules rules{3};
    for (const auto k : {round_event_kind::succeed, round_event_kind::fail, round_event_kind::lapse}) {
        const auto from_pending = apply({2, 3, round_phase::pending, 1}, {k, 2}, rules);
        const auto from_shown = apply({2, 3, round_phase::shown, 1}, {k, 2}, rules);
        EXPECT_EQ(from_pending.effect, from_shown.effect) << to_string(k);
        EXPECT_EQ(from_pending.next.round, from_shown.next.round) << to_string(k);
    }
    EXPECT_EQ(apply({2, 3, round_phase::pending, 0}, {round_event_kind::reopen, 2}, rules).effect, round_effect::stale);
}

TEST(round_machine, a_class_walked_through) {
    const round_rules rules{2};
    auto s = start_at(1, 2);
    EXPECT_EQ(s, (round_state{1, 2, round_phase::pending, 0}));
    s = apply(s, {round_event_kind::show, 1}, rules).next;
    auto step = apply(s, {round_event_kind::fail, 1}, rules);
    EXPECT_EQ(step.effect, round_effect::attempt_counted);
    step = apply(step.next, {round_event_kind::fail, 1}, rules);
    EXPECT_EQ(step.effect, round_effect::round_failed) << "2 failures fail the round with max 2";
    EXPECT_TRUE(round_over(step.effect));
    EXPECT_EQ(step.next, (round_state{2, 2, round_phase::pending, 0}));
    step = apply(step.next, {round_event_kind::lapse, 2}, rules);
    step = apply(step.next, {round_event_kind::reopen, 2}, rules);
    EXPECT_EQ(step.effect, round_effect::reopened);
    step = apply(apply(step.next, {round_event_kind::show, 2}, rules).next, {round_event_kind::succeed, 2}, rules);
    EXPECT_EQ(step.effect, round_effect::answered);
    EXPECT_EQ(step.next.phase, round_phase::done);
    EXPECT_EQ(step.next.round, 3) << "round_actual is max_rounds + 1 once done";
}

TEST(round_machine, start_states) {
    EXPECT_EQ(start_at(1, 3), (round_state{1, 3, round_phase::pending, 0}));
    EXPECT_EQ(start_at(3, 3), (round_state{3, 3, round_phase::pending, 0}));
    EXPECT_EQ(start_at(4, 3), (round_state{4, 3, round_phase::done, 0}));
    EXPECT_EQ(start_at(9, 3), (round_state{4, 3, round_phase::done, 0})) << "done is always max_rounds + 1";
    EXPECT_EQ(start_at(0, 3).round, 1);
}

TEST(round_machine, rebuild_rule_matches_fail_transition) {
    const round_rules rules{3};
    EXPECT_TRUE(round_over(true, 0, rules));
    EXPECT_FALSE(round_over(false, 2, rules));
    EXPECT_TRUE(round_over(false, 3, rules));
    // The rebuild rule and the live transition agree on when failures end a round.
    round_state s{1, 3, round_phase::shown, 0};
    int failures = 0;
    while (true) {
        const auto step = apply(s, {round_event_kind::fail, 1}, rules);
        ++failures;
        EXPECT_EQ(round_over(step.effect), round_over(false, failures, rules)) << failures;
        if (round_over(step.effect)) break;
        s = step.next;
    }
    EXPECT_EQ(failures, 3);
}

TEST(round_machine, coarse_reasons) {
    EXPECT_EQ(answer_reason(round_effect::answered), nullptr);
    EXPECT_STREQ(answer_reason(round_effect::round_failed), "round_failed");
    EXPECT_STREQ(answer_reason(round_effect::reopened), "expired");
    EXPECT_STREQ(answer_reason(round_effect::lapsed), "expired");
    EXPECT_STREQ(answer_reason(round_effect::attempt_counted), "retry");
    EXPECT_STREQ(answer_reason(round_effect::stale), "retry");
}

} // namespace
