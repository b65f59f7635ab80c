// The phone's device keys in IndexedDB: K_totpu (HMAC) and K_qr (AES-GCM) as
// non-extractable CryptoKeys (structured clone keeps them non-extractable), plus who they
// belong to. The handshake secret itself is never stored.
const DB_NAME = 'asistencia';
const STORE = 'device';
const KEY = 'current';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req?.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

// record: {userId, deviceId, enrolledAt, kTotpu, kQr}
export const saveDevice = (record) => run('readwrite', (s) => s.put(record, KEY));
export const loadDevice = () => run('readonly', (s) => s.get(KEY));
export const clearDevice = () => run('readwrite', (s) => s.delete(KEY));
