// WebAuthn Level 3 JSON forms (PROTOCOL.md section 10): the browser's own
// parseCreationOptionsFromJSON / toJSON where it has them, a small equivalent otherwise.
import { base64urlDecode, base64urlEncode } from './asistencia-protocol.js';

const bytes = (text) => {
  const b = base64urlDecode(text);
  if (!b) throw new TypeError('base64url esperado');
  return b;
};

export function creationOptionsFromJSON(json) {
  if (typeof PublicKeyCredential?.parseCreationOptionsFromJSON === 'function') {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: bytes(json.challenge),
    user: { ...json.user, id: bytes(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: bytes(c.id) })),
  };
}

export function requestOptionsFromJSON(json) {
  if (typeof PublicKeyCredential?.parseRequestOptionsFromJSON === 'function') {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: bytes(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: bytes(c.id) })),
  };
}

export function credentialToJSON(credential) {
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  const r = credential.response;
  const response = r.attestationObject
    ? {
        clientDataJSON: base64urlEncode(r.clientDataJSON),
        attestationObject: base64urlEncode(r.attestationObject),
        transports: typeof r.getTransports === 'function' ? r.getTransports() : [],
      }
    : {
        clientDataJSON: base64urlEncode(r.clientDataJSON),
        authenticatorData: base64urlEncode(r.authenticatorData),
        signature: base64urlEncode(r.signature),
        userHandle: r.userHandle ? base64urlEncode(r.userHandle) : null,
      };
  return {
    id: credential.id,
    rawId: base64urlEncode(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults?.() || {},
    authenticatorAttachment: credential.authenticatorAttachment ?? null,
  };
}
