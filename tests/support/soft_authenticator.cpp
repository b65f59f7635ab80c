// Software authenticator: OpenSSL keys and signatures, libcbor for COSE keys,
// attestation statements and attestationObjects, nlohmann_json for clientDataJSON.
#include "soft_authenticator.hpp"

#include "asistencia/domain/encoding/base64.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <cbor.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace asistencia::test_support {

namespace {

struct pkey_deleter {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct cbor_deleter {
    void operator()(cbor_item_t* i) const noexcept { cbor_decref(&i); }
};
struct x509_deleter {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct md_ctx_deleter {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using cbor_ptr = std::unique_ptr<cbor_item_t, cbor_deleter>;

void require(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("soft_authenticator: ") + what);
}

pkey_ptr generate_key(soft_algorithm alg) {
    EVP_PKEY* key = nullptr;
    switch (alg) {
        case soft_algorithm::es256:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
            break;
        case soft_algorithm::rs256:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
            break;
        case soft_algorithm::eddsa:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
            break;
    }
    require(key != nullptr, "key generation failed");
    return pkey_ptr{key};
}

bytes bn_param(EVP_PKEY* key, const char* name, std::size_t pad_to) {
    BIGNUM* bn = nullptr;
    require(EVP_PKEY_get_bn_param(key, name, &bn) == 1, "EVP_PKEY_get_bn_param");
    bytes out(pad_to != 0 ? pad_to : static_cast<std::size_t>(BN_num_bytes(bn)));
    const int n = BN_bn2binpad(bn, out.data(), static_cast<int>(out.size()));
    BN_free(bn);
    require(n >= 0, "BN_bn2binpad");
    return out;
}

bytes sha256(std::span<const std::uint8_t> data) {
    bytes out(SHA256_DIGEST_LENGTH);
    SHA256(data.data(), data.size(), out.data());
    return out;
}

// ES256 and RS256 sign SHA-256 of the message; Ed25519 signs the message itself.
bytes sign(EVP_PKEY* key, soft_algorithm alg, std::span<const std::uint8_t> message) {
    std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx{EVP_MD_CTX_new()};
    require(ctx != nullptr, "EVP_MD_CTX_new");
    const char* md = alg == soft_algorithm::eddsa ? nullptr : "SHA256";
    require(EVP_DigestSignInit_ex(ctx.get(), nullptr, md, nullptr, nullptr, key, nullptr) == 1,
            "EVP_DigestSignInit_ex");
    std::size_t len = 0;
    require(EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) == 1, "EVP_DigestSign size");
    bytes sig(len);
    require(EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) == 1, "EVP_DigestSign");
    sig.resize(len);
    return sig;
}

cbor_item_t* cbor_int(std::int64_t v) {
    if (v >= 0) return cbor_build_uint64(static_cast<std::uint64_t>(v));
    const auto magnitude = static_cast<std::uint64_t>(-1 - v);
    if (magnitude <= 0xFF) return cbor_build_negint8(static_cast<std::uint8_t>(magnitude));
    if (magnitude <= 0xFFFF) return cbor_build_negint16(static_cast<std::uint16_t>(magnitude));
    return cbor_build_negint32(static_cast<std::uint32_t>(magnitude));
}

// Small non-negative integers in their shortest form, as canonical CBOR wants.
cbor_item_t* cbor_small(std::uint8_t v) { return cbor_build_uint8(v); }

void map_add(cbor_item_t* map, cbor_item_t* key, cbor_item_t* value) {
    require(key != nullptr && value != nullptr, "cbor build");
    const bool ok = cbor_map_add(map, cbor_pair{cbor_move(key), cbor_move(value)});
    require(ok, "cbor_map_add");
}

cbor_item_t* cbor_bytes(std::span<const std::uint8_t> b) { return cbor_build_bytestring(b.data(), b.size()); }

bytes serialize(cbor_item_t* item) {
    unsigned char* buffer = nullptr;
    std::size_t size = 0;
    const std::size_t written = cbor_serialize_alloc(item, &buffer, &size);
    require(written != 0, "cbor_serialize_alloc");
    bytes out(buffer, buffer + written);
    std::free(buffer);
    return out;
}

cbor_item_t* small_or_negative(std::int64_t v) {
    return v >= 0 && v <= 23 ? cbor_small(static_cast<std::uint8_t>(v)) : cbor_int(v);
}

bytes cose_key(EVP_PKEY* key, soft_algorithm alg, int claimed_alg) {
    cbor_ptr map;
    switch (alg) {
        case soft_algorithm::es256:
            map.reset(cbor_new_definite_map(5));
            map_add(map.get(), cbor_small(1), cbor_small(2)); // kty: EC2
            map_add(map.get(), cbor_small(3), cbor_int(claimed_alg));
            map_add(map.get(), cbor_int(-1), cbor_small(1)); // crv: P-256
            map_add(map.get(), cbor_int(-2), cbor_bytes(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, 32)));
            map_add(map.get(), cbor_int(-3), cbor_bytes(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32)));
            break;
        case soft_algorithm::rs256:
            map.reset(cbor_new_definite_map(4));
            map_add(map.get(), cbor_small(1), cbor_small(3)); // kty: RSA
            map_add(map.get(), cbor_small(3), cbor_int(claimed_alg));
            map_add(map.get(), cbor_int(-1), cbor_bytes(bn_param(key, OSSL_PKEY_PARAM_RSA_N, 0)));
            map_add(map.get(), cbor_int(-2), cbor_bytes(bn_param(key, OSSL_PKEY_PARAM_RSA_E, 0)));
            break;
        case soft_algorithm::eddsa: {
            bytes x(32);
            std::size_t len = x.size();
            require(EVP_PKEY_get_raw_public_key(key, x.data(), &len) == 1 && len == 32, "EVP_PKEY_get_raw_public_key");
            map.reset(cbor_new_definite_map(4));
            map_add(map.get(), cbor_small(1), cbor_small(1)); // kty: OKP
            map_add(map.get(), cbor_small(3), cbor_int(claimed_alg));
            map_add(map.get(), cbor_int(-1), cbor_small(6)); // crv: Ed25519
            map_add(map.get(), cbor_int(-2), cbor_bytes(x));
            break;
        }
    }
    require(map != nullptr, "cbor_new_definite_map");
    return serialize(map.get());
}

std::string public_key_pem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    require(bio != nullptr && PEM_write_bio_PUBKEY(bio, key) == 1, "PEM_write_bio_PUBKEY");
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return pem;
}

void append(bytes& out, std::span<const std::uint8_t> part) { out.insert(out.end(), part.begin(), part.end()); }

void append_be32(bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>((v >> shift) & 0xFF));
    }
}

std::uint8_t flags_byte(bool up, bool uv, bool be, bool bs, bool at, bool ed) {
    return static_cast<std::uint8_t>((up ? 0x01 : 0) | (uv ? 0x04 : 0) | (be ? 0x08 : 0) | (bs ? 0x10 : 0) |
                                     (at ? 0x40 : 0) | (ed ? 0x80 : 0));
}

bytes client_data_json(const client_data_options& o, const char* ceremony_type) {
    if (o.raw_json) return to_bytes(*o.raw_json);
    nlohmann::ordered_json j;
    j["type"] = o.type.empty() ? ceremony_type : o.type;
    j["challenge"] = o.challenge_text ? *o.challenge_text : base64url_encode(o.challenge);
    j["origin"] = o.origin;
    if (o.cross_origin) j["crossOrigin"] = *o.cross_origin;
    if (o.token_binding_status) j["tokenBinding"] = {{"status", *o.token_binding_status}};
    if (o.chromium_extra_key) {
        j["other_keys_can_be_added_here"] =
            "do not compare clientDataJSON against a template. See https://goo.gl/yabPex";
    }
    return to_bytes(j.dump());
}

void corrupt(bytes& sig) {
    require(!sig.empty(), "empty signature");
    sig.back() ^= 0x01;
}

std::unique_ptr<X509, x509_deleter> read_certificate(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free};
    std::unique_ptr<X509, x509_deleter> cert{bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr};
    require(cert != nullptr, "CA certificate PEM");
    return cert;
}

pkey_ptr read_private_key(const std::string& pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free};
    pkey_ptr key{bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr};
    require(key != nullptr, "CA private key PEM");
    return key;
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    require(len > 0 && data != nullptr, "BIO_get_mem_data");
    return std::string(data, static_cast<std::size_t>(len));
}

// A self-signed attestation certificate shaped as L2 8.2.1 asks (v3, C/O/OU/CN,
// CA:FALSE, AAGUID extension); the knobs bend single requirements.
bytes attestation_certificate(EVP_PKEY* key, std::span<const std::uint8_t> aaguid, const registration_options& o) {
    std::unique_ptr<X509, x509_deleter> cert{X509_new()};
    require(cert != nullptr, "X509_new");
    X509* x = cert.get();
    require(X509_set_version(x, X509_VERSION_3) == 1, "X509_set_version");
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), o.certificate_not_before_seconds);
    X509_gmtime_adj(X509_getm_notAfter(x), o.certificate_not_before_seconds + o.certificate_lifetime_seconds);
    require(X509_set_pubkey(x, key) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(x);
    auto add = [name](const char* field, const std::string& value) {
        if (value.empty()) return;
        require(X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                           reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) == 1,
                "X509_NAME_add_entry_by_txt");
    };
    add("C", "CL");
    add("O", "Asistencia Test");
    add("OU", o.certificate_ou);
    add("CN", "Soft Authenticator");
    // Issued by the test CA when there is one, self-signed otherwise.
    std::unique_ptr<X509, x509_deleter> issuer;
    pkey_ptr issuer_key;
    if (o.certificate_issuer) {
        issuer = read_certificate(o.certificate_issuer->certificate_pem);
        issuer_key = read_private_key(o.certificate_issuer->private_key_pem);
        require(X509_set_issuer_name(x, X509_get_subject_name(issuer.get())) == 1, "X509_set_issuer_name");
    } else {
        require(X509_set_issuer_name(x, name) == 1, "X509_set_issuer_name");
    }

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer.get() : x, x, nullptr, nullptr, 0);
    X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    require(bc != nullptr && X509_add_ext(x, bc, -1) == 1, "basicConstraints");
    X509_EXTENSION_free(bc);

    // id-fido-gen-ce-aaguid: OCTET STRING { OCTET STRING (16) }.
    bytes value(aaguid.begin(), aaguid.end());
    if (o.certificate_aaguid_mismatch) value[0] ^= 0xFF;
    bytes inner{0x04, 0x10};
    append(inner, value);
    ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
    require(data != nullptr && oid != nullptr &&
                ASN1_OCTET_STRING_set(data, inner.data(), static_cast<int>(inner.size())) == 1,
            "aaguid extension");
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, 0, data);
    require(ext != nullptr && X509_add_ext(x, ext, -1) == 1, "X509_add_ext aaguid");
    X509_EXTENSION_free(ext);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(data);

    require(X509_sign(x, issuer_key ? issuer_key.get() : key, EVP_sha256()) > 0, "X509_sign");
    const int len = i2d_X509(x, nullptr);
    require(len > 0, "i2d_X509");
    bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    require(i2d_X509(x, &p) == len, "i2d_X509");
    return der;
}

const char* format_name(soft_attestation a) {
    switch (a) {
        case soft_attestation::none:
            return "none";
        case soft_attestation::packed_self:
            return "packed";
        case soft_attestation::packed_x5c:
            return "packed";
        case soft_attestation::fido_u2f:
            return "fido-u2f";
    }
    return "none";
}

} // namespace

struct soft_authenticator::impl {
    struct credential {
        bytes id;
        soft_algorithm algorithm;
        pkey_ptr key;
        std::uint32_t sign_count = 0;
        bool counter_enabled = true;
        bool backup_eligible = false;
        bool backup_state = false;
    };

    std::array<std::uint8_t, 16> aaguid;
    std::vector<credential> credentials;

    credential& find(std::span<const std::uint8_t> id) {
        for (auto& c : credentials) {
            if (std::equal(c.id.begin(), c.id.end(), id.begin(), id.end())) return c;
        }
        throw std::invalid_argument("soft_authenticator: unknown credential id");
    }
};

soft_authenticator::soft_authenticator(std::array<std::uint8_t, 16> aaguid) : impl_(std::make_unique<impl>()) {
    impl_->aaguid = aaguid;
}
soft_authenticator::~soft_authenticator() = default;
soft_authenticator::soft_authenticator(soft_authenticator&&) noexcept = default;
soft_authenticator& soft_authenticator::operator=(soft_authenticator&&) noexcept = default;

registration_response soft_authenticator::make_credential(const registration_options& o) {
    require(o.attestation != soft_attestation::fido_u2f || o.algorithm == soft_algorithm::es256,
            "fido-u2f needs an ES256 credential");
    impl::credential cred;
    cred.id = random_bytes(o.credential_id_size);
    cred.algorithm = o.algorithm;
    cred.key = generate_key(o.algorithm);
    cred.sign_count = o.sign_count;
    cred.counter_enabled = o.counter_enabled;
    cred.backup_eligible = o.backup_eligible;
    cred.backup_state = o.backup_state;

    registration_response out;
    out.credential_id = cred.id;
    out.public_key_pem = public_key_pem(cred.key.get());
    out.client_data_json = client_data_json(o.client, "webauthn.create");
    const bytes client_data_hash = sha256(out.client_data_json);
    const bytes rp_id_hash = sha256(to_bytes(o.rp_id));
    const int real_alg = static_cast<int>(o.algorithm);
    const bytes cose = cose_key(cred.key.get(), o.algorithm, o.claimed_algorithm.value_or(real_alg));

    bytes auth;
    append(auth, rp_id_hash);
    auth.push_back(flags_byte(o.user_present, o.user_verified, o.backup_eligible, o.backup_state,
                              o.include_attested_credential, o.extensions.has_value()));
    append_be32(auth, o.sign_count);
    if (o.include_attested_credential) {
        const bool u2f = o.attestation == soft_attestation::fido_u2f;
        if (u2f)
            auth.insert(auth.end(), 16, 0); // U2F devices have no AAGUID
        else
            append(auth, impl_->aaguid);
        auth.push_back(static_cast<std::uint8_t>((cred.id.size() >> 8) & 0xFF));
        auth.push_back(static_cast<std::uint8_t>(cred.id.size() & 0xFF));
        append(auth, cred.id);
        append(auth, cose);
    }
    if (o.extensions) append(auth, *o.extensions);

    cbor_ptr stmt;
    switch (o.attestation) {
        case soft_attestation::none:
            stmt.reset(cbor_new_definite_map(0));
            break;
        case soft_attestation::packed_self: {
            bytes signed_data = auth;
            append(signed_data, client_data_hash);
            bytes sig = sign(cred.key.get(), o.algorithm, signed_data);
            if (o.corrupt_signature) corrupt(sig);
            stmt.reset(cbor_new_definite_map(2));
            map_add(stmt.get(), cbor_build_string("alg"), small_or_negative(o.statement_algorithm.value_or(real_alg)));
            map_add(stmt.get(), cbor_build_string("sig"), cbor_bytes(sig));
            break;
        }
        case soft_attestation::packed_x5c:
        case soft_attestation::fido_u2f: {
            pkey_ptr attestation_key = generate_key(soft_algorithm::es256);
            const bytes cert = attestation_certificate(attestation_key.get(), impl_->aaguid, o);
            bytes signed_data;
            if (o.attestation == soft_attestation::fido_u2f) {
                // 0x00 || rpIdHash || clientDataHash || credentialId || 0x04 || x || y
                signed_data.push_back(0x00);
                append(signed_data, rp_id_hash);
                append(signed_data, client_data_hash);
                append(signed_data, cred.id);
                signed_data.push_back(0x04);
                append(signed_data, bn_param(cred.key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32));
                append(signed_data, bn_param(cred.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32));
            } else {
                signed_data = auth;
                append(signed_data, client_data_hash);
            }
            bytes sig = sign(attestation_key.get(), soft_algorithm::es256, signed_data);
            if (o.corrupt_signature) corrupt(sig);
            const bool u2f = o.attestation == soft_attestation::fido_u2f;
            stmt.reset(cbor_new_definite_map(u2f ? 2 : 3));
            if (!u2f) {
                map_add(stmt.get(), cbor_build_string("alg"), small_or_negative(o.statement_algorithm.value_or(-7)));
            }
            map_add(stmt.get(), cbor_build_string("sig"), cbor_bytes(sig));
            cbor_item_t* chain = cbor_new_definite_array(1);
            require(chain != nullptr && cbor_array_push(chain, cbor_move(cbor_bytes(cert))), "x5c array");
            map_add(stmt.get(), cbor_build_string("x5c"), chain);
            break;
        }
    }
    require(stmt != nullptr, "attStmt");

    cbor_ptr object{cbor_new_definite_map(3)};
    require(object != nullptr, "attestationObject");
    const std::string fmt = o.format.value_or(format_name(o.attestation));
    map_add(object.get(), cbor_build_string("fmt"), cbor_build_string(fmt.c_str()));
    map_add(object.get(), cbor_build_string("attStmt"), cbor_incref(stmt.get()));
    map_add(object.get(), cbor_build_string("authData"), cbor_bytes(auth));
    out.attestation_object = serialize(object.get());

    impl_->credentials.push_back(std::move(cred));
    return out;
}

assertion_response soft_authenticator::get_assertion(std::span<const std::uint8_t> credential_id,
                                                     const assertion_options& o) {
    auto& cred = impl_->find(credential_id);
    if (o.sign_count)
        cred.sign_count = *o.sign_count;
    else if (cred.counter_enabled)
        ++cred.sign_count;

    assertion_response out;
    out.credential_id = cred.id;
    out.client_data_json = client_data_json(o.client, "webauthn.get");
    append(out.authenticator_data, sha256(to_bytes(o.rp_id)));
    out.authenticator_data.push_back(
        flags_byte(o.user_present, o.user_verified, o.backup_eligible.value_or(cred.backup_eligible),
                   o.backup_state.value_or(cred.backup_state), false, o.extensions.has_value()));
    append_be32(out.authenticator_data, cred.sign_count);
    if (o.extensions) append(out.authenticator_data, *o.extensions);

    bytes signed_data = out.authenticator_data;
    append(signed_data, sha256(out.client_data_json));
    out.signature = sign(cred.key.get(), cred.algorithm, signed_data);
    if (o.corrupt_signature) corrupt(out.signature);
    return out;
}

std::uint32_t soft_authenticator::sign_count(std::span<const std::uint8_t> credential_id) const {
    return impl_->find(credential_id).sign_count;
}

std::string base64url_encode(std::span<const std::uint8_t> data) {
    return asistencia::domain::encoding::base64url_encode(data);
}

bytes random_bytes(std::size_t n) {
    bytes out(n);
    if (n != 0) require(RAND_bytes(out.data(), static_cast<int>(n)) == 1, "RAND_bytes");
    return out;
}

bytes to_bytes(std::string_view text) { return bytes(text.begin(), text.end()); }

attestation_ca make_attestation_ca(const std::string& common_name, long not_before_seconds, long lifetime_seconds) {
    pkey_ptr key = generate_key(soft_algorithm::es256);
    std::unique_ptr<X509, x509_deleter> cert{X509_new()};
    require(cert != nullptr, "X509_new");
    X509* x = cert.get();
    require(X509_set_version(x, X509_VERSION_3) == 1, "X509_set_version");
    ASN1_INTEGER_set(X509_get_serialNumber(x), 2);
    X509_gmtime_adj(X509_getm_notBefore(x), not_before_seconds);
    X509_gmtime_adj(X509_getm_notAfter(x), not_before_seconds + lifetime_seconds);
    require(X509_set_pubkey(x, key.get()) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(x);
    for (const auto& [field, value] : {std::pair<const char*, std::string>{"O", "Asistencia Test"},
                                       std::pair<const char*, std::string>{"CN", common_name}}) {
        require(X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                           reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) == 1,
                "X509_NAME_add_entry_by_txt");
    }
    require(X509_set_issuer_name(x, name) == 1, "X509_set_issuer_name");
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair<int, const char*>{NID_basic_constraints, "critical,CA:TRUE"},
                                     std::pair<int, const char*>{NID_key_usage, "critical,keyCertSign,cRLSign"},
                                     std::pair<int, const char*>{NID_subject_key_identifier, "hash"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        require(ext != nullptr && X509_add_ext(x, ext, -1) == 1, "CA extension");
        X509_EXTENSION_free(ext);
    }
    require(X509_sign(x, key.get(), EVP_sha256()) > 0, "X509_sign");

    attestation_ca out;
    std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio{BIO_new(BIO_s_mem()), BIO_free};
    require(cert_bio && PEM_write_bio_X509(cert_bio.get(), x) == 1, "PEM_write_bio_X509");
    out.certificate_pem = bio_text(cert_bio.get());
    std::unique_ptr<BIO, decltype(&BIO_free)> key_bio{BIO_new(BIO_s_mem()), BIO_free};
    require(key_bio && PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
            "PEM_write_bio_PrivateKey");
    out.private_key_pem = bio_text(key_bio.get());
    return out;
}

} // namespace asistencia::test_support
