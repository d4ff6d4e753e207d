import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createContext, generate } from '@graphql-codegen/cli';

describe('codegen', () => {
  it('the committed resolver types match what codegen.yml generates now', async () => {
    const context = await createContext({ config: 'codegen.yml' } as Parameters<typeof createContext>[0]);
    const outputs: { filename: string; content: string }[] = await generate(context, false);
    expect(outputs.length).toBeGreaterThanOrEqual(4);
    for (const { filename, content } of outputs) {
      expect(readFileSync(filename, 'utf8'), `${filename} is stale: run npm run codegen`).toBe(content);
    }
  }, 60_000);
});
