import { ExitError } from '../errors.js';
import { describeNetworkError } from '@sealkit/kube';

const MAX_CERT_BYTES = 1 << 20;

/**
 * `--cert https://...`: a public key served over HTTPS (verified against the system CAs, or
 * NODE_EXTRA_CA_CERTS). Plain http is refused: anyone on the path could swap the key and read
 * every value sealed to it.
 */
export async function fetchCertUrl(url: string, timeoutMs = 30_000): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ExitError(`--cert ${url}: not a valid URL`);
  }
  // Never echo credentials embedded in the URL.
  const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (parsed.protocol !== 'https:') {
    throw new ExitError(`--cert ${shown}: only https:// URLs are accepted`, {
      hint: 'a public key fetched over plain http could have been replaced on the way; download it yourself and pass the file',
    });
  }
  let res: Response;
  try {
    res = await fetch(parsed, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    const { reason, hint } = describeNetworkError((err as Error).name === 'TimeoutError' ? { code: 'ETIMEDOUT' } : cause);
    throw new ExitError(`--cert ${shown}: cannot fetch: ${reason}`, { hint, cause: err });
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new ExitError(`--cert ${shown}: HTTP ${res.status}${res.statusText === '' ? '' : ` ${res.statusText}`}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_CERT_BYTES) throw new ExitError(`--cert ${shown}: the answer is larger than ${MAX_CERT_BYTES} bytes; not a public key`);
  return body.toString('utf8');
}
