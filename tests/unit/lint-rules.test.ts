// The lint configuration forbids code from strings (the CSP allows no eval in production).
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

describe('eslint.config.mjs', () => {
  it('reports eval, new Function and implied eval', async () => {
    const eslint = new ESLint({ cwd: process.cwd() });
    const [result] = await eslint.lintText("eval('1');\nnew Function('return 1');\nsetTimeout('alert(1)', 1);\nexport {};\n", { filePath: 'lib/http/lint-probe.ts' });
    const rules = result!.messages.map((m) => m.ruleId);
    expect(rules).toEqual(expect.arrayContaining(['no-eval', 'no-new-func', 'no-implied-eval']));
  }, 60_000);
});
