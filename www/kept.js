// The runs kept for a reload, a discarded tab or a crash (issue 27): one IndexedDB record per
// training cell, written by the compute worker after each finished epoch (src/worker/keep.rs)
// and offered again by the page (resume.js). Both load this file: the page with a <script>, the
// worker with importScripts (worker_loader.js). Each call is one IndexedDB transaction — all or
// nothing — so a crash mid-write leaves the previous epoch's record as it was.
self.lecternKept = (() => {
  const DB = "lectern";
  const STORE = "kept-runs";
  // A Resume request is used by the next Start within this long (then forgotten).
  const RESUME_MS = 120000;
  let opened = null;

  function open() {
    opened ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => {
          db.close();
          opened = null;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("another lectern tab holds the storage open"));
    }).catch((error) => {
      opened = null;
      throw error;
    });
    return opened;
  }

  /** Runs `work(store)` in one transaction; resolves with what it set once the transaction commits. */
  async function transaction(mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const answer = { value: undefined };
      tx.oncomplete = () => resolve(answer.value);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error("the storage gave up the write"));
      work(tx.objectStore(STORE), answer);
    });
  }

  return {
    /** Replaces `cell`'s record. */
    put: (cell, record) => transaction("readwrite", (store) => store.put(record, cell)),
    /** `cell`'s record, or undefined. */
    get: (cell) => transaction("readonly", (store, answer) => {
      store.get(cell).onsuccess = (event) => { answer.value = event.target.result; };
    }),
    remove: (cell) => transaction("readwrite", (store) => store.delete(cell)),
    /** Marks `cell`'s record to be resumed by the next Start. */
    requestResume: (cell) => transaction("readwrite", (store) => {
      store.get(cell).onsuccess = (event) => {
        const record = event.target.result;
        if (record) store.put({ ...record, resume: Date.now() }, cell);
      };
    }),
    /** `cell`'s record if a Resume asked for it lately (the request is used up), else null. */
    takeResume: (cell) => transaction("readwrite", (store, answer) => {
      answer.value = null;
      store.get(cell).onsuccess = (event) => {
        const record = event.target.result;
        if (!record?.resume) return;
        store.put({ ...record, resume: 0 }, cell);
        if (Date.now() - record.resume < RESUME_MS) answer.value = record;
      };
    }),
  };
})();
