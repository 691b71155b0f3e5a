import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { RUNBOOKS_DIR, alertRules } from './support/rule-files.js';
import { requireTool, runTool } from './support/tools.js';

// The runbooks' queries are what on-call will paste at 3 a.m.: they must run. The SQL runs
// against the real schema (clickhouse/migrations) on the embedded engine; the PromQL is parsed
// by promtool (as expressions of a throwaway rule file).

/** Statements that only exist on a ClickHouse server, not in the embedded engine. */
const SERVER_ONLY = /\bFROM system\.query_log\b/;

function runbooks(): { name: string; text: string }[] {
  return readdirSync(RUNBOOKS_DIR)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(RUNBOOKS_DIR, f), 'utf8') }));
}

function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

function sqlStatements(block: string): string[] {
  return block
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.replace(/--.*$/gm, '').trim() !== '');
}

function promqlExpressions(block: string): string[] {
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe('runbooks', () => {
  it('exist for exactly the shipped alerts, each with PromQL and SQL to confirm it', () => {
    const books = runbooks();
    expect(books.map((b) => b.name.replace(/\.md$/, '')).sort()).toEqual(alertRules().map((a) => a.alert).sort());
    for (const b of books) {
      expect(blocks(b.text, 'promql').length, `${b.name}: PromQL`).toBeGreaterThan(0);
      expect(blocks(b.text, 'sql').length, `${b.name}: SQL`).toBeGreaterThan(0);
    }
  });

  it('are listed in the index, every one of them (docs/runbooks/README.md)', () => {
    const index = readFileSync(join(RUNBOOKS_DIR, 'README.md'), 'utf8');
    const listed = [...index.matchAll(/^\| \[(\w+)\]\(\1\.md\) \|/gm)].map((m) => m[1]!);
    expect(listed.sort()).toEqual(alertRules().map((a) => a.alert).sort());
  });

  it('use PromQL that promtool parses', () => {
    const promtool = requireTool('promtool');
    const dir = tempDir('agentic-pnl-runbook-promql-');
    try {
      const rules = runbooks().flatMap((b) =>
        blocks(b.text, 'promql').flatMap(promqlExpressions).map((expr, i) => ({ record: `runbook:${b.name.replace(/\W/g, '_')}:expr${i}`, expr })),
      );
      expect(rules.length).toBeGreaterThan(30);
      const file = join(dir.path, 'runbook-exprs.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'runbook-exprs', rules }] }));
      const r = runTool(promtool, ['check', 'rules', file]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      dir.remove();
    }
  });

  describe('SQL on the real schema (embedded ClickHouse)', () => {
    const dir = tempDir('agentic-pnl-runbook-sql-');
    let store: PnlStore;
    beforeAll(async () => {
      store = await PnlStore.open({ kind: 'embedded', dataDir: dir.path });
    });
    afterAll(async () => {
      await store?.close();
      dir.remove();
    });

    it('runs every statement of every runbook', async () => {
      let ran = 0;
      const failures: string[] = [];
      for (const b of runbooks()) {
        for (const stmt of blocks(b.text, 'sql').flatMap(sqlStatements)) {
          if (SERVER_ONLY.test(stmt)) continue;
          try {
            await store.select(stmt);
            ran += 1;
          } catch (err) {
            failures.push(`${b.name}: ${(err as Error).message.split('\n')[0]}\n${stmt}`);
          }
        }
      }
      expect(failures).toEqual([]);
      expect(ran).toBeGreaterThan(15);
    });
  });
});
