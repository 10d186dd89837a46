import { posix } from 'node:path';
import { BITNAMI_API_GROUP, inspectBitnamiValue, inspectValue, API_GROUP } from '@sealkit/core';
import { ExitError } from '../errors.js';
import { parseYamlDocuments } from '../files/checked-rewrite.js';
import { locateObjects, type Located } from '../input/locate-objects.js';
import { yaml } from '../yaml-lazy.js';
import { parseSimpleYaml } from '../yaml/fast-yaml.js';
import type { Finding, RuleId } from './findings.js';

/**
 * The checks of `sealkit scan` on one file's text. Values are judged one by one: a file with
 * one sealed value and one plaintext value fails on the plaintext one. Parsing is real (YAML
 * and JSON, several documents, `kind: List`); positions are computed only for the findings,
 * so the common case (no finding) stays on the fast parser.
 */

/** Marks an object the scan must not judge (test fixtures): `metadata.annotations["sealkit.dev/scan"]: ignore`. */
export const SCAN_ANNOTATION = 'sealkit.dev/scan';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The repository's other files, as the scan sees them (work tree or git index): for kustomize envs/files. */
export interface RepoFiles {
  /** The text of a repository file (path relative to the repository, `/` separators), or undefined when it is not in the repository. */
  read(path: string): Promise<string | undefined>;
  /** How reports name a repository path. */
  display(path: string): string;
}

/** One file to judge: its repository path and text. */
export interface ScanInput {
  readonly path: string;
  readonly text: string;
}

type Path = ReadonlyArray<string | number>;

/** A finding before its line is known: where in the parsed documents it sits. */
interface Pending {
  readonly doc: number;
  readonly path: Path;
  readonly rule: RuleId;
  readonly message: string;
  readonly object?: { kind: string; namespace?: string | undefined; name?: string | undefined } | undefined;
  readonly key?: string | undefined;
}

export class UnparsableError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Cheap test before any parsing: a file that mentions none of these has nothing to report.
const MAY_MATTER = /Secret|secretGenerator/;

function parseDocs(text: string, path: string): unknown[] {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return [JSON.parse(text) as unknown];
    } catch {
      // YAML reads most JSON with comments or trailing text, and gives a position otherwise.
    }
  }
  const simple = parseSimpleYaml(text);
  if (simple !== undefined) return simple;
  try {
    return parseYamlDocuments(text, path);
  } catch (err) {
    if (!(err instanceof ExitError)) throw err;
    throw new UnparsableError(err.message.slice(path.length + 2));
  }
}

function metadataOf(value: Record<string, unknown>): Record<string, unknown> {
  return isRecord(value.metadata) ? value.metadata : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function identify(value: Record<string, unknown>): { kind: string; namespace?: string | undefined; name?: string | undefined } {
  const meta = metadataOf(value);
  return { kind: str(value.kind) ?? 'object', namespace: str(meta.namespace), name: str(meta.name) };
}

function label(id: { kind: string; namespace?: string | undefined; name?: string | undefined }): string {
  const where = id.name === undefined ? '(unnamed)' : id.namespace === undefined ? id.name : `${id.namespace}/${id.name}`;
  return `${id.kind} ${where}`;
}

function ignored(value: Record<string, unknown>): boolean {
  const annotations = metadataOf(value).annotations;
  return isRecord(annotations) && annotations[SCAN_ANNOTATION] === 'ignore';
}

function isNonEmpty(value: unknown): boolean {
  return value !== null && value !== undefined && String(value) !== '';
}

function groupOf(apiVersion: unknown): string {
  return typeof apiVersion === 'string' && apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
}

/** Plaintext data/stringData of a v1 Secret: one pending finding per non-empty value. */
/** `at`: where to point for every value (the annotation that holds them), else at each value itself. */
function secretValues(value: Record<string, unknown>, doc: number, path: Path, rule: RuleId, at: Path | undefined, suffix: string): Pending[] {
  if (value.kind !== 'Secret' || groupOf(value.apiVersion) !== '') return [];
  const object = identify(value);
  const out: Pending[] = [];
  for (const field of ['data', 'stringData'] as const) {
    const map = value[field];
    if (!isRecord(map)) continue;
    for (const [key, v] of Object.entries(map)) {
      if (!isNonEmpty(v)) continue;
      out.push({ doc, path: at ?? [...path, field, key], rule, object, key, message: `${label(object)} key ${JSON.stringify(key)} is plaintext${suffix}` });
    }
  }
  return out;
}

function checkSealed(obj: Located): Pending[] {
  const { value, doc, path } = obj;
  const group = groupOf(value.apiVersion);
  if (value.kind !== 'SealedSecret' || (group !== API_GROUP && group !== BITNAMI_API_GROUP)) return [];
  const spec = isRecord(value.spec) ? value.spec : {};
  const encrypted = spec.encryptedData;
  if (!isRecord(encrypted)) return [];
  const object = identify(value);
  const out: Pending[] = [];
  for (const [key, v] of Object.entries(encrypted)) {
    let reason: string | undefined;
    if (typeof v !== 'string' || v === '') reason = 'it is empty or not a string';
    else {
      try {
        if (group === API_GROUP) inspectValue(v);
        else inspectBitnamiValue(v);
      } catch (err) {
        // core's messages describe the structure (truncated, unknown version), never the bytes.
        reason = err instanceof Error ? err.message : String(err);
      }
    }
    if (reason === undefined) continue;
    out.push({
      doc,
      path: [...path, 'spec', 'encryptedData', key],
      rule: 'invalid-sealed-value',
      object,
      key,
      message: `${label(object)} key ${JSON.stringify(key)} is not a valid sealed value: ${reason}`,
    });
  }
  return out;
}

function checkLastApplied(obj: Located): Pending[] {
  const annotations = metadataOf(obj.value).annotations;
  if (!isRecord(annotations) || typeof annotations[LAST_APPLIED] !== 'string') return [];
  let applied: unknown;
  try {
    applied = JSON.parse(annotations[LAST_APPLIED]);
  } catch {
    return [];
  }
  if (!isRecord(applied)) return [];
  const at = [...obj.path, 'metadata', 'annotations', LAST_APPLIED];
  return secretValues(applied, obj.doc, obj.path, 'plaintext-last-applied', at, ` in the ${LAST_APPLIED} annotation of ${label(identify(obj.value))}`);
}

function isKustomization(value: Record<string, unknown>, path: string): boolean {
  if (value.kind === 'Kustomization' && groupOf(value.apiVersion).startsWith('kustomize.config.k8s.io')) return true;
  return /^(kustomization\.ya?ml|Kustomization)$/.test(posix.basename(path)) && value.kind === undefined;
}

const ENV_LINE = /^\s*(?:export\s+)?([^#=\s][^=]*?)\s*=\s*(.*)$/;

/** The non-empty KEY=VALUE lines of an env file, with their line numbers. */
function envEntries(text: string): Array<{ key: string; line: number }> {
  const out: Array<{ key: string; line: number }> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const m = ENV_LINE.exec(line);
    if (m !== null && (m[2] ?? '').trim() !== '' && !(m[1] ?? '').startsWith('#')) out.push({ key: m[1] as string, line: i + 1 });
  });
  return out;
}

interface KustomizeResult {
  pending: Pending[];
  /** Findings located in other files (the env files), with their lines already known. */
  located: Finding[];
}

async function checkKustomization(obj: Located, file: string, repo: RepoFiles): Promise<KustomizeResult> {
  const result: KustomizeResult = { pending: [], located: [] };
  const generators = obj.value.secretGenerator;
  if (!Array.isArray(generators)) return result;
  const dir = posix.dirname(file);
  for (const [g, gen] of generators.entries()) {
    if (!isRecord(gen)) continue;
    const name = str(gen.name) ?? '(unnamed)';
    const base = [...obj.path, 'secretGenerator', g];
    const literals = Array.isArray(gen.literals) ? gen.literals : [];
    for (const [i, literal] of literals.entries()) {
      if (typeof literal !== 'string') continue;
      const eq = literal.indexOf('=');
      const key = eq < 0 ? literal : literal.slice(0, eq);
      if (eq < 0 || literal.slice(eq + 1) === '') continue;
      result.pending.push({ doc: obj.doc, path: [...base, 'literals', i], rule: 'kustomize-plaintext', key, message: `secretGenerator ${name} literal ${JSON.stringify(key)} is plaintext` });
    }
    const envs = [...(Array.isArray(gen.envs) ? gen.envs : []), ...(typeof gen.env === 'string' ? [gen.env] : [])];
    for (const env of envs) {
      if (typeof env !== 'string') continue;
      const target = posix.normalize(posix.join(dir, env));
      const text = await repo.read(target);
      if (text === undefined) continue;
      for (const { key, line } of envEntries(text)) {
        result.located.push({ file: repo.display(target), line, rule: 'kustomize-plaintext', key, message: `secretGenerator ${name} key ${JSON.stringify(key)} is plaintext (envs file of ${repo.display(file)})` });
      }
    }
    const files = Array.isArray(gen.files) ? gen.files : [];
    for (const [i, entry] of files.entries()) {
      if (typeof entry !== 'string') continue;
      const eq = entry.indexOf('=');
      const source = eq < 0 ? entry : entry.slice(eq + 1);
      const key = eq < 0 ? posix.basename(entry) : entry.slice(0, eq);
      const target = posix.normalize(posix.join(dir, source));
      const text = await repo.read(target);
      if (text === undefined || text === '') continue;
      result.pending.push({ doc: obj.doc, path: [...base, 'files', i], rule: 'kustomize-plaintext', key, message: `secretGenerator ${name} key ${JSON.stringify(key)} comes from ${repo.display(target)}, a plaintext file in the repository` });
    }
  }
  return result;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Source lines for the pending findings: the whole parser, only for files that have findings. */
function locate(text: string, pending: readonly Pending[]): number[] {
  const docs = yaml().parseAllDocuments(text);
  return pending.map((p) => {
    let path = p.path;
    // The deepest node that exists (a value may be null, a key may be oddly quoted): its line is close enough.
    while (path.length > 0) {
      const node = docs[p.doc]?.getIn(path, true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineAt(text, node.range[0]);
      const parent = docs[p.doc]?.getIn(path.slice(0, -1), true) as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | undefined;
      const pair = parent?.items?.find((item) => item.key?.value === path[path.length - 1]);
      if (pair?.key?.range) return lineAt(text, pair.key.range[0]);
      path = path.slice(0, -1);
    }
    return 1;
  });
}

/** Every finding in one file. Throws UnparsableError for a file that is not YAML or JSON. */
export async function scanText(input: ScanInput, repo: RepoFiles): Promise<Finding[]> {
  if (!MAY_MATTER.test(input.text)) return [];
  let text = input.text;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const objects: Located[] = [];
  parseDocs(text, input.path).forEach((value, i) => locateObjects(value, i, [], objects));
  const pending: Pending[] = [];
  const located: Finding[] = [];
  for (const obj of objects) {
    if (ignored(obj.value)) continue;
    pending.push(...secretValues(obj.value, obj.doc, obj.path, 'plaintext-secret', undefined, ''));
    pending.push(...checkSealed(obj), ...checkLastApplied(obj));
    if (isKustomization(obj.value, input.path)) {
      const k = await checkKustomization(obj, input.path, repo);
      pending.push(...k.pending);
      located.push(...k.located);
    }
  }
  if (pending.length === 0) return located;
  const lines = locate(text, pending);
  const file = repo.display(input.path);
  const own = pending.map((p, i): Finding => ({
    file,
    line: lines[i] as number,
    rule: p.rule,
    message: p.message,
    ...(p.object === undefined ? {} : { kind: p.object.kind, namespace: p.object.namespace, name: p.object.name }),
    key: p.key,
  }));
  return [...own, ...located];
}
