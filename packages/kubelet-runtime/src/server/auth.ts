/**
 * Who may use the kubelet API: a client certificate signed by `--client-ca-file`, or a bearer
 * token listed in `--authentication-token-file`; anonymous requests only with
 * `--anonymous-auth=true`. (The kubelet port runs pods' commands: never open by default.)
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface KubeletAuthConfig {
  /** Tokens accepted as `Authorization: Bearer <token>`. */
  tokens?: readonly string[];
  /** Whether a verified client certificate (the server was given a CA) authenticates. */
  clientCerts?: boolean;
  anonymous?: boolean;
}

/** The token file: one token per line, or the apiserver's CSV (`token,user,uid,...`); `#` comments. */
export function parseTokenFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',')[0]!.trim().replace(/^"|"$/g, ''))
    .filter(Boolean);
}

const equal = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export type AuthResult = { ok: true; user: string } | { ok: false };

export function authenticate(req: IncomingMessage, config: KubeletAuthConfig): AuthResult {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m && (config.tokens ?? []).some((t) => equal(t, m[1]!))) return { ok: true, user: 'token' };
    // A credential that does not check out is refused even where anonymous would pass (as upstream).
    return { ok: false };
  }
  const socket = req.socket as Partial<TLSSocket>;
  if (config.clientCerts && socket.authorized === true) {
    const cn = socket.getPeerCertificate?.()?.subject?.CN;
    return { ok: true, user: typeof cn === 'string' ? cn : 'cert' };
  }
  return config.anonymous ? { ok: true, user: 'system:anonymous' } : { ok: false };
}
