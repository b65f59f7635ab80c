// The round state machine; see round.hpp.
#include "asistencia/domain/attendance/round.hpp"

#include <array>

namespace asistencia::domain::attendance {

namespace {

round_step stale(const round_state& s) noexcept { return {s, round_effect::stale}; }

// The current round ended: the next one opens, pending, with no failed attempts.
round_step next_round(const round_state& s, round_effect e) noexcept {
    return {start_at(s.round + 1, s.max_rounds), e};
}

} // namespace

round_state start_at(int round, int max_rounds) noexcept {
    if (round > max_rounds) return {max_rounds + 1, max_rounds, round_phase::done, 0};
    return {round < 1 ? 1 : round, max_rounds, round_phase::pending, 0};
}

bool is_open(round_phase p) noexcept { return p == round_phase::pending || p == round_phase::shown; }

round_step apply(const round_state& s, const round_event& e, const round_rules& rules) noexcept {
    // Every event names its round: one about another round (a late duplicate, a round that
    // already ended) changes nothing, and neither does anything once the student is done.
    if (s.phase == round_phase::done || e.round != s.round) return stale(s);
    switch (e.kind) {
        case round_event_kind::show: {
            if (!is_open(s.phase)) return stale(s); // the loop reopens it first
            auto next = s;
            next.phase = round_phase::shown;
            return {next, round_effect::showing_recorded};
        }
        case round_event_kind::succeed:
            if (!is_open(s.phase)) return stale(s);
            return next_round(s, round_effect::answered);
        case round_event_kind::fail: {
            if (!is_open(s.phase)) return stale(s);
            if (s.failed_attempts + 1 >= rules.max_failed_attempts) return next_round(s, round_effect::round_failed);
            auto next = s;
            ++next.failed_attempts;
            return {next, round_effect::attempt_counted};
        }
        case round_event_kind::lapse:
            // The failed attempts live in the metadata: they go with it.
            if (!is_open(s.phase)) return stale(s);
            return {{s.round, s.max_rounds, round_phase::expired, 0}, round_effect::lapsed};
        case round_event_kind::reopen:
            if (s.phase != round_phase::expired) return stale(s); // its metadata exists
            return {start_at(s.round, s.max_rounds), round_effect::reopened};
    }
    return stale(s);
}

bool round_over(round_effect e) noexcept { return e == round_effect::answered || e == round_effect::round_failed; }

bool round_over(bool succeeded, int failed_attempts, const round_rules& rules) noexcept {
    return succeeded || failed_attempts >= rules.max_failed_attempts;
}

const char* answer_reason(round_effect e) noexcept {
    switch (e) {
        case round_effect::answered:
            return nullptr;
        case round_effect::round_failed:
            return "round_failed";
        case round_effect::reopened: // the phone answered a showing the server no longer has
        case round_effect::lapsed:
            return "expired";
        default:
            return "retry";
    }
}

std::string_view to_string(round_phase p) noexcept {
    switch (p) {
        case round_phase::pending:
            return "pending";
        case round_phase::shown:
            return "shown";
        case round_phase::expired:
            return "expired";
        case round_phase::done:
            return "done";
    }
    return "?";
}

std::string_view to_string(round_event_kind k) noexcept {
    switch (k) {
        case round_event_kind::show:
            return "show";
        case round_event_kind::succeed:
            return "succeed";
        case round_event_kind::fail:
            return "fail";
        case round_event_kind::lapse:
            return "lapse";
        case round_event_kind::reopen:
            return "reopen";
    }
    return "?";
}

std::string_view to_string(round_effect e) noexcept {
    switch (e) {
        case round_effect::stale:
            return "stale";
        case round_effect::showing_recorded:
            return "showing_recorded";
        case round_effect::attempt_counted:
            return "attempt_counted";
        case round_effect::answered:
            return "answered";
        case round_effect::round_failed:
            return "round_failed";
        case round_effect::lapsed:
            return "lapsed";
        case round_effect::reopened:
            return "reopened";
    }
    return "?";
}

namespace {

using ph = round_phase;
using ev = round_event_kind;
using fx = round_effect;

constexpr round_state at(int round, ph p, int failed = 0) { return {round, 3, p, failed}; }
constexpr round_state done_state = {4, 3, ph::done, 0};

constexpr std::array table{
    // show
    round_transition_case{"pending shown", at(1, ph::pending), {ev::show, 1}, at(1, ph::shown), fx::showing_recorded},
    round_transition_case{"shown again keeps its failures",
                          at(1, ph::shown, 1),
                          {ev::show, 1},
                          at(1, ph::shown, 1),
                          fx::showing_recorded},
    round_transition_case{"expired is not shown", at(1, ph::expired), {ev::show, 1}, at(1, ph::expired), fx::stale},
    round_transition_case{"another round is not shown", at(2, ph::shown), {ev::show, 1}, at(2, ph::shown), fx::stale},
    round_transition_case{"done is not shown", done_state, {ev::show, 3}, done_state, fx::stale},
    // succeed
    round_transition_case{"answered, next round", at(1, ph::shown), {ev::succeed, 1}, at(2, ph::pending), fx::answered},
    round_transition_case{"answered with failures, next round clean",
                          at(2, ph::shown, 2),
                          {ev::succeed, 2},
                          at(3, ph::pending),
                          fx::answered},
    round_transition_case{"last round answered, done", at(3, ph::shown, 1), {ev::succeed, 3}, done_state, fx::answered},
    round_transition_case{
        "late duplicate of an ended round", at(2, ph::shown), {ev::succeed, 1}, at(2, ph::shown), fx::stale},
    round_transition_case{
        "expired is not answered", at(1, ph::expired), {ev::succeed, 1}, at(1, ph::expired), fx::stale},
    round_transition_case{"done is not answered", done_state, {ev::succeed, 3}, done_state, fx::stale},
    // fail
    round_transition_case{
        "first failure counted", at(1, ph::shown), {ev::fail, 1}, at(1, ph::shown, 1), fx::attempt_counted},
    round_transition_case{
        "second failure counted", at(1, ph::shown, 1), {ev::fail, 1}, at(1, ph::shown, 2), fx::attempt_counted},
    round_transition_case{"failure of a pending round counted",
                          at(2, ph::pending),
                          {ev::fail, 2},
                          at(2, ph::pending, 1),
                          fx::attempt_counted},
    round_transition_case{
        "third failure fails the round", at(1, ph::shown, 2), {ev::fail, 1}, at(2, ph::pending), fx::round_failed},
    round_transition_case{"last round failed, done", at(3, ph::shown, 2), {ev::fail, 3}, done_state, fx::round_failed},
    round_transition_case{
        "failure of an ended round", at(2, ph::shown, 1), {ev::fail, 1}, at(2, ph::shown, 1), fx::stale},
    round_transition_case{
        "failure of an expired round", at(2, ph::expired), {ev::fail, 2}, at(2, ph::expired), fx::stale},
    round_transition_case{"failure once done", done_state, {ev::fail, 3}, done_state, fx::stale},
    // lapse
    round_transition_case{
        "shown lapses, failures gone", at(1, ph::shown, 1), {ev::lapse, 1}, at(1, ph::expired), fx::lapsed},
    round_transition_case{"pending lapses", at(2, ph::pending), {ev::lapse, 2}, at(2, ph::expired), fx::lapsed},
    round_transition_case{
        "expired does not lapse again", at(2, ph::expired), {ev::lapse, 2}, at(2, ph::expired), fx::stale},
    round_transition_case{"done does not lapse", done_state, {ev::lapse, 3}, done_state, fx::stale},
    // reopen
    round_transition_case{
        "expired reopens pending", at(2, ph::expired), {ev::reopen, 2}, at(2, ph::pending), fx::reopened},
    round_transition_case{
        "open round is not reopened", at(2, ph::shown, 1), {ev::reopen, 2}, at(2, ph::shown, 1), fx::stale},
    round_transition_case{
        "another round is not reopened", at(2, ph::expired), {ev::reopen, 1}, at(2, ph::expired), fx::stale},
    round_transition_case{"done is not reopened", done_state, {ev::reopen, 3}, done_state, fx::stale},
};

} // namespace

std::span<const round_transition_case> transition_table() noexcept { return table; }

} // namespace asistencia::domain::attendance
