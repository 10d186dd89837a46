import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePrivateKeyPem, encodePublicKeyPem, generateKeyPair, keyId } from '@sealkit/core';
import { ExitError } from '../errors.js';
import { exists, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, writeFileAtomic, writeNewFile } from '../files/user-files.js';
import type { RegisterCommand } from '../types.js';

export const PUBLIC_KEY_FILE = 'sealkit.pub';
export const PRIVATE_KEY_FILE = 'sealkit.key';

interface KeygenFlags {
  out: string;
  force?: boolean;
}

function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

export const registerKeygen: RegisterCommand = (program, { io }) => {
  program
    .command('keygen')
    .description('generate an X25519 key pair: sealkit.pub (share it) and sealkit.key (keep it secret)')
    .option('--out <dir>', 'directory to write sealkit.pub and sealkit.key to (created if missing)', '.')
    .option('--force', 'replace existing key files')
    .addHelpText(
      'after',
      `
Writes DIR/sealkit.pub (SPKI PEM, seal with it: --cert DIR/sealkit.pub) and DIR/sealkit.key
(PKCS#8 PEM, created with mode 0600; unseal with it: --key DIR/sealkit.key), and prints the key id.
Existing key files are never overwritten without --force.

Examples:
  sealkit keygen --out ./keys
  sealkit keygen --out ./recovery --force`,
    )
    .action(async (flags: KeygenFlags) => {
      const publicPath = join(flags.out, PUBLIC_KEY_FILE);
      const privatePath = join(flags.out, PRIVATE_KEY_FILE);
      if (flags.force !== true) {
        const present = [];
        for (const path of [privatePath, publicPath]) if (await exists(path)) present.push(path);
        if (present.length > 0) {
          throw new ExitError(`${present.join(' and ')} already exist${present.length === 1 ? 's' : ''}; not overwriting`, {
            hint: 'choose another --out directory, or pass --force to replace the key; values sealed to the old key will not open with the new one',
          });
        }
      }
      try {
        // 0700: the directory is about to hold a private key.
        await mkdir(flags.out, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new ExitError(`--out ${flags.out}: cannot create the directory`, { cause: err });
      }
      const pair = generateKeyPair();
      const id = keyId(pair.publicKey);
      const privatePem = withNewline(encodePrivateKeyPem(pair.secretKey));
      const publicPem = withNewline(encodePublicKeyPem(pair.publicKey));
      // Created with its final mode: never world-readable, not even for an instant.
      if (flags.force === true) {
        await writeFileAtomic(privatePath, privatePem, PRIVATE_FILE_MODE);
        await writeFileAtomic(publicPath, publicPem, PUBLIC_FILE_MODE);
      } else {
        await writeNewFile(privatePath, privatePem, PRIVATE_FILE_MODE);
        await writeNewFile(publicPath, publicPem, PUBLIC_FILE_MODE);
      }
      io.writeErr(`sealkit: wrote ${publicPath} (public: seal with --cert) and ${privatePath} (private, mode 0600: keep it secret)\n`);
      io.writeOut(`${id}\n`);
    });
};
