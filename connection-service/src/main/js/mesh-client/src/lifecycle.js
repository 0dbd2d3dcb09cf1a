// Page lifecycle (PROTOCOL 1.1, README): which page events the client listens to. What it does on each is the
// connection's business (client.js): pagehide closes (and pageshow from the back/forward cache reconnects as a new
// page), offline/online pause and resume reconnecting, a page becoming visible checks its connection at once.

/** @typedef {import('../mesh-client.js').EventTargetLike} EventTargetLike */

/**
 * @typedef {object} LifecycleHandlers
 * @property {() => void} pagehide
 * @property {(e: { persisted?: boolean }) => void} pageshow
 * @property {() => void} online
 * @property {() => void} offline
 * @property {() => void} visibilitychange
 */

/** Never `unload` or `beforeunload`: they make the page ineligible for the back/forward cache. */
const WINDOW_EVENTS = /** @type {const} */ (['pagehide', 'pageshow', 'online', 'offline']);

export class PageLifecycle {
  #window;
  #document;
  /** @type {LifecycleHandlers | null} */
  #installed = null;

  /**
   * @param {EventTargetLike | null | undefined} window receives pagehide, pageshow, online, offline
   * @param {EventTargetLike | null | undefined} document receives visibilitychange
   */
  constructor(window, document) {
    this.#window = window;
    this.#document = document;
  }

  /**
   * Listens (once: a second call while installed does nothing).
   * @param {LifecycleHandlers} handlers
   */
  install(handlers) {
    if (this.#installed) return;
    for (const type of WINDOW_EVENTS) this.#window?.addEventListener?.(type, handlers[type]);
    this.#document?.addEventListener?.('visibilitychange', handlers.visibilitychange);
    this.#installed = handlers;
  }

  remove() {
    const h = this.#installed;
    if (!h) return;
    for (const type of WINDOW_EVENTS) this.#window?.removeEventListener?.(type, h[type]);
    this.#document?.removeEventListener?.('visibilitychange', h.visibilitychange);
    this.#installed = null;
  }
}
