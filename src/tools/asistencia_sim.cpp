// asistencia-sim: simulates whole classes (honest students and relay attackers) through the
// real scoring code, class baseline included, and prints which share of each group v1
// (PROTOCOL.md 6.6 defaults) and v2 (the server's scoring, docs/scoring.md) judge PRESENT for
// 1..N rounds. The honest decode delay is the measured model (docs/data/honest-delay.json)
// when that file exists, else uniform over the showing.
#include "asistencia/domain/scoring/certainty.hpp"
#include "asistencia/domain/scoring/certainty_v2.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#ifndef ASISTENCIA_DEFAULT_DELAY_MODEL
#define ASISTENCIA_DEFAULT_DELAY_MODEL "docs/data/honest-delay.json"
#endif

namespace {

using namespace asistencia::domain::scoring;

struct sim_options {
    int classes = 2000;
    int honest = 40;
    int relays = 3;
    int max_rounds_shown = 6; // tables cover 1..this many rounds
    std::vector<double> sigmas{0.6, 0.9};
    double network_median_ms = 120;
    double frame_interval_ms = 500;
    std::string delay_model = ASISTENCIA_DEFAULT_DELAY_MODEL; // "uniform": U(0, decode window)
    double decode_window_ms = -1;                             // uniform model: decode ~ U(0, this); < 0: frame interval
    double camera_latency_ms = 0;   // added to every measured decode (sensor -> frame, unmeasured)
    double miss_probability = 0.05; // an answer late by one or more frame intervals
    std::vector<double> relay_delays_ms{300, 500, 700, 1000, 1500};
    double relay_jitter_sigma = 0.2; // relay delay = d * lognormal(0, this)
    int max_failed_attempts = 3;
    int showings_per_round = 1;      // v2 variant: answer this many showings, keep the min RT
    int extra_rounds = 0;            // v2 variant: adaptive rounds for ambiguous students
    double ambiguous_below_ms = 100; // ambiguous: statistic within [T - this, T + span]
    bool only_v2 = false;
    std::uint64_t seed = 20261122;
    scoring_config v1{}; // the protocol's v1 defaults
    scoring_v2_config v2{};
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "asistencia-sim: %s\n"
                 "usage: asistencia-sim [--classes N] [--honest N] [--relays N] [--rounds N]\n"
                 "  [--sigma 0.6,0.9] [--network-median MS] [--frame-interval MS]\n"
                 "  [--delay-model FILE|uniform (default " ASISTENCIA_DEFAULT_DELAY_MODEL
                 " when it exists)]\n"
                 "  [--decode-window MS (uniform model; default: the frame interval)]\n"
                 "  [--camera-latency MS] [--miss-prob P] [--relay-delays 300,700,...]\n"
                 "  [--relay-jitter SIGMA] [--max-failed-attempts N] [--seed N]\n"
                 "  v2 variants: [--showings K] [--extra-rounds N] [--ambiguous-below MS] [--only-v2 1]\n"
                 "  v1 constants: [--v1-rt-min MS] [--v1-mad-factor K] [--v1-margin MS] [--v1-span MS]\n"
                 "  v2 constants: [--rt-min MS] [--rt-max MS] [--baseline-min-students N] [--rt-good MS]\n"
                 "  [--margin MS] [--mad-factor K] [--span MS] [--present-min S] [--doubtful-min S]\n",
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
    bool model_given = false;
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
        if (name == "--classes")
            o.classes = integer();
        else if (name == "--honest")
            o.honest = integer();
        else if (name == "--relays")
            o.relays = integer();
        else if (name == "--rounds")
            o.max_rounds_shown = integer();
        else if (name == "--sigma")
            o.sigmas = to_list(value);
        else if (name == "--network-median")
            o.network_median_ms = to_double(value);
        else if (name == "--frame-interval")
            o.frame_interval_ms = to_double(value);
        else if (name == "--delay-model") {
            o.delay_model = std::string(value);
            model_given = true;
        } else if (name == "--decode-window")
            o.decode_window_ms = to_double(value);
        else if (name == "--camera-latency")
            o.camera_latency_ms = to_double(value);
        else if (name == "--miss-prob")
            o.miss_probability = to_double(value);
        else if (name == "--relay-delays")
            o.relay_delays_ms = to_list(value);
        else if (name == "--relay-jitter")
            o.relay_jitter_sigma = to_double(value);
        else if (name == "--max-failed-attempts")
            o.max_failed_attempts = integer();
        else if (name == "--seed")
            o.seed = static_cast<std::uint64_t>(to_double(value));
        else if (name == "--showings")
            o.showings_per_round = integer();
        else if (name == "--extra-rounds")
            o.extra_rounds = integer();
        else if (name == "--ambiguous-below")
            o.ambiguous_below_ms = to_double(value);
        else if (name == "--only-v2")
            o.only_v2 = integer() != 0;
        else if (name == "--v1-rt-min")
            o.v1.rt_min_ms = to_double(value);
        else if (name == "--v1-mad-factor")
            o.v1.mad_factor = to_double(value);
        else if (name == "--v1-margin")
            o.v1.rt_margin_ms = to_double(value);
        else if (name == "--v1-span")
            o.v1.rt_span_ms = to_double(value);
        else if (name == "--rt-min")
            o.v2.rt_min_ms = to_double(value);
        else if (name == "--rt-max")
            o.v2.rt_max_ms = to_double(value);
        else if (name == "--baseline-min-students")
            o.v2.baseline_min_students = static_cast<std::size_t>(to_double(value));
        else if (name == "--rt-good")
            o.v2.rt_good_ms = to_double(value);
        else if (name == "--margin")
            o.v2.rt_margin_ms = to_double(value);
        else if (name == "--mad-factor")
            o.v2.mad_factor = to_double(value);
        else if (name == "--span")
            o.v2.rt_span_ms = to_double(value);
        else if (name == "--present-min")
            o.v2.present_min = to_double(value);
        else if (name == "--doubtful-min")
            o.v2.doubtful_min = to_double(value);
        else
            usage("unknown option");
    }
    if (o.classes < 1 || o.honest < 0 || o.relays < 0 || o.honest + o.relays < 1 || o.max_rounds_shown < 1 ||
        o.max_failed_attempts < 1 || o.miss_probability < 0 || o.miss_probability >= 1 || o.frame_interval_ms <= 0 ||
        o.network_median_ms <= 0 || o.showings_per_round < 1 || o.extra_rounds < 0 || o.camera_latency_ms < 0) {
        usage("option out of range");
    }
    if (o.decode_window_ms < 0) o.decode_window_ms = o.frame_interval_ms;
    // The measured model is the default only when its file is there.
    if (!model_given && !std::ifstream(o.delay_model)) o.delay_model = "uniform";
    try {
        validate(o.v1);
        validate(o.v2);
    } catch (const std::invalid_argument& e) {
        usage(e.what());
    }
    return o;
}

// One kind of phone (a measured condition): its decode delays, resampled.
struct device_class {
    std::string name;
    double weight = 1;
    std::vector<double> delays_ms;
};

// The honest decode delay: uniform over the showing, or the measured conditions of
// docs/data/honest-delay.json (paint -> answer received on loopback), each simulated
// student drawing one condition for the whole class (a phone keeps its speed).
struct decode_model {
    std::string description;
    std::vector<device_class> devices; // empty: uniform
};

decode_model load_model(const sim_options& o) {
    decode_model m;
    if (o.delay_model == "uniform") {
        char buf[96];
        std::snprintf(buf, sizeof buf, "uniform U(0, %.0f) ms", o.decode_window_ms);
        m.description = buf;
        return m;
    }
    std::ifstream in(o.delay_model);
    if (!in) usage("cannot read the delay model file");
    const auto doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_discarded() || !doc.contains("conditions") || !doc["conditions"].is_array()) {
        usage("the delay model file is not a model (needs a conditions array)");
    }
    double total = 0;
    std::string names;
    for (const auto& c : doc["conditions"]) {
        const double w = c.value("sim_weight", 0.0);
        if (!(w > 0) || !c.contains("samples_ms") || !c["samples_ms"].is_array()) continue;
        device_class d;
        d.name = c.value("name", "?");
        d.weight = w;
        for (const auto& v : c["samples_ms"]) {
            if (v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0) {
                d.delays_ms.push_back(v.get<double>());
            }
        }
        if (d.delays_ms.empty()) continue;
        char buf[96];
        std::snprintf(buf, sizeof buf, "%s%s (w %.2f, %zu samples)", names.empty() ? "" : ", ", d.name.c_str(), w,
                      d.delays_ms.size());
        names += buf;
        total += w;
        m.devices.push_back(std::move(d));
    }
    if (m.devices.empty() || !(total > 0)) usage("the delay model file has no condition with sim_weight > 0");
    m.description =
        "measured (" + o.delay_model + (doc.value("provisional", false) ? ", PROVISIONAL" : "") + "): " + names;
    return m;
}

// One student's answer times.
class rt_model {
public:
    rt_model(const sim_options& o, const decode_model& m, double sigma)
        : o_(o),
          model_(m),
          uniform_(0.0, o.decode_window_ms),
          network_(std::log(o.network_median_ms), sigma),
          relay_factor_(0.0, o.relay_jitter_sigma) {
        for (const auto& d : m.devices) weights_.push_back(d.weight);
    }

    // Which measured condition this student's phone is (0 for the uniform model).
    int draw_device(std::mt19937_64& rng) {
        if (weights_.empty()) return 0;
        std::discrete_distribution<int> pick(weights_.begin(), weights_.end());
        return pick(rng);
    }
    // Camera decode + network, sometimes late by a frame interval or more.
    double honest(std::mt19937_64& rng, int device) {
        double decode = 0;
        if (model_.devices.empty()) {
            decode = uniform_(rng);
        } else {
            const auto& d = model_.devices[static_cast<std::size_t>(device)].delays_ms;
            decode = d[std::uniform_int_distribution<std::size_t>(0, d.size() - 1)(rng)] + o_.camera_latency_ms;
        }
        double rt = decode + network_(rng);
        if (coin_(rng) < o_.miss_probability) {
            int frames = 1;
            while (coin_(rng) < 0.5) ++frames;
            rt += frames * o_.frame_interval_ms;
        }
        return rt;
    }
    // The remote phone is an honest phone watching a relayed picture delay_ms later.
    double relay(std::mt19937_64& rng, int device, double delay_ms) {
        return honest(rng, device) + delay_ms * std::exp(relay_factor_(rng));
    }

private:
    const sim_options& o_;
    const decode_model& model_;
    std::vector<double> weights_;
    std::uniform_real_distribution<double> uniform_;
    std::lognormal_distribution<double> network_;
    std::normal_distribution<double> relay_factor_;
    std::uniform_real_distribution<double> coin_{0.0, 1.0};
};

// A simulated student: what they are and their own random stream, so v1 and v2 score the
// same answers (each through its own RT window).
struct sim_student {
    bool honest = true;
    int device = 0;
    std::uint64_t seed = 0;
};

struct play_counts {
    long attempts = 0; // answers sent (each answers one showing)
    long refused = 0;  // answers outside [RT_MIN_MS, RT_MAX_MS]
};

// Plays rounds first..last as the server does: an answer outside [rt_min, rt_max] is a failed
// attempt and the student answers a later showing; max_failed failures fail the round. With
// `showings` > 1 the round takes that many accepted answers and keeps the smallest RT.
template <class Draw>
void play(student_input& in, int first, int last, double rt_min, double rt_max, int showings, const sim_options& o,
          Draw&& draw, play_counts& n) {
    for (int r = first; r <= last; ++r) {
        int failures = 0, accepted = 0;
        round_record rec{r, false, 0};
        while (failures < o.max_failed_attempts && accepted < showings) {
            const double rt = draw();
            ++n.attempts;
            if (rt >= rt_min && rt <= rt_max) {
                rec.rt_ms = accepted == 0 ? rt : std::min(rec.rt_ms, rt);
                rec.success = true;
                ++accepted;
            } else {
                ++failures;
                ++n.refused;
            }
        }
        in.failed_attempts += failures;
        in.rounds.push_back(rec);
    }
}

struct cell {
    long honest = 0, relays = 0;
    long v1_honest_present = 0, v1_relays_present = 0;
    long v2_honest_present = 0, v2_honest_absent = 0, v2_relays_present = 0;
    double v1_threshold_sum = 0, v2_threshold_sum = 0;
    long classes = 0;
    play_counts v1_honest_play, v2_honest_play;
    long v2_showings = 0; // every answer of the class (honest and relays), extra rounds included
    long v2_extra_rounds = 0;
};

cell simulate(const sim_options& o, const decode_model& model, double sigma, int rounds, double delay_ms,
              std::size_t delay_index) {
    std::seed_seq seq{o.seed, static_cast<std::uint64_t>(rounds), static_cast<std::uint64_t>(delay_index),
                      static_cast<std::uint64_t>(std::llround(sigma * 1000))};
    std::mt19937_64 class_rng(seq);
    rt_model rt(o, model, sigma);
    cell t;
    std::vector<sim_student> people;
    std::vector<student_input> v1_in, v2_in;
    std::vector<std::mt19937_64> v2_rng;
    std::vector<double> pool;
    for (int c = 0; c < o.classes; ++c) {
        people.clear();
        for (int s = 0; s < o.honest + o.relays; ++s) {
            sim_student p;
            p.honest = s < o.honest;
            p.device = rt.draw_device(class_rng);
            p.seed = class_rng();
            people.push_back(p);
        }
        // v1: the protocol's defaults, first success of each round.
        v1_in.assign(people.size(), {});
        v2_in.assign(people.size(), {});
        v2_rng.clear();
        for (std::size_t s = 0; s < people.size(); ++s) {
            const auto& p = people[s];
            const auto draw_with = [&](std::mt19937_64& g) {
                return [&rt, &p, &g, delay_ms] {
                    return p.honest ? rt.honest(g, p.device) : rt.relay(g, p.device, delay_ms);
                };
            };
            play_counts relay_counts;
            if (!o.only_v2) {
                std::mt19937_64 g(p.seed);
                v1_in[s].max_rounds = rounds;
                play(v1_in[s], 1, rounds, o.v1.rt_min_ms, o.v1.rt_max_ms, 1, o, draw_with(g),
                     p.honest ? t.v1_honest_play : relay_counts);
            }
            v2_rng.emplace_back(p.seed);
            v2_in[s].max_rounds = rounds;
            play_counts v2_counts;
            play(v2_in[s], 1, rounds, o.v2.rt_min_ms, o.v2.rt_max_ms, o.showings_per_round, o, draw_with(v2_rng.back()),
                 v2_counts);
            t.v2_showings += v2_counts.attempts;
            if (p.honest) {
                t.v2_honest_play.attempts += v2_counts.attempts;
                t.v2_honest_play.refused += v2_counts.refused;
            }
        }
        if (!o.only_v2) {
            pool.clear();
            for (const auto& in : v1_in) {
                for (const auto& r : in.rounds) {
                    if (r.success) pool.push_back(r.rt_ms);
                }
            }
            const auto baseline = compute_baseline(pool, o.v1);
            t.v1_threshold_sum += baseline.threshold_ms;
            for (std::size_t s = 0; s < people.size(); ++s) {
                const bool present = score_student(v1_in[s], baseline, o.v1).status == attendance_status::present;
                (people[s].honest ? t.v1_honest_present : t.v1_relays_present) += present;
            }
        }
        const auto distribution_of = [&] {
            pool.clear();
            for (const auto& in : v2_in) {
                if (const auto m = student_statistic(in)) pool.push_back(*m);
            }
            return compute_class_distribution(pool, o.v2);
        };
        auto dist = distribution_of();
        // Adaptive: students still near the threshold get more rounds, one at a time.
        for (int extra = 0; extra < o.extra_rounds; ++extra) {
            bool any = false;
            for (std::size_t s = 0; s < people.size(); ++s) {
                const auto m = student_statistic(v2_in[s]);
                if (!m || *m < dist.threshold_ms - o.ambiguous_below_ms || *m > dist.threshold_ms + o.v2.rt_span_ms) {
                    continue;
                }
                const auto& p = people[s];
                auto& g = v2_rng[s];
                auto& in = v2_in[s];
                ++in.max_rounds;
                play_counts n;
                play(
                    in, in.max_rounds, in.max_rounds, o.v2.rt_min_ms, o.v2.rt_max_ms, o.showings_per_round, o,
                    [&] { return p.honest ? rt.honest(g, p.device) : rt.relay(g, p.device, delay_ms); }, n);
                t.v2_showings += n.attempts;
                ++t.v2_extra_rounds;
                any = true;
            }
            if (!any) break;
            dist = distribution_of();
        }
        t.v2_threshold_sum += dist.threshold_ms;
        ++t.classes;
        for (std::size_t s = 0; s < people.size(); ++s) {
            const auto st = score_student_v2(v2_in[s], dist, o.v2).status;
            if (people[s].honest) {
                ++t.honest;
                t.v2_honest_present += st == attendance_status::present;
                t.v2_honest_absent += st == attendance_status::absent;
            } else {
                ++t.relays;
                t.v2_relays_present += st == attendance_status::present;
            }
        }
    }
    return t;
}

double pct(long part, long whole) {
    return whole == 0 ? 0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

void print_header(const sim_options& o, bool v2) {
    std::printf("\n| rounds | honest |");
    for (const double d : o.relay_delays_ms) std::printf(" relay +%.0f ms |", d);
    std::printf(" mean T (ms) |%s\n|---:|---:|", v2 ? " honest ABSENT | class time (s) |" : "");
    for (std::size_t i = 0; i < o.relay_delays_ms.size() + (v2 ? 3 : 1); ++i) std::printf("---:|");
    std::printf("\n");
}

void print_tables(const sim_options& o, const std::vector<std::vector<cell>>& cells) {
    if (!o.only_v2) {
        std::printf(
            "\nv1 (protocol 6.6 defaults: RT_MIN_MS %.0f, T = m + max(%.0f, %.1f x MAD) over all "
            "rounds' RTs, per-round weights, span %.0f), share judged PRESENT:\n",
            o.v1.rt_min_ms, o.v1.rt_margin_ms, o.v1.mad_factor, o.v1.rt_span_ms);
        print_header(o, false);
        for (std::size_t r = 0; r < cells.size(); ++r) {
            long h = 0, hp = 0, k = 0;
            double ts = 0;
            for (const auto& t : cells[r]) {
                h += t.honest;
                hp += t.v1_honest_present;
                ts += t.v1_threshold_sum;
                k += t.classes;
            }
            std::printf("| %zu | %.1f %% |", r + 1, pct(hp, h));
            for (const auto& t : cells[r]) std::printf(" %.1f %% |", pct(t.v1_relays_present, t.relays));
            std::printf(" %.0f |\n", k ? ts / static_cast<double>(k) : 0.0);
        }
    }
    std::printf(
        "\nv2 (RT_MIN_MS %.0f; student median vs class of medians, T = m + max(%.0f, %.1f x MAD), "
        "span %.0f%s), share judged PRESENT:\n",
        o.v2.rt_min_ms, o.v2.rt_margin_ms, o.v2.mad_factor, o.v2.rt_span_ms,
        o.showings_per_round > 1 || o.extra_rounds > 0 ? ", variant below" : "");
    if (o.showings_per_round > 1) std::printf("variant: %d showings per round, min RT kept\n", o.showings_per_round);
    if (o.extra_rounds > 0) {
        std::printf("variant: up to %d adaptive extra rounds for statistics in [T - %.0f, T + %.0f]\n", o.extra_rounds,
                    o.ambiguous_below_ms, o.v2.rt_span_ms);
    }
    print_header(o, true);
    for (std::size_t r = 0; r < cells.size(); ++r) {
        long h = 0, hp = 0, ha = 0, k = 0, shows = 0;
        double ts = 0;
        for (const auto& t : cells[r]) {
            h += t.honest;
            hp += t.v2_honest_present;
            ha += t.v2_honest_absent;
            ts += t.v2_threshold_sum;
            k += t.classes;
            shows += t.v2_showings;
        }
        std::printf("| %zu | %.1f %% |", r + 1, pct(hp, h));
        for (const auto& t : cells[r]) std::printf(" %.1f %% |", pct(t.v2_relays_present, t.relays));
        // The frame loop shows one pending QR per frame: the class's answers x the interval.
        std::printf(" %.0f | %.2f %% | %.0f |\n", k ? ts / static_cast<double>(k) : 0.0, pct(ha, h),
                    k ? static_cast<double>(shows) / static_cast<double>(k) * o.frame_interval_ms / 1000 : 0.0);
    }
}

} // namespace

int main(int argc, char** argv) {
    const sim_options o = parse(argc, argv);
    const decode_model model = load_model(o);
    std::printf("# asistencia-sim\n\n");
    std::printf(
        "%d classes x (%d honest + %d relays) per cell, seed %llu.\nHonest RT = decode delay %s%s\n"
        "  + lognormal network (median %.0f ms), late by >= 1 frame of %.0f ms w.p. %.2f.\n"
        "Relay RT = honest RT + d x lognormal(0, %.2f). %d refused answers fail a round.\n",
        o.classes, o.honest, o.relays, static_cast<unsigned long long>(o.seed), model.description.c_str(),
        o.camera_latency_ms > 0 ? (" + camera latency " + std::to_string(o.camera_latency_ms) + " ms").c_str() : "",
        o.network_median_ms, o.frame_interval_ms, o.miss_probability, o.relay_jitter_sigma, o.max_failed_attempts);
    for (const double sigma : o.sigmas) {
        std::vector<std::vector<cell>> cells;
        long v1a = 0, v1r = 0, v2a = 0, v2r = 0;
        for (int rounds = 1; rounds <= o.max_rounds_shown; ++rounds) {
            std::vector<cell> row;
            for (std::size_t d = 0; d < o.relay_delays_ms.size(); ++d) {
                row.push_back(simulate(o, model, sigma, rounds, o.relay_delays_ms[d], d));
                v1a += row.back().v1_honest_play.attempts;
                v1r += row.back().v1_honest_play.refused;
                v2a += row.back().v2_honest_play.attempts;
                v2r += row.back().v2_honest_play.refused;
            }
            cells.push_back(std::move(row));
        }
        std::printf(
            "\n## network sigma %.2f\n\nHonest answers refused (outside [RT_MIN_MS, RT_MAX_MS]): v1 %.2f %%, "
            "v2 %.2f %% of attempts.\n",
            sigma, pct(v1r, v1a), pct(v2r, v2a));
        print_tables(o, cells);
    }
    return 0;
}
