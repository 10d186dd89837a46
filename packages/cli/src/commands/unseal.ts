import { Unsealer, type SecretManifest } from '@sealkit/core';
import { loadUnsealKeys } from '../bitnami/keys.js';
import { unsealEither } from '../bitnami/unseal.js';
import { PRIVATE_FILE_MODE, writeOutput } from '../files/user-files.js';
import { describeObject, parseManifests, readInput } from '../input/manifests.js';
import { formatManifests, type OutputFormat } from '../output/manifests.js';
import type { RegisterCommand } from '../types.js';
import { collect, inputFileOption, outputFormatOption, writeFileOption } from './options.js';

interface UnsealFlags {
  key?: string[];
  file?: string;
  write?: string;
  output?: OutputFormat;
}

export const registerUnseal: RegisterCommand = (program, { io }) => {
  program
    .command('unseal')
    .description('recovery: decrypt SealedSecrets back into Secrets with a private key, offline')
    .option('--key <file>', 'private key(s): sealkit.key, or for Bitnami SealedSecrets the controller key backup (key Secrets, v1 List) or tls.key PEM; repeat to try several', collect)
    .addOption(inputFileOption())
    .addOption(writeFileOption())
    .addOption(outputFormatOption())
    .addHelpText(
      'after',
      `
Prints plaintext Secrets: use it for disaster recovery, and prefer -w (written with mode 0600)
over a terminal. Each value must be found at the namespace/name it was sealed for.

Examples:
  sealkit unseal --key recovery/sealkit.key -f db.sealed.yaml
  cat sealed/*.yaml | sealkit unseal --key old.key --key new.key -w secrets.yaml
  sealkit unseal --key sealkit.key -f db.sealed.yaml -o json | jq -r '.data.password | @base64d'
  # Bitnami SealedSecrets, with the controller's key backup
  kubectl get secret -n kube-system -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml > bitnami-keys.yaml
  sealkit unseal --key bitnami-keys.yaml -f db.bitnami.yaml`,
    )
    .action(async (flags: UnsealFlags) => {
      const keys = await loadUnsealKeys(flags.key ?? []);
      const { source, data } = await readInput(io, { file: flags.file }, 'SealedSecret manifests');
      const unsealer = new Unsealer(keys.sealkit);
      const secrets: SecretManifest[] = [];
      for (const input of parseManifests(data, source)) {
        // core validates the object itself and names the failing field (spec.encryptedData.KEY);
        // we name the object. sealkit and Bitnami SealedSecrets may be mixed.
        secrets.push(unsealEither(input.value, keys, unsealer, describeObject(input)));
      }
      const text = formatManifests(secrets, flags.output ?? 'yaml');
      // Plaintext: the file is created readable by its owner only.
      await writeOutput(io, text, flags.write, PRIVATE_FILE_MODE);
    });
};
