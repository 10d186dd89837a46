import { RULES, type Finding, type RuleId, type Skipped } from './findings.js';

/** The three outputs of `sealkit scan`: lines for people, JSON for scripts, SARIF 2.1.0 for code-scanning tools. */

export const SCAN_FORMATS = ['text', 'json', 'sarif'] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

export function formatText(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: ${f.message}\n`).join('');
}

export function formatJson(findings: readonly Finding[], skipped: readonly Skipped[]): string {
  return `${JSON.stringify({ findings, skipped }, null, 2)}\n`;
}

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** SARIF 2.1.0 (OASIS): one run, one rule per check, one result per finding; paths relative to the working directory. */
export function formatSarif(findings: readonly Finding[], version: string): string {
  const ids = Object.keys(RULES) as RuleId[];
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'sealkit',
            version,
            informationUri: 'https://sealkit.dev/docs/cli#scan',
            rules: ids.map((id) => ({
              id,
              name: id,
              shortDescription: { text: RULES[id] },
              defaultConfiguration: { level: 'error' },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `${pathToFileUri(process.cwd())}/` } },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ids.indexOf(f.rule),
          level: 'error',
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.file), uriBaseId: 'SRCROOT' },
                region: { startLine: f.line },
              },
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

function pathToFileUri(path: string): string {
  return `file://${encodeURI(path.split('\\').join('/'))}`;
}
