import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const RULES_DIR = join(REPO_ROOT, 'grafana/prometheus/rules');
export const PROMETHEUS_CONFIG = join(REPO_ROOT, 'grafana/prometheus/prometheus.yml');
export const ALERTMANAGER_DIR = join(REPO_ROOT, 'grafana/alertmanager');
export const ALERTMANAGER_CONFIG = join(ALERTMANAGER_DIR, 'alertmanager.yml');
export const RUNBOOKS_DIR = join(REPO_ROOT, 'docs/runbooks');
export const UNIT_TEST_FILES = [join(REPO_ROOT, 'test/alerting/rules.test.yml'), join(REPO_ROOT, 'test/alerting/rules-daily.test.yml')];

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: Rule[];
}
export interface RuleFile {
  path: string;
  groups: RuleGroup[];
}

/** The shipped rule files, parsed. */
export function ruleFiles(): RuleFile[] {
  return readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const path = join(RULES_DIR, f);
      return { path, groups: (parse(readFileSync(path, 'utf8')) as { groups: RuleGroup[] }).groups };
    });
}

export function allRules(): Rule[] {
  return ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules));
}

export function alertRules(): (Rule & { alert: string })[] {
  return allRules().filter((r): r is Rule & { alert: string } => typeof r.alert === 'string');
}

export function recordingRules(): (Rule & { record: string })[] {
  return allRules().filter((r): r is Rule & { record: string } => typeof r.record === 'string');
}

/** promtool unit test file shape (the parts the coverage checks read). */
export interface UnitTestFile {
  group_eval_order?: string[];
  tests: {
    name?: string;
    alert_rule_test?: { eval_time: string; alertname: string; exp_alerts?: unknown[] }[];
    promql_expr_test?: { expr: string; eval_time: string; exp_samples?: unknown[] }[];
  }[];
}

export function unitTestFiles(): UnitTestFile[] {
  return UNIT_TEST_FILES.map((p) => parse(readFileSync(p, 'utf8')) as UnitTestFile);
}
