// Reads the kube-apiserver's audit log (test/infra/up writes one: every write to secrets,
// sealedsecrets, remotesecrets and leases, at Metadata level, so no values) to prove who wrote
// what, and when, by the apiserver's own clock.
//
//   const mark = auditMark();                         // before the drill
//   ...
//   const writes = readAudit({ from: mark, who: { a: kubeconfigA, b: kubeconfigB } });
//   writes.filter((w) => w.who === 'a' && w.resource === 'secrets')
//
// Two controller replicas run as the same ServiceAccount with the same user agent; what tells them
// apart is their token: the apiserver records each service-account token's id (its `jti`) as the
// credential id, so each replica gets its own token (its own sa-kubeconfig) and `who` maps them.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { parse } from 'yaml';
import { requireKube } from '../../infra/env.js';

export interface AuditWrite {
  /** When the apiserver finished the request (stageTimestamp of ResponseComplete), ms since epoch. */
  at: number;
  /** When the apiserver received it. */
  received: number;
  verb: string;
  /** e.g. secrets, sealedsecrets, leases */
  resource: string;
  subresource?: string;
  apiGroup: string;
  namespace?: string;
  name?: string;
  /** HTTP status of the answer */
  code: number;
  username: string;
  userAgent: string;
  /** `JTI=...` for service-account tokens */
  credentialId?: string;
  /** The label of the matching entry of `who`, when one matches. */
  who?: string;
}

const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

/** The audit log's path; fails loudly when the harness did not write one. */
export function auditLogPath(): string {
  const p = requireKube().auditLog;
  if (!p) throw new Error('the harness exported no SEALKIT_KUBE_AUDIT_LOG: start the apiserver with a test/infra/up that writes the audit log');
  return p;
}

/** The current end of the audit log: pass as `from` to read only what comes after. */
export function auditMark(): number {
  const fd = openSync(auditLogPath(), 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** The credential id the apiserver records for the service-account token of `kubeconfig`. */
export function credentialIdOf(kubeconfig: string): string {
  const doc = parse(readFileSync(kubeconfig, 'utf8'));
  const token: string | undefined = doc?.users?.[0]?.user?.token;
  if (!token) throw new Error(`${kubeconfig} has no bearer token`);
  const payload = token.split('.')[1];
  if (!payload) throw new Error(`${kubeconfig}: the token is not a JWT`);
  const jti = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).jti;
  if (!jti) throw new Error(`${kubeconfig}: the token has no jti`);
  return `JTI=${jti}`;
}

/**
 * Completed writes recorded since `from` (a byte offset from auditMark()), oldest first by the
 * time the apiserver finished them. `who` labels writes by the credential of each kubeconfig.
 */
export function readAudit(opts: { from?: number; who?: Record<string, string> } = {}): AuditWrite[] {
  const byCredential = new Map(Object.entries(opts.who ?? {}).map(([label, kc]) => [credentialIdOf(kc), label]));
  const fd = openSync(auditLogPath(), 'r');
  let text: string;
  try {
    const size = fstatSync(fd).size;
    const start = Math.min(opts.from ?? 0, size);
    const buf = Buffer.alloc(size - start);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, start + off);
      if (n === 0) break;
      off += n;
    }
    text = buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
  const out: AuditWrite[] = [];
  // The last line may still be being written: only whole lines count.
  const end = text.lastIndexOf('\n');
  for (const line of text.slice(0, end + 1).split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.stage !== 'ResponseComplete' || !e.objectRef) continue;
    const credentialId: string | undefined = e.user?.extra?.[CREDENTIAL_ID]?.[0];
    const w: AuditWrite = {
      at: Date.parse(e.stageTimestamp),
      received: Date.parse(e.requestReceivedTimestamp),
      verb: e.verb,
      resource: e.objectRef.resource,
      apiGroup: e.objectRef.apiGroup ?? '',
      code: e.responseStatus?.code ?? 0,
      username: e.user?.username ?? '',
      userAgent: e.userAgent ?? '',
    };
    if (e.objectRef.subresource) w.subresource = e.objectRef.subresource;
    if (e.objectRef.namespace) w.namespace = e.objectRef.namespace;
    if (e.objectRef.name) w.name = e.objectRef.name;
    if (credentialId) w.credentialId = credentialId;
    const who = credentialId ? byCredential.get(credentialId) : undefined;
    if (who) w.who = who;
    out.push(w);
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Successful writes only (2xx). */
export const succeeded = (w: AuditWrite) => w.code >= 200 && w.code < 300;
