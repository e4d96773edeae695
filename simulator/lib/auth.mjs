// Applications, access tokens and refresh tokens.
//
// One live access token per application, as on the platform: a new login (or a
// refresh) invalidates the previous access and refresh tokens of that app.

import { randomBytes } from "node:crypto";

const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000; // "valid for one month"

function newToken() {
  return randomBytes(16).toString("hex");
}

export class Auth {
  #apps = new Map(); // appId → { secret, access: {token, expiresAt} | null, refresh: {token, expiresAt} | null }
  #ttlMs;
  #now;

  /**
   * @param {{ apps: {appId: string, secret: string}[], tokenTtlSeconds: number, now: () => number }} o
   */
  constructor({ apps, tokenTtlSeconds, now }) {
    for (const { appId, secret } of apps) this.#apps.set(appId, { secret, access: null, refresh: null });
    this.#ttlMs = tokenTtlSeconds * 1000;
    this.#now = now;
  }

  appIds() {
    return [...this.#apps.keys()];
  }

  secretOf(appId) {
    return this.#apps.get(appId)?.secret;
  }

  #verify(appId, secret) {
    const app = typeof appId === "string" ? this.#apps.get(appId) : undefined;
    return app !== undefined && typeof secret === "string" && app.secret === secret ? app : null;
  }

  #issue(app) {
    const now = this.#now();
    app.access = { token: newToken(), expiresAt: now + this.#ttlMs };
    app.refresh = { token: newToken(), expiresAt: now + REFRESH_TTL_MS };
    return {
      accessToken: app.access.token,
      tokenType: "bearer",
      refreshToken: app.refresh.token,
      // Whole seconds; a fractional TTL (tests) is rounded up.
      expiresIn: Math.max(1, Math.ceil(this.#ttlMs / 1000)),
      scope: "default",
    };
  }

  /** @returns the token answer, or null when appId/secret are wrong. */
  login(appId, secret) {
    const app = this.#verify(appId, secret);
    return app ? this.#issue(app) : null;
  }

  /** @returns the token answer, "credentials" or "refreshToken" (what was wrong). */
  refresh(appId, secret, refreshToken) {
    const app = this.#verify(appId, secret);
    if (!app) return "credentials";
    const r = app.refresh;
    if (!r || typeof refreshToken !== "string" || r.token !== refreshToken || r.expiresAt <= this.#now()) {
      return "refreshToken";
    }
    return this.#issue(app);
  }

  /**
   * Checks the `app_key` and `Authorization` headers of a northbound call.
   * @returns {"ok" | "missing" | "invalid" | "expired"}
   */
  check(appKey, authorization) {
    if (!appKey || !authorization) return "missing";
    const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!m) return "invalid";
    const app = this.#apps.get(appKey);
    if (!app || !app.access || app.access.token !== m[1]) return "invalid";
    if (app.access.expiresAt <= this.#now()) return "expired";
    return "ok";
  }

  /** Forgets every issued token. */
  clear() {
    for (const app of this.#apps.values()) {
      app.access = null;
      app.refresh = null;
    }
  }
}
