/**
 * Authentication (who is asking). Authorization is AlwaysAllow: every authenticated user may do
 * everything, as upstream's `--authorization-mode=AlwaysAllow`.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface User {
  name: string;
  uid?: string;
  groups: string[];
}

/**
 * A user, `undefined` when the request carries no credential this authenticator knows, or
 * `'reject'` when it carries one that is wrong (401 whatever the other authenticators say).
 */
export type Authenticator = (req: IncomingMessage) => User | undefined | 'reject';

/** Splits one CSV line; double quotes group commas, `""` inside quotes is a quote. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

/**
 * Bearer tokens from a `--token-auth-file` (CSV: `token,user,uid,"group1,group2"`; the groups
 * column is optional). Throws on a malformed file, naming the line.
 */
export function tokenFileAuthenticator(csvText: string): Authenticator {
  const users = new Map<string, User>();
  csvText.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const [token = '', name = '', uid = '', groups = ''] = csvFields(line);
    if (!token || !name || !uid) throw new Error(`token auth file, line ${i + 1}: need at least 3 columns (token,user,uid)`);
    if (users.has(token)) throw new Error(`token auth file, line ${i + 1}: duplicate token`);
    users.set(token, { name, uid, groups: groups.split(',').map((g) => g.trim()).filter(Boolean) });
  });
  return (req) => {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return undefined;
    const user = users.get(m[1]!);
    return user ? { ...user, groups: [...user.groups, 'system:authenticated'] } : 'reject';
  };
}

/**
 * Client certificates verified by the TLS server (`requestCert` with the client CA): the user is
 * the subject's CN, the groups its O values. A presented certificate that did not verify is rejected.
 */
export const clientCertAuthenticator: Authenticator = (req) => {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  if (!socket.authorized) return 'reject';
  const subject = (cert.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  const cn = subject.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return 'reject';
  const o = subject.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups: [...groups, 'system:authenticated'] };
};

/** The first authenticator that knows the credential decides. */
export function unionAuthenticator(authenticators: readonly Authenticator[]): Authenticator {
  return (req) => {
    for (const a of authenticators) {
      const r = a(req);
      if (r !== undefined) return r;
    }
    return undefined;
  };
}
