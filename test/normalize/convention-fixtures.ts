import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecodedSpan } from '../../exporter/src/model/decoded-span.js';

/** What a fixture says about its own span; shared billable tokens live in the tests' call table. */
export interface FixtureExpectation {
  kind: 'llm' | 'run' | 'ignore';
  convention?: string;
  requestModel?: string;
  responseModel?: string;
  operation?: string;
  inputReported?: number;
  inputIncludesCache?: boolean;
  agentName?: string;
  outcome?: string;
  status?: string;
}

/** One realistic span as an emitter produces it, decoded, with where its attribute set comes from. */
export interface ConventionFixture {
  file: string;
  emitter: string;
  source: string;
  /** The logical call it records: fixtures of the same call must normalize to the same billable tokens. */
  call: string;
  expect: FixtureExpectation;
  span: DecodedSpan;
}

const DIR = join(import.meta.dirname, '..', 'fixtures', 'conventions');

/** Every fixture under test/fixtures/conventions, freshly parsed (tests may not share mutated spans). */
export function loadConventionFixtures(): ConventionFixture[] {
  return readdirSync(DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Omit<ConventionFixture, 'file'>) }));
}

/** A fixture by file name. */
export function fixture(file: string): ConventionFixture {
  const found = loadConventionFixtures().find((f) => f.file === file);
  if (found === undefined) throw new Error(`no fixture ${file}`);
  return found;
}
