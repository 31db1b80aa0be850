// Builds dist/ whenever the package is installed from its sources or packed:
// `npm pack` / `npm publish` (prepack), a git dependency, and
// `npm install <path>/guest-js` (prepare). npm links a `file:` dependency
// without installing its devDependencies, so when the compiler is missing the
// build tools are installed here first, from the lock file. A dist/ newer than
// every source is kept (npm runs prepack and prepare one after the other).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = join(root, 'dist', 'esm', 'index.js');
const inputs = ['src', 'package.json', 'tsconfig.base.json', 'tsconfig.esm.json', 'tsconfig.cjs.json'];
if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...inputs.map((p) => newest(join(root, p))))) {
  console.log('dist/ is up to date');
  process.exit(0);
}

let haveCompiler = true;
try {
  require.resolve('typescript/package.json');
} catch {
  haveCompiler = false;
}
if (!haveCompiler) {
  console.log('tauri-plugin-mizan-api: installing the build tools (devDependencies) to build dist/');
  const npm = process.env.npm_execpath;
  const args = ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];
  if (npm && npm.endsWith('.js')) {
    execFileSync(process.execPath, [npm, ...args], { cwd: root, stdio: 'inherit' });
  } else {
    execFileSync('npm', args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  }
}
await import('./build.mjs');
