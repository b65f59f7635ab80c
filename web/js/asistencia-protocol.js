// The phone's side of the Asistencia protocol (PROTOCOL.md sections 4-6) on the standard
// WebCrypto API, with no dependencies. The student pages load it, and
// tests/vectors/generate.mjs runs the same file under Node to produce the vectors the C++
// server must reproduce byte for byte.

const subtle = globalThis.crypto.subtle;
const encoder = new TextEncoder();

export const INFO_HANDSHAKE = 'asistencia/handshake/v1';
export const INFO_TOTPU = 'asistencia/totpu/v1';
export const INFO_QR = 'asistencia/qr/v1';
export const INFO_AT_REST = 'asistencia/at-rest/v1';
export const INFO_TOTPS_PREFIX = 'asistencia/totps/v1/';
export const QR_PREFIX = 'ASIS1.';
export const QR_AAD = 'ASIS1';
export const QR_TEXT_LENGTH = 94;
export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;

// ---- bytes and base64url (strict: no padding, one spelling per byte string)

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function base64urlEncode(bytes) {
  const b = toBytes(bytes);
  let out = '';
  let i = 0;
  for (; i + 3 <= b.length; i += 3) {
    const v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += URL_ALPHABET[(v >> 18) & 63] + URL_ALPHABET[(v >> 12) & 63] +
      URL_ALPHABET[(v >> 6) & 63] + URL_ALPHABET[v & 63];
  }
  const rest = b.length - i;
  if (rest > 0) {
    const v = (b[i] << 16) | (rest === 2 ? b[i + 1] << 8 : 0);
    out += URL_ALPHABET[(v >> 18) & 63] + URL_ALPHABET[(v >> 12) & 63];
    if (rest === 2) out += URL_ALPHABET[(v >> 6) & 63];
  }
  return out;
}

// Returns a Uint8Array, or null for anything that is not strict base64url.
export function base64urlDecode(text) {
  if (typeof text !== 'string' || text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const c of text) {
    const v = URL_ALPHABET.indexOf(c);
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out.subarray(0, n);
}

export function toBytes(x) {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (typeof x === 'string') return encoder.encode(x);
  throw new TypeError('expected bytes');
}

export function concatBytes(...parts) {
  const arrays = parts.map(toBytes);
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

export function randomBytes(n) {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

// ---- HKDF-SHA256

async function hkdfKey(ikm) {
  return subtle.importKey('raw', toBytes(ikm), 'HKDF', false, ['deriveBits', 'deriveKey']);
}

export async function hkdfSha256(ikm, salt, info, length = 32) {
  const bits = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: toBytes(salt), info: toBytes(info) },
    await hkdfKey(ikm), length * 8);
  return new Uint8Array(bits);
}

// ---- ECDH P-256, raw uncompressed public keys (65 bytes)

export async function generateEcdhKeyPair() {
  const pair = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const publicRaw = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicRaw };
}

// A fixed key pair (test vectors): the private scalar and its public point.
export async function importEcdhPrivateKey(privateScalar, publicRaw) {
  const pub = toBytes(publicRaw);
  const jwk = {
    kty: 'EC', crv: 'P-256', ext: true,
    d: base64urlEncode(privateScalar),
    x: base64urlEncode(pub.subarray(1, 33)),
    y: base64urlEncode(pub.subarray(33, 65)),
  };
  return subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
}

export async function ecdhSharedSecret(privateKey, peerPublicRaw) {
  const peer = await subtle.importKey('raw', toBytes(peerPublicRaw),
    { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  return new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: peer }, privateKey, 256));
}

// ---- handshake (PROTOCOL.md section 5 step 2)

export async function deriveHandshakeSecret(privateKey, serverPublicRaw, challenge, rawCredentialId) {
  const shared = await ecdhSharedSecret(privateKey, serverPublicRaw);
  return hkdfSha256(shared, challenge, concatBytes(INFO_HANDSHAKE, rawCredentialId), 32);
}

// The raw K_totpu and K_qr (test vectors only; the page keeps non-extractable keys).
export async function deriveDeviceKeyBytes(handshakeSecret) {
  return {
    kTotpu: await hkdfSha256(handshakeSecret, new Uint8Array(0), INFO_TOTPU, 32),
    kQr: await hkdfSha256(handshakeSecret, new Uint8Array(0), INFO_QR, 32),
  };
}

// K_totpu (HMAC-SHA256) and K_qr (AES-256-GCM) as WebCrypto keys, non-extractable unless
// asked: what the phone stores in IndexedDB.
export async function deriveDeviceKeys(handshakeSecret, { extractable = false } = {}) {
  const base = await hkdfKey(handshakeSecret);
  const empty = new Uint8Array(0);
  const kTotpu = await subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: empty, info: encoder.encode(INFO_TOTPU) }, base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 }, extractable, ['sign']);
  const kQr = await subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: empty, info: encoder.encode(INFO_QR) }, base,
    { name: 'AES-GCM', length: 256 }, extractable, ['encrypt', 'decrypt']);
  return { kTotpu, kQr };
}

export async function importHmacKey(raw) {
  return subtle.importKey('raw', toBytes(raw), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

export async function importAesKey(raw) {
  return subtle.importKey('raw', toBytes(raw), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

// ---- TOTP (RFC 6238, HMAC-SHA256, T0 = 0)

export function totpStep(timeMs, stepSeconds = TOTP_STEP_SECONDS) {
  return Math.floor(timeMs / 1000 / stepSeconds);
}

// `key` is an HMAC-SHA256 CryptoKey (K_totpu, or the session's TOTPs key).
export async function totpAtStep(key, step, digits = TOTP_DIGITS) {
  const counter = new Uint8Array(8);
  let c = BigInt(step);
  for (let i = 7; i >= 0; i--) {
    counter[i] = Number(c & 0xffn);
    c >>= 8n;
  }
  const mac = new Uint8Array(await subtle.sign('HMAC', key, counter));
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) |
    (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export async function totp(key, timeMs, stepSeconds = TOTP_STEP_SECONDS) {
  return totpAtStep(key, totpStep(timeMs, stepSeconds));
}

export async function deriveSessionTotpsSecret(masterKey, sessionId) {
  return hkdfSha256(masterKey, new Uint8Array(0), INFO_TOTPS_PREFIX + String(sessionId), 32);
}

// ---- QR payload v1 (PROTOCOL.md 6.3)

function encodePlaintext(p) {
  const out = new Uint8Array(38);
  const v = new DataView(out.buffer);
  v.setUint8(0, 1);
  v.setUint32(1, p.sessionId);
  v.setUint32(5, p.userId);
  v.setUint8(9, p.round);
  out.set(toBytes(p.nonce), 10);
  v.setBigUint64(26, BigInt(p.issuedAt));
  v.setUint32(34, p.totps);
  return out;
}

function decodePlaintext(b) {
  if (b.length !== 38 || b[0] !== 1) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    sessionId: v.getUint32(1),
    userId: v.getUint32(5),
    round: v.getUint8(9),
    nonce: b.slice(10, 26),
    issuedAt: Number(v.getBigUint64(26)),
    totps: v.getUint32(34),
  };
}

// `kQr` is an AES-GCM CryptoKey; `iv` random unless given (test vectors).
export async function sealQr(payload, kQr, iv = randomBytes(12)) {
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(QR_AAD), tagLength: 128 },
    kQr, encodePlaintext(payload));
  return QR_PREFIX + base64urlEncode(concatBytes(iv, new Uint8Array(ct)));
}

// The payload when this key opens the text, null otherwise (another student's QR, a
// decoy, anything that is not a QR of ours). Every phone tries every QR it sees.
export async function openQr(text, kQr) {
  if (typeof text !== 'string' || text.length !== QR_TEXT_LENGTH || !text.startsWith(QR_PREFIX)) return null;
  const blob = base64urlDecode(text.slice(QR_PREFIX.length));
  if (!blob || blob.length !== 12 + 38 + 16) return null;
  try {
    const pt = await subtle.decrypt(
      { name: 'AES-GCM', iv: blob.subarray(0, 12), additionalData: encoder.encode(QR_AAD), tagLength: 128 },
      kQr, blob.subarray(12));
    return decodePlaintext(new Uint8Array(pt));
  } catch {
    return null;
  }
}

// ---- secrets at rest (server side format; here to produce vectors)

export async function sealAtRest(masterKey, secret, credentialId, iv = randomBytes(12)) {
  const key = await importAesKey(await hkdfSha256(masterKey, new Uint8Array(0), INFO_AT_REST, 32));
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(credentialId), tagLength: 128 },
    key, toBytes(secret));
  return 'v1.' + base64urlEncode(concatBytes(iv, new Uint8Array(ct)));
}
