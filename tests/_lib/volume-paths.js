// The two ways to call a Volume's data methods: its async path (read, write, truncate, flush)
// and its sync path (readSync, writeSync, truncateSync, flushSync). A suite loops over PATHS and
// calls the data methods through `path.view(volume)`, so each case runs on both. The sync view
// wraps each sync call in a promise only so the test code stays the same: the call itself runs
// (and throws) synchronously. Portable (Node, Deno, Chromium).

const SYNC_NAMES = { read: 'readSync', write: 'writeSync', truncate: 'truncateSync', flush: 'flushSync' };

function syncView(volume) {
  return new Proxy(volume, {
    get(target, name) {
      const sync = SYNC_NAMES[name];
      if (sync !== undefined)
        return (...args) => {
          try {
            return Promise.resolve(target[sync](...args));
          } catch (e) {
            return Promise.reject(e);
          }
        };
      const value = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export const PATHS = [
  { name: 'async path', view: (volume) => volume },
  { name: 'sync path', view: syncView },
];
