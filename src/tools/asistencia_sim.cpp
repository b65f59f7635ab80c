// asistencia-sim: simulates whole classes (honest students and relay attackers) through the
// real scoring code, class baseline included, and prints which share of each group the
// certainty score judges PRESENT for 1..N rounds (docs/scoring.md holds the default tables).
#include "asistencia/domain/scoring/certainty.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace asistencia::domain::scoring;

struct sim_options {
    int classes = 2000;
    int honest = 40;
    int relays = 3;
    int max_rounds_shown = 10;     // tables cover 1..this many rounds
    std::vector<double> sigmas{0.6, 0.9};
    double network_median_ms = 120;
    double frame_interval_ms = 500;
    double decode_window_ms = -1;    // camera decode delay ~ U(0, this); < 0: frame interval
    double miss_probability = 0.05;  // a showing decoded one or more frames late
    std::vector<double> relay_delays_ms{300, 700, 1000, 1500, 3000};
    double relay_jitter_sigma = 0.2;  // relay delay = d * lognormal(0, this)
    double fixed_threshold_ms = 1500;
    int max_failed_attempts = 3;
    std::uint64_t seed = 20261122;
    scoring_config config{};
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "asistencia-sim: %s\n"
                 "usage: asistencia-sim [--classes N] [--honest N] [--relays N] [--rounds N]\n"
                 "  [--sigma 0.6,0.9] [--network-median MS] [--frame-interval MS]\n"
                 "  [--decode-window MS (default: the frame interval)]\n"
                 "  [--miss-prob P] [--relay-delays 300,700,...] [--relay-jitter SIGMA]\n"
                 "  [--fixed-threshold MS] [--max-failed-attempts N] [--seed N]\n"
                 "  scoring constants: [--rt-min MS] [--rt-max MS] [--baseline-min N]\n"
                 "  [--rt-good MS] [--margin MS] [--mad-factor K] [--span MS]\n"
                 "  [--present-min S] [--doubtful-min S]\n",
                 why);
    std::exit(2);
}

double to_double(std::string_view s) {
    try {
        std::size_t used = 0;
        const double v = std::stod(std::string{s}, &used);
        if (used != s.size() || !std::isfinite(v)) usage("not a number");
        return v;
    } catch (const std::exception&) {
        usage("not a number");
    }
}

std::vector<double> to_list(std::string_view s) {
    std::vector<double> out;
    std::stringstream in{std::string{s}};
    std::string item;
    while (std::getline(in, item, ',')) out.push_back(to_double(item));
    if (out.empty()) usage("empty list");
    return out;
}

sim_options parse(int argc, char** argv) {
    sim_options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view name = argv[i];
        std::string_view value;
        if (const auto eq = name.find('='); eq != std::string_view::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        } else if (name == "--help" || name == "-h") {
            usage("help");
        } else {
            if (i + 1 >= argc) usage("missing value");
            value = argv[++i];
        }
        const auto integer = [&] { return static_cast<int>(to_double(value)); };
        if (name == "--classes") o.classes = integer();
        else if (name == "--honest") o.honest = integer();
        else if (name == "--relays") o.relays = integer();
        else if (name == "--rounds") o.max_rounds_shown = integer();
        else if (name == "--sigma") o.sigmas = to_list(value);
        else if (name == "--network-median") o.network_median_ms = to_double(value);
        else if (name == "--frame-interval") o.frame_interval_ms = to_double(value);
        else if (name == "--decode-window") o.decode_window_ms = to_double(value);
        else if (name == "--miss-prob") o.miss_probability = to_double(value);
        else if (name == "--relay-delays") o.relay_delays_ms = to_list(value);
        else if (name == "--relay-jitter") o.relay_jitter_sigma = to_double(value);
        else if (name == "--fixed-threshold") o.fixed_threshold_ms = to_double(value);
        else if (name == "--max-failed-attempts") o.max_failed_attempts = integer();
        else if (name == "--seed") o.seed = static_cast<std::uint64_t>(to_double(value));
        else if (name == "--rt-min") o.config.rt_min_ms = to_double(value);
        else if (name == "--rt-max") o.config.rt_max_ms = to_double(value);
        else if (name == "--baseline-min") o.config.baseline_min_answers =
            static_cast<std::size_t>(to_double(value));
        else if (name == "--rt-good") o.config.rt_good_ms = to_double(value);
        else if (name == "--margin") o.config.rt_margin_ms = to_double(value);
        else if (name == "--mad-factor") o.config.mad_factor = to_double(value);
        else if (name == "--span") o.config.rt_span_ms = to_double(value);
        else if (name == "--present-min") o.config.present_min = to_double(value);
        else if (name == "--doubtful-min") o.config.doubtful_min = to_double(value);
        else usage("unknown option");
    }
    if (o.classes < 1 || o.honest < 0 || o.relays < 0 || o.honest + o.relays < 1 ||
        o.max_rounds_shown < 1 || o.max_failed_attempts < 1 || o.miss_probability < 0 ||
        o.miss_probability >= 1 || o.frame_interval_ms <= 0 || o.network_median_ms <= 0) {
        usage("option out of range");
    }
    if (o.decode_window_ms < 0) o.decode_window_ms = o.frame_interval_ms;
    try {
        validate(o.config);
    } catch (const std::invalid_argument& e) {
        usage(e.what());
    }
    return o;
}

// One student's answer times, drawn the way the protocol's model describes them.
class rt_model {
public:
    rt_model(const sim_options& o, double sigma)
        : frame_(o.frame_interval_ms), miss_p_(o.miss_probability),
          decode_(0.0, o.decode_window_ms),
          network_(std::log(o.network_median_ms), sigma),
          relay_factor_(0.0, o.relay_jitter_sigma) {}

    // Camera decode somewhere within the showing + network, sometimes a late frame or more.
    double honest(std::mt19937_64& rng) {
        double rt = decode_(rng) + network_(rng);
        if (coin_(rng) < miss_p_) {
            int frames = 1;
            while (coin_(rng) < 0.5) ++frames;  // 1 frame late w.p. 1/2, 2 w.p. 1/4, ...
            rt += frames * frame_;
        }
        return rt;
    }
    // The remote phone is an honest phone watching a relayed picture delay_ms later.
    double relay(std::mt19937_64& rng, double delay_ms) {
        return honest(rng) + delay_ms * std::exp(relay_factor_(rng));
    }

private:
    double frame_;
    double miss_p_;
    std::uniform_real_distribution<double> decode_;
    std::lognormal_distribution<double> network_;
    std::normal_distribution<double> relay_factor_;
    std::uniform_real_distribution<double> coin_{0.0, 1.0};
};

// Counters for one (sigma, rounds, relay delay) cell.
struct tally {
    long honest = 0, honest_present = 0, honest_attempts = 0, honest_failed_attempts = 0;
    long relays = 0, relays_present = 0;
    long fixed_honest_present = 0, fixed_relays_present = 0;
    double threshold_sum = 0;
    long class_count = 0;
};

// Plays every round of one student as the server would: an answer outside
// [RT_MIN_MS, RT_MAX_MS] is a failed attempt and the student answers a later showing;
// MAX_FAILED_ATTEMPTS failures fail the round.
template <class Draw>
student_input play(int rounds, const sim_options& o, Draw&& draw, long& attempts) {
    student_input in;
    in.max_rounds = rounds;
    for (int r = 1; r <= rounds; ++r) {
        int failures = 0;
        round_record rec{r, false, 0};
        while (failures < o.max_failed_attempts) {
            const double rt = draw();
            ++attempts;
            if (rt >= o.config.rt_min_ms && rt <= o.config.rt_max_ms) {
                rec.success = true;
                rec.rt_ms = rt;
                break;
            }
            ++failures;
        }
        in.failed_attempts += failures;
        in.rounds.push_back(rec);
    }
    return in;
}

tally simulate(const sim_options& o, double sigma, int rounds, double delay_ms,
               std::size_t delay_index) {
    std::seed_seq seq{o.seed, static_cast<std::uint64_t>(rounds),
                      static_cast<std::uint64_t>(delay_index),
                      static_cast<std::uint64_t>(std::llround(sigma * 1000))};
    std::mt19937_64 rng(seq);
    rt_model model(o, sigma);

    scoring_config fixed = o.config;  // T pinned: median RT_GOOD_MS, never a class baseline
    fixed.baseline_min_answers = std::numeric_limits<std::size_t>::max();
    fixed.rt_good_ms = o.fixed_threshold_ms - fixed.rt_margin_ms;

    tally t;
    std::vector<student_input> students;
    std::vector<double> class_rts;
    for (int c = 0; c < o.classes; ++c) {
        students.clear();
        class_rts.clear();
        for (int s = 0; s < o.honest; ++s) {
            students.push_back(play(rounds, o, [&] { return model.honest(rng); },
                                    t.honest_attempts));
            t.honest_failed_attempts += students.back().failed_attempts;
        }
        long relay_attempts = 0;
        for (int s = 0; s < o.relays; ++s) {
            students.push_back(play(rounds, o, [&] { return model.relay(rng, delay_ms); },
                                    relay_attempts));
        }
        for (const auto& st : students) {
            for (const auto& r : st.rounds) {
                if (r.success) class_rts.push_back(r.rt_ms);
            }
        }
        const auto baseline = compute_baseline(class_rts, o.config);
        const auto fixed_baseline = compute_baseline(class_rts, fixed);
        t.threshold_sum += baseline.threshold_ms;
        ++t.class_count;
        for (int s = 0; s < static_cast<int>(students.size()); ++s) {
            const bool is_honest = s < o.honest;
            const bool present = score_student(students[static_cast<std::size_t>(s)], baseline,
                                               o.config)
                                     .status == attendance_status::present;
            const bool fixed_present =
                score_student(students[static_cast<std::size_t>(s)], fixed_baseline, fixed)
                    .status == attendance_status::present;
            if (is_honest) {
                ++t.honest;
                t.honest_present += present;
                t.fixed_honest_present += fixed_present;
            } else {
                ++t.relays;
                t.relays_present += present;
                t.fixed_relays_present += fixed_present;
            }
        }
    }
    return t;
}

double pct(long part, long whole) { return whole == 0 ? 0 : 100.0 * part / whole; }

void print_table(const char* title, const std::vector<std::vector<tally>>& cells,
                 const sim_options& o, bool fixed) {
    std::printf("\n%s\n\n| rounds | honest |", title);
    for (const double d : o.relay_delays_ms) std::printf(" relay +%.0f ms |", d);
    std::printf("%s\n|---:|---:|", fixed ? "" : " mean T (ms) |");
    for (std::size_t i = 0; i < o.relay_delays_ms.size(); ++i) std::printf("---:|");
    std::printf("%s\n", fixed ? "" : "---:|");
    for (std::size_t r = 0; r < cells.size(); ++r) {
        long honest = 0, honest_present = 0, classes = 0;
        double threshold_sum = 0;
        for (const auto& t : cells[r]) {
            honest += t.honest;
            honest_present += fixed ? t.fixed_honest_present : t.honest_present;
            threshold_sum += t.threshold_sum;
            classes += t.class_count;
        }
        std::printf("| %zu | %.1f %% |", r + 1, pct(honest_present, honest));
        for (const auto& t : cells[r]) {
            std::printf(" %.1f %% |",
                        pct(fixed ? t.fixed_relays_present : t.relays_present, t.relays));
        }
        if (!fixed) std::printf(" %.0f |", classes ? threshold_sum / classes : 0.0);
        std::printf("\n");
    }
}

} // namespace

int main(int argc, char** argv) {
    const sim_options o = parse(argc, argv);
    const auto& c = o.config;
    std::printf("# asistencia-sim\n\n");
    std::printf("%d classes x (%d honest + %d relays) per cell, seed %llu; honest RT = "
                "U(0, %.0f) decode + lognormal network (median %.0f ms), late by >= 1 frame of "
                "%.0f ms w.p. %.2f;"
                "\nrelay RT = honest RT + d x lognormal(0, %.2f). RT outside [%.0f, %.0f] = "
                "failed attempt, %d fail a round.\nScoring: BASELINE_MIN_ANSWERS %zu, "
                "RT_GOOD_MS %.0f, RT_MARGIN_MS %.0f, MAD factor %.1f, RT_SPAN_MS %.0f, "
                "PRESENT >= %.0f.\n",
                o.classes, o.honest, o.relays, static_cast<unsigned long long>(o.seed),
                o.decode_window_ms, o.network_median_ms, o.frame_interval_ms,
                o.miss_probability,
                o.relay_jitter_sigma, c.rt_min_ms, c.rt_max_ms, o.max_failed_attempts,
                c.baseline_min_answers, c.rt_good_ms, c.rt_margin_ms, c.mad_factor,
                c.rt_span_ms, c.present_min);
    for (const double sigma : o.sigmas) {
        std::vector<std::vector<tally>> cells;
        long attempts = 0, failed = 0;
        for (int rounds = 1; rounds <= o.max_rounds_shown; ++rounds) {
            std::vector<tally> row;
            for (std::size_t d = 0; d < o.relay_delays_ms.size(); ++d) {
                row.push_back(simulate(o, sigma, rounds, o.relay_delays_ms[d], d));
                attempts += row.back().honest_attempts;
                failed += row.back().honest_failed_attempts;
            }
            cells.push_back(std::move(row));
        }
        std::printf("\n## network sigma %.2f\n\nHonest answers refused as faster than RT_MIN_MS"
                    " or slower than RT_MAX_MS: %.2f %% of attempts.\n",
                    sigma, pct(failed, attempts));
        print_table("Share judged PRESENT, class baseline (T = m + max(margin, k * MAD)):",
                    cells, o, false);
        char title[160];
        std::snprintf(title, sizeof title,
                      "Share judged PRESENT, fixed threshold T = %.0f ms (no class baseline):",
                      o.fixed_threshold_ms);
        print_table(title, cells, o, true);
    }
    return 0;
}
