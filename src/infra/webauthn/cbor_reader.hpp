// Private: bounded loading of untrusted CBOR with libcbor, and small typed accessors.
#pragma once

#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace asistencia::infra::webauthn::detail {

struct cbor_deleter {
    void operator()(cbor_item_t* item) const noexcept { cbor_decref(&item); }
};
using cbor_ptr = std::unique_ptr<cbor_item_t, cbor_deleter>;

// Bounds for a WebAuthn structure: the largest (a TPM attestationObject) nests 3 deep
// and no map or array in any of them has more than a handful of entries.
inline constexpr std::size_t cbor_max_depth = 8;
inline constexpr std::size_t cbor_max_container_items = 64;
inline constexpr std::size_t cbor_max_containers = 64;

// Loads the one CBOR data item at the front of `bytes`. Before libcbor builds the item
// tree, a streaming pass (cbor_stream_decode) refuses indefinite lengths, tags, nesting
// deeper than cbor_max_depth, too many containers, and containers that declare more
// entries than the input could hold (libcbor would allocate for the declared count).
// Returns null when the input is not one well-formed item; `consumed` is its size.
cbor_ptr load_cbor_item(std::span<const std::uint8_t> bytes, std::size_t& consumed);

// Like load_cbor_item, but the item must span all of `bytes`.
cbor_ptr load_cbor_exact(std::span<const std::uint8_t> bytes);

// Map lookups by text key or integer key. Return null when the key is missing; set
// `duplicate` when it occurs twice (canonical CBOR forbids it; callers refuse it).
const cbor_item_t* map_find(const cbor_item_t* map, std::string_view key, bool& duplicate);
const cbor_item_t* map_find(const cbor_item_t* map, std::int64_t key, bool& duplicate);

// Typed views; nullopt when the item has another type.
std::optional<std::int64_t> as_int(const cbor_item_t* item);
std::optional<std::string_view> as_text(const cbor_item_t* item);
std::optional<std::span<const std::uint8_t>> as_bytes(const cbor_item_t* item);

} // namespace asistencia::infra::webauthn::detail
