// Bounded libcbor loading: a streaming pre-pass checks shape limits before cbor_load.
#include "cbor_reader.hpp"

#include <limits>
#include <vector>

namespace asistencia::infra::webauthn::detail {

namespace {

// State of the streaming pre-pass: the number of items still expected by each open
// container, innermost last. It starts with the one top-level item.
struct guard_state {
    std::vector<std::size_t> pending{1};
    std::size_t containers = 0;
    std::size_t bytes_left = 0; // upper bound for what the next containers can hold
    bool failed = false;

    bool done() const noexcept { return pending.empty(); }

    void close_finished() {
        while (!pending.empty() && pending.back() == 0) pending.pop_back();
    }
    void item() {
        if (failed || pending.empty()) {
            failed = true;
            return;
        }
        --pending.back();
        close_finished();
    }
    void container(std::size_t children, std::size_t per_child) {
        if (children > cbor_max_container_items || children * per_child > bytes_left ||
            ++containers > cbor_max_containers) {
            failed = true;
            return;
        }
        item();
        if (failed) return;
        if (children > 0) {
            if (pending.size() >= cbor_max_depth) {
                failed = true;
                return;
            }
            pending.push_back(children * per_child);
        }
    }
};

guard_state& state_of(void* ctx) { return *static_cast<guard_state*>(ctx); }

void on_item(void* ctx) { state_of(ctx).item(); }
void on_forbidden(void* ctx) { state_of(ctx).failed = true; }

cbor_callbacks guard_callbacks() {
    cbor_callbacks cb = cbor_empty_callbacks;
    cb.uint8 = [](void* ctx, std::uint8_t) { on_item(ctx); };
    cb.uint16 = [](void* ctx, std::uint16_t) { on_item(ctx); };
    cb.uint32 = [](void* ctx, std::uint32_t) { on_item(ctx); };
    cb.uint64 = [](void* ctx, std::uint64_t) { on_item(ctx); };
    cb.negint8 = [](void* ctx, std::uint8_t) { on_item(ctx); };
    cb.negint16 = [](void* ctx, std::uint16_t) { on_item(ctx); };
    cb.negint32 = [](void* ctx, std::uint32_t) { on_item(ctx); };
    cb.negint64 = [](void* ctx, std::uint64_t) { on_item(ctx); };
    cb.byte_string = [](void* ctx, cbor_data, std::size_t) { on_item(ctx); };
    cb.string = [](void* ctx, cbor_data, std::size_t) { on_item(ctx); };
    cb.float2 = [](void* ctx, float) { on_item(ctx); };
    cb.float4 = [](void* ctx, float) { on_item(ctx); };
    cb.float8 = [](void* ctx, double) { on_item(ctx); };
    cb.undefined = &on_item;
    cb.null = &on_item;
    cb.boolean = [](void* ctx, bool) { on_item(ctx); };
    cb.array_start = [](void* ctx, std::size_t n) { state_of(ctx).container(n, 1); };
    cb.map_start = [](void* ctx, std::size_t n) { state_of(ctx).container(n, 2); };
    // Canonical CTAP2 CBOR has no indefinite lengths; WebAuthn structures carry no tags.
    cb.byte_string_start = &on_forbidden;
    cb.string_start = &on_forbidden;
    cb.indef_array_start = &on_forbidden;
    cb.indef_map_start = &on_forbidden;
    cb.indef_break = &on_forbidden;
    cb.tag = [](void* ctx, std::uint64_t) { on_forbidden(ctx); };
    return cb;
}

bool same_key(const cbor_item_t* key, std::string_view text) {
    auto t = as_text(key);
    return t && *t == text;
}
bool same_key(const cbor_item_t* key, std::int64_t value) {
    auto v = as_int(key);
    return v && *v == value;
}

template <class Key>
const cbor_item_t* find_in_map(const cbor_item_t* map, Key key, bool& duplicate) {
    duplicate = false;
    if (map == nullptr || !cbor_isa_map(map) || !cbor_map_is_definite(map)) return nullptr;
    const cbor_pair* pairs = cbor_map_handle(map);
    const std::size_t n = cbor_map_size(map);
    const cbor_item_t* found = nullptr;
    for (std::size_t i = 0; i < n; ++i) {
        if (same_key(pairs[i].key, key)) {
            if (found != nullptr)
                duplicate = true;
            else
                found = pairs[i].value;
        }
    }
    return found;
}

} // namespace

cbor_ptr load_cbor_item(std::span<const std::uint8_t> bytes, std::size_t& consumed) {
    consumed = 0;
    if (bytes.empty()) return nullptr;
    static const cbor_callbacks callbacks = guard_callbacks();
    guard_state state;
    std::size_t offset = 0;
    while (!state.done()) {
        if (offset >= bytes.size()) return nullptr;
        state.bytes_left = bytes.size() - offset;
        const auto r = cbor_stream_decode(bytes.data() + offset, bytes.size() - offset, &callbacks, &state);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || state.failed) return nullptr;
        offset += r.read;
    }
    cbor_load_result result{};
    cbor_ptr item{cbor_load(bytes.data(), offset, &result)};
    if (!item || result.error.code != CBOR_ERR_NONE || result.read != offset) return nullptr;
    consumed = offset;
    return item;
}

cbor_ptr load_cbor_exact(std::span<const std::uint8_t> bytes) {
    std::size_t consumed = 0;
    auto item = load_cbor_item(bytes, consumed);
    if (!item || consumed != bytes.size()) return nullptr;
    return item;
}

const cbor_item_t* map_find(const cbor_item_t* map, std::string_view key, bool& duplicate) {
    return find_in_map(map, key, duplicate);
}

const cbor_item_t* map_find(const cbor_item_t* map, std::int64_t key, bool& duplicate) {
    return find_in_map(map, key, duplicate);
}

std::optional<std::int64_t> as_int(const cbor_item_t* item) {
    if (item == nullptr) return std::nullopt;
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (cbor_isa_uint(item)) {
        const std::uint64_t v = cbor_get_int(item);
        if (v > max) return std::nullopt;
        return static_cast<std::int64_t>(v);
    }
    if (cbor_isa_negint(item)) {
        // A CBOR negative integer encodes -1 - v.
        const std::uint64_t v = cbor_get_int(item);
        if (v > max) return std::nullopt;
        return -1 - static_cast<std::int64_t>(v);
    }
    return std::nullopt;
}

std::optional<std::string_view> as_text(const cbor_item_t* item) {
    if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item)) {
        return std::nullopt;
    }
    return std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)), cbor_string_length(item));
}

std::optional<std::span<const std::uint8_t>> as_bytes(const cbor_item_t* item) {
    if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) {
        return std::nullopt;
    }
    return std::span<const std::uint8_t>(cbor_bytestring_handle(item), cbor_bytestring_length(item));
}

} // namespace asistencia::infra::webauthn::detail
