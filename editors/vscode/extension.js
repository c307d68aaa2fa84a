// The globe extension: the language (highlighting from the TextMate grammar,
// brackets and comments from language-configuration.json) and a language
// client that runs `globe lsp` over stdio for .globe files and the YAML files
// of globe projects.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

/** The configured command, else the workspace's own globe, else `globe` on the PATH. */
function serverCommand() {
  const configured = vscode.workspace.getConfiguration('globe').get('server.command');
  if (configured) return configured;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const local = join(folder.uri.fsPath, 'node_modules', '.bin', process.platform === 'win32' ? 'globe.cmd' : 'globe');
    if (existsSync(local)) return local;
  }
  return 'globe';
}

async function activate(context) {
  const yaml = vscode.workspace.getConfiguration('globe').get('server.yaml', true);
  const documentSelector = [{ scheme: 'file', language: 'globe' }];
  // The server decides which YAML files are globe's (a directory with *.globe files, or the schema modeline).
  if (yaml) documentSelector.push({ scheme: 'file', language: 'yaml' });
  const command = serverCommand();
  const serverOptions = {
    run: { command, args: ['lsp'], transport: TransportKind.stdio },
    debug: { command, args: ['lsp'], transport: TransportKind.stdio, options: { env: { ...process.env, GLOBE_DEBUG: '1' } } },
  };
  const clientOptions = {
    documentSelector,
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{globe,yaml,yml}') },
  };
  client = new LanguageClient('globe', 'globe language server', serverOptions, clientOptions);
  context.subscriptions.push(client);
  try {
    await client.start();
  } catch (e) {
    vscode.window.showErrorMessage(`globe: cannot start \`${command} lsp\` (${e.message}). Install globe, or set globe.server.command.`);
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
