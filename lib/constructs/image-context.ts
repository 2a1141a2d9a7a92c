/**
 * What an image built from a repository directory contains, read from its Dockerfile (`WORKDIR`, `COPY`/`ADD` of
 * files from the build context), so synthesis can refuse a container command whose script the image would not have:
 * the task would exit at start and the deployment would roll back.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The files an image gets from its build context, and the working directory its command runs in. */
export interface ImageContents {
  /** Absolute paths inside the image. */
  readonly files: ReadonlySet<string>;
  readonly workdir: string;
}

function contextFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, prefix)).sort()) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    if (statSync(path.join(dir, rel)).isDirectory()) out.push(...contextFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/** `*.mjs`, `src/?.js` → a regex over context-relative paths (`*` and `?` stay within one path segment). */
function globRegex(glob: string): RegExp {
  const body = glob
    .replace(/^\.\/+/, '')
    .replace(/\/+$/, '')
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}(/.*)?$`);
}

/** Joins Dockerfile continuation lines and drops comments. */
function instructions(dockerfile: string): Array<{ op: string; args: string[] }> {
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const out: Array<{ op: string; args: string[] }> = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [op, ...rest] = line.split(/\s+/);
    const text = rest.join(' ');
    let args: string[];
    if (text.startsWith('[')) {
      try {
        args = JSON.parse(text) as string[];
      } catch {
        args = rest;
      }
    } else {
      args = rest;
    }
    out.push({ op: op!.toUpperCase(), args });
  }
  return out;
}

/** Reads `<contextDir>/Dockerfile` (or `file`) and lists what the image gets from the context. */
export function imageContents(contextDir: string, file = 'Dockerfile'): ImageContents {
  const dockerfile = path.join(contextDir, file);
  if (!existsSync(dockerfile)) throw new Error(`no ${file} in ${contextDir}`);
  const all = contextFiles(contextDir);
  const files = new Set<string>();
  let workdir = '/';
  for (const { op, args } of instructions(readFileSync(dockerfile, 'utf8'))) {
    if (op === 'FROM') workdir = '/';
    if (op === 'WORKDIR' && args[0]) workdir = path.posix.resolve(workdir, args[0]);
    if ((op === 'COPY' || op === 'ADD') && args.length >= 2) {
      const plain = args.filter((a) => !a.startsWith('--'));
      // `--from=<stage>` copies from another image, not from the context.
      if (args.some((a) => a.startsWith('--from='))) continue;
      const dest = plain[plain.length - 1]!;
      const sources = plain.slice(0, -1);
      const target = path.posix.resolve(workdir, dest);
      const intoDir = dest.endsWith('/') || sources.length > 1 || sources.some((s) => /[*?]/.test(s));
      for (const source of sources) {
        const re = globRegex(source);
        const base = source.replace(/^\.\/+/, '').replace(/\/+$/, '');
        const isDir =
          base === '.' ||
          base === '' ||
          (existsSync(path.join(contextDir, base)) && statSync(path.join(contextDir, base)).isDirectory());
        for (const rel of all) {
          if (base === '.' || base === '') {
            files.add(path.posix.join(target, rel));
          } else if (isDir && rel.startsWith(`${base}/`)) {
            files.add(path.posix.join(target, rel.slice(base.length + 1)));
          } else if (!isDir && re.test(rel)) {
            files.add(intoDir ? path.posix.join(target, path.posix.basename(rel)) : target);
          }
        }
      }
    }
  }
  return { files, workdir };
}

/** Arguments of a command that name a script or file (a path with `/`, or a script extension), not flags. */
export function fileArguments(command: readonly string[]): string[] {
  return command
    .slice(1)
    .filter(
      (a) =>
        !a.startsWith('-') && (/\.(mjs|cjs|js|ts|py|sh|rb|jar)$/.test(a) || /^\.{0,2}\/?[\w.-]+\/[\w./-]+$/.test(a)),
    );
}

/** The file arguments of `command` the image does not contain (resolved against its working directory). */
export function missingCommandFiles(contents: ImageContents, command: readonly string[]): string[] {
  return fileArguments(command).filter((arg) => !contents.files.has(path.posix.resolve(contents.workdir, arg)));
}
