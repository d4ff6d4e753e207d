import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * No absolute path of one machine in the repository: shared data is found relative to it (`../shared/...`), with an
 * environment variable as override. System paths every Debian machine has (/usr/bin/chromium, /dev/null, /proc) are
 * not a machine's own and are allowed.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MACHINE_PATH = /(?:^|[\s"'`(=:,[])(\/(?:work|home|Users|root|mnt|opt|srv|var\/folders)\/[^\s"'`)]*)|\b[A-Z]:\\\\[A-Za-z]/g;

describe('repository hygiene', () => {
  it('has no absolute path of a machine in any tracked file', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && f !== 'package-lock.json');
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(`${ROOT}/${file}`, 'utf8');
      } catch {
        continue; // deleted in the work tree, not yet committed
      }
      text.split('\n').forEach((line, i) => {
        for (const m of line.matchAll(MACHINE_PATH)) found.push(`${file}:${i + 1}: ${m[1] ?? m[0]}`);
      });
    }
    expect(found).toEqual([]);
  });

  it('would notice one (the pattern matches the path that was once in bench/)', () => {
    const once = `?? '${['', 'work', 'shared', 'bench-data'].join('/')}';`; // built, so this file does not hold one
    expect(once.match(MACHINE_PATH)).not.toBeNull();
    expect('executablePath: "/usr/bin/chromium"'.match(MACHINE_PATH)).toBeNull();
  });
});
