// Migration files: names, loading, checksums and the applied-vs-files plan (no database).
#include "asistencia/infra/postgres/migrations.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace asistencia::infra::postgres {
namespace {

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw migration_error("cannot read migration file " + p.string());
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<migration> finish(std::vector<migration> out) {
    std::sort(out.begin(), out.end(), [](const migration& a, const migration& b) { return a.version < b.version; });
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (out[i].version == out[i - 1].version) {
            throw migration_error("two migrations share version " + std::to_string(out[i].version) + ": " +
                                  out[i - 1].name + " and " + out[i].name);
        }
    }
    return out;
}

} // namespace

std::optional<migration_stem> parse_migration_stem(std::string_view stem) {
    // NNNN_name: at least four digits, an underscore, then [a-z0-9_]+.
    const auto us = stem.find('_');
    if (us == std::string_view::npos || us < 4 || us + 1 >= stem.size()) {
        return std::nullopt;
    }
    int version = 0;
    auto [ptr, ec] = std::from_chars(stem.data(), stem.data() + us, version);
    if (ec != std::errc{} || ptr != stem.data() + us || version <= 0) {
        return std::nullopt;
    }
    const auto name = stem.substr(us + 1);
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return std::nullopt;
        }
    }
    return migration_stem{version, std::string(name)};
}

std::string sha256_hex(std::string_view bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(static_cast<std::size_t>(len) * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out += digits[md[i] >> 4];
        out += digits[md[i] & 0xf];
    }
    return out;
}

std::vector<migration> embedded_migrations() {
    std::vector<migration> out;
    for (const auto& f : embedded_migration_files()) {
        auto stem = parse_migration_stem(f.stem);
        if (!stem) {
            throw migration_error("malformed embedded migration name " + std::string(f.stem));
        }
        out.push_back(
            {stem->version, stem->name, std::string(f.up_sql), std::string(f.down_sql), sha256_hex(f.up_sql)});
    }
    return finish(std::move(out));
}

std::vector<migration> load_migrations(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw migration_error("migrations directory " + dir.string() + " does not exist");
    }
    std::map<std::string, std::pair<bool, bool>> stems; // stem -> {has up, has down}
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const auto file = entry.path().filename().string();
        constexpr std::string_view up = ".up.sql", down = ".down.sql";
        if (file.size() > up.size() && file.ends_with(up)) {
            stems[file.substr(0, file.size() - up.size())].first = true;
        } else if (file.size() > down.size() && file.ends_with(down)) {
            stems[file.substr(0, file.size() - down.size())].second = true;
        }
    }
    std::vector<migration> out;
    for (const auto& [stem, has] : stems) {
        auto parsed = parse_migration_stem(stem);
        if (!parsed) {
            throw migration_error("malformed migration name '" + stem + "' (expected NNNN_name.up.sql / .down.sql)");
        }
        if (!has.first || !has.second) {
            throw migration_error("migration " + stem + " needs both " + stem + ".up.sql and " + stem + ".down.sql");
        }
        auto up_sql = read_file(dir / (stem + ".up.sql"));
        auto down_sql = read_file(dir / (stem + ".down.sql"));
        auto sum = sha256_hex(up_sql);
        out.push_back({parsed->version, parsed->name, std::move(up_sql), std::move(down_sql), std::move(sum)});
    }
    return finish(std::move(out));
}

std::string migration_label(int version, std::string_view name) {
    char digits[16];
    std::snprintf(digits, sizeof digits, "%04d", version);
    return std::string(digits) + "_" + std::string(name);
}

const char* to_string(migration_state s) noexcept {
    switch (s) {
        case migration_state::applied:
            return "applied";
        case migration_state::pending:
            return "pending";
        case migration_state::checksum_mismatch:
            return "CHECKSUM MISMATCH";
        case migration_state::file_missing:
            return "applied, file missing";
    }
    return "unknown";
}

std::vector<migration_status_row> plan_status(const std::vector<migration>& files,
                                              const std::vector<applied_migration>& applied) {
    std::map<int, migration_status_row> rows;
    for (const auto& f : files) {
        rows[f.version] = {f.version, f.name, migration_state::pending, {}};
    }
    for (const auto& a : applied) {
        auto it = rows.find(a.version);
        if (it == rows.end()) {
            rows[a.version] = {a.version, a.name, migration_state::file_missing, a.applied_at};
            continue;
        }
        const auto& file =
            *std::find_if(files.begin(), files.end(), [&](const migration& m) { return m.version == a.version; });
        it->second.applied_at = a.applied_at;
        it->second.state = file.checksum == a.checksum ? migration_state::applied : migration_state::checksum_mismatch;
    }
    std::vector<migration_status_row> out;
    out.reserve(rows.size());
    for (auto& [v, row] : rows) {
        out.push_back(std::move(row));
    }
    return out;
}

void verify_checksums(const std::vector<migration>& files, const std::vector<applied_migration>& applied) {
    for (const auto& a : applied) {
        for (const auto& f : files) {
            if (f.version == a.version && f.checksum != a.checksum) {
                throw migration_error("migration " + migration_label(f.version, f.name) +
                                      " was edited after it was applied (database sha256 " + a.checksum +
                                      ", file sha256 " + f.checksum +
                                      "); restore the original file and put the change in a new migration");
            }
        }
    }
}

} // namespace asistencia::infra::postgres
