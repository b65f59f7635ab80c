// P-256 ECDH with OpenSSL 3 EVP_PKEY (fromdata/derive); see ecdh.hpp. EC_POINT/EC_GROUP are
// used only to compute a public point from a given scalar (not deprecated in OpenSSL 3).
#include "asistencia/domain/crypto/ecdh.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "openssl_handles.hpp"

#include <memory>
#include <stdexcept>

namespace asistencia::domain::crypto {

namespace {

using detail::owned;

constexpr char group_name[] = "prime256v1";

// An EVP_PKEY from a public point and, optionally, the private scalar.
owned<EVP_PKEY> make_key(byte_view public_raw, const BIGNUM* priv) {
    owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, public_raw.data(), public_raw.size()) !=
            1 ||
        (priv != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1)) {
        return nullptr;
    }
    owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return nullptr;
    }
    return owned<EVP_PKEY>(key);
}

} // namespace

bool ecdh_public_key_valid(byte_view public_raw) {
    if (public_raw.size() != p256_public_key_size || public_raw[0] != 0x04) return false;
    auto key = make_key(public_raw, nullptr);
    if (!key) return false;
    owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    return ctx && EVP_PKEY_public_check(ctx.get()) == 1;
}

std::optional<ecdh_keypair> ecdh_from_private(byte_view private_scalar) {
    if (private_scalar.size() != p256_private_key_size) return std::nullopt;
    owned<EC_GROUP> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
    owned<BIGNUM> d(BN_bin2bn(private_scalar.data(), static_cast<int>(private_scalar.size()), nullptr));
    owned<BN_CTX> bn_ctx(BN_CTX_new());
    if (!group || !d || !bn_ctx) throw std::runtime_error("OpenSSL: EC setup");
    if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) return std::nullopt;
    owned<EC_POINT> q(EC_POINT_new(group.get()));
    if (!q || EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, bn_ctx.get()) != 1) {
        throw std::runtime_error("OpenSSL: EC point multiplication");
    }
    bytes pub(p256_public_key_size);
    if (EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, pub.data(), pub.size(), bn_ctx.get()) !=
        pub.size()) {
        throw std::runtime_error("OpenSSL: EC point encoding");
    }
    return ecdh_keypair{bytes(private_scalar.begin(), private_scalar.end()), std::move(pub)};
}

ecdh_keypair ecdh_generate() {
    for (;;) {
        if (auto kp = ecdh_from_private(random_bytes(p256_private_key_size))) return std::move(*kp);
    }
}

std::optional<bytes> ecdh_shared_secret(byte_view private_scalar, byte_view peer_public_raw) {
    if (!ecdh_public_key_valid(peer_public_raw)) return std::nullopt;
    const auto mine = ecdh_from_private(private_scalar);
    if (!mine) return std::nullopt;
    owned<BIGNUM> d(BN_bin2bn(private_scalar.data(), static_cast<int>(private_scalar.size()), nullptr));
    auto own_key = make_key(mine->public_raw, d.get());
    auto peer = make_key(peer_public_raw, nullptr);
    if (!own_key || !peer) return std::nullopt;
    owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own_key.get(), nullptr));
    std::size_t n = 0;
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
        EVP_PKEY_derive(ctx.get(), nullptr, &n) != 1) {
        return std::nullopt;
    }
    bytes secret(n);
    if (EVP_PKEY_derive(ctx.get(), secret.data(), &n) != 1) return std::nullopt;
    secret.resize(n);
    return secret;
}

} // namespace asistencia::domain::crypto
