import type { Command } from 'commander';

export function registerLsp(program: Command): void {
  program
    .command('lsp')
    .description('run the language server (LSP over stdio) for editors: diagnostics, completion, hover, navigation, rename, formatting')
    // Language clients append a transport flag; stdio is the only transport, so it is accepted and changes nothing.
    .option('--stdio', 'talk LSP over stdin/stdout (the default and only transport)')
    .action(async () => {
      const { startServer } = await import('../../lang/lsp/server.js');
      startServer(process.stdin, process.stdout);
    });
}
