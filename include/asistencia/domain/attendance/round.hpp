// The round rules of a class (PROTOCOL.md 6.3-6.5) in one pure place: where a student's
// current round stands, the events that move it and what each transition does. No I/O:
// the Lua scripts of infra/stores/round_store.cpp implement exactly these transitions
// (tests/integration/valkey/round_store_test.cpp runs this module's table against them),
// and attendance_service::answer reads its decisions from here.
#pragma once

#include <span>
#include <string_view>

namespace asistencia::domain::attendance {

// Where the student's current round stands.
enum class round_phase {
    pending, // open (metadata + queue entry), not shown yet
    shown,   // open and shown at least once: answers to its showings count
    expired, // its metadata lapsed (TTL, a Valkey restart) while it is the current round
    done,    // every round was answered or failed
};

struct round_state {
    int round = 1; // round_actual: the current round, max_rounds + 1 once done
    int max_rounds = 3;
    round_phase phase = round_phase::pending;
    int failed_attempts = 0; // intentos_fallidos of the current round

    friend bool operator==(const round_state&, const round_state&) = default;
};

enum class round_event_kind {
    show,    // the frame loop showed the round (one more showing)
    succeed, // an answer to one of its showings passed every check
    fail,    // an answer failed a check
    lapse,   // its metadata expired or was lost
    reopen,  // its metadata is re-created after it lapsed
};

struct round_event {
    round_event_kind kind = round_event_kind::show;
    int round = 1; // the round the event is about (an answer names it)
};

// What a transition did. `stale`: the event does not apply to the state (another answer
// won the race, a late duplicate, a round already over): nothing changes.
enum class round_effect {
    stale,
    showing_recorded,
    attempt_counted, // a failed attempt below the limit: the round stays open
    answered,        // the round succeeded: the next round opens, or the student is done
    round_failed,    // the limit of failed attempts: the next round opens, or done
    lapsed,
    reopened,
};

struct round_rules {
    int max_failed_attempts = 3; // MAX_FAILED_ATTEMPTS
};

struct round_step {
    round_state next;
    round_effect effect = round_effect::stale;
};

// The state of a student who joins (or is rebuilt) at `round`: that round opens, or done.
round_state start_at(int round, int max_rounds) noexcept;

// The transition function: `s` and `e` -> the new state and the effect.
round_step apply(const round_state& s, const round_event& e, const round_rules& rules) noexcept;

// True while answers and showings of the current round count.
bool is_open(round_phase p) noexcept;
// The round ended (answered or failed) and the next one opened, or the student is done.
bool round_over(round_effect e) noexcept;
// Whether a round with these attempts is over (rebuilding the state from PostgreSQL).
bool round_over(bool succeeded, int failed_attempts, const round_rules& rules) noexcept;

// The coarse reason an answer gets after a transition (PROTOCOL.md 6.5, never which check
// failed): nullptr for an accepted answer, "round_failed", "expired" (the server lost or
// re-created the showing), else "retry".
const char* answer_reason(round_effect e) noexcept;

std::string_view to_string(round_phase p) noexcept;
std::string_view to_string(round_event_kind k) noexcept;
std::string_view to_string(round_effect e) noexcept;

// The (state, event) -> (state', effect) table the unit test and the Valkey integration
// test both run, so the pure rules and the Lua scripts cannot drift apart. Rules: max
// 3 failed attempts; states of a class of 3 rounds.
struct round_transition_case {
    const char* name = nullptr;
    round_state before{};
    round_event event{};
    round_state after{};
    round_effect effect{};
};
inline constexpr round_rules table_rules{3};
std::span<const round_transition_case> transition_table() noexcept;

} // namespace asistencia::domain::attendance
