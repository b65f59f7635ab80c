// Static files: MIME types, ETag/304, Cache-Control, index.html, and every traversal
// variant (.., %2e%2e, %2f, absolute, NUL, hidden, symlinks out of the root) refused.
#include "asistencia/transport/http/static_files.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>

using namespace asistencia::transport::http;
namespace fs = std::filesystem;
using kind = static_file_reply::kind;

namespace {

void write_file(const fs::path& p, const std::string& content) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
}

struct static_files_test : ::testing::Test {
    fs::path base;
    fs::path root;

    void SetUp() override {
        std::random_device rd;
        base = fs::temp_directory_path() / ("asistencia-static-" + std::to_string(rd()));
        root = base / "web";
        write_file(root / "index.html", "<h1>home</h1>");
        write_file(root / "app.js", "console.log(1)");
        write_file(root / "mod.mjs", "export {}");
        write_file(root / "style.css", "body{}");
        write_file(root / "data.json", "{}");
        write_file(root / "sub" / "index.html", "<p>sub</p>");
        write_file(root / "sub" / "a b.txt", "spaced");
        write_file(root / ".hidden", "hidden");
        write_file(base / "secret.txt", "TOP SECRET");
        fs::create_symlink(base / "secret.txt", root / "leak.txt");
        fs::create_directory_symlink(base, root / "up");
        fs::create_symlink(root / "app.js", root / "alias.js"); // stays inside: allowed
    }
    void TearDown() override { fs::remove_all(base); }
};

TEST_F(static_files_test, serves_files_with_mime_and_cache_control) {
    static_files s(root);
    auto r = s.lookup("/app.js", "");
    ASSERT_EQ(r.result, kind::ok);
    EXPECT_EQ(r.body, "console.log(1)");
    EXPECT_EQ(r.mime, "text/javascript; charset=utf-8");
    EXPECT_EQ(r.cache_control, static_files::cache_other);
    EXPECT_FALSE(r.etag.empty());
    EXPECT_EQ(r.etag.front(), '"');

    r = s.lookup("/index.html", "");
    ASSERT_EQ(r.result, kind::ok);
    EXPECT_EQ(r.mime, "text/html; charset=utf-8");
    EXPECT_EQ(r.cache_control, "no-cache");
    EXPECT_EQ(s.lookup("/style.css", "").mime, "text/css; charset=utf-8");
    EXPECT_EQ(s.lookup("/mod.mjs", "").mime, "text/javascript; charset=utf-8");
    EXPECT_EQ(s.lookup("/sub/a%20b.txt", "").body, "spaced");
}

TEST_F(static_files_test, directories_serve_index_html) {
    static_files s(root);
    EXPECT_EQ(s.lookup("/", "").body, "<h1>home</h1>");
    EXPECT_EQ(s.lookup("/sub/", "").body, "<p>sub</p>");
    EXPECT_EQ(s.lookup("/sub", "").body, "<p>sub</p>");
}

TEST_F(static_files_test, etag_and_if_none_match) {
    static_files s(root);
    auto first = s.lookup("/app.js", "");
    ASSERT_EQ(first.result, kind::ok);
    auto again = s.lookup("/app.js", first.etag);
    EXPECT_EQ(again.result, kind::not_modified);
    EXPECT_EQ(again.etag, first.etag);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(s.lookup("/app.js", "\"other\", " + first.etag).result, kind::not_modified);
    EXPECT_EQ(s.lookup("/app.js", "W/" + first.etag).result, kind::not_modified);
    EXPECT_EQ(s.lookup("/app.js", "*").result, kind::not_modified);
    EXPECT_EQ(s.lookup("/app.js", "\"other\"").result, kind::ok);
    // A change in size changes the tag.
    write_file(root / "app.js", "console.log(12)");
    EXPECT_NE(s.lookup("/app.js", "").etag, first.etag);
}

TEST_F(static_files_test, traversal_attempts_are_refused) {
    static_files s(root);
    for (const char* path : {
             "/../secret.txt",
             "/sub/../../secret.txt",
             "/%2e%2e/secret.txt",
             "/%2E%2E/secret.txt",
             "/sub/%2e%2e/%2e%2e/secret.txt",
             "/.%2e/secret.txt",
             "/%2e%2e%2fsecret.txt",
             "/sub%2f..%2f..%2fsecret.txt",
             "/..%5csecret.txt",
             "/..\\secret.txt",
             "//etc/passwd",
             "/etc/passwd",
             "etc/passwd",
             "",
             "/app.js%00.png",
             "/.hidden",
             "/./app.js",
             "/sub//index.html",
             "/leak.txt",
             "/up/secret.txt",
             "/%",
             "/missing.js",
         }) {
        EXPECT_EQ(s.lookup(path, "").result, kind::not_found) << path;
    }
    std::string with_nul = "/app.js";
    with_nul.push_back('\0');
    EXPECT_EQ(s.lookup(with_nul, "").result, kind::not_found);
    EXPECT_EQ(s.lookup(base.string() + "/secret.txt", "").result, kind::not_found);
}

TEST_F(static_files_test, symlink_inside_root_is_served) {
    static_files s(root);
    auto r = s.lookup("/alias.js", "");
    ASSERT_EQ(r.result, kind::ok);
    EXPECT_EQ(r.body, "console.log(1)");
}

TEST_F(static_files_test, root_must_exist) {
    EXPECT_THROW(static_files(base / "nope"), std::invalid_argument);
    EXPECT_THROW(static_files(root / "app.js"), std::invalid_argument);
}

TEST(mime_types, known_extensions) {
    EXPECT_EQ(mime_type_for("a.html"), "text/html; charset=utf-8");
    EXPECT_EQ(mime_type_for("A.HTML"), "text/html; charset=utf-8");
    EXPECT_EQ(mime_type_for("a.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(mime_type_for("a.mjs"), "text/javascript; charset=utf-8");
    EXPECT_EQ(mime_type_for("a.css"), "text/css; charset=utf-8");
    EXPECT_EQ(mime_type_for("a.json"), "application/json");
    EXPECT_EQ(mime_type_for("a.svg"), "image/svg+xml");
    EXPECT_EQ(mime_type_for("a.png"), "image/png");
    EXPECT_EQ(mime_type_for("favicon.ico"), "image/x-icon");
    EXPECT_EQ(mime_type_for("app.webmanifest"), "application/manifest+json");
    EXPECT_EQ(mime_type_for("a.txt"), "text/plain; charset=utf-8");
    EXPECT_EQ(mime_type_for("a.wasm"), "application/wasm");
    EXPECT_EQ(mime_type_for("noext"), "application/octet-stream");
    EXPECT_EQ(mime_type_for("a.exe"), "application/octet-stream");
}

} // namespace

TEST_F(static_files_test, precompressed_sibling_served_only_when_accepted_and_fresh) {
    write_file(root / "big.wasm", "original");
    write_file(root / "big.wasm.gz", "gzipped");
    fs::last_write_time(root / "big.wasm.gz", fs::last_write_time(root / "big.wasm") + std::chrono::seconds(1));
    static_files s(root);
    auto plain = s.lookup("/big.wasm", "", false);
    ASSERT_EQ(plain.result, kind::ok);
    EXPECT_EQ(plain.body, "original");
    EXPECT_TRUE(plain.has_gzip_variant);
    EXPECT_FALSE(plain.gzip);
    auto gz = s.lookup("/big.wasm", "", true);
    ASSERT_EQ(gz.result, kind::ok);
    EXPECT_EQ(gz.body, "gzipped");
    EXPECT_TRUE(gz.gzip);
    EXPECT_EQ(gz.mime, "application/wasm"); // the original's type, not .gz's
    EXPECT_NE(gz.etag, plain.etag);
    EXPECT_EQ(s.lookup("/big.wasm", gz.etag, true).result, kind::not_modified);

    // A file without a sibling is unaffected; a stale sibling is ignored.
    auto js = s.lookup("/app.js", "", true);
    EXPECT_FALSE(js.has_gzip_variant);
    EXPECT_EQ(js.body, "console.log(1)");
    fs::last_write_time(root / "big.wasm.gz", fs::last_write_time(root / "big.wasm") - std::chrono::seconds(5));
    auto stale = s.lookup("/big.wasm", "", true);
    EXPECT_FALSE(stale.gzip);
    EXPECT_EQ(stale.body, "original");
}

TEST(static_files_encoding, accepts_gzip_parses_accept_encoding) {
    EXPECT_TRUE(static_files::accepts_gzip("gzip"));
    EXPECT_TRUE(static_files::accepts_gzip("gzip, deflate, br, zstd"));
    EXPECT_TRUE(static_files::accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    EXPECT_TRUE(static_files::accepts_gzip(" deflate , gzip "));
    EXPECT_FALSE(static_files::accepts_gzip(""));
    EXPECT_FALSE(static_files::accepts_gzip("br, deflate"));
    EXPECT_FALSE(static_files::accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(static_files::accepts_gzip("gzip;q=0.000, br"));
    EXPECT_FALSE(static_files::accepts_gzip("x-gzip"));
}
