// Applies the README's Quick start to an app, verbatim: every fenced block
// after a `<!-- quickstart: <file> [(mode)] -->` marker goes into <file>
// (relative to the app's root). Modes: none writes the file; `append` adds
// the block at the end; `builder` puts it right after the line holding
// `tauri::Builder::default()`, in place of a `.plugin(tauri_plugin_mizan::init())`
// line if there is one (as the README says).
//
//   node quickstart.mjs <README.md> <app dir>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [readmePath, app] = process.argv.slice(2);
if (!readmePath || !app) {
  console.error('usage: node quickstart.mjs <README.md> <app dir>');
  process.exit(2);
}
const readme = readFileSync(readmePath, 'utf8');
const marker = /<!-- quickstart: (\S+)(?: \((\w+)\))? -->\n```\w*\n([\s\S]*?)\n```/g;
let applied = 0;
for (const [, file, mode, body] of readme.matchAll(marker)) {
  const path = join(app, file);
  const block = body + '\n';
  if (!mode) {
    writeFileSync(path, block);
  } else if (mode === 'append') {
    writeFileSync(path, readFileSync(path, 'utf8') + '\n' + block);
  } else if (mode === 'builder') {
    const lines = readFileSync(path, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('tauri::Builder::default()'));
    if (at < 0) throw new Error(`${file}: no tauri::Builder::default() line`);
    const init = lines.findIndex((l) => l.trim() === '.plugin(tauri_plugin_mizan::init())');
    if (init >= 0) lines.splice(init, 1);
    lines.splice(at + 1, 0, ...body.split('\n'));
    writeFileSync(path, lines.join('\n'));
  } else {
    throw new Error(`unknown quickstart mode ${mode}`);
  }
  console.log(`quickstart: ${mode ?? 'wrote'} ${file}`);
  applied++;
}
if (applied < 4) {
  console.error(`quickstart: found ${applied} marked blocks in ${readmePath}, expected 4`);
  process.exit(1);
}
