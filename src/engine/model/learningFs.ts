/**
 * Feeding the secret vault (secretVault.ts) from what Critic reads: every file read through the
 * engine's `fs` port (test files, imported modules, package manifests), and once per project the
 * usual credential files at its root — a test that prints a password from `.env`, or an example
 * that reads a token file, then cannot carry that value to the model in its output.
 */
import { join } from 'node:path';
import type { FileSystemPort } from '../types.js';
import { sharedVault, type SecretVault } from './secretVault.js';

/** Files at a project's root that hold credentials by convention. */
const credentialFiles = [
  '.env', '.env.local', '.env.development', '.env.production', '.env.test', '.env.example',
  '.npmrc', '.pypirc', '.netrc', '.git-credentials', 'secrets.json', 'secrets.yaml', 'secrets.yml', 'secrets.toml',
  'credentials.json', 'credentials.yaml', 'credentials.yml', 'config/secrets.yml', 'config/credentials.yml',
];

/** Larger files are not scanned (a data file is not a credential file). */
const maxScanChars = 512 * 1024;

/** The port, with every text it reads also scanned for secret values. */
export function learningFs(fs: FileSystemPort, vault: SecretVault = sharedVault): FileSystemPort {
  return {
    exists: (p) => fs.exists(p),
    readdir: (p) => fs.readdir(p),
    readFile: async (p) => {
      const text = await fs.readFile(p);
      if (text.length <= maxScanChars) vault.learn(text);
      return text;
    },
  };
}

const scannedRoots = new Set<string>();

/** Learns the values in the project's credential files, once per root and process; missing files are fine. */
export async function learnProjectSecrets(fs: FileSystemPort, root: string, vault: SecretVault = sharedVault): Promise<void> {
  const key = root;
  if (scannedRoots.has(key)) return;
  scannedRoots.add(key);
  await Promise.all(
    credentialFiles.map(async (name) => {
      const path = join(root, name);
      try {
        if (!(await fs.exists(path))) return;
        const text = await fs.readFile(path);
        if (text.length <= maxScanChars) vault.learn(text);
      } catch {
        // Unreadable (permissions, a folder): nothing to learn from it.
      }
    }),
  );
}
