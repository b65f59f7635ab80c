// Real WebAuthn responses used as test vectors: Chromium 156's CDP virtual authenticator
// (shared/deps.md Part 2 section 4a: rpId localhost, origin http://localhost:58090).
#pragma once

namespace asistencia::test_vectors {

// attestation: 'none'; clientDataJSON carries Chromium's extra key.
inline constexpr const char* chromium_none_credential_id =
    "ZeK4l_PuT7qPCCdpdkdHWsWU7UAkMWI6GjhbRFR5dDk";
inline constexpr const char* chromium_none_attestation_object =
    "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVikSZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2NFAAAAAQ"
    "ECAwQFBgcIAQIDBAUGBwgAIGXiuJfz7k-6jwgnaXZHR1rFlO1AJDFiOho4W0RUeXQ5pQECAyYgASFYIE5WTsoEEgPF"
    "MP2tL3sBFD8QNb7orzhf4AxiVD1wdxYLIlggyAK2DsxW68e59bZhaSfzAB8cUp-IjBV8TwmG0AFoMMg";
inline constexpr const char* chromium_none_client_data_json =
    R"json({"type":"webauthn.create","challenge":"DuiBl3tam9LBUwmjXBoruQilHarBnUqOrumGzBge7V4","origin":"http://localhost:58090","crossOrigin":false,"other_keys_can_be_added_here":"do not compare clientDataJSON against a template. See https://goo.gl/yabPex"})json";
inline constexpr const char* chromium_none_challenge = "DuiBl3tam9LBUwmjXBoruQilHarBnUqOrumGzBge7V4";

// attestation: 'direct' -> fmt packed with one x5c certificate.
inline constexpr const char* chromium_packed_credential_id =
    "ILV9_phxkcwORX6oiboryUHn1YCt55N6v9KN9lOaU8M";
inline constexpr const char* chromium_packed_attestation_object =
    "o2NmbXRmcGFja2VkZ2F0dFN0bXSjY2FsZyZjc2lnWEcwRQIhAL_kMwCg8U9QUnFIHOMvmsiSKdACSeGkhRXR6QqrR7"
    "wZAiBQfv9FMY6Lmc7s8vZoAgU2DpgFx4HYr4LbAt1GJl5VtGN4NWOBWQHZMIIB1TCCAXqgAwIBAgIBATAKBggqhkjO"
    "PQQDAjBgMQswCQYDVQQGEwJVUzERMA8GA1UECgwIQ2hyb21pdW0xIjAgBgNVBAsMGUF1dGhlbnRpY2F0b3IgQXR0ZX"
    "N0YXRpb24xGjAYBgNVBAMMEUJhdGNoIENlcnRpZmljYXRlMB4XDTE3MDcxNDAyNDAwMFoXDTQ2MTExNzEzMjk1MFow"
    "YDELMAkGA1UEBhMCVVMxETAPBgNVBAoMCENocm9taXVtMSIwIAYDVQQLDBlBdXRoZW50aWNhdG9yIEF0dGVzdGF0aW"
    "9uMRowGAYDVQQDDBFCYXRjaCBDZXJ0aWZpY2F0ZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABI1hfmXJUI5kvMVn"
    "OsgqZ5naPBRGaCwljEY__99Y39L6Pmw3i1PXlcSk3_tBme3Xhi8jq68CA7S4kRugVpmU4QGjJTAjMAwGA1UdEwEB_w"
    "QCMAAwEwYLKwYBBAGC5RwCAQEEBAMCAwgwCgYIKoZIzj0EAwIDSQAwRgIhAMSzdff3gXv5EUzoe7TiaGjbe_SHJCId"
    "alfdy9BlE-zfAiEAig63BBUZCDaTrSAn4HRKD5k7Ucv4cpUNqyJrOR7qFEtoYXV0aERhdGFYpEmWDeWIDoxodDQXD2"
    "R2YFuP5K65ooYyx5lc87qDHZdjRQAAAAEBAgMEBQYHCAECAwQFBgcIACAgtX3-mHGRzA5FfqiJuivJQefVgK3nk3q_"
    "0o32U5pTw6UBAgMmIAEhWCBPyz2zGDVfEYpeUGVMwMCFVT8CudXYiD864kJS9jhxuSJYIDWApPr06dlZ46oGJfcm_d"
    "47QmKir08GPsVegk_x6e22";
inline constexpr const char* chromium_packed_client_data_json =
    "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoienp5aks0eWFYdVdxbmM4Q2hhblBQMXlpWlc0cE"
    "5mYUxOb0xpTjgxLWs5WSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6NTgwOTAiLCJjcm9zc09yaWdpbiI6ZmFs"
    "c2V9";
inline constexpr const char* chromium_packed_public_key_spki =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAET8s9sxg1XxGKXlBlTMDAhVU_ArnV2Ig_OuJCUvY4cbk1gKT69OnZWe"
    "OqBiX3Jv3eO0Jioq9PBj7FXoJP8enttg";
inline constexpr const char* chromium_packed_challenge = "zzyjK4yaXuWqnc8ChanPP1yiZW4pNfaLNoLiN81-k9Y";

// navigator.credentials.get with the packed credential above; signCount 2.
inline constexpr const char* chromium_assertion_authenticator_data =
    "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAg";
inline constexpr const char* chromium_assertion_client_data_json =
    "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoieXJzUk4zcHFQc01BQjAwd0Y1cXM3NGJCQzdEM3pRRF"
    "VYakRIT2JHMVFhSSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6NTgwOTAiLCJjcm9zc09yaWdpbiI6ZmFsc2V9";
inline constexpr const char* chromium_assertion_signature =
    "MEUCIDXkTytKwvqBpBATx0IlHMrKUR9natUS_TDMx6ZFvhVEAiEA7OaEpgIFsJWNUStWs9E0csDN9QN-Qb65a30_yb"
    "JoM5Y";
inline constexpr const char* chromium_assertion_challenge = "yrsRN3pqPsMAB00wF5qs74bBC7D3zQDUXjDHObG1QaI";

} // namespace asistencia::test_vectors
