// Unit tests of the environment parsing: defaults, required variables, wrong values
// named in the error, and the README's table listing every variable.
#include "asistencia/main/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

using asistencia::main::config_error;
using asistencia::main::parse_config;

namespace {

const std::string key_b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // bytes 0..31

struct fake_env {
    std::map<std::string, std::string> vars{
        {"JWT_SECRET", std::string(32, 'u')},
        {"JWT_SECRET_INTERNAL", std::string(32, 'i')},
        {"SERVER_MASTER_KEY", key_b64},
    };
    std::map<std::string, std::string> files;

    asistencia::main::config parse() const {
        return parse_config(
            [this](std::string_view n) -> std::optional<std::string> {
                auto it = vars.find(std::string(n));
                if (it == vars.end()) return std::nullopt;
                return it->second;
            },
            [this](const std::string& path) {
                auto it = files.find(path);
                if (it == files.end()) throw std::runtime_error("no file");
                return it->second;
            });
    }
};

std::string failing_variable(const fake_env& e) {
    try {
        e.parse();
    } catch (const config_error& err) {
        return err.variable();
    }
    return "(parsed)";
}

} // namespace

TEST(Config, DefaultsMatchTheSeedService) {
    const auto c = fake_env{}.parse();
    EXPECT_EQ(c.http.port, 3000);
    EXPECT_EQ(c.http.host, "127.0.0.1");
    EXPECT_EQ(c.database.port, 5432);
    EXPECT_EQ(c.database.pool_size, 8);
    EXPECT_EQ(c.valkey.port, 6379);
    EXPECT_EQ(c.http.max_body_bytes, 65536u);
    EXPECT_TRUE(c.migrate_on_start);
    ASSERT_EQ(c.master_key.size(), 32u);
    EXPECT_EQ(c.master_key[0], 0);
    EXPECT_EQ(c.master_key[31], 31);
}

TEST(Config, ReadsTheSeedVariableNames) {
    fake_env e;
    e.vars["DB_HOST"] = "db";
    e.vars["DB_PORT"] = "6543";
    e.vars["DB_NAME"] = "n";
    e.vars["DB_USER"] = "u";
    e.vars["DB_PASSWORD"] = "p";
    e.vars["REDIS_HOST"] = "valkey";
    e.vars["REDIS_PORT"] = "6380";
    e.vars["PHP_BASE_URL"] = "http://php/";
    e.vars["PORT"] = "8081";
    const auto c = e.parse();
    EXPECT_EQ(c.database.host, "db");
    EXPECT_EQ(c.database.port, 6543);
    EXPECT_EQ(c.database.password, "p");
    EXPECT_EQ(c.valkey.host, "valkey");
    EXPECT_EQ(c.valkey.port, 6380);
    EXPECT_EQ(c.php.base_url, "http://php"); // trailing slash dropped
    EXPECT_EQ(c.http.port, 8081);
}

TEST(Config, MissingSecretsAreNamed) {
    fake_env e;
    e.vars.erase("JWT_SECRET");
    EXPECT_EQ(failing_variable(e), "JWT_SECRET");
    e = fake_env{};
    e.vars.erase("SERVER_MASTER_KEY");
    EXPECT_EQ(failing_variable(e), "SERVER_MASTER_KEY");
}

TEST(Config, WrongValuesAreNamed) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"PORT", "http"},
        {"PORT", "70000"},
        {"DB_PORT", "0"},
        {"DB_POOL_SIZE", "0"},
        {"DB_POOL_SIZE", "8x"},
        {"DB_SSLMODE", "maybe"},
        {"MIGRATE_ON_START", "y"},
        {"REDIS_PORT", "-1"},
        {"LOG_LEVEL", "loud"},
        {"PHP_BASE_URL", "php"},
        {"JWT_SECRET", "short"},
        {"MAX_BODY_BYTES", "10"},
        {"PHP_BASE_URL", "https://php.ucn.cl"},
        {"PHP_TIMEOUT_MS", "5"},
        {"PHP_MAX_ATTEMPTS", "0"},
        {"DB_ACQUIRE_TIMEOUT_MS", "0"},
        {"SERVER_MASTER_KEY", "c2hvcnQ="},
        {"SERVER_MASTER_KEY", "!!ECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
    };
    for (const auto& [name, value] : bad) {
        fake_env e;
        e.vars[name] = value;
        EXPECT_EQ(failing_variable(e), name) << name << "=" << value;
    }
}

TEST(Config, SecretsMustDiffer) {
    fake_env e;
    e.vars["JWT_SECRET_INTERNAL"] = e.vars["JWT_SECRET"];
    EXPECT_EQ(failing_variable(e), "JWT_SECRET_INTERNAL");
}

TEST(Config, MasterKeyFromFile) {
    fake_env e;
    e.vars.erase("SERVER_MASTER_KEY");
    e.vars["SERVER_MASTER_KEY_FILE"] = "/run/secrets/master";
    e.files["/run/secrets/master"] = key_b64 + "\n";
    EXPECT_EQ(e.parse().master_key.size(), 32u);
    e.vars["SERVER_MASTER_KEY_FILE"] = "/nowhere";
    EXPECT_EQ(failing_variable(e), "SERVER_MASTER_KEY_FILE");
}

TEST(Config, MasterKeyRingFromVersionAndPreviousKeysFile) {
    const std::string older = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4="; // bytes 31..62
    const std::string oldest = std::string(43, 'A') + "=";                    // 32 zero bytes
    fake_env e;
    auto c = e.parse();
    EXPECT_EQ(c.at_rest_keys.current_version, 1) << "no rotation yet: v1, as before key rings";
    EXPECT_EQ(c.at_rest_keys.current, c.master_key);
    EXPECT_TRUE(c.at_rest_keys.previous.empty());

    e.vars["SERVER_MASTER_KEY_VERSION"] = "3";
    e.vars["SERVER_MASTER_KEYS_PREVIOUS_FILE"] = "/run/secrets/previous";
    e.files["/run/secrets/previous"] = "# rotated 2026-12\n2:" + older + "\n\n  1:" + oldest + "  \n";
    c = e.parse();
    EXPECT_EQ(c.at_rest_keys.current_version, 3);
    ASSERT_EQ(c.at_rest_keys.previous.size(), 2u);
    EXPECT_EQ(c.at_rest_keys.previous.at(2)[0], 31);
    EXPECT_EQ(c.at_rest_keys.previous.at(1), std::vector<std::uint8_t>(32, 0));
    EXPECT_EQ(c.master_key[0], 0) << "the current key stays SERVER_MASTER_KEY";
    EXPECT_EQ(c.master_key[31], 31);
}

TEST(Config, MasterKeyRingRefusesBadPreviousKeysWithoutEchoingThem) {
    const std::string older = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=";
    for (const auto& [content, why] : std::vector<std::pair<std::string, std::string>>{
             {older, "no version"},
             {"x:" + older, "version not a number"},
             {"0:" + older, "version 0"},
             {"2:" + older, "version not below the current one"},
             {"5:" + older, "version above the current one"},
             {"1:" + older + "\n1:" + older, "a version twice"},
             {"1:" + older.substr(0, 40), "a short key"},
             {"1:" + key_b64, "the current key again"},
         }) {
        fake_env e;
        e.vars["SERVER_MASTER_KEY_VERSION"] = "2";
        e.vars["SERVER_MASTER_KEYS_PREVIOUS_FILE"] = "/prev";
        e.files["/prev"] = content;
        try {
            e.parse();
            ADD_FAILURE() << "parsed: " << why;
        } catch (const config_error& err) {
            EXPECT_EQ(err.variable().rfind("SERVER_MASTER_KEYS_PREVIOUS_FILE", 0), 0u) << why << ": " << err.what();
            EXPECT_EQ(std::string(err.what()).find(older.substr(0, 20)), std::string::npos)
                << why << ": " << err.what();
        }
    }
    fake_env e;
    e.vars["SERVER_MASTER_KEYS_PREVIOUS_FILE"] = "/nowhere";
    EXPECT_EQ(failing_variable(e), "SERVER_MASTER_KEYS_PREVIOUS_FILE");
    for (const char* v : {"0", "10000", "two"}) {
        fake_env bad;
        bad.vars["SERVER_MASTER_KEY_VERSION"] = v;
        EXPECT_EQ(failing_variable(bad), "SERVER_MASTER_KEY_VERSION") << v;
    }
}

TEST(Config, ErrorsNeverEchoSecrets) {
    fake_env e;
    e.vars["JWT_SECRET"] = "tiny-secret-value";
    try {
        e.parse();
        FAIL() << "parsed";
    } catch (const config_error& err) {
        EXPECT_EQ(std::string(err.what()).find("tiny-secret-value"), std::string::npos);
    }
}

TEST(Config, HelpAndReadmeListEveryVariable) {
    const std::string help = asistencia::main::help_text();
    std::ifstream in(ASISTENCIA_README);
    ASSERT_TRUE(in) << "cannot read " << ASISTENCIA_README;
    std::stringstream readme;
    readme << in.rdbuf();
    for (const auto& s : asistencia::main::variable_specs()) {
        EXPECT_NE(help.find(std::string(s.name)), std::string::npos) << s.name;
        EXPECT_NE(readme.str().find("`" + std::string(s.name) + "`"), std::string::npos)
            << "README.md does not document " << s.name;
    }
}

TEST(Config, TlsIsOffByDefaultAndNeedsBothFiles) {
    const auto c = fake_env{}.parse();
    EXPECT_FALSE(c.tls.enabled());
    EXPECT_EQ(c.tls.hsts_max_age, std::chrono::seconds(31536000));
    EXPECT_TRUE(c.trusted_proxies.empty());

    fake_env cert_only;
    cert_only.vars["TLS_CERT_FILE"] = "/etc/ssl/a.pem";
    EXPECT_EQ(failing_variable(cert_only), "TLS_KEY_FILE");
    fake_env key_only;
    key_only.vars["TLS_KEY_FILE"] = "/etc/ssl/a.key";
    EXPECT_EQ(failing_variable(key_only), "TLS_CERT_FILE");

    fake_env redirect_without_tls;
    redirect_without_tls.vars["TLS_REDIRECT_PORT"] = "8080";
    EXPECT_EQ(failing_variable(redirect_without_tls), "TLS_REDIRECT_PORT");

    fake_env both;
    both.vars["TLS_CERT_FILE"] = "/etc/ssl/a.pem";
    both.vars["TLS_KEY_FILE"] = "/etc/ssl/a.key";
    both.vars["TLS_REDIRECT_PORT"] = "8080";
    both.vars["TLS_PUBLIC_PORT"] = "443";
    both.vars["HSTS_MAX_AGE"] = "0";
    const auto t = both.parse().tls;
    EXPECT_TRUE(t.enabled());
    EXPECT_EQ(t.redirect_port, 8080);
    EXPECT_EQ(t.public_port, 443);
    EXPECT_EQ(t.hsts_max_age, std::chrono::seconds(0));
}

TEST(Config, TrustedProxiesAreValidated) {
    fake_env ok;
    ok.vars["TRUSTED_PROXIES"] = "127.0.0.1, 10.0.0.0/8, fd00::/8";
    EXPECT_EQ(ok.parse().trusted_proxies, "127.0.0.1, 10.0.0.0/8, fd00::/8");
    fake_env bad;
    bad.vars["TRUSTED_PROXIES"] = "127.0.0.1, nginx";
    EXPECT_EQ(failing_variable(bad), "TRUSTED_PROXIES");
    fake_env bad_age;
    bad_age.vars["HSTS_MAX_AGE"] = "-1";
    EXPECT_EQ(failing_variable(bad_age), "HSTS_MAX_AGE");
}

TEST(Config, DirectAttestationNeedsTrustAnchors) {
    fake_env e;
    e.vars["WEBAUTHN_ATTESTATION"] = "direct";
    EXPECT_EQ(failing_variable(e), "WEBAUTHN_TRUST_ANCHORS");
    e.vars["WEBAUTHN_TRUST_ANCHORS"] = "/etc/asistencia/fido-roots";
    const auto c = e.parse();
    EXPECT_EQ(c.webauthn.attestation, "direct");
    EXPECT_EQ(c.webauthn.trust_anchors, "/etc/asistencia/fido-roots");
    EXPECT_TRUE(fake_env{}.parse().webauthn.trust_anchors.empty()); // not needed with none
}
