// See participation_cache.hpp.
#include "asistencia/domain/tokens/participation_cache.hpp"

#include "leeway.hpp"

#include <openssl/crypto.h>

#include <stdexcept>

namespace asistencia::domain::tokens {

namespace {

// verify_common's rule: valid while now (whole seconds) <= exp + leeway.
bool expired(const participation_claims& c, const token_settings& settings, time_point now) {
    const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
    return now_s > c.expires_at + detail::effective_leeway(settings);
}

} // namespace

bool participation_token_cache::constant_time_equal::operator()(const std::string& a,
                                                                const std::string& b) const noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

participation_token_cache::participation_token_cache(std::string key, token_settings settings, std::size_t capacity)
    : key_(std::move(key)), settings_(std::move(settings)), capacity_(capacity) {
    if (capacity_ == 0) throw std::invalid_argument("participation_token_cache: capacity must be positive");
}

verify_result<participation_claims> participation_token_cache::verify(std::string_view token, time_point now) {
    const std::string key(token);
    {
        const std::lock_guard lock(mutex_);
        if (const auto it = verified_.find(key); it != verified_.end()) {
            if (!expired(it->second, settings_, now)) return it->second;
            verified_.erase(it);
            return token_error::expired;
        }
    }
    auto r = verify_participation_token(token, key_, settings_, now);
    if (!r) return r;
    const std::lock_guard lock(mutex_);
    if (verified_.size() >= capacity_) {
        std::erase_if(verified_, [&](const auto& e) { return expired(e.second, settings_, now); });
        if (verified_.size() >= capacity_) verified_.clear();
    }
    verified_.emplace(key, *r);
    return r;
}

std::size_t participation_token_cache::size() const {
    const std::lock_guard lock(mutex_);
    return verified_.size();
}

} // namespace asistencia::domain::tokens
