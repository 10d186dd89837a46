// Writes a one-layer OCI image layout (https://github.com/opencontainers/image-spec): the layer
// blob (a gzip'ed tar made by deploy/image/build.sh), its config, the manifest and index.json.
// Everything is derived from the inputs and SOURCE_DATE_EPOCH, so the same inputs give the same
// digest.
//
//   node oci-layout.mjs --layout DIR --layer LAYER.tar.gz --diff-id sha256:... --tag TAG
//        --arch amd64 --created 2026-01-01T00:00:00Z --config image-config.json
//
// image-config.json is the OCI config's "config" object (User, Env, Entrypoint, Cmd, Labels...).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    layout: { type: 'string' },
    layer: { type: 'string' },
    'diff-id': { type: 'string' },
    tag: { type: 'string' },
    arch: { type: 'string' },
    created: { type: 'string' },
    config: { type: 'string' },
  },
  strict: true,
});
for (const k of ['layout', 'layer', 'diff-id', 'tag', 'arch', 'created', 'config']) {
  if (!o[k]) {
    process.stderr.write(`oci-layout: --${k} is required\n`);
    process.exit(2);
  }
}

const blobs = path.join(o.layout, 'blobs', 'sha256');
mkdirSync(blobs, { recursive: true });
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** Stores bytes as a blob and returns its descriptor. */
function blob(mediaType, bytes, extra = {}) {
  const digest = sha256(bytes);
  writeFileSync(path.join(blobs, digest), bytes);
  return { mediaType, digest: `sha256:${digest}`, size: bytes.length, ...extra };
}
// Canonical enough for reproducibility: keys in the order written here, no whitespace.
const json = (v) => Buffer.from(JSON.stringify(v));

const layerBytes = readFileSync(o.layer);
const layerDigest = sha256(layerBytes);
copyFileSync(o.layer, path.join(blobs, layerDigest));
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${layerDigest}`, size: layerBytes.length };

const config = blob('application/vnd.oci.image.config.v1+json', json({
  created: o.created,
  architecture: o.arch,
  os: 'linux',
  config: JSON.parse(readFileSync(o.config, 'utf8')),
  rootfs: { type: 'layers', diff_ids: [o['diff-id']] },
  history: [{ created: o.created, created_by: 'deploy/image/build.sh' }],
}));

const labels = JSON.parse(readFileSync(o.config, 'utf8')).Labels ?? {};
const manifest = blob('application/vnd.oci.image.manifest.v1+json', json({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config,
  layers: [layer],
  annotations: Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('org.opencontainers.image.'))),
}));

writeFileSync(path.join(o.layout, 'oci-layout'), json({ imageLayoutVersion: '1.0.0' }));
writeFileSync(path.join(o.layout, 'index.json'), json({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [{ ...manifest, platform: { architecture: o.arch, os: 'linux' }, annotations: { 'org.opencontainers.image.ref.name': o.tag } }],
}));
process.stdout.write(`${manifest.digest}\n`);
