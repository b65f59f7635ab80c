// Static files from one root folder (the repo's web/): safe path resolution, MIME types,
// ETag / If-None-Match and Cache-Control. Pure (std::filesystem, no Asio) for unit tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace asistencia::transport::http {

// MIME type by extension (lowercase compare); application/octet-stream when unknown.
std::string_view mime_type_for(std::string_view filename) noexcept;

struct static_file_reply {
    enum class kind { ok, not_modified, not_found } result = kind::not_found;
    std::string body;      // file contents when ok
    std::string_view mime; // when ok / not_modified
    std::string etag;      // strong: "size-mtime_ns" in hex, quoted
    std::string_view cache_control;
    // A precompressed sibling (`name.gz`, made by scripts/setup for large vendor files)
    // exists: the reply varies on Accept-Encoding; `gzip` when the body is that sibling.
    bool has_gzip_variant = false;
    bool gzip = false;
};

class static_files {
public:
    // Throws std::invalid_argument when `root` is not an existing directory.
    explicit static_files(const std::filesystem::path& root);

    // `raw_path` is the request path as received (percent-encoded, no query). Anything
    // that could escape the root, hidden segments (".x", which covers "." and ".."),
    // encoded '/', '\\' or NUL, empty segments and symlinks resolving outside the root
    // give not_found. A directory serves its index.html.
    // With `gzip_ok` (the client accepts gzip) a fresh `name.gz` beside the file is served
    // instead, with its own ETag.
    static_file_reply lookup(std::string_view raw_path, std::string_view if_none_match, bool gzip_ok = false) const;

    // Whether an Accept-Encoding value allows gzip (a "gzip" item without q=0).
    static bool accepts_gzip(std::string_view accept_encoding) noexcept;

    const std::filesystem::path& root() const noexcept { return root_; }

    // Weak comparison of an If-None-Match value ("*", lists, W/ prefixes) with `etag`.
    static bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept;

    static constexpr std::string_view cache_html = "no-cache";
    static constexpr std::string_view cache_other = "public, max-age=300";

private:
    std::optional<std::filesystem::path> resolve(std::string_view raw_path) const;
    std::filesystem::path root_; // canonical
};

} // namespace asistencia::transport::http
