import { Argument } from 'commander';
import { completionScript, SHELLS, type Shell } from '../completion/generate.js';
import type { RegisterCommand } from '../types.js';

export const registerCompletion: RegisterCommand = (program, { io }) => {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh, fish), generated from the command tree')
    .addArgument(new Argument('<shell>', 'the shell').choices([...SHELLS]))
    .addHelpText(
      'after',
      `
Examples:
  source <(sealkit completion bash)                                   # this shell only
  sealkit completion bash > ~/.local/share/bash-completion/completions/sealkit
  sealkit completion zsh > "\${fpath[1]}/_sealkit"
  sealkit completion fish > ~/.config/fish/completions/sealkit.fish
The scripts also complete kubectl-sealkit (the kubectl plugin).`,
    )
    .action((shell: Shell) => {
      io.writeOut(completionScript(program, shell));
    });
};
