/**
 * What may be a secret, judged by name and by shape. Used so that no error message (values input) and no printed
 * diff (`npm run diff`) ever shows a value that could be a credential: such values are reported as changed or
 * invalid without being echoed.
 */

/** Names (keys, env var names, annotation keys) that announce a secret value. */
const SECRET_NAME = /(pass(word|wd|phrase)?|pwd|secret|token|credential|private|api[-_]?key|access[-_]?key|secret[-_]?key|auth|cookie|session[-_]?key|signature|cert(ificate)?[-_]?key|_key$|^key$|dsn|database[-_]?ur[il]|db[-_]?ur[il]|connection[-_]?string|conn[-_]?str|jdbc)/i;

/** Names that look secret by the pattern above but only ever hold references or switches, never values. */
const REFERENCE_NAME = /(Secret|SecretName|PasswordSecret|CredentialsSecret|secretStore|Ref|RemoteKey|RemoteRef|remoteUserAuth|singleSignOn|authUrl|signinUrl|cloudflareAccess|auth\.enabled)$/;

/**
 * True when a value under `name` may be a secret. `references: 'secret'` (error messages) also treats the names of
 * Secret references (`adminPasswordSecret`, ...) as secret: a password typed where a reference belongs is not echoed.
 */
export function secretName(name: string, references: 'plain' | 'secret' = 'plain'): boolean {
  return SECRET_NAME.test(name) && (references === 'secret' || !REFERENCE_NAME.test(name));
}

/** Shapes of credentials: user:password@ in a URL, private keys, AWS/GitHub/Slack tokens, JWTs, key=value secrets. */
const SECRET_SHAPES: readonly RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, // JWT
  /\b(password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|secret[-_]?key)\s*[:=]\s*['"]?[^\s'"$<{]{4,}/i, // key=value inside configuration text
];

/** True when `value` looks like (or contains) a credential, whatever its name. */
export function secretShaped(value: string): boolean {
  return userInfoInUrl(value, true) || SECRET_SHAPES.some((re) => re.test(value));
}

/**
 * Whether a URL in `value` carries user info (`scheme://user@` or, with `passwordOnly`, `scheme://user:pw@`).
 * Linear: scans from each `://` (a regular expression with a scheme prefix backtracks quadratically on long words).
 */
function userInfoInUrl(value: string, passwordOnly: boolean): boolean {
  for (let i = value.indexOf('://'); i >= 0; i = value.indexOf('://', i + 3)) {
    if (i === 0 || !/[a-z0-9+.-]/i.test(value[i - 1])) continue;
    let colon = false;
    for (let j = i + 3; j < value.length && j < i + 3 + 512; j++) {
      const c = value[j];
      if (c === '@') {
        if (!passwordOnly || colon) return true;
        break;
      }
      if (c === '/' || c === '?' || c === '#' || /\s/.test(c)) break;
      if (c === ':') colon = true;
    }
  }
  return false;
}

/** A URL carrying a user name or password (`scheme://user:pw@host`), which must never be typed into values. */
export function urlCredentials(value: string): boolean {
  return userInfoInUrl(value, false);
}

/** The text shown for a value that must not be printed. */
export const REDACTED = '(value not shown: it may be a secret)';
